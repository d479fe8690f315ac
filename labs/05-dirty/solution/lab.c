/*
 * lab.c - lab 05, reference solution: dirty-page tracking. Hypercall
 * DIRTY_START (8) turns on KVM's dirty log for the guest's RAM and empties
 * it; DIRTY_REPORT (9) reads the log (KVM_GET_DIRTY_LOG, which empties it
 * again) and writes the numbers of the pages the guest wrote since into a
 * guest buffer of 32-bit entries: EBX = its guest-physical address, ECX =
 * how many entries it holds. EAX = how many pages were written (maybe more
 * than fit), or HC_ERROR.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "lab.h"
#include "vmm.h"

#define HC_DIRTY_START 8     /* start tracking: EAX = 0, or HC_ERROR */
#define HC_DIRTY_REPORT 9    /* EBX = buffer, ECX = its entries; EAX = dirty pages */
#define RAM_SLOT 0           /* vm_create() registers all RAM as memory slot 0 */
#define GUEST_PAGE_SIZE 4096 /* the log has one bit per 4 KiB page */
#define ENTRY_SIZE 4         /* one page number in the guest's buffer: a dword */
#define BITS_PER_WORD 64     /* KVM's bitmap is made of 64-bit words (unsigned long) */

/* Register RAM_SLOT again, all of the guest's RAM, with these flags. */
static int set_ram_slot(struct vm *vm, uint32_t flags)
{
	struct kvm_userspace_memory_region region = {
		.slot = RAM_SLOT,
		.flags = flags,
		.guest_phys_addr = 0,
		.memory_size = vm->mem_size,
		.userspace_addr = (uintptr_t)vm->mem,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
}

/* How many 64-bit words the log of the RAM slot takes: one bit per page,
 * rounded up to whole words. */
static size_t bitmap_words(const struct vm *vm)
{
	uint64_t pages = vm->mem_size / GUEST_PAGE_SIZE;

	return (pages + BITS_PER_WORD - 1) / BITS_PER_WORD;
}

/* The dirty log of the RAM slot, freshly allocated (free it), or NULL.
 * KVM empties its own log as it hands it over. */
static uint64_t *read_dirty_log(struct vm *vm)
{
	uint64_t *bitmap = calloc(bitmap_words(vm), sizeof(uint64_t));
	struct kvm_dirty_log log = { .slot = RAM_SLOT };

	if (!bitmap)
		return NULL;
	log.dirty_bitmap = bitmap;
	if (ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) < 0) {
		free(bitmap);   /* ENOENT: the slot does not log */
		return NULL;
	}
	return bitmap;
}

/* DIRTY_START: log the RAM slot's writes from now on. */
static uint32_t start_tracking(struct vm *vm)
{
	uint64_t *bitmap;

	if (set_ram_slot(vm, KVM_MEM_LOG_DIRTY_PAGES) < 0)
		return HC_ERROR;
	/* Already logging (a second START)? Then the flag changed nothing and
	 * the log still holds the old writes: read it once to empty it. */
	bitmap = read_dirty_log(vm);
	if (!bitmap)
		return HC_ERROR;
	free(bitmap);
	return 0;
}

/* DIRTY_REPORT: the numbers of the written pages into the `capacity`
 * entries at guest-physical `buffer`; returns how many pages were written. */
static uint32_t report_dirty(struct vm *vm, uint32_t buffer, uint32_t capacity)
{
	uint64_t *bitmap;
	uint32_t count = 0;

	/* In 64 bits: capacity * ENTRY_SIZE must not wrap. */
	if (!vm_range_ok(vm, buffer, (uint64_t)capacity * ENTRY_SIZE))
		return HC_ERROR;
	bitmap = read_dirty_log(vm);
	if (!bitmap)
		return HC_ERROR;
	for (size_t word = 0; word < bitmap_words(vm); word++) {
		for (int bit = 0; bit < BITS_PER_WORD; bit++) {
			uint32_t page = (uint32_t)(word * BITS_PER_WORD + bit);

			if (!(bitmap[word] & (1ULL << bit)))
				continue;
			if (count < capacity)
				memcpy(vm->mem + buffer + (uint64_t)count * ENTRY_SIZE, &page,
				       ENTRY_SIZE);
			count++;
		}
	}
	free(bitmap);
	return count;
}

bool lab_hypercall(struct vcpu *cpu, uint8_t nr, struct hc_regs *r)
{
	switch (nr) {
	case HC_DIRTY_START:
		r->eax = start_tracking(cpu->vm);
		return true;
	case HC_DIRTY_REPORT:
		r->eax = report_dirty(cpu->vm, r->ebx, r->ecx);
		return true;
	default:
		return false;   /* not ours: the guest gets HC_ERROR */
	}
}
