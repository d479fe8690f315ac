/*
 * lab.c - lab 05, your code: dirty-page tracking. Hypercall DIRTY_START (8)
 * turns on KVM's dirty log for the guest's RAM and empties it;
 * DIRTY_REPORT (9) reads the log and writes the numbers of the pages the
 * guest wrote since into a guest buffer of 32-bit entries (EBX = its
 * guest-physical address, ECX = how many entries it holds) and returns in
 * EAX how many pages were written, or HC_ERROR. README.md explains
 * KVM_SET_USER_MEMORY_REGION and KVM_GET_DIRTY_LOG; `make check LAB=05`
 * grades this file.
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

/* DIRTY_START: log the RAM slot's writes from now on. */
static uint32_t start_tracking(struct vm *vm)
{
	/* TODO: register RAM_SLOT again (KVM_SET_USER_MEMORY_REGION on
	 * vm->fd: guest-physical 0, vm->mem_size bytes at vm->mem) with the
	 * flag KVM_MEM_LOG_DIRTY_PAGES. If the slot logged already, the flag
	 * changes nothing: read the log once (KVM_GET_DIRTY_LOG) and throw it
	 * away, so that it starts empty. Return 0, or HC_ERROR if an ioctl
	 * fails. */
	return HC_ERROR;
}

/* DIRTY_REPORT: the numbers of the written pages into the `capacity`
 * entries at guest-physical `buffer`; returns how many pages were written. */
static uint32_t report_dirty(struct vm *vm, uint32_t buffer, uint32_t capacity)
{
	/* TODO: refuse (HC_ERROR) a buffer not all inside the guest's RAM.
	 * Read the log with KVM_GET_DIRTY_LOG into a bitmap of one bit per
	 * page, rounded up to whole 64-bit words (HC_ERROR if it fails: the
	 * slot does not log). For each bit set, in order, write the page's
	 * number into the next entry, while there is room (capacity), and
	 * count it. Return the count. */
	return HC_ERROR;
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
