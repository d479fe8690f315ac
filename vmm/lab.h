/*
 * lab.h - the hooks through which a lab of Part II (labs/NN-topic/lab.c)
 * extends the runner. The core calls each hook only for what it does not
 * handle itself: a hypercall number it does not know, a port no device of
 * its own answers, an access where there is no memory, a gdb `monitor`
 * command it does not have; and before each entry into the guest, and at
 * its end, for a lab's device that raises interrupts. vmm/lab.c gives every hook a weak default that handles
 * nothing, so ./kvm-vmm behaves as if there were no hooks; a lab's VMM
 * (build/labs/NN/kvm-vmm) links the student's lab.c, whose definitions
 * replace the defaults. docs/labs.md explains the labs.
 */
#ifndef VMM_LAB_H
#define VMM_LAB_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/dev.h"

struct vcpu;
struct vm;

/* Hypercall `nr`, which the core does not know, with the guest's
 * registers in r. Return true if the lab carried it out (its results
 * written to r: the core copies EAX and EDX back into the guest), false to
 * leave it unknown (the guest gets EAX = HC_ERROR). */
bool lab_hypercall(struct vcpu *cpu, uint8_t nr, struct hc_regs *r);

/* An `out` of `size` bytes (data[0] is the low byte) to a port no device
 * of the core answers. Return true if the lab's device took it. */
bool lab_port_out(struct vcpu *cpu, uint16_t port, const uint8_t *data, int size);

/* An `in` of `size` bytes from a port no device of the core answers. Fill
 * data[0..size-1] and return true if the lab's device answered; false
 * leaves all ones in data (nothing on the bus). */
bool lab_port_in(struct vcpu *cpu, uint16_t port, uint8_t *data, int size);

/* A guest access of `len` bytes (1, 2, 4 or 8) at guest-physical address
 * `addr`, where no memory slot is and the core (gdb's watched pages) did
 * not take it: a KVM_EXIT_MMIO. data[0] is the lowest byte. A write
 * (is_write) brings its bytes in data; for a read, fill data[0..len-1]
 * and KVM completes the guest's instruction with them. Return true if the
 * lab's device took it; false leaves the default: a read gives all ones,
 * a write is lost. */
bool lab_mmio(struct vcpu *cpu, uint64_t addr, uint8_t *data, uint32_t len, bool is_write);

/* Just before each KVM_RUN of cpu, on its own thread: a lab's device may
 * inject an interrupt here (KVM_INTERRUPT, when the last exit said
 * run->ready_for_interrupt_injection) or ask KVM to exit as soon as the
 * guest can take one (run->request_interrupt_window: the exit is
 * KVM_EXIT_IRQ_WINDOW_OPEN, and the next KVM_RUN comes here again). */
void lab_before_run(struct vcpu *cpu);

/* Guest vm has ended and its vCPU threads are gone: stop and join any
 * thread the lab started for it. */
void lab_vm_end(struct vm *vm);

/* A gdb `monitor` command that the core does not know (cmd: without
 * leading blanks), on the state of one stopped vCPU of guest vm: regs and
 * sregs as KVM_GET_REGS and KVM_GET_SREGS gave them. Write the text gdb
 * shows into out (len bytes, NUL-terminated) and return 0; or return -1
 * to leave the command unknown (gdb then shows "unknown monitor command"
 * and the list of commands). */
int lab_monitor(struct vm *vm, const struct kvm_regs *regs, const struct kvm_sregs *sregs,
		const char *cmd, char *out, size_t len);

/* What `monitor help` adds to its list for the lab's commands: lines like
 * "  name            what it shows\n". Empty without a lab. */
extern const char lab_monitor_help[];

#endif
