/*
 * pc.c - each guest's PC parts (struct pc: the VGA screen, and for a disk
 * boot the BIOS and the disk), kept beside the guests in the same order,
 * so that pc_of(vm) finds them by the guest's number.
 */
#include <stdlib.h>

#include "vmm.h"
#include "pc/pc.h"

static struct pc *pcs;
static int npcs;

int pc_init(struct vmm *vmm, char *err)
{
	pcs = calloc(vmm->nvms, sizeof(*pcs));
	if (!pcs)
		return vmm_fail(err, "out of memory");
	npcs = vmm->nvms;
	for (int g = 0; g < npcs; g++)
		vga_init(&pcs[g].vga);
	return 0;
}

void pc_release(struct vmm *vmm)
{
	(void)vmm;
	for (int g = 0; g < npcs; g++) {
		disk_close(&pcs[g].disk);
		pthread_mutex_destroy(&pcs[g].vga.lock);
	}
	free(pcs);
	pcs = NULL;
	npcs = 0;
}

struct pc *pc_of(const struct vm *vm)
{
	if (!vm->vmm || vm->index < 0 || vm->index >= npcs)
		return NULL;
	return &pcs[vm->index];
}
