/*
 * lab.c - lab 01, reference solution: the LOG hypercall (number 6). EBX =
 * guest-physical address of a string, ECX = its length; kvm-vmm prints
 * "kvm-vmm: guest log: <text>" on stderr and returns the length in EAX, or
 * HC_ERROR for a string too long or not all inside the guest's RAM.
 */
#include <ctype.h>
#include <string.h>

#include "lab.h"
#include "vmm.h"

#define HC_LOG 6          /* the hypercall this lab adds */
#define LOG_MAX 256       /* the longest string LOG accepts, in bytes */
#define LOG_UNPRINTABLE '.'   /* what a byte outside printable ASCII is shown as */

bool lab_hypercall(struct vcpu *cpu, uint8_t nr, struct hc_regs *r)
{
	char text[LOG_MAX + 1];

	if (nr != HC_LOG)
		return false;   /* not ours: the guest gets HC_ERROR */
	/* Length first: then the range check below works on small numbers.
	 * vm_range_ok() compares in 64 bits, so EBX + ECX cannot wrap. */
	if (r->ecx > LOG_MAX || !vm_range_ok(cpu->vm, r->ebx, r->ecx)) {
		r->eax = HC_ERROR;
		return true;
	}
	/* A copy: the guest (another vCPU) may change its memory meanwhile. */
	memcpy(text, cpu->vm->mem + r->ebx, r->ecx);
	for (uint32_t i = 0; i < r->ecx; i++)
		if (!isprint((unsigned char)text[i]))
			text[i] = LOG_UNPRINTABLE;
	text[r->ecx] = '\0';
	vmm_msg(cpu->vm, "guest log: %s", text);
	r->eax = r->ecx;
	return true;
}
