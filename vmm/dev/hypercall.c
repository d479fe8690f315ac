/*
 * hypercall.c - the hypercalls of port 0x500: AL selects one, EBX and ECX
 * carry arguments, EAX (and EDX for TIME) gets the result. Every guest pointer is
 * checked against the guest's RAM; a bad one gets HC_ERROR, never a crash.
 */
#include <stdio.h>
#include <time.h>

#include "lab.h"
#include "vmm.h"

static const char *const names[HC_COUNT] = {
	[HC_EXIT] = "EXIT", [HC_PUTCHAR] = "PUTCHAR", [HC_GETCHAR] = "GETCHAR",
	[HC_PUTNUM] = "PUTNUM", [HC_WRITE] = "WRITE", [HC_TIME] = "TIME",
};

const char *hypercall_name(unsigned nr)
{
	return nr < HC_COUNT ? names[nr] : NULL;
}

enum hc_outcome hypercall_dispatch(struct vcpu *cpu, uint8_t nr, struct hc_regs *r)
{
	struct vm *vm = cpu->vm;
	struct vcpu_stats *st = &cpu->stats;
	char num[16];
	struct timespec ts;
	uint64_t ns;
	int c, n;

	switch (nr) {
	case HC_EXIT:
		vm_end(vm, r->ebx & 0xff);
		st->hypercalls[nr]++;
		return HC_ENDED;
	case HC_PUTCHAR: {
		uint8_t ch = r->ebx & 0xff;

		console_write(vm, &ch, 1);
		break;
	}
	case HC_GETCHAR:
		console_prompt(vm);   /* show a prompt before waiting for input */
		c = input_getc(vm);
		if (c == INPUT_YIELD)
			return HC_YIELD;   /* counted when it is carried out */
		r->eax = c == INPUT_EOF ? HC_ERROR : (uint32_t)c;
		cpu->hc.last_result = r->eax;
		break;
	case HC_PUTNUM:
		n = snprintf(num, sizeof(num), "%u", r->ebx);
		console_write(vm, num, n);
		break;
	case HC_WRITE:
		if (!vm_range_ok(vm, r->ebx, r->ecx)) {
			r->eax = HC_ERROR;
			break;
		}
		console_write(vm, vm->mem + r->ebx, r->ecx);
		r->eax = r->ecx;
		break;
	case HC_TIME:
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		r->eax = (uint32_t)ns;
		r->edx = (uint32_t)(ns >> 32);
		break;
	default:
		if (lab_hypercall(cpu, nr, r))   /* a lab's own hypercall (vmm/lab.h) */
			return HC_DONE;
		r->eax = HC_ERROR;
		st->hypercalls_unknown++;
		return HC_DONE;
	}
	st->hypercalls[nr]++;
	return HC_DONE;
}
