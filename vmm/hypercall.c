/*
 * hypercall.c - the hypercalls of port 0x500 (DESIGN §3): AL selects one,
 * EBX/ECX/EDX carry arguments, EAX gets the result. Every guest pointer is
 * checked against the guest's RAM; a bad one gets HC_ERROR, never a crash.
 */
#include <stdio.h>
#include <time.h>

#include "vmm.h"

static const char *const names[HC_COUNT] = {
	[HC_EXIT] = "EXIT", [HC_PUTCHAR] = "PUTCHAR", [HC_GETCHAR] = "GETCHAR",
	[HC_PUTNUM] = "PUTNUM", [HC_WRITE] = "WRITE", [HC_TIME] = "TIME",
};

const char *hypercall_name(unsigned nr)
{
	return nr < HC_COUNT ? names[nr] : NULL;
}

int hypercall_dispatch(struct vm *vm, struct vcpu_stats *st, uint8_t nr, struct hc_regs *r)
{
	char num[16];
	struct timespec ts;
	uint64_t ns;
	int c, n;

	if (nr < HC_COUNT)
		st->hypercalls[nr]++;
	else
		st->hypercalls_unknown++;

	switch (nr) {
	case HC_EXIT:
		vm_end(vm, r->ebx & 0xff);
		return 1;
	case HC_PUTCHAR: {
		uint8_t ch = r->ebx & 0xff;

		console_write(vm, &ch, 1);
		return 0;
	}
	case HC_GETCHAR:
		console_prompt(vm);   /* show a prompt before waiting for input */
		c = input_getc(vm->end_fd);
		r->eax = c < 0 ? HC_ERROR : (uint32_t)c;
		return 0;
	case HC_PUTNUM:
		n = snprintf(num, sizeof(num), "%u", r->ebx);
		console_write(vm, num, n);
		return 0;
	case HC_WRITE:
		if (!vm_range_ok(vm, r->ebx, r->ecx)) {
			r->eax = HC_ERROR;
			return 0;
		}
		console_write(vm, vm->mem + r->ebx, r->ecx);
		r->eax = r->ecx;
		return 0;
	case HC_TIME:
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		r->eax = (uint32_t)ns;
		r->edx = (uint32_t)(ns >> 32);
		return 0;
	}
	r->eax = HC_ERROR;
	return 0;
}
