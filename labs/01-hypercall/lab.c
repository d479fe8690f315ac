/*
 * lab.c - lab 01, your code: the LOG hypercall (number 6). The guest puts
 * the guest-physical address of a string in EBX and its length in ECX and
 * writes 6 to port 0x500; kvm-vmm prints the string on its stderr as
 *     kvm-vmm: guest log: <text>
 * and returns the length in EAX. README.md explains the path from
 * KVM_EXIT_IO to here; `make check LAB=01` grades this file.
 */
#include "lab.h"
#include "vmm.h"

#define HC_LOG 6          /* the hypercall this lab adds */
#define LOG_MAX 256       /* the longest string LOG accepts, in bytes */
#define LOG_UNPRINTABLE '.'   /* what a byte outside printable ASCII is shown as */

bool lab_hypercall(struct vcpu *cpu, uint8_t nr, struct hc_regs *r)
{
	if (nr != HC_LOG)
		return false;   /* not ours: the guest gets HC_ERROR */
	/* TODO: the string is r->ebx .. r->ebx + r->ecx in the guest's RAM,
	 * cpu->vm->mem (cpu->vm->mem_size bytes). Refuse (r->eax = HC_ERROR,
	 * print nothing) a string longer than LOG_MAX or one that is not all
	 * inside the RAM; else copy it, show every byte outside printable
	 * ASCII as LOG_UNPRINTABLE, print it with vmm_msg(cpu->vm, "guest
	 * log: %s", text) and set r->eax to the length. */
	r->eax = HC_ERROR;
	return true;
}
