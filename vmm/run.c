/*
 * run.c - the heart of the runner: one thread per vCPU calls KVM_RUN in a
 * loop and dispatches each VM exit (port I/O to the devices, HLT, MMIO,
 * faults). A guest ends when it asks to (exit port or hypercall), when all
 * its vCPUs have halted, on a fault, or at --timeout; its other vCPUs are
 * then kicked out of KVM_RUN with a signal and immediate_exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "gdb_target.h"
#include "vmm.h"
#include "x86.h"

/* The signal that kicks a vCPU thread out of KVM_RUN. Its handler does
 * nothing: the point is that the ioctl returns with EINTR. */
#define SIG_KICK SIGUSR1

static void kick_handler(int sig)
{
	(void)sig;
}

void vcpu_kick_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;   /* no SA_RESTART: KVM_RUN must return */
	sigaction(SIG_KICK, &sa, NULL);
}

void vcpu_kick(struct vcpu *cpu)
{
	/* A vCPU's own thread looks at the state before it enters KVM_RUN
	 * again: it needs no kick (and a stale immediate_exit would waste its
	 * next KVM_RUN). */
	if (cpu->thread_started && pthread_equal(cpu->thread, pthread_self()))
		return;
	/* immediate_exit covers a vCPU that is about to enter KVM_RUN; the
	 * signal covers one that is inside it. */
	cpu->run->immediate_exit = 1;
	if (cpu->thread_started)
		pthread_kill(cpu->thread, SIG_KICK);
}

void vm_end(struct vm *vm, int status)
{
	uint64_t one = 1;

	if (atomic_exchange(&vm->ending, true))
		return;   /* the first reason to end wins */
	vm->status = status;
	if (write(vm->end_fd, &one, sizeof(one)) < 0) {
		/* an eventfd write cannot fail here; nothing to do if it did */
	}
	for (int i = 0; i < vm->ncpus; i++)
		vcpu_kick(&vm->cpus[i]);
	gdb_vm_ended(vm);
}

/* Reads of unbacked physical addresses return all ones; writes are lost. */
static void handle_mmio(struct vcpu *cpu)
{
	if (!cpu->run->mmio.is_write)
		memset(cpu->run->mmio.data, 0xff, sizeof(cpu->run->mmio.data));
}

static void report_internal_error(struct vcpu *cpu)
{
	struct kvm_run *run = cpu->run;
	char reason[160];

	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
		snprintf(reason, sizeof(reason),
			 "KVM could not emulate an instruction (KVM_EXIT_INTERNAL_ERROR, emulation failure)");
	else
		snprintf(reason, sizeof(reason), "KVM internal error, suberror %u",
			 run->internal.suberror);
	dump_fault(cpu, reason);
}

/* Handle one exit. Returns true while the vCPU should keep running. */
static bool handle_exit(struct vcpu *cpu)
{
	struct kvm_run *run = cpu->run;
	char reason[96];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (ports_handle_io(cpu))
			return false;
		if (cpu->debug)
			gdb_vcpu_after_io(cpu);
		return true;
	case KVM_EXIT_HLT:
		/* Without an interrupt controller nothing can wake this vCPU. With
		 * one, KVM only exits on hlt when it cannot wait itself (e.g. while
		 * gdb single-steps): go back, and KVM waits for the interrupt. */
		if (cpu->vm->irqchip)
			return true;
		cpu->done = true;
		return false;
	case KVM_EXIT_MMIO:
		handle_mmio(cpu);
		return true;
	case KVM_EXIT_INTR:
		return true;   /* kicked: the loop looks at why */
	case KVM_EXIT_DEBUG:
		return gdb_vcpu_debug_exit(cpu);
	case KVM_EXIT_SHUTDOWN:
		dump_fault(cpu, "triple fault (KVM_EXIT_SHUTDOWN): the CPU reset itself");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(reason, sizeof(reason),
			 "KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY, reason 0x%llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		dump_fault(cpu, reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		report_internal_error(cpu);
		break;
	default:
		snprintf(reason, sizeof(reason), "unhandled VM exit %s (%u)",
			 exit_reason_name(run->exit_reason), run->exit_reason);
		dump_fault(cpu, reason);
		break;
	}
	vm_end(cpu->vm, STATUS_FAULT);
	return false;
}

/*
 * With KVM's in-kernel interrupt controller `hlt` no longer exits to us:
 * the vCPU waits inside KVM_RUN for an interrupt. One halted with
 * interrupts disabled waits forever, so main() kicks such guests'
 * vCPUs now and then (IDLE_CHECK_MS) and they look at themselves here:
 * halted, interrupts off, and still at the same place as last time.
 */
#define IDLE_CHECK_MS 50

static bool halted_for_good(struct vcpu *cpu)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	bool halted_off;

	halted_off = ioctl(cpu->fd, KVM_GET_MP_STATE, &mp) == 0 &&
		     mp.mp_state == KVM_MP_STATE_HALTED &&
		     ioctl(cpu->fd, KVM_GET_REGS, &regs) == 0 && !(regs.rflags & RFLAGS_IF);
	/* Seen twice in a row at the same place: KVM may still say "halted"
	 * for a moment after a halt ended (e.g. one single-stepped by gdb). */
	if (halted_off && cpu->idle_seen && cpu->idle_rip == regs.rip)
		return true;
	cpu->idle_seen = halted_off;
	cpu->idle_rip = halted_off ? regs.rip : 0;
	return false;
}

void vcpu_run_loop(struct vcpu *cpu)
{
	struct vm *vm = cpu->vm;
	bool trace = vm->vmm && vm->vmm->opts->trace;

	while (!atomic_load(&vm->ending)) {
		if (cpu->debug && !gdb_vcpu_before_run(cpu))
			break;
		if (ioctl(cpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				cpu->run->immediate_exit = 0;
				cpu->stats.exits[KVM_EXIT_INTR]++;
				if (vm->irqchip && halted_for_good(cpu))
					break;   /* like an HLT exit without an irqchip */
				continue;
			}
			vmm_msg(vm, "KVM_RUN: %s", strerror(errno));
			vm_end(vm, STATUS_FAULT);
			break;
		}
		if (cpu->run->exit_reason < EXIT_REASONS)
			cpu->stats.exits[cpu->run->exit_reason]++;
		if (trace)
			trace_exit(cpu);
		if (!handle_exit(cpu))
			break;
	}
	cpu->done = true;
	if (cpu->debug)
		gdb_vcpu_finished(cpu);
}

/* A guest whose vCPUs have all stopped has ended; tell main() when the
 * last guest is done. */
static void vcpu_finished(struct vcpu *cpu)
{
	struct vm *vm = cpu->vm;
	struct vmm *vmm = vm->vmm;
	bool guest_done;

	pthread_mutex_lock(&vmm->lock);
	guest_done = --vm->cpus_running == 0;
	pthread_mutex_unlock(&vmm->lock);
	if (!guest_done)
		return;
	vm_end(vm, STATUS_OK);   /* all halted: status 0 unless set before */
	console_flush(vm);
	pthread_mutex_lock(&vmm->lock);
	vmm->guests_running--;
	pthread_cond_broadcast(&vmm->cond);
	pthread_mutex_unlock(&vmm->lock);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *cpu = arg;

	vcpu_run_loop(cpu);
	vcpu_finished(cpu);
	return NULL;
}

int vmm_start(struct vmm *vmm, char *err)
{
	pthread_mutex_lock(&vmm->lock);
	vmm->guests_running = vmm->nvms;
	for (int g = 0; g < vmm->nvms; g++)
		vmm->vms[g].cpus_running = vmm->vms[g].ncpus;
	pthread_mutex_unlock(&vmm->lock);

	for (int g = 0; g < vmm->nvms; g++) {
		struct vm *vm = &vmm->vms[g];

		for (int i = 0; i < vm->ncpus; i++) {
			struct vcpu *cpu = &vm->cpus[i];
			int e = pthread_create(&cpu->thread, NULL, vcpu_thread, cpu);

			if (e) {
				vm_end(vm, STATUS_FAULT);
				/* Account for the vCPUs that will never run. */
				for (int j = i; j < vm->ncpus; j++)
					vcpu_finished(&vm->cpus[j]);
				return vmm_fail(err, "cannot start vCPU thread: %s", strerror(e));
			}
			cpu->thread_started = true;
		}
	}
	return 0;
}

static struct timespec deadline_after(double seconds)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)seconds;
	ts.tv_nsec += (long)((seconds - (time_t)seconds) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* End every guest still running: --timeout has passed. */
static void time_out(struct vmm *vmm, double timeout)
{
	for (int g = 0; g < vmm->nvms; g++) {
		struct vm *vm = &vmm->vms[g];

		if (!atomic_load(&vm->ending)) {
			console_flush(vm);
			vmm_msg(vm, "timed out after %g s (--timeout): guest stopped", timeout);
			vm_end(vm, STATUS_TIMEOUT);
		}
	}
}

/* Kick the vCPUs of guests with an irqchip so they can see whether they
 * halted for good (see halted_for_good()). */
static bool kick_irqchip_guests(struct vmm *vmm)
{
	bool any = false;

	for (int g = 0; g < vmm->nvms; g++) {
		struct vm *vm = &vmm->vms[g];

		if (!vm->irqchip || atomic_load(&vm->ending))
			continue;
		any = true;
		for (int i = 0; i < vm->ncpus; i++)
			if (!vm->cpus[i].done)
				vcpu_kick(&vm->cpus[i]);
	}
	return any;
}

void vmm_wait(struct vmm *vmm, double timeout)
{
	struct timespec deadline = deadline_after(timeout);
	bool timed_out = timeout <= 0;   /* no --timeout: never */
	bool idle_checks = true;

	pthread_mutex_lock(&vmm->lock);
	while (vmm->guests_running > 0) {
		struct timespec wake = deadline;
		bool check_idle = false;

		if (idle_checks) {
			struct timespec idle = deadline_after(IDLE_CHECK_MS / 1000.0);

			if (timed_out || before(&idle, &wake)) {
				wake = idle;
				check_idle = true;
			}
		}
		if (timed_out && !check_idle) {
			pthread_cond_wait(&vmm->cond, &vmm->lock);
			continue;
		}
		if (pthread_cond_timedwait(&vmm->cond, &vmm->lock, &wake) != ETIMEDOUT)
			continue;
		pthread_mutex_unlock(&vmm->lock);
		if (check_idle)
			idle_checks = kick_irqchip_guests(vmm);
		else {
			time_out(vmm, timeout);
			timed_out = true;
		}
		pthread_mutex_lock(&vmm->lock);
	}
	pthread_mutex_unlock(&vmm->lock);
	for (int g = 0; g < vmm->nvms; g++)
		for (int i = 0; i < vmm->vms[g].ncpus; i++)
			if (vmm->vms[g].cpus[i].thread_started)
				pthread_join(vmm->vms[g].cpus[i].thread, NULL);
}
