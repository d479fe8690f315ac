/*
 * gdb_target.h - the bridge between the run loop and the GDB stub: the
 * hooks run.c calls on every vCPU, and the set-up main() calls for --gdb.
 * gdb_target.c implements struct gdb_target (gdbstub/gdbstub.h) on KVM.
 */
#ifndef VMM_GDB_TARGET_H
#define VMM_GDB_TARGET_H

#include <stdbool.h>

#include "vmm.h"

/* Serve gdb for guest vm on spec ("PORT" or "HOST:PORT"): listen, print
 * "gdb: listening on HOST:PORT" on stderr, and start the server thread.
 * The guest's vCPUs then wait for gdb before their first instruction. */
int gdb_start(struct vm *vm, const char *spec, char *err);
/* Stop the server thread (at exit). */
void gdb_stop(struct vm *vm);

/* Called by a vCPU thread before each KVM_RUN when gdb is attached to its
 * guest: parks the vCPU while gdb has it stopped, applies breakpoints and
 * single-step. Returns false when the vCPU must leave its run loop. */
bool gdb_vcpu_before_run(struct vcpu *cpu);
/* Handle KVM_EXIT_DEBUG. Returns true to keep running. */
bool gdb_vcpu_debug_exit(struct vcpu *cpu);
/* The vCPU left its run loop for good (halted, or the guest ended): keep
 * its registers readable for gdb. Called on the vCPU's thread. */
void gdb_vcpu_finished(struct vcpu *cpu);
/* After a port I/O exit: a single-step in progress has completed with the
 * instruction, so handle it as a step's debug exit. */
void gdb_vcpu_after_io(struct vcpu *cpu);
/* The guest is ending: report it to gdb (W packet) if attached. */
void gdb_vm_ended(struct vm *vm);

/* A `monitor` command (gdb_monitor.c) on the stopped state of one vCPU:
 * "info sregs", "info gdt", "info idt", "info pagetable", "exits", "help".
 * Writes text into out; returns 0, or -1 for an unknown command. */
int gdb_monitor(struct vm *vm, const struct kvm_regs *regs, const struct kvm_sregs *sregs,
		const char *cmd, char *out, size_t len);

#endif
