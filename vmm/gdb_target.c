/*
 * gdb_target.c - the GDB stub's target on KVM vCPUs.
 */
#include "gdb_target.h"

int gdb_start(struct vm *vm, const char *spec, char *err)
{
	(void)vm; (void)spec;
	return vmm_fail(err, "--gdb is not available yet");
}

void gdb_stop(struct vm *vm)
{
	(void)vm;
}

bool gdb_vcpu_before_run(struct vcpu *cpu)
{
	(void)cpu;
	return true;
}

bool gdb_vcpu_debug_exit(struct vcpu *cpu)
{
	dump_fault(cpu, "unexpected debug exit (KVM_EXIT_DEBUG) with no debugger attached");
	vm_end(cpu->vm, STATUS_FAULT);
	return false;
}

void gdb_vm_ended(struct vm *vm)
{
	(void)vm;
}
