/*
 * stop.c - the all-stop protocol between gdb's server thread and the vCPU
 * threads, and all of its locking. gdb stops the guest (a breakpoint, a
 * finished step, Ctrl-C, a new client): every vCPU is kicked and parks in
 * park(), on its own thread, with a snapshot of its registers. When all
 * are parked the stop is posted on stop_fd for the server, which sends the
 * stop reply. gdb resumes: each vCPU writes back what gdb changed, arms
 * its debug state and runs. A vCPU waiting for a device (input, say) parks
 * there too, so gdb gets its answer at any moment.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "gdb/gdb.h"
#include "x86/bits.h"
#include "x86/x86.h"

/* Everyone that can run is parked: post the pending stop (lock held). */
static void maybe_post_stop(struct gdb_vm *g)
{
	uint64_t one = 1;
	int done = 0;

	if (!g->stop_pending || g->stop_posted)
		return;
	for (int i = 0; i < g->vm->ncpus; i++)
		done += atomic_load(&g->vm->cpus[i].done);
	if (g->parked + done < g->vm->ncpus && !atomic_load(&g->vm->ending))
		return;
	g->stop_posted = true;
	if (write(g->stop_fd, &one, sizeof(one)) < 0)
		vmm_msg(g->vm, "gdb: cannot signal a stop: %s", strerror(errno));
	pthread_cond_broadcast(&g->cond);
}

void gdb_request_stop(struct gdb_vm *g, const struct gdb_stop *stop)
{
	if (!g->stop_pending && stop) {
		g->stop = *stop;
		g->stop_pending = true;
		g->stop_posted = false;
	}
	g->stopping = true;
	atomic_store(&g->vm->stop_wanted, true);
	for (int i = 0; i < g->vm->ncpus; i++)
		vcpu_kick(&g->vm->cpus[i]);
	/* vCPUs waiting for input or for room on stdout look up too. */
	input_wake();
	console_wake();
	maybe_post_stop(g);
}

static bool may_run(struct gdb_vm *g, struct vcpu *cpu)
{
	return !g->stopping && cpu->debug->action != GDB_ACTION_STOP;
}

/* Wait, parked, until gdb lets this vCPU run or the guest ends (lock
 * held). Returns true if it did park. */
static bool park(struct gdb_vm *g, struct vcpu *cpu)
{
	bool parked = false;

	while (!may_run(g, cpu) && !atomic_load(&cpu->vm->ending)) {
		if (!parked) {
			console_flush(cpu->vm);
			gdb_snapshot(cpu);
			g->parked++;
			parked = true;
			maybe_post_stop(g);
			pthread_cond_broadcast(&g->cond);   /* attach() counts us */
		}
		pthread_cond_wait(&g->cond, &g->lock);
	}
	if (parked)
		g->parked--;
	return parked;
}

/*
 * The vCPU is to step or continue from a `hlt` (lock held, just unparked).
 * `stepi` completes it at once, as KVM's own single-step does, and stops;
 * `continue` halts the vCPU until an interrupt when there is an interrupt
 * controller, and ends it otherwise, as an HLT exit would.
 */
enum hlt_outcome { HLT_STEPPED, HLT_WAITING, HLT_DONE };

static enum hlt_outcome step_over_hlt(struct gdb_vm *g, struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;
	struct gdb_stop stop = { .kind = GDB_STOP_SIGNAL, .cpu = cpu->id, .signal = GDB_SIGTRAP };
	struct kvm_mp_state halted = { .mp_state = KVM_MP_STATE_HALTED };

	d->regs.rip++;
	d->regs_dirty = true;
	gdb_write_back(cpu);
	if (d->action == GDB_ACTION_STEP) {
		gdb_request_stop(g, &stop);
		return HLT_STEPPED;
	}
	if (!cpu->vm->irqchip)
		return HLT_DONE;
	if (ioctl(cpu->fd, KVM_SET_MP_STATE, &halted) < 0)
		vmm_msg(cpu->vm, "gdb: KVM_SET_MP_STATE: %s", strerror(errno));
	d->armed = false;   /* arm the breakpoints for the instruction after it */
	gdb_read_pc_state(cpu);
	gdb_arm_debug(g, cpu);
	return HLT_WAITING;
}

bool gdb_vcpu_before_run(struct vcpu *cpu)
{
	struct gdb_vm *g = cpu->vm->debug;
	struct gdb_vcpu *d = cpu->debug;
	bool parked, run = true;

	pthread_mutex_lock(&g->lock);
	while ((parked = park(g, cpu))) {
		enum rec_after_park rec = gdb_rec_after_park(g, cpu);

		if (rec == REC_PARK_AGAIN)
			continue;   /* it stopped at once (the start of the history) */
		if (rec == REC_GO)
			break;      /* going backwards: restored, runs to its goal */
		/* Never let KVM single-step a `hlt`: some hosts leave the vCPU
		 * "halted" afterwards, even inside a later interrupt handler.
		 * We carry the `hlt` out ourselves. */
		if (d->action != GDB_ACTION_STOP && gdb_at_hlt(cpu) &&
		    (d->action == GDB_ACTION_STEP ||
		     gdb_exec_bp_at(g, cpu_linear_pc(&d->regs, &d->sregs)) >= 0)) {
			enum hlt_outcome o = step_over_hlt(g, cpu);

			if (o == HLT_STEPPED)
				continue;   /* the step is done: stop again */
			pthread_mutex_unlock(&g->lock);
			return o == HLT_WAITING;   /* HLT_DONE: the run loop marks it done */
		}
		gdb_write_back(cpu);   /* d->regs/sregs stay valid for arm_debug */
		break;
	}
	if (!parked && g->rec.want_on)
		gdb_rec_after_park(g, cpu);   /* --record --gdb-no-wait: from the first instruction */
	if (atomic_load(&cpu->vm->ending))
		run = false;
	else if (!d->armed || d->armed_generation != g->bp_generation) {
		if (!parked)
			gdb_read_pc_state(cpu);
		gdb_arm_debug(g, cpu);
	}
	pthread_mutex_unlock(&g->lock);
	return run;
}

void gdb_vcpu_park_in_io(struct vcpu *cpu)
{
	struct gdb_vm *g = cpu->vm->debug;

	/* gdb must see the registers after the instruction (see
	 * vcpu_complete_io); the device result is written when it comes. An
	 * exit that completing it brought waits for the run loop. */
	if (!cpu->exit_pending)
		vcpu_complete_io(cpu);
	pthread_mutex_lock(&g->lock);
	cpu->debug->parked_in_io = true;
	if (park(g, cpu))
		gdb_write_back(cpu);
	cpu->debug->parked_in_io = false;
	cpu->debug->armed = false;   /* re-arm before the next KVM_RUN */
	pthread_mutex_unlock(&g->lock);
}

bool gdb_vcpu_debug_exit(struct vcpu *cpu)
{
	struct gdb_vm *g = cpu->vm->debug;
	struct gdb_stop stop = { .kind = GDB_STOP_SIGNAL, .cpu = cpu->id, .signal = GDB_SIGTRAP };

	if (!g) {
		dump_fault(cpu, "unexpected debug exit (KVM_EXIT_DEBUG) with no debugger attached");
		vm_end(cpu->vm, STATUS_FAULT);
		return false;
	}
	pthread_mutex_lock(&g->lock);
	if (gdb_decode_debug_exit(g, cpu, &stop) == GDB_DEBUG_STOP)
		gdb_request_stop(g, &stop);
	pthread_mutex_unlock(&g->lock);
	return true;
}

void gdb_vcpu_after_io(struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;
	struct kvm_regs r;
	struct kvm_sregs s;

	if (!(d->action == GDB_ACTION_STEP || d->stepping_over || d->emulate))
		return;
	/* A step in progress ends with this `in`/`out`: report it now, or
	 * the trap would come one instruction later. KVM finishes the
	 * instruction first, so gdb sees (and may change) the registers as
	 * they are after it. */
	if (vcpu_complete_io(cpu))
		return;   /* it ended in an exit of its own (the step's trap): that one reports */
	if (ioctl(cpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return;
	cpu->run->debug.arch.pc = cpu_linear_pc(&r, &s);
	cpu->run->debug.arch.dr6 = DR6_BS;
	cpu->run->debug.arch.exception = X86_DB;
	gdb_vcpu_debug_exit(cpu);
}

void gdb_vcpu_finished(struct vcpu *cpu)
{
	struct gdb_vm *g = cpu->vm->debug;

	/* Keep its last registers for gdb: a halted vCPU is still a thread. */
	pthread_mutex_lock(&g->lock);
	gdb_snapshot(cpu);
	maybe_post_stop(g);   /* one fewer vCPU to wait for in an all-stop */
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

void gdb_vm_ended(struct vm *vm)
{
	struct gdb_vm *g = vm->debug;
	struct gdb_stop stop = { .kind = GDB_STOP_EXITED, .exit_code = vm->status };

	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	if (g->attached) {
		g->stop = stop;   /* the exit overrides any other pending stop */
		g->stop_pending = true;
		g->stop_posted = false;
		maybe_post_stop(g);   /* the guest is ending: nobody will run again */
	}
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/* ---- run control: the target callbacks of the server thread ------------------- */

static int resume(void *opaque, const enum gdb_action *actions)
{
	struct gdb_vm *g = opaque;
	struct vm *vm = g->vm;
	int stepped_done = -1;

	pthread_mutex_lock(&g->lock);
	for (int i = 0; i < vm->ncpus; i++) {
		vm->cpus[i].debug->action = actions[i];
		vm->cpus[i].debug->armed = false;
		vm->cpus[i].debug->has_deferred = false;
		vm->cpus[i].debug->holding = false;
		if (actions[i] == GDB_ACTION_STEP && atomic_load(&vm->cpus[i].done))
			stepped_done = i;
	}
	gdb_mech_resume(g);   /* every vCPU is parked: patch, protect */
	g->stop_pending = false;
	g->stop_posted = false;
	g->stopping = false;
	atomic_store(&vm->stop_wanted, false);
	pthread_cond_broadcast(&g->cond);
	if (stepped_done >= 0) {
		/* A vCPU that halted for good cannot execute an instruction:
		 * the step ends at once, where it is. */
		struct gdb_stop stop = { .kind = GDB_STOP_SIGNAL, .cpu = stepped_done,
					 .signal = GDB_SIGTRAP };

		gdb_request_stop(g, &stop);
	}
	pthread_mutex_unlock(&g->lock);
	return 0;
}

/* bs, bc: the vCPU goes backwards when it is let run (record.c). Not
 * from inside a device wait: that instruction is only half done. */
static int resume_reverse(void *opaque, int cpu, enum gdb_action action)
{
	struct gdb_vm *g = opaque;
	enum gdb_action all[g->vm->ncpus];
	bool waiting;

	pthread_mutex_lock(&g->lock);
	waiting = g->vm->cpus[cpu].debug->parked_in_io;
	if (!waiting)
		g->rec.reverse = action;
	pthread_mutex_unlock(&g->lock);
	if (waiting) {
		vmm_msg(g->vm, "record: the guest is waiting for input; it cannot go back now");
		return -1;
	}
	for (int i = 0; i < g->vm->ncpus; i++)
		all[i] = i == cpu ? GDB_ACTION_CONTINUE : GDB_ACTION_STOP;
	return resume(opaque, all);
}

static void interrupt(void *opaque)
{
	struct gdb_vm *g = opaque;
	struct gdb_stop stop = { .kind = GDB_STOP_SIGNAL, .cpu = 0, .signal = GDB_SIGINT };

	pthread_mutex_lock(&g->lock);
	gdb_request_stop(g, &stop);
	pthread_mutex_unlock(&g->lock);
}

static bool take_stop(void *opaque, struct gdb_stop *stop)
{
	struct gdb_vm *g = opaque;
	uint64_t v;
	bool have;

	if (read(g->stop_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		vmm_msg(g->vm, "gdb: stop event: %s", strerror(errno));
	pthread_mutex_lock(&g->lock);
	have = g->stop_pending && g->stop_posted;
	if (have) {
		gdb_mech_stopped(g);   /* every vCPU is parked: the guest's own bytes back */
		*stop = g->stop;
		g->stop_pending = false;
		pthread_cond_broadcast(&g->cond);   /* gdb_stop() may wait for this */
	}
	pthread_mutex_unlock(&g->lock);
	return have;
}

/* Stop every vCPU and wait until all are parked (or done, or the guest
 * ends). Lock held. */
static void stop_all(struct gdb_vm *g)
{
	struct vm *vm = g->vm;

	gdb_request_stop(g, NULL);
	while (!atomic_load(&vm->ending)) {
		int done = 0;

		for (int i = 0; i < vm->ncpus; i++)
			done += atomic_load(&vm->cpus[i].done);
		if (g->parked + done >= vm->ncpus)
			break;
		pthread_cond_wait(&g->cond, &g->lock);
	}
}

/* A new client: stop everything; -1 if the guest is gone. */
static int attach(void *opaque)
{
	struct gdb_vm *g = opaque;
	struct vm *vm = g->vm;
	int ret = 0;

	pthread_mutex_lock(&g->lock);
	g->attached = true;
	stop_all(g);
	if (atomic_load(&vm->ending)) {
		g->attached = false;
		ret = -1;
	}
	/* A fresh client starts from "stopped", not from an old event. */
	gdb_mech_stopped(g);
	g->stop_pending = false;
	for (int i = 0; i < vm->ncpus; i++)
		vm->cpus[i].debug->action = GDB_ACTION_STOP;
	pthread_mutex_unlock(&g->lock);
	return ret;
}

static void detach(void *opaque)
{
	struct gdb_vm *g = opaque;
	enum gdb_action all[g->vm->ncpus];

	pthread_mutex_lock(&g->lock);
	/* A gdb that went away while the guest ran: stop it first, so that
	 * the code and the memory map change under no running vCPU. */
	stop_all(g);
	gdb_bp_clear(g);
	gdb_rec_detach(g);   /* nobody can go back without gdb */
	g->attached = false;
	pthread_mutex_unlock(&g->lock);
	for (int i = 0; i < g->vm->ncpus; i++)
		all[i] = GDB_ACTION_CONTINUE;
	resume(opaque, all);
}

static void kill_guest(void *opaque)
{
	struct gdb_vm *g = opaque;

	vmm_msg(g->vm, "killed by gdb");
	pthread_mutex_lock(&g->lock);
	g->attached = false;   /* no W packet after k */
	pthread_mutex_unlock(&g->lock);
	vm_end(g->vm, STATUS_KILLED);
}

void gdb_stop_callbacks(struct gdb_target *t)
{
	t->resume = resume;
	t->resume_reverse = resume_reverse;
	t->interrupt = interrupt;
	t->take_stop = take_stop;
	t->attach = attach;
	t->detach = detach;
	t->kill = kill_guest;
}
