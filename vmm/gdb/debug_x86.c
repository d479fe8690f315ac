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
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "gdb/gdb.h"
#include "x86/bits.h"

/* ---- the vCPU's registers, on its own thread ----------------------------- */

void gdb_read_pc_state(struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;

	if (ioctl(cpu->fd, KVM_GET_REGS, &d->regs) < 0 ||
	    ioctl(cpu->fd, KVM_GET_SREGS, &d->sregs) < 0)
		vmm_msg(cpu->vm, "gdb: cannot read vCPU %d registers: %s", cpu->id, strerror(errno));
}

/* KVM_GET_MSRS / KVM_SET_MSRS of the one MSR gdb sees beyond sregs. */
struct one_msr {
	struct kvm_msrs head;
	struct kvm_msr_entry entry;
};

static int kernel_gs_base_io(struct vcpu *cpu, unsigned long request, uint64_t *value)
{
	struct one_msr m = { .head.nmsrs = 1, .entry = { .index = MSR_KERNEL_GS_BASE,
							 .data = *value } };

	if (ioctl(cpu->fd, request, &m) != 1)
		return -1;
	*value = m.entry.data;
	return 0;
}

void gdb_snapshot(struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;

	gdb_read_pc_state(cpu);
	if (ioctl(cpu->fd, KVM_GET_FPU, &d->fpu) < 0)
		vmm_msg(cpu->vm, "gdb: cannot read vCPU %d FPU: %s", cpu->id, strerror(errno));
	d->kernel_gs_base = 0;
	if (kernel_gs_base_io(cpu, KVM_GET_MSRS, &d->kernel_gs_base) < 0)
		vmm_msg(cpu->vm, "gdb: cannot read vCPU %d kernel GS base", cpu->id);
	d->have_state = true;
	d->regs_dirty = d->sregs_dirty = d->fpu_dirty = d->msr_dirty = false;
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
	if (d->msr_dirty && kernel_gs_base_io(cpu, KVM_SET_MSRS, &d->kernel_gs_base) < 0)
		vmm_msg(cpu->vm, "gdb: KVM refused the new kernel GS base; kept the old one");
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

	/* The guest's own byte: a patched breakpoint is not a `hlt`. */
	return gdb_code_byte(cpu->vm->debug, &d->sregs, cpu_linear_pc(&d->regs, &d->sregs)) ==
	       OP_HLT;
}

/* Can the stub see reads of b's bytes? A debug register set to "read or
 * write" sees them, where data breakpoints fire; so does a page with no
 * memory slot, where reads exit. */
static bool reads_visible(struct gdb_vm *g, enum gdb_bp_type type, uint64_t addr,
			  uint64_t len);

static bool is_watch_type(enum gdb_bp_type t)
{
	return t == GDB_WP_WRITE || t == GDB_WP_READ || t == GDB_WP_ACCESS;
}

/* Make room for one more entry in the table; false when out of memory or
 * at MAX_BREAKPOINTS. */
static bool bp_room_for_one(struct gdb_vm *g)
{
	struct breakpoint *bigger;
	int room;

	if (g->nbp < g->bp_room)
		return true;
	if (g->nbp >= MAX_BREAKPOINTS)
		return false;
	room = g->bp_room ? 2 * g->bp_room : 16;
	bigger = realloc(g->bp, (size_t)room * sizeof(*bigger));
	if (!bigger)
		return false;
	g->bp = bigger;
	g->bp_room = room;
	return true;
}

int gdb_bp_change(struct gdb_vm *g, bool insert, enum gdb_bp_type type, uint64_t addr,
		  uint64_t len)
{
	struct breakpoint b = { .type = type, .addr = addr, .len = 1 };

	if (type > GDB_WP_ACCESS)
		return GDB_BP_UNSUPPORTED;
	if (is_watch_type(type)) {
		/* Reads are seen only by some mechanisms: without one, say
		 * "not supported" rather than miss them. */
		if (len == 0 || len > MAX_WATCH_LEN)
			return -1;
		if (type != GDB_WP_WRITE && insert &&
		    (g->rec.on || g->rec.want_on || !reads_visible(g, type, addr, len)))
			return GDB_BP_UNSUPPORTED;   /* recording sees writes only */
		b.len = len;
	}
	for (int i = 0; i < g->nbp; i++) {
		if (g->bp[i].type != type || g->bp[i].addr != addr)
			continue;
		if (insert)
			return 0;   /* already there */
		free(g->bp[i].seen);
		g->bp[i] = g->bp[--g->nbp];
		g->bp_generation++;
		return 0;
	}
	if (!insert || !bp_room_for_one(g))
		return -1;
	if (is_watch_type(type)) {
		b.seen = calloc((size_t)g->vm->ncpus, len);
		if (!b.seen)
			return -1;
	}
	g->bp[g->nbp++] = b;
	g->bp_generation++;
	return 0;
}

void gdb_bp_clear(struct gdb_vm *g)
{
	gdb_mech_stopped(g);   /* the guest's own bytes back */
	for (int i = 0; i < g->nbp; i++)
		free(g->bp[i].seen);
	free(g->bp);
	g->bp = NULL;
	g->nbp = g->bp_room = 0;
	g->bp_generation++;
}

/* This vCPU's baseline of watchpoint b. */
static uint8_t *seen_by(const struct breakpoint *b, const struct vcpu *cpu)
{
	return b->seen + (size_t)cpu->id * b->len;
}

/* ---- the debug registers ----------------------------------------------------- */

/* Can a debug register watch b? Data breakpoints cover 1, 2, 4 or 8
 * bytes at an address aligned to that length. */
bool gdb_fits_debug_register(const struct breakpoint *b)
{
	if (is_exec(b))
		return true;
	return (b->len == 1 || b->len == 2 || b->len == 4 || b->len == 8) &&
	       b->addr % b->len == 0;
}

static bool reads_visible(struct gdb_vm *g, enum gdb_bp_type type, uint64_t addr,
			  uint64_t len)
{
	struct breakpoint b = { .type = type, .addr = addr, .len = len };
	int readers = 0;

	for (int i = 0; i < g->nbp; i++)
		readers += g->bp[i].type == GDB_WP_READ || g->bp[i].type == GDB_WP_ACCESS;
	if (g->use_unmapped && gdb_can_unmap(g, addr, len))
		return true;   /* unmapped pages: every read exits */
	return g->use_debugreg && g->caps->hw_watch[MODE_LONG] == PROBE_YES &&
	       gdb_fits_debug_register(&b) &&
	       readers < DR_SLOTS;
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
	bool at_bp = false, patched = false;

	memset(&dbg, 0, sizeof(dbg));
	dbg.control = KVM_GUESTDBG_ENABLE;
	d->emulate = false;
	for (int i = 0; i < g->nbp; i++) {
		struct breakpoint *b = &g->bp[i];
		bool exec = is_exec(b);
		bool hw = (exec ? hw_exec : hw_watch) && gdb_fits_debug_register(b);
		bool here = exec && b->addr == pc && d->action != GDB_ACTION_STOP;

		if (g->rec.on) {   /* recording steps anyway: compare after each step */
			d->emulate = true;
			continue;
		}
		if (b->mech == MECH_PATCH && b->patched) {
			patched = true;
			if (here) {   /* run the guest's own instruction first */
				gdb_mech_hold(g, cpu, b);
				at_bp = true;
			}
			continue;
		}
		if (b->mech == MECH_READONLY || b->mech == MECH_UNMAPPED)
			continue;
		if (b->mech != MECH_DEBUGREG || !hw || slot == DR_SLOTS) {
			d->emulate = true;
			continue;
		}
		if (here) {
			at_bp = true;
			continue;   /* RF is not honoured everywhere: step off it first */
		}
		dbg.arch.debugreg[slot] = b->addr;
		dbg.arch.debugreg[DR_CONTROL] |= dr7_slot(slot, b);
		slot++;
	}
	if (g->rec.on)
		d->emulate = true;   /* every instruction is counted */
	if (slot)
		dbg.control |= KVM_GUESTDBG_USE_HW_BP;
	if (patched && g->patch_op == OP_INT3)
		dbg.control |= KVM_GUESTDBG_USE_SW_BP;
	d->stepping_over = d->action == GDB_ACTION_CONTINUE && at_bp && !d->emulate;
	if (d->action == GDB_ACTION_STEP || d->stepping_over || d->emulate)
		dbg.control |= KVM_GUESTDBG_SINGLESTEP;
	/* A step that gdb asked for should not land in an interrupt handler;
	 * but emulated breakpoints and watchpoints run the guest as usual,
	 * interrupts included (a `hlt` must still wake up). */
	if ((d->action == GDB_ACTION_STEP || d->stepping_over) && g->caps->blockirq)
		dbg.control |= KVM_GUESTDBG_BLOCKIRQ;
	/* Single-step-and-compare looks at the segment and control registers
	 * after every step: KVM copies them into the run area at each exit
	 * (sync regs), cheaper than a KVM_GET_SREGS each time. */
	cpu->run->kvm_valid_regs = d->emulate && g->caps->sync_sregs ? KVM_SYNC_X86_SREGS : 0;
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
			x86_read_linear(cpu->vm, &d->sregs, g->bp[i].addr, seen_by(&g->bp[i], cpu),
					g->bp[i].len);
	d->last_pc = pc;
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

/* Compare watchpoint b with this vCPU's baseline, a piece at a time;
 * take what is there now as the new baseline. True if anything changed. */
#define WATCH_PIECE 256

bool gdb_watch_changed(struct vcpu *cpu, const struct kvm_sregs *s, struct breakpoint *b)
{
	uint8_t now[WATCH_PIECE];
	uint8_t *seen = seen_by(b, cpu);
	bool changed = false;

	for (uint64_t off = 0; off < b->len; off += WATCH_PIECE) {
		size_t n = b->len - off < WATCH_PIECE ? (size_t)(b->len - off) : WATCH_PIECE;

		if (x86_read_linear(cpu->vm, s, b->addr + off, now, n) < 0)
			continue;   /* not mapped (now): nothing to compare */
		if (memcmp(now, seen + off, n) != 0) {
			memcpy(seen + off, now, n);
			changed = true;
		}
	}
	return changed;
}

bool gdb_watch_fired(struct gdb_vm *g, struct vcpu *cpu, struct gdb_stop *stop)
{
	struct kvm_sregs s;
	bool any = false, fired = false;

	for (int i = 0; i < g->nbp; i++)
		any |= !is_exec(&g->bp[i]);
	if (!any)
		return false;
	if (cpu->run->kvm_valid_regs & KVM_SYNC_X86_SREGS)
		s = cpu->run->s.regs.sregs;   /* copied at this exit (gdb_arm_debug) */
	else if (ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	for (int i = 0; i < g->nbp; i++) {
		struct breakpoint *b = &g->bp[i];

		if (is_exec(b) || !gdb_watch_changed(cpu, &s, b) || fired)
			continue;
		stop->reason = watch_reason(b->type);
		stop->addr = b->addr;
		fired = true;
	}
	return fired;
}

/* ---- string instructions ------------------------------------------------------ */

#define MAX_INSN_LEN 15
#define PREFIX_REP 0xf3
#define PREFIX_REPNE 0xf2
#define PREFIX_ADDR_SIZE 0x67
#define REX_FIRST 0x40
#define REX_LAST 0x4f

/* The legacy prefixes an instruction may carry before its opcode. */
static bool is_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:  /* segments */
	case 0x66: case PREFIX_ADDR_SIZE: case 0xf0: case PREFIX_REP: case PREFIX_REPNE:
		return true;
	}
	return false;
}

/* ins, outs, movs, cmps, stos, lods, scas: the string instructions. */
static bool is_string_op(uint8_t op)
{
	return (op >= 0x6c && op <= 0x6f) || (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf);
}

/*
 * Is the vCPU at a `rep` string instruction whose count register is 0, one
 * that has done all its iterations? Some hosts (nested PVM) run every
 * iteration in one single-step but leave RIP on the instruction; the next
 * step then moves past it without doing anything.
 */
static bool rep_finished_at_pc(struct vcpu *cpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	uint8_t insn[MAX_INSN_LEN];
	bool rep = false, long_code, addr_toggle = false;
	unsigned addr_bits;
	int n = 0;

	if (ioctl(cpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	for (n = 0; n < MAX_INSN_LEN; n++)   /* byte by byte: it may end a page */
		if (x86_read_linear(cpu->vm, &s, cpu_linear_pc(&r, &s) + n, &insn[n], 1) < 0)
			break;
	long_code = cpu_in_64bit_code(&s);
	for (int i = 0; i < n; i++) {
		uint8_t b = insn[i];

		if (is_prefix(b)) {
			rep |= b == PREFIX_REP || b == PREFIX_REPNE;
			addr_toggle |= b == PREFIX_ADDR_SIZE;
			continue;
		}
		if (long_code && b >= REX_FIRST && b <= REX_LAST)
			continue;
		if (!rep || !is_string_op(b))
			return false;
		if (long_code)
			addr_bits = addr_toggle ? 32 : 64;
		else
			addr_bits = (s.cs.db != 0) != addr_toggle ? 32 : 16;
		return (addr_bits == 64 ? r.rcx : addr_bits == 32 ? (uint32_t)r.rcx
								  : (uint16_t)r.rcx) == 0;
	}
	return false;
}

/* Give the guest its own debug exception back: a #DB of its own debug
 * registers or trap flag, or an int3 of its own (inject: which). */
static void reinject(struct vcpu *cpu, uint32_t inject)
{
	struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE | inject };

	if (ioctl(cpu->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		vmm_msg(cpu->vm, "gdb: cannot give the guest its debug exception: %s",
			strerror(errno));
	cpu->debug->armed = false;
	cpu->debug->dbg_set = false;
}

/* A single-step that left the PC where it was, on a `rep` that has done
 * all its work (see rep_finished_at_pc): the next step moves past it. */
bool gdb_step_stuck_on_rep(struct vcpu *cpu, uint64_t pc_before, uint64_t pc)
{
	return pc == pc_before && rep_finished_at_pc(cpu);
}

/* What a single-step-and-compare step means: stop (with *stop filled in)
 * or go on. */
static bool emulated_step_stops(struct gdb_vm *g, struct vcpu *cpu, int bp_at_pc,
				struct gdb_stop *stop)
{
	if (gdb_watch_fired(g, cpu, stop))
		return true;
	if (bp_at_pc >= 0) {
		stop->reason = break_reason(&g->bp[bp_at_pc]);
		return true;
	}
	return false;
}

enum gdb_debug_verdict gdb_decode_debug_exit(struct gdb_vm *g, struct vcpu *cpu,
					     struct gdb_stop *stop)
{
	struct gdb_vcpu *d = cpu->debug;
	const struct kvm_debug_exit_arch *arch = &cpu->run->debug.arch;
	bool stepped = arch->dr6 & DR6_BS;
	int i = gdb_exec_bp_at(g, arch->pc);
	uint64_t pc_before = d->last_pc;

	d->last_pc = arch->pc;
	if (stepped)
		gdb_mech_release(g, cpu);   /* off a patched breakpoint: patch it again */
	if (arch->exception == X86_BP) {
		/* int3: one of ours if it is a patched breakpoint. */
		for (int k = 0; k < g->nbp; k++) {
			if (g->bp[k].mech == MECH_PATCH && g->bp[k].patched &&
			    g->bp[k].addr == arch->pc) {
				stop->reason = break_reason(&g->bp[k]);
				return GDB_DEBUG_STOP;
			}
		}
		reinject(cpu, KVM_GUESTDBG_INJECT_BP);
		return GDB_DEBUG_GUEST;
	}
	if (g->rec.on && stepped) {
		/* Recording: the step that did a `rep`'s work without moving
		 * past it is not an instruction of its own. */
		if (gdb_step_stuck_on_rep(cpu, pc_before, arch->pc))
			return GDB_DEBUG_GO_ON;
		return gdb_rec_step(g, cpu, i, stop);
	}
	if (stepped && d->has_deferred) {
		/* The step past a finished `rep`: report what it did now, with
		 * the PC after it, as hardware would. */
		d->has_deferred = false;
		stop->reason = d->deferred.reason;
		stop->addr = d->deferred.addr;
		return GDB_DEBUG_STOP;
	}
	if (stepped && (d->action == GDB_ACTION_STEP || d->emulate) &&
	    gdb_step_stuck_on_rep(cpu, pc_before, arch->pc)) {
		struct gdb_stop held = { .reason = GDB_REASON_NONE };

		if (d->action == GDB_ACTION_STEP || emulated_step_stops(g, cpu, -1, &held)) {
			d->deferred = held;
			d->has_deferred = true;
		}
		return GDB_DEBUG_GO_ON;   /* one more step moves past it */
	}
	if (d->action == GDB_ACTION_STEP) {
		/* A step ends here. Say why if it did more: a watched value
		 * changed, or a hardware breakpoint fired instead. */
		if (!gdb_watch_fired(g, cpu, stop) && !stepped && i >= 0)
			stop->reason = break_reason(&g->bp[i]);
		return GDB_DEBUG_STOP;
	}
	if (d->stepping_over && stepped) {
		if (i >= 0 || gdb_watch_fired(g, cpu, stop)) {
			/* The one instruction reached another breakpoint, or wrote
			 * a watched value. */
			if (i >= 0 && stop->reason == GDB_REASON_NONE)
				stop->reason = break_reason(&g->bp[i]);
			return GDB_DEBUG_STOP;
		}
		d->armed = false;   /* off the breakpoint: re-arm everything, go on */
		return GDB_DEBUG_GO_ON;
	}
	for (int slot = 0; slot < DR_SLOTS; slot++) {
		if (!(arch->dr6 & DR6_B(slot)))
			continue;
		if (i >= 0)
			stop->reason = break_reason(&g->bp[i]);
		else if (!gdb_watch_fired(g, cpu, stop))
			stop->reason = GDB_REASON_AWATCH;   /* a data access, value unchanged */
		return GDB_DEBUG_STOP;
	}
	if (d->emulate && stepped)
		return emulated_step_stops(g, cpu, i, stop) ? GDB_DEBUG_STOP : GDB_DEBUG_GO_ON;
	reinject(cpu, KVM_GUESTDBG_INJECT_DB);
	return GDB_DEBUG_GUEST;
}
