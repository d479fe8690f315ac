/*
 * run.c - the heart of the runner: one thread per vCPU calls KVM_RUN in a
 * loop and dispatches each VM exit (port I/O to the devices, HLT, MMIO,
 * faults). A guest ends when it asks to (exit port or hypercall), when all
 * its vCPUs have halted, on a fault, at --timeout or on a signal; its
 * vCPUs are then kicked out of KVM_RUN (a signal and immediate_exit) and
 * out of any device wait (vm_should_yield()).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "gdb/gdb.h"
#include "lab.h"
#include "options.h"
#include "vmm.h"
#include "x86/bits.h"
#include "x86/x86.h"
#include "x86/x86.h"

/* The vCPU that runs on this thread, if any: it never kicks itself. */
static __thread struct vcpu *this_vcpu;

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
	sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
}

static void set_immediate_exit(struct vcpu *cpu, bool on)
{
	__atomic_store_n(&cpu->run->immediate_exit, on, __ATOMIC_RELEASE);
}

void vcpu_kick(struct vcpu *cpu)
{
	/* A vCPU's own thread looks at the state before it enters KVM_RUN
	 * again: it needs no kick (and a stale immediate_exit would waste its
	 * next KVM_RUN). A vCPU that could not be created has nothing to kick. */
	if (this_vcpu == cpu || !cpu->run)
		return;
	pthread_mutex_lock(&cpu->kick_lock);
	/* immediate_exit covers a vCPU about to enter KVM_RUN; the signal
	 * one inside it. */
	set_immediate_exit(cpu, true);
	if (cpu->thread_alive)
		pthread_kill(cpu->thread, VCPU_KICK_SIGNAL);
	pthread_mutex_unlock(&cpu->kick_lock);
}

bool vcpu_complete_io(struct vcpu *cpu)
{
	int ret;

	set_immediate_exit(cpu, true);
	ret = ioctl(cpu->fd, KVM_RUN, 0);
	set_immediate_exit(cpu, false);
	if (ret == 0) {
		cpu->exit_pending = true;
		return true;
	}
	if (errno != EINTR && errno != EAGAIN)
		vmm_msg(cpu->vm, "KVM_RUN (completing an I/O instruction): %s", strerror(errno));
	return false;
}

void vm_end(struct vm *vm, int status)
{
	if (atomic_exchange(&vm->ending, true))
		return;   /* the first reason to end wins */
	atomic_store(&vm->status, status);
	for (int i = 0; i < vm->ncpus; i++)
		vcpu_kick(&vm->cpus[i]);
	input_wake();
	console_wake();
	gdb_vm_ended(vm);
}

bool vm_should_yield(struct vm *vm)
{
	return atomic_load(&vm->ending) || atomic_load(&vm->stop_wanted);
}

bool vcpu_pause_in_io(struct vcpu *cpu)
{
	if (atomic_load(&cpu->vm->ending))
		return false;
	if (cpu->debug)
		gdb_vcpu_park_in_io(cpu);
	return !atomic_load(&cpu->vm->ending);
}

int vmm_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	int e = pthread_attr_init(&attr);

	if (e)
		return e;
	e = pthread_attr_setstacksize(&attr, VMM_THREAD_STACK);
	if (!e)
		e = pthread_create(thread, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return e;
}

const char *vmm_errno_hint(int e)
{
	switch (e) {
	case EMFILE:
	case ENFILE:
		return " — the process is out of file descriptors (see ulimit -n)";
	case ENOMEM:
		return " — out of memory";
	case EAGAIN:
		return " — out of threads or memory (see ulimit -u)";
	}
	return "";
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
/* KVM_EXIT_IO: the port devices (dev/ports.c). Under gdb with a
 * recording, an instruction executed before gets what it got then, and
 * no device sees it again; a new one's exit is logged (gdb/record.c). */
static bool io_exit(struct vcpu *cpu)
{
	struct kvm_run *run = cpu->run;
	/* What the exit was, before a device wait may bring the next one. */
	struct rec_io io = { .port = run->io.port, .direction = run->io.direction,
			     .len = run->io.size * run->io.count,
			     .data = (uint8_t *)run + run->io.data_offset };

	if (!cpu->debug)
		return ports_handle_io(cpu);
	if (!gdb_rec_replay_io(cpu)) {
		if (!ports_handle_io(cpu))
			return false;
		gdb_rec_log_io(cpu, &io);
	}
	gdb_vcpu_after_io(cpu);
	return true;
}

static bool handle_exit(struct vcpu *cpu)
{
	struct kvm_run *run = cpu->run;
	char reason[96];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return io_exit(cpu);
	case KVM_EXIT_HLT:
		if (cpu->debug && gdb_vcpu_hlt_exit(cpu))
			return true;   /* a breakpoint the debugger patched in */
		/* Without an interrupt controller nothing can wake this vCPU. With
		 * one, KVM only exits on hlt when it cannot wait itself (e.g. while
		 * gdb single-steps): go back, and KVM waits for the interrupt. */
		if (!cpu->vm->irqchip && cpu->vm->ncpus == 1)
			note_stray_halt(cpu);   /* one vCPU: its hlt ends the guest */
		return cpu->vm->irqchip;
	case KVM_EXIT_MMIO:
		if (cpu->debug && gdb_vcpu_mmio_exit(cpu))
			return true;   /* a write to a page the debugger watches */
		if (lab_mmio(cpu, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			     run->mmio.is_write))
			return true;   /* a lab's device (vmm/lab.h) */
		handle_mmio(cpu);
		return true;
	case KVM_EXIT_INTR:
		return true;   /* kicked: the loop looks at why */
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return true;   /* a lab asked for it: lab_before_run() injects now */
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
		if (cpu->debug && gdb_vcpu_fetch_fault(cpu))
			return true;   /* code on a page the debugger unmapped */
		if (x86_complete_failed_instruction(cpu))
			return true;   /* int N or iretd carried out here: go on */
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

/* Enter the guest until the next exit; a lab may inject an interrupt
 * first (vmm/lab.h). */
static int vcpu_enter(struct vcpu *cpu)
{
	lab_before_run(cpu);
	return ioctl(cpu->fd, KVM_RUN, 0);
}

void vcpu_run_loop(struct vcpu *cpu)
{
	struct vm *vm = cpu->vm;
	bool trace = vm->vmm && vm->vmm->opts->trace;

	this_vcpu = cpu;
	while (!atomic_load(&vm->ending)) {
		if (cpu->exit_pending)
			cpu->exit_pending = false;   /* handle it before running again */
		else if (cpu->debug && !gdb_vcpu_before_run(cpu))
			break;
		else if (vcpu_enter(cpu) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				set_immediate_exit(cpu, false);
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
	atomic_store(&cpu->done, true);
	if (cpu->debug)
		gdb_vcpu_finished(cpu);
}

/* A guest whose vCPUs have all stopped has ended; tell main() when the
 * last guest is done. */
static void vcpu_finished(struct vcpu *cpu)
{
	struct vm *vm = cpu->vm;
	struct vmm *vmm = vm->vmm;
	bool guest_done, all_done = false;
	uint64_t one = 1;

	pthread_mutex_lock(&vmm->lock);
	guest_done = --vm->cpus_running == 0;
	pthread_mutex_unlock(&vmm->lock);
	if (!guest_done)
		return;
	vm_end(vm, STATUS_OK);   /* all halted: status 0 unless set before */
	console_flush(vm);
	pthread_mutex_lock(&vmm->lock);
	all_done = --vmm->guests_running == 0;
	pthread_mutex_unlock(&vmm->lock);
	if (all_done && write(vmm->done_fd, &one, sizeof(one)) < 0)
		vmm_msg(vm, "cannot tell that every guest has ended: %s", strerror(errno));
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *cpu = arg;

	vcpu_run_loop(cpu);
	/* No kick may reach this thread once it is gone. */
	pthread_mutex_lock(&cpu->kick_lock);
	cpu->thread_alive = false;
	pthread_mutex_unlock(&cpu->kick_lock);
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
			int e;

			pthread_mutex_lock(&cpu->kick_lock);
			e = vmm_thread_start(&cpu->thread, vcpu_thread, cpu);
			cpu->thread_alive = cpu->joinable = e == 0;
			pthread_mutex_unlock(&cpu->kick_lock);
			if (!e)
				continue;
			/* End this guest and every later one; account for the
			 * vCPUs that will never run, so that vmm_wait() ends. */
			if (vmm->nvms > 1)
				vmm_fail(err, "cannot start the thread of guest %d (%s): %s%s", g,
					 vm->path, strerror(e), vmm_errno_hint(e));
			else
				vmm_fail(err, "cannot start the thread of vCPU %d: %s%s", i,
					 strerror(e), vmm_errno_hint(e));
			for (int h = g; h < vmm->nvms; h++) {
				vm_end(&vmm->vms[h], STATUS_FAULT);
				for (int j = h == g ? i : 0; j < vmm->vms[h].ncpus; j++)
					vcpu_finished(&vmm->vms[h].cpus[j]);
			}
			return -1;
		}
	}
	return 0;
}

/* End every guest still running with `status`, saying why. */
static void end_all(struct vmm *vmm, int status, const char *why)
{
	for (int g = 0; g < vmm->nvms; g++) {
		struct vm *vm = &vmm->vms[g];

		if (!atomic_load(&vm->ending)) {
			vm_end(vm, status);   /* first: it wakes a vCPU waiting for room */
			console_flush(vm);
			vmm_msg(vm, "%s", why);
		}
	}
}

/* Kick the vCPUs of guests with an irqchip so they can see whether they
 * halted for good (see halted_for_good()). False if there are none. */
static bool kick_irqchip_guests(struct vmm *vmm)
{
	bool any = false;

	for (int g = 0; g < vmm->nvms; g++) {
		struct vm *vm = &vmm->vms[g];

		if (!vm->irqchip || atomic_load(&vm->ending))
			continue;
		any = true;
		for (int i = 0; i < vm->ncpus; i++)
			if (!atomic_load(&vm->cpus[i].done))
				vcpu_kick(&vm->cpus[i]);
	}
	return any;
}

struct timespec vmm_deadline(double seconds)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += (time_t)seconds;
	t.tv_nsec += (long)((seconds - (time_t)seconds) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

double vmm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum { WAIT_DONE, WAIT_SIGNAL, WAIT_FDS };

void vmm_wait(struct vmm *vmm, double timeout, int sigfd)
{
	double deadline = timeout > 0 ? vmm_now() + timeout : 0;
	bool idle_checks = true, timed_out = false;
	uint64_t v;

	for (;;) {
		struct pollfd fds[WAIT_FDS] = {
			[WAIT_DONE] = { .fd = vmm->done_fd, .events = POLLIN },
			[WAIT_SIGNAL] = { .fd = sigfd, .events = POLLIN },
		};
		int wait_ms = -1;

		if (idle_checks)
			wait_ms = IDLE_CHECK_MS;
		if (deadline > 0 && !timed_out) {
			double left_ms = (deadline - vmm_now()) * 1e3;
			int ms = left_ms > 0 ? (int)left_ms + 1 : 0;

			if (wait_ms < 0 || ms < wait_ms)
				wait_ms = ms;
		}
		if (poll(fds, WAIT_FDS, wait_ms) < 0 && errno != EINTR)
			break;
		if (fds[WAIT_DONE].revents & POLLIN)
			break;
		if (fds[WAIT_SIGNAL].revents & POLLIN) {
			struct signalfd_siginfo si;
			char why[64];

			if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				snprintf(why, sizeof(why), "stopped by SIG%s",
					 sigabbrev_np((int)si.ssi_signo) ?: "?");
				end_all(vmm, STATUS_SIGNAL_BASE + (int)si.ssi_signo, why);
			}
		}
		if (deadline > 0 && !timed_out && vmm_now() >= deadline) {
			char why[80];

			snprintf(why, sizeof(why), "timed out after %g s (--timeout): guest stopped",
				 timeout);
			end_all(vmm, STATUS_TIMEOUT, why);
			timed_out = true;
		}
		if (idle_checks)
			idle_checks = kick_irqchip_guests(vmm);
	}
	if (read(vmm->done_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		vmm_msg(NULL, "end of guests: %s", strerror(errno));
	for (int g = 0; g < vmm->nvms; g++)
		for (int i = 0; i < vmm->vms[g].ncpus; i++)
			if (vmm->vms[g].cpus[i].joinable)
				pthread_join(vmm->vms[g].cpus[i].thread, NULL);
	for (int g = 0; g < vmm->nvms; g++)
		lab_vm_end(&vmm->vms[g]);   /* a lab's threads (vmm/lab.h) */
}
