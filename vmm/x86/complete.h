/*
 * complete.h - finishing instructions that KVM could not emulate
 * (complete.c). On hosts that emulate ring-0 code (nested PVM), `int N`,
 * `int3`, `into` and `iretd` in 32-bit protected mode end in an emulation
 * failure (docs/host-support.md); kvm-vmm carries them out itself, as the
 * CPU would, and the guest goes on.
 */
#ifndef VMM_X86_COMPLETE_H
#define VMM_X86_COMPLETE_H

#include <stdbool.h>

struct vcpu;

/* cpu just exited with KVM_EXIT_INTERNAL_ERROR: if it is an emulation
 * failure on an instruction kvm-vmm can carry out, do it (registers,
 * segments, stack) and return true: the vCPU runs on. False leaves
 * everything as it was, for the fault report. */
bool x86_complete_failed_instruction(struct vcpu *cpu);

#endif
