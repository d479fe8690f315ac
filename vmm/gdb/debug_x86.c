/*
 * debug_x86.c - how the stub stops an x86 vCPU where gdb wants it: the
 * table of breakpoints and watchpoints, the debug registers (DR0-DR3 and
 * DR7) through KVM_SET_GUEST_DEBUG, single-step-and-compare where the
 * debug registers do not work or run out, and the decoding of each
 * KVM_EXIT_DEBUG into a stop reason.
 *
 * The mechanism follows the host probe (probe.c): execute breakpoints go
 * into the debug registers where they fire in the current CPU mode, and
 * watchpoints where data breakpoints fire; the rest is emulated by
 * single-stepping and comparing the PC and the watched bytes after each
 * instruction. Every function here runs with g->lock held.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "gdb/gdb.h"
#include "x86/bits.h"

#define OP_HLT 0xf4

/* ---- the vCPU's registers, on its own thread ----------------------------- */

void gdb_read_pc_state(struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;

	if (ioctl(cpu->fd, KVM_GET_REGS, &d->regs) < 0 ||
	    ioctl(cpu->fd, KVM_GET_SREGS, &d->sregs) < 0)
		vmm_msg(cpu->vm, "gdb: cannot read vCPU %d registers: %s", cpu->id, strerror(errno));
}

void gdb_snapshot(struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;

	gdb_read_pc_state(cpu);
	if (ioctl(cpu->fd, KVM_GET_FPU, &d->fpu) < 0)
		vmm_msg(cpu->vm, "gdb: cannot read vCPU %d FPU: %s", cpu->id, strerror(errno));
	d->have_state = true;
	d->regs_dirty = d->sregs_dirty = d->fpu_dirty = false;
}

void gdb_write_back(struct vcpu *cpu)
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

/* ---- the table ------------------------------------------------------------- */

static bool is_exec_type(enum gdb_bp_type t)
{
	return t == GDB_BP_SOFTWARE || t == GDB_BP_HARDWARE;
}

static bool is_exec(const struct breakpoint *b)
{
	return is_exec_type(b->type);
}

int gdb_exec_bp_at(const struct gdb_vm *g, uint64_t pc)
{
	for (int i = 0; i < g->nbp; i++)
		if (is_exec(&g->bp[i]) && g->bp[i].addr == pc)
			return i;
	return -1;
}

bool gdb_at_hlt(struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;
	uint8_t op;

	return x86_read_linear(cpu->vm, &d->sregs, cpu_linear_pc(&d->regs, &d->sregs), &op, 1) == 0 &&
	       op == OP_HLT;
}

int gdb_bp_change(struct gdb_vm *g, bool insert, enum gdb_bp_type type, uint64_t addr,
		  uint64_t len)
{
	if (type > GDB_WP_ACCESS)
		return -1;
	if (!is_exec_type(type)) {
		/* Without data breakpoints only a changed value can be seen:
		 * read watchpoints cannot be emulated. */
		bool hw = g->caps->hw_watch[MODE_LONG] == PROBE_YES;

		if ((type == GDB_WP_READ && !hw) || len == 0 || len > MAX_WATCH_LEN)
			return -1;
	}
	for (int i = 0; i < g->nbp; i++) {
		if (g->bp[i].type != type || g->bp[i].addr != addr)
			continue;
		if (insert)
			return 0;   /* already there */
		g->bp[i] = g->bp[--g->nbp];
		g->bp_generation++;
		return 0;
	}
	if (!insert || g->nbp == MAX_BREAKPOINTS)
		return -1;
	g->bp[g->nbp++] = (struct breakpoint){
		.type = type, .addr = addr, .len = is_exec_type(type) ? 1 : len,
	};
	g->bp_generation++;
	return 0;
}

/* ---- the debug registers ----------------------------------------------------- */

/* Can a debug register watch b? Data breakpoints cover 1, 2, 4 or 8
 * bytes at an address aligned to that length. */
static bool fits_debug_register(const struct breakpoint *b)
{
	if (is_exec(b))
		return true;
	return (b->len == 1 || b->len == 2 || b->len == 4 || b->len == 8) &&
	       b->addr % b->len == 0;
}

/* The DR7 bits that arm debug-register `slot` for breakpoint b. */
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

void gdb_arm_debug(struct gdb_vm *g, struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;
	struct kvm_guest_debug dbg;
	enum cpu_mode mode = cpu_mode_of(&d->sregs);
	bool hw_exec = g->caps->hw_bp[mode] == PROBE_YES;
	bool hw_watch = g->caps->hw_watch[mode] == PROBE_YES;
	uint64_t pc = cpu_linear_pc(&d->regs, &d->sregs);
	int slot = 0;
	bool at_bp = false;

	memset(&dbg, 0, sizeof(dbg));
	dbg.control = KVM_GUESTDBG_ENABLE;
	d->emulate = false;
	for (int i = 0; i < g->nbp; i++) {
		struct breakpoint *b = &g->bp[i];
		bool exec = is_exec(b);
		bool hw = (exec ? hw_exec : hw_watch) && fits_debug_register(b);

		if (exec && b->addr == pc)
			at_bp = true;
		if (!hw || slot == DR_SLOTS) {
			d->emulate = true;
			continue;
		}
		if (exec && b->addr == pc)
			continue;   /* RF is not honoured everywhere: step off it first */
		dbg.arch.debugreg[slot] = b->addr;
		dbg.arch.debugreg[DR_CONTROL] |= dr7_slot(slot, b);
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
	/* This vCPU's baseline of the watched bytes, to compare after steps. */
	for (int i = 0; i < g->nbp; i++)
		if (!is_exec(&g->bp[i]))
			x86_read_linear(cpu->vm, &d->sregs, g->bp[i].addr, d->watch_old[i], g->bp[i].len);
	d->armed = true;
	d->armed_generation = g->bp_generation;
}

/* ---- debug exits ------------------------------------------------------------- */

static enum gdb_stop_reason break_reason(const struct breakpoint *b)
{
	return b->type == GDB_BP_HARDWARE ? GDB_REASON_HWBREAK : GDB_REASON_SWBREAK;
}

static enum gdb_stop_reason watch_reason(enum gdb_bp_type t)
{
	return t == GDB_WP_WRITE ? GDB_REASON_WATCH : t == GDB_WP_READ ? GDB_REASON_RWATCH
								     : GDB_REASON_AWATCH;
}

/* If a watched value changed since this vCPU's baseline, say which in
 * stop (and take the new value as the baseline) and return true. */
static bool watch_fired(struct gdb_vm *g, struct vcpu *cpu, struct gdb_stop *stop)
{
	struct gdb_vcpu *d = cpu->debug;
	struct kvm_sregs s;
	uint8_t now[MAX_WATCH_LEN];
	bool any = false;

	for (int i = 0; i < g->nbp; i++)
		any |= !is_exec(&g->bp[i]);
	if (!any || ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	for (int i = 0; i < g->nbp; i++) {
		struct breakpoint *b = &g->bp[i];

		if (is_exec(b) || x86_read_linear(cpu->vm, &s, b->addr, now, b->len) < 0)
			continue;
		if (memcmp(now, d->watch_old[i], b->len) != 0) {
			memcpy(d->watch_old[i], now, b->len);
			stop->reason = watch_reason(b->type);
			stop->addr = b->addr;
			return true;
		}
	}
	return false;
}

/* Give the guest its own debug exception back (a #DB of its own debug
 * registers or trap flag; int3 never exits: software breakpoints are not
 * enabled). */
static void reinject(struct vcpu *cpu)
{
	struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_INJECT_DB };

	if (ioctl(cpu->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		vmm_msg(cpu->vm, "gdb: cannot give the guest its debug exception: %s",
			strerror(errno));
	cpu->debug->armed = false;
	cpu->debug->dbg_set = false;
}

enum gdb_debug_verdict gdb_decode_debug_exit(struct gdb_vm *g, struct vcpu *cpu,
					     struct gdb_stop *stop)
{
	struct gdb_vcpu *d = cpu->debug;
	const struct kvm_debug_exit_arch *arch = &cpu->run->debug.arch;
	bool stepped = arch->dr6 & DR6_BS;
	int i = gdb_exec_bp_at(g, arch->pc);

	if (d->action == GDB_ACTION_STEP) {
		/* A step ends here. Say why if it did more: a watched value
		 * changed, or a hardware breakpoint fired instead. */
		if (!watch_fired(g, cpu, stop) && !stepped && i >= 0)
			stop->reason = break_reason(&g->bp[i]);
		return GDB_DEBUG_STOP;
	}
	if (d->stepping_over && stepped) {
		d->armed = false;   /* off the breakpoint: re-arm everything, go on */
		return GDB_DEBUG_GO_ON;
	}
	for (int slot = 0; slot < DR_SLOTS; slot++) {
		if (!(arch->dr6 & DR6_B(slot)))
			continue;
		if (i >= 0)
			stop->reason = break_reason(&g->bp[i]);
		else if (!watch_fired(g, cpu, stop))
			stop->reason = GDB_REASON_AWATCH;   /* a data access, value unchanged */
		return GDB_DEBUG_STOP;
	}
	if (d->emulate && stepped) {
		/* Single-step-and-compare: stop if a value or the PC says so. */
		if (watch_fired(g, cpu, stop))
			return GDB_DEBUG_STOP;
		if (i >= 0) {
			stop->reason = break_reason(&g->bp[i]);
			return GDB_DEBUG_STOP;
		}
		return GDB_DEBUG_GO_ON;
	}
	reinject(cpu);
	return GDB_DEBUG_GUEST;
}
