/*
 * lab.c - the default lab hooks (see lab.h): each handles nothing. They
 * are weak, so a lab's own lab.c, linked into build/labs/NN/kvm-vmm,
 * replaces them; ./kvm-vmm keeps these.
 */
#include "lab.h"

__attribute__((weak)) bool lab_hypercall(struct vcpu *cpu, uint8_t nr, struct hc_regs *r)
{
	return false;
}

__attribute__((weak)) bool lab_port_out(struct vcpu *cpu, uint16_t port, const uint8_t *data,
					int size)
{
	return false;
}

__attribute__((weak)) bool lab_port_in(struct vcpu *cpu, uint16_t port, uint8_t *data, int size)
{
	return false;
}

__attribute__((weak)) bool lab_mmio(struct vcpu *cpu, uint64_t addr, uint8_t *data, uint32_t len,
				    bool is_write)
{
	return false;
}

__attribute__((weak)) void lab_before_run(struct vcpu *cpu)
{
}

__attribute__((weak)) void lab_vm_end(struct vm *vm)
{
}

__attribute__((weak)) int lab_monitor(struct vm *vm, const struct kvm_regs *regs,
				      const struct kvm_sregs *sregs, const char *cmd, char *out,
				      size_t len)
{
	return -1;
}

__attribute__((weak)) const char lab_monitor_help[] = "";
