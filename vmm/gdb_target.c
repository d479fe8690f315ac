/*
 * gdb_target.c - the GDB stub's target (gdbstub/gdbstub.h) on KVM vCPUs.
 *
 * All-stop: when one vCPU stops (breakpoint, step, Ctrl-C) every vCPU is
 * kicked out of KVM_RUN and parks in gdb_vcpu_before_run(). A parking vCPU
 * snapshots its registers on its own thread; gdb reads and writes that
 * snapshot while the guest is stopped, and the vCPU writes back what changed
 * and arms its debug registers when it is resumed. So every vCPU ioctl
 * happens on the vCPU's own thread, and the stub's thread never blocks on
 * KVM.
 *
 * Breakpoints follow the host probe (vmm/probe.c): up to four execute
 * breakpoints go into the debug registers where they work in the current
 * mode; beyond that, or where they do not, the vCPU single-steps and
 * compares its PC with the breakpoint list. Watchpoints use the debug
 * registers where data breakpoints fire, otherwise single-step-and-compare
 * of the watched bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "describe.h"
#include "gdb_target.h"
#include "gdbstub.h"
#include "paging.h"
#include "x86.h"

#define GDB_SIGINT 2
#define GDB_SIGTRAP 5
#define MAX_BREAKPOINTS 256
#define MAX_WATCH_LEN 8
#define EXIT_REPORT_WAIT_S 2
#define OP_HLT 0xf4

struct breakpoint {
	enum gdb_bp_type type;
	uint64_t addr, len;
	uint8_t old[MAX_WATCH_LEN]; /* watchpoints: the last value seen */
};

/* The debugger's state of one guest. */
struct gdb_vm {
	struct vm *vm;
	struct gdb_target target;
	const struct host_caps *caps;
	int listen_fd, stop_fd, quit_fd;
	pthread_t server;
	bool server_started;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool attached;         /* a gdb client is connected */
	bool stopping;         /* all-stop: vCPUs must park */
	int parked;            /* vCPUs parked now */
	bool stop_pending;     /* `stop` waits to be taken by the server */
	bool stop_posted;      /* ... and stop_fd was signalled for it */
	struct gdb_stop stop;
	struct breakpoint bp[MAX_BREAKPOINTS];
	int nbp;
	unsigned bp_generation; /* bumped on every change: vCPUs re-arm */
};

/* The debugger's state of one vCPU. */
struct gdb_vcpu {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	bool have_state;        /* the snapshot is current (taken at park) */
	bool regs_dirty, sregs_dirty, fpu_dirty;
	enum gdb_action action;
	/* How the vCPU runs until its next stop: */
	bool emulate;           /* single-step-and-compare for bps/watchpoints */
	bool stepping_over;     /* stepping off a hardware breakpoint at PC */
	unsigned armed_generation;
	bool armed;             /* debug registers set for bp_generation */
	struct kvm_guest_debug dbg; /* what KVM was last told (dbg_set) */
	bool dbg_set;
};

static struct gdb_vm *gvm_of(void *opaque)
{
	return opaque;
}

/* ---- state snapshot, on the vCPU's own thread ---------------------------- */

/* Read the registers arm_debug() looks at (PC, mode). */
static void read_regs(struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;

	if (ioctl(cpu->fd, KVM_GET_REGS, &d->regs) < 0 ||
	    ioctl(cpu->fd, KVM_GET_SREGS, &d->sregs) < 0)
		vmm_msg(cpu->vm, "gdb: cannot read vCPU %d registers: %s", cpu->id, strerror(errno));
}

/* Everything gdb can see, for gdb to read and change while parked. */
static void snapshot(struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;

	read_regs(cpu);
	if (ioctl(cpu->fd, KVM_GET_FPU, &d->fpu) < 0)
		vmm_msg(cpu->vm, "gdb: cannot read vCPU %d FPU: %s", cpu->id, strerror(errno));
	d->have_state = true;
	d->regs_dirty = d->sregs_dirty = d->fpu_dirty = false;
}

static void write_back(struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;

	if (d->sregs_dirty && ioctl(cpu->fd, KVM_SET_SREGS, &d->sregs) < 0)
		vmm_msg(cpu->vm, "gdb: KVM refused the new special registers (%s); kept the old ones",
			strerror(errno));
	if (d->regs_dirty && ioctl(cpu->fd, KVM_SET_REGS, &d->regs) < 0)
		vmm_msg(cpu->vm, "gdb: KVM_SET_REGS: %s", strerror(errno));
	if (d->fpu_dirty && ioctl(cpu->fd, KVM_SET_FPU, &d->fpu) < 0)
		vmm_msg(cpu->vm, "gdb: KVM_SET_FPU: %s", strerror(errno));
	d->have_state = false;
}

static bool long_mode_code(const struct kvm_sregs *s)
{
	return (s->efer & EFER_LMA) && s->cs.l;
}

/* The linear address of the next instruction: what gdb calls the PC. */
static uint64_t linear_pc(const struct kvm_regs *r, const struct kvm_sregs *s)
{
	if (long_mode_code(s))
		return r->rip;
	return (uint32_t)(s->cs.base + r->rip);
}

static enum cpu_mode mode_now(const struct kvm_sregs *s)
{
	if (!(s->cr0 & CR0_PE))
		return MODE_REAL;
	return (s->efer & EFER_LMA) ? MODE_LONG : MODE_PROTECTED;
}

/* ---- breakpoints ------------------------------------------------------------ */

static bool is_exec_type(enum gdb_bp_type t)
{
	return t == GDB_BP_SOFTWARE || t == GDB_BP_HARDWARE;
}

static bool is_exec(const struct breakpoint *b)
{
	return is_exec_type(b->type);
}

/* The stop reason gdb expects for a breakpoint it set with Z0 or Z1. */
static enum gdb_stop_reason break_reason(const struct breakpoint *b)
{
	return b->type == GDB_BP_HARDWARE ? GDB_REASON_HWBREAK : GDB_REASON_SWBREAK;
}

static struct paging_regs paging_of(const struct kvm_sregs *s)
{
	return (struct paging_regs){ s->cr0, s->cr3, s->cr4, s->efer };
}

/* Guest memory by linear address, through the page tables of sregs. */
static int read_linear(struct vm *vm, const struct kvm_sregs *s, uint64_t addr, void *buf,
		       size_t len)
{
	struct paging_regs pr = paging_of(s);

	return paging_read(&pr, vm->mem, vm->mem_size, addr, buf, len);
}

static int write_linear(struct vm *vm, const struct kvm_sregs *s, uint64_t addr, const void *buf,
			size_t len)
{
	struct paging_regs pr = paging_of(s);

	return paging_write(&pr, vm->mem, vm->mem_size, addr, buf, len);
}

/* Which breakpoint of ours is at linear address pc; -1 if none. */
static int exec_bp_at(struct gdb_vm *g, uint64_t pc)
{
	for (int i = 0; i < g->nbp; i++)
		if (is_exec(&g->bp[i]) && g->bp[i].addr == pc)
			return i;
	return -1;
}

/* Is the instruction at the vCPU's PC a `hlt`? */
static bool at_hlt(struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;
	uint8_t op;

	return read_linear(cpu->vm, &d->sregs, linear_pc(&d->regs, &d->sregs), &op, 1) == 0 &&
	       op == OP_HLT;
}

/* The DR7 bits that arm debug-register `slot` for breakpoint b: enabled,
 * on execution or on data writes/accesses, over 1, 2, 4 or 8 bytes. */
static uint64_t dr7_slot(int slot, const struct breakpoint *b)
{
	uint64_t rw, len;

	if (is_exec(b))
		rw = DR7_RW_EXEC;
	else if (b->type == GDB_WP_WRITE)
		rw = DR7_RW_WRITE;
	else
		rw = DR7_RW_ACCESS;   /* x86 has no read-only data breakpoint */
	switch (is_exec(b) ? 1 : b->len) {
	case 8: len = DR7_LEN_8; break;
	case 4: len = DR7_LEN_4; break;
	case 2: len = DR7_LEN_2; break;
	default: len = DR7_LEN_1; break;
	}
	return DR7_L(slot) | (rw << DR7_RW_SHIFT(slot)) | (len << DR7_LEN_SHIFT(slot));
}

/*
 * Decide how vCPU cpu runs until its next stop and program KVM for it:
 * debug registers for the first execute breakpoints (where the host
 * supports them in this mode), single-stepping for a step, for stepping
 * off a breakpoint at PC, and for breakpoints/watchpoints that need
 * emulation. Called on the vCPU's thread, under g->lock.
 */
static void arm_debug(struct gdb_vm *g, struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;
	struct kvm_guest_debug dbg;
	enum cpu_mode mode = mode_now(&d->sregs);
	bool hw_exec = g->caps->hw_bp[mode] == PROBE_YES;
	bool hw_watch = g->caps->hw_watch[mode] == PROBE_YES;
	uint64_t pc = linear_pc(&d->regs, &d->sregs);
	int slot = 0;
	bool at_bp = false;

	memset(&dbg, 0, sizeof(dbg));
	dbg.control = KVM_GUESTDBG_ENABLE;
	d->emulate = false;
	for (int i = 0; i < g->nbp; i++) {
		struct breakpoint *b = &g->bp[i];
		bool exec = is_exec(b);
		bool hw = exec ? hw_exec : hw_watch;

		if (exec && b->addr == pc)
			at_bp = true;
		if (!hw || slot == DR_SLOTS) {
			d->emulate = true;
			continue;
		}
		if (exec && b->addr == pc)
			continue;   /* RF is not honoured everywhere: step off it first */
		dbg.arch.debugreg[slot] = b->addr;
		dbg.arch.debugreg[7] |= dr7_slot(slot, b);
		slot++;
	}
	if (slot)
		dbg.control |= KVM_GUESTDBG_USE_HW_BP;
	d->stepping_over = d->action == GDB_ACTION_CONTINUE && at_bp && !d->emulate;
	if (d->action == GDB_ACTION_STEP || d->stepping_over || d->emulate)
		dbg.control |= KVM_GUESTDBG_SINGLESTEP;
	/* A step that gdb asked for should not land in an interrupt handler;
	 * but emulated breakpoints and watchpoints run the guest as usual,
	 * interrupts included (a `hlt` must still wake up). */
	if ((d->action == GDB_ACTION_STEP || d->stepping_over) && g->caps->blockirq)
		dbg.control |= KVM_GUESTDBG_BLOCKIRQ;
	/* Stepping again and again changes nothing: skip the ioctl then. */
	if (!d->dbg_set || memcmp(&dbg, &d->dbg, sizeof(dbg)) != 0) {
		if (ioctl(cpu->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
			vmm_msg(cpu->vm, "gdb: KVM_SET_GUEST_DEBUG: %s", strerror(errno));
		d->dbg = dbg;
		d->dbg_set = true;
	}
	/* Remember the watched values to compare against while stepping. */
	for (int i = 0; i < g->nbp; i++)
		if (!is_exec(&g->bp[i]))
			read_linear(cpu->vm, &d->sregs, g->bp[i].addr, g->bp[i].old, g->bp[i].len);
	d->armed = true;
	d->armed_generation = g->bp_generation;
}

/* ---- stopping and parking ------------------------------------------------------ */

/* Everyone that can run is parked: report the pending stop (lock held). */
static void maybe_post_stop(struct gdb_vm *g)
{
	uint64_t one = 1;
	int done = 0;

	if (!g->stop_pending || g->stop_posted)
		return;
	for (int i = 0; i < g->vm->ncpus; i++)
		if (g->vm->cpus[i].done)
			done++;
	if (g->parked + done < g->vm->ncpus && !atomic_load(&g->vm->ending))
		return;
	g->stop_posted = true;
	if (write(g->stop_fd, &one, sizeof(one)) < 0) {
		/* eventfd writes only fail on overflow, which cannot happen here */
	}
	pthread_cond_broadcast(&g->cond);
}

/* Ask every vCPU to stop; `stop` says why (lock held). First reason wins. */
static void request_stop(struct gdb_vm *g, const struct gdb_stop *stop)
{
	if (!g->stop_pending && stop) {
		g->stop = *stop;
		g->stop_pending = true;
		g->stop_posted = false;
	}
	g->stopping = true;
	for (int i = 0; i < g->vm->ncpus; i++)
		vcpu_kick(&g->vm->cpus[i]);
	maybe_post_stop(g);
}

static bool may_run(struct gdb_vm *g, struct vcpu *cpu)
{
	return !g->stopping && cpu->debug->action != GDB_ACTION_STOP;
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
	write_back(cpu);
	if (d->action == GDB_ACTION_STEP) {
		request_stop(g, &stop);
		return HLT_STEPPED;
	}
	if (!cpu->vm->irqchip)
		return HLT_DONE;
	ioctl(cpu->fd, KVM_SET_MP_STATE, &halted);
	d->armed = false;   /* arm the breakpoints for the instruction after it */
	read_regs(cpu);
	arm_debug(g, cpu);
	return HLT_WAITING;
}

bool gdb_vcpu_before_run(struct vcpu *cpu)
{
	struct gdb_vm *g = cpu->vm->debug;
	struct gdb_vcpu *d = cpu->debug;
	bool parked_now = false;

	pthread_mutex_lock(&g->lock);
park:
	parked_now = false;
	while (!may_run(g, cpu) && !atomic_load(&cpu->vm->ending)) {
		if (!parked_now) {
			console_flush(cpu->vm);
			snapshot(cpu);
			g->parked++;
			parked_now = true;
			maybe_post_stop(g);
			pthread_cond_broadcast(&g->cond);   /* attach() counts us */
		}
		pthread_cond_wait(&g->cond, &g->lock);
	}
	if (parked_now) {
		g->parked--;
		if (d->action != GDB_ACTION_STOP && at_hlt(cpu) &&
		    (d->action == GDB_ACTION_STEP || exec_bp_at(g, linear_pc(&d->regs, &d->sregs)) >= 0)) {
			/* Never let KVM single-step a `hlt`: some hosts leave the
			 * vCPU "halted" afterwards, even inside a later interrupt
			 * handler. We carry the `hlt` out ourselves. */
			switch (step_over_hlt(g, cpu)) {
			case HLT_STEPPED:
				goto park;   /* the step is done: stop again */
			case HLT_WAITING:
				pthread_mutex_unlock(&g->lock);
				return true;
			case HLT_DONE:
				pthread_mutex_unlock(&g->lock);
				return false;   /* the run loop marks it done */
			}
		}
		write_back(cpu);   /* d->regs/sregs stay valid for arm_debug */
	}
	if (!atomic_load(&cpu->vm->ending) && (!d->armed || d->armed_generation != g->bp_generation)) {
		if (!parked_now)
			read_regs(cpu);
		arm_debug(g, cpu);
	}
	pthread_mutex_unlock(&g->lock);
	return !atomic_load(&cpu->vm->ending);
}

/* Did a watched range change since arm_debug? Returns its index or -1. */
static int changed_watch(struct gdb_vm *g, struct vcpu *cpu)
{
	struct kvm_sregs s;
	uint8_t now[MAX_WATCH_LEN];
	bool any = false;

	for (int i = 0; i < g->nbp; i++)
		any |= !is_exec(&g->bp[i]);
	if (!any || ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	for (int i = 0; i < g->nbp; i++) {
		struct breakpoint *b = &g->bp[i];

		if (is_exec(b) || read_linear(cpu->vm, &s, b->addr, now, b->len) < 0)
			continue;
		if (memcmp(now, b->old, b->len) != 0) {
			memcpy(b->old, now, b->len);
			return i;
		}
	}
	return -1;
}

static enum gdb_stop_reason watch_reason(enum gdb_bp_type t)
{
	return t == GDB_WP_WRITE ? GDB_REASON_WATCH : t == GDB_WP_READ ? GDB_REASON_RWATCH
								     : GDB_REASON_AWATCH;
}

/* If a watched value changed, say so in stop and return true. */
static bool watch_fired(struct gdb_vm *g, struct vcpu *cpu, struct gdb_stop *stop)
{
	int i = changed_watch(g, cpu);

	if (i < 0)
		return false;
	stop->reason = watch_reason(g->bp[i].type);
	stop->addr = g->bp[i].addr;
	return true;
}

bool gdb_vcpu_debug_exit(struct vcpu *cpu)
{
	struct gdb_vm *g = cpu->vm->debug;
	struct kvm_debug_exit_arch *arch = &cpu->run->debug.arch;
	struct gdb_stop stop = { .kind = GDB_STOP_SIGNAL, .cpu = cpu->id, .signal = GDB_SIGTRAP };
	struct gdb_vcpu *d;
	bool stepped = arch->dr6 & DR6_BS;
	int i;

	if (!g) {
		dump_fault(cpu, "unexpected debug exit (KVM_EXIT_DEBUG) with no debugger attached");
		vm_end(cpu->vm, STATUS_FAULT);
		return false;
	}
	d = cpu->debug;
	pthread_mutex_lock(&g->lock);
	if (d->action == GDB_ACTION_STEP) {
		/* A step ends here. Say why if it did more: a watched value
		 * changed (gdb steps over a breakpoint this way too), or a
		 * hardware breakpoint fired instead. */
		if (!watch_fired(g, cpu, &stop)) {
			i = exec_bp_at(g, arch->pc);
			if (!stepped && i >= 0)
				stop.reason = break_reason(&g->bp[i]);
		}
		request_stop(g, &stop);
		goto out;
	}
	if (d->stepping_over && stepped) {
		/* Off the breakpoint: re-arm everything and go on. */
		d->armed = false;
		goto out;
	}
	for (int slot = 0; slot < DR_SLOTS; slot++) {
		if (!(arch->dr6 & DR6_B(slot)))
			continue;
		i = exec_bp_at(g, arch->pc);
		if (i >= 0)
			stop.reason = break_reason(&g->bp[i]);
		else if (!watch_fired(g, cpu, &stop))
			stop.reason = GDB_REASON_AWATCH;   /* a data access, value unchanged */
		request_stop(g, &stop);
		goto out;
	}
	if (d->emulate && stepped) {
		/* Single-step-and-compare: stop if a value or the PC says so. */
		if (watch_fired(g, cpu, &stop)) {
			request_stop(g, &stop);
			goto out;
		}
		i = exec_bp_at(g, arch->pc);
		if (i >= 0) {
			stop.reason = break_reason(&g->bp[i]);
			request_stop(g, &stop);
		}
		goto out;
	}
	/* Not ours: the guest's own #DB or int3 goes back to the guest. */
	{
		struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE };

		dbg.control |= arch->exception == X86_BP ? KVM_GUESTDBG_INJECT_BP
							 : KVM_GUESTDBG_INJECT_DB;
		ioctl(cpu->fd, KVM_SET_GUEST_DEBUG, &dbg);
		d->armed = false;
		d->dbg_set = false;
	}
out:
	pthread_mutex_unlock(&g->lock);
	return true;
}

void gdb_vcpu_finished(struct vcpu *cpu)
{
	struct gdb_vm *g = cpu->vm->debug;

	/* Keep its last registers for gdb: a halted vCPU is still a thread. */
	pthread_mutex_lock(&g->lock);
	snapshot(cpu);
	maybe_post_stop(g);   /* one fewer vCPU to wait for in an all-stop */
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

void gdb_vcpu_after_io(struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;
	struct kvm_regs r;
	struct kvm_sregs s;

	if (!(d->action == GDB_ACTION_STEP || d->stepping_over || d->emulate))
		return;
	/* KVM completed the `out`/`in` before exiting to us, and a step in
	 * progress ends with it: report it now, or the trap would come one
	 * instruction later. */
	if (ioctl(cpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return;
	cpu->run->debug.arch.pc = linear_pc(&r, &s);
	cpu->run->debug.arch.dr6 = DR6_BS;
	cpu->run->debug.arch.exception = X86_DB;
	gdb_vcpu_debug_exit(cpu);
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

/* ---- the gdb_target callbacks (server thread, guest stopped) ----------------- */

static struct gdb_vcpu *stopped_cpu(struct gdb_vm *g, int cpu)
{
	if (cpu < 0 || cpu >= g->vm->ncpus || !g->vm->cpus[cpu].debug->have_state)
		return NULL;
	return g->vm->cpus[cpu].debug;
}

static int get_regs(void *opaque, int cpu, struct gdb_regs *out)
{
	struct gdb_vm *g = gvm_of(opaque);
	struct gdb_vcpu *d = stopped_cpu(g, cpu);
	const struct kvm_regs *r;
	const struct kvm_sregs *s;

	if (!d)
		return -1;
	r = &d->regs;
	s = &d->sregs;
	memset(out, 0, sizeof(*out));
	out->gpr[GDB_RAX] = r->rax; out->gpr[GDB_RBX] = r->rbx;
	out->gpr[GDB_RCX] = r->rcx; out->gpr[GDB_RDX] = r->rdx;
	out->gpr[GDB_RSI] = r->rsi; out->gpr[GDB_RDI] = r->rdi;
	out->gpr[GDB_RBP] = r->rbp; out->gpr[GDB_RSP] = r->rsp;
	out->gpr[8] = r->r8; out->gpr[9] = r->r9; out->gpr[10] = r->r10; out->gpr[11] = r->r11;
	out->gpr[12] = r->r12; out->gpr[13] = r->r13; out->gpr[14] = r->r14; out->gpr[15] = r->r15;
	out->rip = linear_pc(r, s);
	out->rflags = r->rflags;
	out->seg[GDB_CS] = s->cs.selector; out->seg[GDB_SS] = s->ss.selector;
	out->seg[GDB_DS] = s->ds.selector; out->seg[GDB_ES] = s->es.selector;
	out->seg[GDB_FS] = s->fs.selector; out->seg[GDB_GS] = s->gs.selector;
	out->fs_base = s->fs.base;
	out->gs_base = s->gs.base;
	out->cr0 = s->cr0; out->cr2 = s->cr2; out->cr3 = s->cr3; out->cr4 = s->cr4;
	out->efer = s->efer;
	for (int i = 0; i < 8; i++)
		memcpy(out->st[i], d->fpu.fpr[i], sizeof(out->st[i]));
	out->fctrl = d->fpu.fcw;
	out->fstat = d->fpu.fsw;
	/* KVM keeps the abridged tag (1 bit per register, 1 = in use); gdb
	 * wants the full tag word (2 bits, 11 = empty). */
	out->ftag = 0;
	for (int i = 0; i < 8; i++)
		if (!(d->fpu.ftwx & (1 << i)))
			out->ftag |= 3U << (2 * i);
	out->fioff = (uint32_t)d->fpu.last_ip;
	out->fooff = (uint32_t)d->fpu.last_dp;
	out->fop = d->fpu.last_opcode;
	memcpy(out->xmm, d->fpu.xmm, sizeof(out->xmm));
	out->mxcsr = d->fpu.mxcsr;
	return 0;
}

/* Load segment register `seg` with `selector` as a `mov` would: in real
 * mode base = selector * 16; in protected mode from the GDT or LDT. */
static int load_selector(struct vm *vm, struct kvm_sregs *s, struct kvm_segment *seg,
			 uint16_t selector)
{
	uint64_t desc, table_base;
	uint32_t table_limit;

	if (seg->selector == selector)
		return 0;
	if (!(s->cr0 & CR0_PE)) {
		seg->selector = selector;
		seg->base = (uint64_t)selector << 4;
		return 0;
	}
	if ((selector & ~3) == 0) {   /* the null selector */
		seg->selector = selector;
		seg->present = 0;
		seg->unusable = 1;
		return 0;
	}
	table_base = (selector & 4) ? s->ldt.base : s->gdt.base;
	table_limit = (selector & 4) ? s->ldt.limit : s->gdt.limit;
	if ((uint32_t)(selector & ~7) + 7 > table_limit ||
	    read_linear(vm, s, table_base + (selector & ~7), &desc, sizeof(desc)) < 0)
		return -1;
	describe_decode_descriptor(desc, selector, seg);
	return 0;
}

static int set_regs(void *opaque, int cpu, const struct gdb_regs *in)
{
	struct gdb_vm *g = gvm_of(opaque);
	struct gdb_vcpu *d = stopped_cpu(g, cpu);
	struct kvm_regs *r;
	struct kvm_sregs s;
	struct kvm_segment *segs[6];
	bool lm;

	if (!d)
		return -1;
	r = &d->regs;
	s = d->sregs;
	segs[GDB_CS] = &s.cs; segs[GDB_SS] = &s.ss; segs[GDB_DS] = &s.ds;
	segs[GDB_ES] = &s.es; segs[GDB_FS] = &s.fs; segs[GDB_GS] = &s.gs;
	lm = long_mode_code(&d->sregs);
	for (int i = 0; i < 6; i++)
		if (load_selector(g->vm, &s, segs[i], (uint16_t)in->seg[i]) < 0)
			return -1;
	r->rax = in->gpr[GDB_RAX]; r->rbx = in->gpr[GDB_RBX];
	r->rcx = in->gpr[GDB_RCX]; r->rdx = in->gpr[GDB_RDX];
	r->rsi = in->gpr[GDB_RSI]; r->rdi = in->gpr[GDB_RDI];
	r->rbp = in->gpr[GDB_RBP]; r->rsp = in->gpr[GDB_RSP];
	if (lm) {
		r->r8 = in->gpr[8]; r->r9 = in->gpr[9]; r->r10 = in->gpr[10]; r->r11 = in->gpr[11];
		r->r12 = in->gpr[12]; r->r13 = in->gpr[13]; r->r14 = in->gpr[14];
		r->r15 = in->gpr[15];
	}
	/* gdb's PC is linear; the CPU's RIP is an offset into CS. */
	r->rip = lm ? in->rip : (uint32_t)(in->rip - s.cs.base);
	r->rflags = in->rflags | RFLAGS_FIXED;
	s.fs.base = in->fs_base;
	s.gs.base = in->gs_base;
	s.cr0 = in->cr0; s.cr2 = in->cr2; s.cr3 = in->cr3; s.cr4 = in->cr4;
	s.efer = in->efer;
	if (memcmp(&s, &d->sregs, sizeof(s)) != 0) {
		d->sregs = s;
		d->sregs_dirty = true;
	}
	for (int i = 0; i < 8; i++)
		memcpy(d->fpu.fpr[i], in->st[i], sizeof(in->st[i]));
	d->fpu.fcw = in->fctrl;
	d->fpu.fsw = in->fstat;
	d->fpu.last_opcode = in->fop;
	memcpy(d->fpu.xmm, in->xmm, sizeof(d->fpu.xmm));
	d->fpu.mxcsr = in->mxcsr;
	d->fpu_dirty = true;
	d->regs_dirty = true;
	return 0;
}

static int read_mem(void *opaque, int cpu, uint64_t addr, void *buf, size_t len)
{
	struct gdb_vm *g = gvm_of(opaque);
	struct gdb_vcpu *d = stopped_cpu(g, cpu < 0 ? 0 : cpu);

	return d ? read_linear(g->vm, &d->sregs, addr, buf, len) : -1;
}

static int write_mem(void *opaque, int cpu, uint64_t addr, const void *buf, size_t len)
{
	struct gdb_vm *g = gvm_of(opaque);
	struct gdb_vcpu *d = stopped_cpu(g, cpu < 0 ? 0 : cpu);

	return d ? write_linear(g->vm, &d->sregs, addr, buf, len) : -1;
}

static int breakpoint(void *opaque, bool insert, enum gdb_bp_type type, uint64_t addr,
		      uint64_t len)
{
	struct gdb_vm *g = gvm_of(opaque);
	int ret = -1;

	if (type > GDB_WP_ACCESS)
		return -1;
	if (!is_exec_type(type)) {
		/* Without data breakpoints, a changed value is all we can see:
		 * read watchpoints cannot be emulated. */
		bool hw = g->caps->hw_watch[MODE_LONG] == PROBE_YES;

		if ((type == GDB_WP_READ && !hw) || len == 0 || len > MAX_WATCH_LEN)
			return -1;
	}
	pthread_mutex_lock(&g->lock);
	if (insert) {
		for (int i = 0; i < g->nbp; i++)
			if (g->bp[i].type == type && g->bp[i].addr == addr) {
				ret = 0;   /* already there */
				goto out;
			}
		if (g->nbp < MAX_BREAKPOINTS) {
			g->bp[g->nbp++] = (struct breakpoint){
				.type = type, .addr = addr, .len = is_exec_type(type) ? 1 : len,
			};
			ret = 0;
		}
	} else {
		for (int i = 0; i < g->nbp; i++)
			if (g->bp[i].type == type && g->bp[i].addr == addr) {
				g->bp[i] = g->bp[--g->nbp];
				ret = 0;
				break;
			}
	}
	g->bp_generation++;
out:
	pthread_mutex_unlock(&g->lock);
	return ret;
}

static int resume(void *opaque, const enum gdb_action *actions)
{
	struct gdb_vm *g = gvm_of(opaque);

	pthread_mutex_lock(&g->lock);
	for (int i = 0; i < g->vm->ncpus; i++) {
		g->vm->cpus[i].debug->action = actions[i];
		g->vm->cpus[i].debug->armed = false;
	}
	g->stop_pending = false;
	g->stop_posted = false;
	g->stopping = false;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static void interrupt(void *opaque)
{
	struct gdb_vm *g = gvm_of(opaque);
	struct gdb_stop stop = { .kind = GDB_STOP_SIGNAL, .cpu = 0, .signal = GDB_SIGINT };

	pthread_mutex_lock(&g->lock);
	request_stop(g, &stop);
	pthread_mutex_unlock(&g->lock);
}

static bool take_stop(void *opaque, struct gdb_stop *stop)
{
	struct gdb_vm *g = gvm_of(opaque);
	uint64_t v;
	bool have;

	if (read(g->stop_fd, &v, sizeof(v)) < 0) {
		/* nothing to clear */
	}
	pthread_mutex_lock(&g->lock);
	have = g->stop_pending && g->stop_posted;
	if (have) {
		*stop = g->stop;
		g->stop_pending = false;
		pthread_cond_broadcast(&g->cond);   /* gdb_stop() may wait for this */
	}
	pthread_mutex_unlock(&g->lock);
	return have;
}

/* Stop everything for a new client; -1 if the guest is gone. */
static int attach(void *opaque)
{
	struct gdb_vm *g = gvm_of(opaque);
	int ret = 0;

	pthread_mutex_lock(&g->lock);
	g->attached = true;
	request_stop(g, NULL);
	while (!atomic_load(&g->vm->ending)) {
		int done = 0;

		for (int i = 0; i < g->vm->ncpus; i++)
			done += g->vm->cpus[i].done;
		if (g->parked + done >= g->vm->ncpus)
			break;
		pthread_cond_wait(&g->cond, &g->lock);
	}
	if (atomic_load(&g->vm->ending)) {
		g->attached = false;
		ret = -1;
	}
	/* A fresh client starts from "stopped", not from an old event. */
	g->stop_pending = false;
	for (int i = 0; i < g->vm->ncpus; i++)
		g->vm->cpus[i].debug->action = GDB_ACTION_STOP;
	pthread_mutex_unlock(&g->lock);
	return ret;
}

static void detach(void *opaque)
{
	struct gdb_vm *g = gvm_of(opaque);
	enum gdb_action all[g->vm->ncpus];

	pthread_mutex_lock(&g->lock);
	g->nbp = 0;
	g->bp_generation++;
	g->attached = false;
	pthread_mutex_unlock(&g->lock);
	for (int i = 0; i < g->vm->ncpus; i++)
		all[i] = GDB_ACTION_CONTINUE;
	resume(opaque, all);
}

static void kill_guest(void *opaque)
{
	struct gdb_vm *g = gvm_of(opaque);

	vmm_msg(g->vm, "killed by gdb");
	pthread_mutex_lock(&g->lock);
	g->attached = false;   /* no W packet after k */
	pthread_mutex_unlock(&g->lock);
	vm_end(g->vm, STATUS_KILLED);
}

static void thread_info(void *opaque, int cpu, char *out, size_t len)
{
	struct gdb_vm *g = gvm_of(opaque);
	struct gdb_vcpu *d = stopped_cpu(g, cpu);

	if (!d)
		snprintf(out, len, "vCPU %d", cpu);
	else
		snprintf(out, len, "vCPU %d, %s%s", cpu, describe_mode(&d->sregs),
			 g->vm->cpus[cpu].done ? ", halted" : "");
}

static int monitor(void *opaque, int cpu, const char *cmd, char *out, size_t len)
{
	struct gdb_vm *g = gvm_of(opaque);
	struct gdb_vcpu *d = stopped_cpu(g, cpu);

	if (!d) {
		snprintf(out, len, "vCPU %d has no state to show\n", cpu);
		return 0;
	}
	/* An unknown command still succeeds: its text says what went wrong
	 * and lists the commands, which gdb shows better than an error. */
	gdb_monitor(g->vm, &d->regs, &d->sregs, cmd, out, len);
	return 0;
}

/* ---- set-up ------------------------------------------------------------------- */

static void *server_thread(void *arg)
{
	struct gdb_vm *g = arg;

	gdb_serve(g->listen_fd, &g->target, g->quit_fd);
	return NULL;
}

int gdb_start(struct vm *vm, const char *spec, char *err)
{
	struct gdb_vm *g;
	uint16_t port;
	char reason[VMM_ERR_LEN];
	const char *colon = strrchr(spec, ':');
	char host[64] = "127.0.0.1";
	int e;

	g = calloc(1, sizeof(*g));
	if (!g)
		return vmm_fail(err, "out of memory");
	g->vm = vm;
	g->caps = probe_host(false, err);
	if (!g->caps) {
		free(g);
		return -1;
	}
	g->listen_fd = gdb_listen(spec, &port, reason, sizeof(reason));
	if (g->listen_fd < 0) {
		free(g);
		return vmm_fail(err, "%s", reason);
	}
	if (colon && colon != spec && (size_t)(colon - spec) < sizeof(host))
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	g->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	g->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->stopping = true;   /* wait for gdb before the first instruction */
	for (int i = 0; i < vm->ncpus; i++) {
		vm->cpus[i].debug = calloc(1, sizeof(struct gdb_vcpu));
		if (!vm->cpus[i].debug)
			return vmm_fail(err, "out of memory");
		vm->cpus[i].debug->action = GDB_ACTION_STOP;
	}
	g->target = (struct gdb_target){
		.opaque = g,
		.arch = vm->image.elf_class == 64 ? GDB_ARCH_AMD64 : GDB_ARCH_I386,
		.xml_arch = vm->image.elf_class == 64 ? "i386:x86-64"
			    : vm->mode == MODE_REAL ? "i8086" : "i386",
		.ncpus = vm->ncpus,
		.expedite = true,
		.write = NULL,   /* gdb_serve() writes to its socket */
		.get_regs = get_regs,
		.set_regs = set_regs,
		.read_mem = read_mem,
		.write_mem = write_mem,
		.breakpoint = breakpoint,
		.resume = resume,
		.interrupt = interrupt,
		.monitor = monitor,
		.thread_info = thread_info,
		.detach = detach,
		.kill = kill_guest,
		.stop_fd = g->stop_fd,
		.take_stop = take_stop,
		.attach = attach,
	};
	vm->debug = g;
	fprintf(stderr, "gdb: listening on %s:%u\n", host, port);
	e = pthread_create(&g->server, NULL, server_thread, g);
	if (e)
		return vmm_fail(err, "cannot start the gdb server thread: %s", strerror(e));
	g->server_started = true;
	return 0;
}

void gdb_stop(struct vm *vm)
{
	struct gdb_vm *g = vm->debug;
	uint64_t one = 1;
	struct timespec deadline;

	if (!g)
		return;
	/* Let an attached gdb see the guest's exit (W packet) first. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += EXIT_REPORT_WAIT_S;
	pthread_mutex_lock(&g->lock);
	while (g->attached && g->stop_pending)
		if (pthread_cond_timedwait(&g->cond, &g->lock, &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&g->lock);
	if (write(g->quit_fd, &one, sizeof(one)) < 0) {
		/* cannot fail for an eventfd */
	}
	if (g->server_started)
		pthread_join(g->server, NULL);
	close(g->listen_fd);
	close(g->stop_fd);
	close(g->quit_fd);
	for (int i = 0; i < vm->ncpus; i++) {
		free(vm->cpus[i].debug);
		vm->cpus[i].debug = NULL;
	}
	vm->debug = NULL;
	free(g);
}
