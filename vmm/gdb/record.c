/*
 * record.c - reverse debugging: recording the execution of a one-vCPU
 * guest and going backwards through it (gdb's reverse-stepi,
 * reverse-continue and everything built on them).
 *
 * The execution of one vCPU between two VM exits is deterministic; what is
 * not is what exits bring in from outside. So while recording:
 *
 *   - the vCPU runs one instruction at a time (KVM's single-step) and
 *     `icount` counts the instructions;
 *   - every REC_INTERVAL instructions (KVM_VMM_RECORD_INTERVAL in the
 *     environment, for tests) a checkpoint keeps the registers
 *     and, for every guest page that changed since the previous
 *     checkpoint, the page as it was then (an undo copy). Changed pages
 *     are found by comparing guest RAM with `shadow`, a copy of RAM at the
 *     last checkpoint; so writes that kvm-vmm itself makes into guest RAM
 *     are seen as well as the guest's own;
 *   - every port I/O exit is logged with the icount where it happened and
 *     what it brought in (the bytes of an `in`, RAX/RDX of a hypercall).
 *
 * Going back to icount t restores the last checkpoint at or before t (RAM
 * through the undo copies, from the newest checkpoint down) and runs
 * forward to t. Every checkpoint after it is dropped; running forward takes
 * them again, identical. Exits of instructions that were executed before
 * (icount < frontier) are replayed from the log: no device sees them, so
 * the guest gets the same bytes and its output is not printed twice.
 *
 * reverse-continue replays the stretch between the previous checkpoint and
 * the current position, noting the last breakpoint reached or watched
 * value written; without one it tries the stretch before, and so on back to
 * the start of the recording (gdb's "No more reverse-execution history").
 * With watchpoints only, a stretch in which the guest wrote none of the
 * watched pages (KVM's dirty-page log, read at each checkpoint) and no
 * exit brought anything in is skipped without a replay.
 *
 * The history is bounded (--record-limit, REC_LIMIT_DEFAULT_MIB): past the
 * limit the oldest checkpoint is dropped, and with it the oldest history.
 *
 * Every function here runs with g->lock held: on the vCPU's thread, or on
 * the server thread while every vCPU is parked. The entry points from
 * outside vmm/gdb/ (gdb_record_setup, gdb_rec_replay_io, gdb_rec_log_io)
 * take the lock themselves.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "gdb/gdb.h"
#include "options.h"
#include "x86/bits.h"
#include "x86/x86.h"

#define MIB ((uint64_t)1024 * 1024)
#define LOG_FIRST_ROOM 256
#define CP_FIRST_ROOM 64
/* Tests take checkpoints more often, to cross many with small guests. */
#define INTERVAL_ENV "KVM_VMM_RECORD_INTERVAL"
#define INTERVAL_MAX 1000000

/* The MSRs a checkpoint keeps beyond sregs (EFER, FS and GS bases are
 * there): syscall/sysenter targets, swapgs's other base, PAT. Those this
 * host's KVM cannot read are left out when the recording starts. */
static const uint32_t rec_msrs[REC_MSRS] = {
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_STAR, MSR_LSTAR,
	MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE, MSR_PAT,
};

struct msr_list {
	struct kvm_msrs head;
	struct kvm_msr_entry entry[REC_MSRS];
};

void gdb_record_setup(struct vm *vm, bool at_start, uint64_t limit_mib)
{
	struct gdb_vm *g = vm->debug;

	pthread_mutex_lock(&g->lock);
	g->rec.limit = (limit_mib ? limit_mib : REC_LIMIT_DEFAULT_MIB) * MIB;
	g->rec.want_on = at_start;
	pthread_mutex_unlock(&g->lock);
}

/* ---- memory accounting ------------------------------------------------------ */

static uint64_t checkpoint_bytes(const struct rec_checkpoint *c)
{
	return sizeof(*c) + c->nundo * (sizeof(struct rec_page) + PAGE_SIZE) +
	       c->nwritten * sizeof(*c->written);
}

static uint64_t input_bytes(const struct rec_input *in)
{
	return sizeof(*in) + in->len;
}

/* ---- checkpoints ---------------------------------------------------------------- */

static void free_checkpoint(struct recording *r, struct rec_checkpoint *c)
{
	r->bytes -= checkpoint_bytes(c);
	for (size_t i = 0; i < c->nundo; i++)
		free(c->undo[i].data);
	free(c->undo);
	free(c->written);
	free(c);
}

/* ---- which pages the guest wrote: KVM's dirty-page log -------------------------- */

static size_t dirty_words(const struct vm *vm)
{
	uint64_t pages = vm->mem_size / PAGE_SIZE;

	return (size_t)((pages + 63) / 64);
}

/* Read (and so empty) the dirty log; false if it cannot tell what the
 * guest wrote since the previous read: no log on this host, or RAM was
 * remapped in between (which empties the log). */
static bool read_dirty_log(struct vm *vm, struct recording *r)
{
	bool unbroken = r->dirty_generation == vm->map_generation;

	r->dirty_generation = vm->map_generation;
	if (!r->dirty)
		return false;
	memset(r->dirty, 0, dirty_words(vm) * sizeof(*r->dirty));
	return vm_dirty_log_read(vm, r->dirty) == 0 && unbroken;
}

/* The pages in the dirty log into c->written; false when out of memory. */
static bool collect_written_pages(struct vm *vm, struct recording *r, struct rec_checkpoint *c)
{
	size_t room = 0;

	c->written_known = read_dirty_log(vm, r);
	if (!c->written_known)
		return true;
	for (size_t w = 0; w < dirty_words(vm); w++)
		for (uint64_t bits = r->dirty[w]; bits; bits &= bits - 1) {
			if (c->nwritten == room) {
				uint32_t *bigger;

				room = room ? 2 * room : 16;
				bigger = realloc(c->written, room * sizeof(*bigger));
				if (!bigger)
					return false;
				c->written = bigger;
			}
			c->written[c->nwritten++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
		}
	return true;
}

/* Did the guest write page `page` (a page number) in the stretch that
 * ends at checkpoint c? True when the log could not tell. */
static bool guest_wrote(const struct rec_checkpoint *c, uint64_t page)
{
	if (!c->written_known)
		return true;
	for (size_t i = 0; i < c->nwritten; i++)
		if (c->written[i] == page)
			return true;
	return false;
}

static struct rec_checkpoint *newest(const struct recording *r)
{
	return r->cp[r->ncp - 1];
}

/* Compare page `gpa` of guest RAM with the shadow: if it differs, it goes
 * into c's undo list as the shadow has it, and the shadow takes the new
 * content. Returns false when out of memory. */
static bool collect_page(struct vm *vm, struct recording *r, struct rec_checkpoint *c,
			 uint64_t gpa, size_t *room)
{
	uint8_t *now = vm->mem + gpa, *then = r->shadow + gpa;
	struct rec_page p = { .gpa = gpa };

	if (memcmp(now, then, PAGE_SIZE) == 0)
		return true;
	if (c->nundo == *room) {
		struct rec_page *bigger;

		*room = *room ? 2 * *room : 16;
		bigger = realloc(c->undo, *room * sizeof(*bigger));
		if (!bigger)
			return false;
		c->undo = bigger;
	}
	p.data = malloc(PAGE_SIZE);
	if (!p.data)
		return false;
	memcpy(p.data, then, PAGE_SIZE);
	memcpy(then, now, PAGE_SIZE);
	c->undo[c->nundo++] = p;
	return true;
}

/* The pages that changed since the previous checkpoint into c's undo
 * list. Only the guest wrote RAM since then when the dirty log is known
 * and no exit came in between (kvm-vmm writes guest RAM only for exits;
 * gdb's writes start the recording again): then only the pages in the log
 * are compared, else all of RAM. Returns false when out of memory. */
static bool collect_changed_pages(struct vm *vm, struct recording *r, struct rec_checkpoint *c)
{
	size_t room = 0;

	if (c->written_known && r->ncp > 0 && newest(r)->log_pos == r->pos) {
		for (size_t i = 0; i < c->nwritten; i++)
			if (!collect_page(vm, r, c, (uint64_t)c->written[i] * PAGE_SIZE, &room))
				return false;
		return true;
	}
	for (uint64_t gpa = 0; gpa < vm->mem_size; gpa += PAGE_SIZE)
		if (!collect_page(vm, r, c, gpa, &room))
			return false;
	return true;
}

static void read_cpu_state(struct vcpu *cpu, struct recording *r, struct rec_checkpoint *c)
{
	struct msr_list m = { .head.nmsrs = (uint32_t)r->nmsrs };

	if (ioctl(cpu->fd, KVM_GET_REGS, &c->regs) < 0 ||
	    ioctl(cpu->fd, KVM_GET_SREGS, &c->sregs) < 0 || ioctl(cpu->fd, KVM_GET_FPU, &c->fpu) < 0)
		vmm_msg(cpu->vm, "record: cannot read the registers: %s", strerror(errno));
	c->have_events = ioctl(cpu->fd, KVM_GET_VCPU_EVENTS, &c->events) == 0;
	for (int i = 0; i < r->nmsrs; i++)
		m.entry[i].index = r->msr_index[i];
	if (r->nmsrs && ioctl(cpu->fd, KVM_GET_MSRS, &m) == r->nmsrs)
		for (int i = 0; i < r->nmsrs; i++)
			c->msr[i] = m.entry[i].data;
}

static void write_cpu_state(struct vcpu *cpu, struct recording *r, const struct rec_checkpoint *c)
{
	struct msr_list m = { .head.nmsrs = (uint32_t)r->nmsrs };
	struct kvm_vcpu_events ev = c->events;

	for (int i = 0; i < r->nmsrs; i++)
		m.entry[i] = (struct kvm_msr_entry){ .index = r->msr_index[i], .data = c->msr[i] };
	if (ioctl(cpu->fd, KVM_SET_SREGS, &c->sregs) < 0 ||
	    ioctl(cpu->fd, KVM_SET_REGS, &c->regs) < 0 || ioctl(cpu->fd, KVM_SET_FPU, &c->fpu) < 0 ||
	    (r->nmsrs && ioctl(cpu->fd, KVM_SET_MSRS, &m) != r->nmsrs))
		vmm_msg(cpu->vm, "record: cannot restore the registers: %s", strerror(errno));
	if (c->have_events && ioctl(cpu->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		vmm_msg(cpu->vm, "record: cannot restore pending events: %s", strerror(errno));
}

/* Drop the oldest checkpoint: the one after it becomes the start of the
 * history, and the inputs before it go too. */
static void drop_oldest(struct recording *r)
{
	struct rec_checkpoint *second = r->cp[1];
	size_t keep_from;

	free_checkpoint(r, r->cp[0]);
	memmove(r->cp, r->cp + 1, (r->ncp - 1) * sizeof(*r->cp));
	r->ncp--;
	/* Its undo pages lead to the dropped one: nobody goes there now. */
	r->bytes -= second->nundo * (sizeof(struct rec_page) + PAGE_SIZE);
	for (size_t i = 0; i < second->nundo; i++)
		free(second->undo[i].data);
	free(second->undo);
	second->undo = NULL;
	second->nundo = 0;
	keep_from = second->log_pos - r->log_base;
	for (size_t i = r->log_head; i < keep_from; i++) {
		r->bytes -= input_bytes(&r->log[i]);
		free(r->log[i].data);
	}
	r->log_head = keep_from;
	/* Move the rest to the front only now and then: the log may be long. */
	if (r->log_head > r->nlog / 2) {
		memmove(r->log, r->log + r->log_head, (r->nlog - r->log_head) * sizeof(*r->log));
		r->nlog -= r->log_head;
		r->log_base += r->log_head;
		r->log_head = 0;
	}
}

/* Take a checkpoint of cpu at the current icount. */
static void take_checkpoint(struct vcpu *cpu, struct recording *r)
{
	struct rec_checkpoint *c = calloc(1, sizeof(*c));

	if (r->ncp == r->cp_room) {
		size_t room = r->cp_room ? 2 * r->cp_room : CP_FIRST_ROOM;
		struct rec_checkpoint **bigger = realloc(r->cp, room * sizeof(*bigger));

		if (!bigger) {
			free(c);
			c = NULL;
		} else {
			r->cp = bigger;
			r->cp_room = room;
		}
	}
	if (!c || !collect_written_pages(cpu->vm, r, c) || !collect_changed_pages(cpu->vm, r, c)) {
		/* Out of memory: the shadow may be ahead of the undo lists, so
		 * no checkpoint can be trusted; start again from here. */
		vmm_msg(cpu->vm, "record: out of memory; the history starts again here");
		if (c) {
			r->bytes += checkpoint_bytes(c);
			free_checkpoint(r, c);
		}
		for (size_t i = 0; i < r->ncp; i++)
			free_checkpoint(r, r->cp[i]);
		r->ncp = 0;
		memcpy(r->shadow, cpu->vm->mem, cpu->vm->mem_size);
		c = calloc(1, sizeof(*c));
		if (!c)
			abort();   /* a few hundred bytes: nothing sensible is left to do */
	}
	c->icount = r->icount;
	c->log_pos = r->pos;
	read_cpu_state(cpu, r, c);
	r->bytes += checkpoint_bytes(c);
	r->cp[r->ncp++] = c;
	while (r->bytes > r->limit && r->ncp > 1)
		drop_oldest(r);
}

/* Index of the last checkpoint at or before icount t (there is one: the
 * oldest is at or before everything still reachable). */
static size_t checkpoint_at_or_before(const struct recording *r, uint64_t t)
{
	size_t k = 0;

	while (k + 1 < r->ncp && r->cp[k + 1]->icount <= t)
		k++;
	return k;
}

/* Put cpu and guest RAM back as they were at checkpoint k; the later
 * checkpoints go. The vCPU re-arms its debug state before it runs. */
static void restore(struct gdb_vm *g, struct vcpu *cpu, size_t k)
{
	struct recording *r = &g->rec;
	struct vm *vm = cpu->vm;
	struct gdb_vcpu *d = cpu->debug;

	/* Back to the newest checkpoint: the pages written since then. */
	for (uint64_t gpa = 0; gpa < vm->mem_size; gpa += PAGE_SIZE)
		if (memcmp(vm->mem + gpa, r->shadow + gpa, PAGE_SIZE) != 0)
			memcpy(vm->mem + gpa, r->shadow + gpa, PAGE_SIZE);
	/* Then from checkpoint to checkpoint down to k. */
	while (r->ncp > k + 1) {
		struct rec_checkpoint *c = newest(r);

		for (size_t i = 0; i < c->nundo; i++) {
			memcpy(vm->mem + c->undo[i].gpa, c->undo[i].data, PAGE_SIZE);
			memcpy(r->shadow + c->undo[i].gpa, c->undo[i].data, PAGE_SIZE);
		}
		free_checkpoint(r, c);
		r->ncp--;
	}
	read_dirty_log(vm, r);   /* empty: the next stretch starts at k */
	write_cpu_state(cpu, r, r->cp[k]);
	r->icount = r->cp[k]->icount;
	r->pos = r->cp[k]->log_pos;
	d->armed = false;
	d->has_deferred = false;
	d->holding = false;
	gdb_read_pc_state(cpu);
	d->last_pc = cpu_linear_pc(&d->regs, &d->sregs);
}

/* ---- on and off ------------------------------------------------------------------ */

static void free_log(struct recording *r, size_t from)
{
	if (from < r->log_head)
		from = r->log_head;   /* those went with the oldest checkpoints */
	for (size_t i = from; i < r->nlog; i++) {
		r->bytes -= input_bytes(&r->log[i]);
		free(r->log[i].data);
	}
	r->nlog = from;
}

void gdb_rec_stop(struct gdb_vm *g)
{
	struct recording *r = &g->rec;
	uint64_t limit = r->limit;

	for (size_t i = 0; i < r->ncp; i++)
		free_checkpoint(r, r->cp[i]);
	free(r->cp);
	free_log(r, 0);
	free(r->log);
	free(r->shadow);
	if (r->dirty)
		vm_dirty_log(g->vm, false);
	free(r->dirty);
	memset(r, 0, sizeof(*r));
	r->limit = limit;
	r->reverse = GDB_ACTION_STOP;
	g->bp_generation++;   /* breakpoints may use other mechanisms now */
}

void gdb_rec_detach(struct gdb_vm *g)
{
	struct recording *r = &g->rec;

	r->want_on = false;
	if (r->on && r->icount < r->frontier)
		r->off_at_frontier = true;   /* replay the rest: no output twice */
	else
		gdb_rec_stop(g);
}

/* Which of rec_msrs this host's KVM can read and write. */
static void probe_msrs(struct vcpu *cpu, struct recording *r)
{
	r->nmsrs = 0;
	for (int i = 0; i < REC_MSRS; i++) {
		struct { struct kvm_msrs head; struct kvm_msr_entry e; } m = {
			.head.nmsrs = 1, .e.index = rec_msrs[i] };

		if (ioctl(cpu->fd, KVM_GET_MSRS, &m) == 1 && ioctl(cpu->fd, KVM_SET_MSRS, &m) == 1)
			r->msr_index[r->nmsrs++] = rec_msrs[i];
	}
}

/* Start recording at the vCPU's present state (its thread). */
static bool start(struct gdb_vm *g, struct vcpu *cpu)
{
	struct recording *r = &g->rec;
	struct vm *vm = cpu->vm;
	uint64_t limit = r->limit ? r->limit : REC_LIMIT_DEFAULT_MIB * MIB;

	gdb_rec_stop(g);
	r->limit = limit;
	/* calloc'd: pages never touched stay the kernel's shared zero page,
	 * as in guest RAM, so the shadow costs what the guest uses. */
	r->shadow = calloc(1, vm->mem_size);
	if (!r->shadow) {
		vmm_msg(vm, "record: no memory for a copy of guest RAM (%" PRIu64 " MiB)",
			vm->mem_size / MIB);
		return false;
	}
	for (uint64_t gpa = 0; gpa < vm->mem_size; gpa += PAGE_SIZE)
		if (memcmp(vm->mem + gpa, r->shadow + gpa, PAGE_SIZE) != 0)
			memcpy(r->shadow + gpa, vm->mem + gpa, PAGE_SIZE);
	/* Without the dirty log (no memory, or a host without it) every
	 * stretch counts as written: reverse-continue then replays them all. */
	r->dirty = calloc(dirty_words(vm), sizeof(*r->dirty));
	if (r->dirty && vm_dirty_log(vm, true) < 0) {
		free(r->dirty);
		r->dirty = NULL;
	}
	probe_msrs(cpu, r);
	r->interval = REC_INTERVAL;
	if (getenv(INTERVAL_ENV)) {
		long every = strtol(getenv(INTERVAL_ENV), NULL, 10);

		if (every > 0 && every <= INTERVAL_MAX)
			r->interval = (uint64_t)every;
	}
	r->on = true;
	take_checkpoint(cpu, r);
	return true;
}

/* ---- going backwards ------------------------------------------------------------- */

static void stop_at(struct vcpu *cpu, struct gdb_stop *stop, enum gdb_stop_reason reason)
{
	*stop = (struct gdb_stop){ .kind = GDB_STOP_SIGNAL, .cpu = cpu->id,
				   .signal = GDB_SIGTRAP, .reason = reason };
}

static enum gdb_stop_reason break_reason_of(const struct gdb_vm *g, int bp)
{
	return g->bp[bp].type == GDB_BP_HARDWARE ? GDB_REASON_HWBREAK : GDB_REASON_SWBREAK;
}

/* Replay from checkpoint k to icount `end`, noting the last hit. */
static void scan_stretch(struct gdb_vm *g, struct vcpu *cpu, size_t k, uint64_t end)
{
	struct recording *r = &g->rec;
	struct gdb_vcpu *d = cpu->debug;
	int bp;

	restore(g, cpu, k);
	r->goal = REC_SCAN;
	r->scan_from = r->icount;
	r->scan_end = end;
	r->hit = false;
	bp = gdb_exec_bp_at(g, cpu_linear_pc(&d->regs, &d->sregs));
	if (bp >= 0) {
		r->hit = true;
		r->hit_icount = r->icount;
		stop_at(cpu, &r->hit_stop, break_reason_of(g, bp));
	}
}

/* The start of the history: go there and say so. */
static void at_history_start(struct gdb_vm *g, struct vcpu *cpu, struct gdb_stop *stop)
{
	restore(g, cpu, 0);
	g->rec.goal = REC_FORWARD;
	stop_at(cpu, stop, GDB_REASON_HISTORY_BEGIN);
}

/* Go to icount t (at or before the present) and stop there with `why`.
 * True if the vCPU is there already (stop filled in); false: it runs. */
static bool go_to(struct gdb_vm *g, struct vcpu *cpu, uint64_t t, const struct gdb_stop *why,
		  struct gdb_stop *stop)
{
	struct recording *r = &g->rec;

	if (t < r->cp[0]->icount) {   /* dropped at the memory limit meanwhile */
		at_history_start(g, cpu, stop);
		return true;
	}
	restore(g, cpu, checkpoint_at_or_before(r, t));
	if (r->icount == t) {
		r->goal = REC_FORWARD;
		*stop = *why;
		return true;
	}
	r->goal = REC_TO;
	r->goal_icount = t;
	r->goal_stop = *why;
	return false;
}

/* Can the stretch from checkpoint k to the next one hold a hit? Any may
 * reach a breakpoint, and the stretch up to the present is always
 * replayed. A watched value can have changed in the stretch only if the
 * guest wrote its page (KVM's dirty log, which sees a value changed and
 * changed back too), or an exit brought something in (kvm-vmm may have
 * written guest RAM for it; gdb's own writes start the recording again).
 * Skipping the other stretches makes reverse-continue to a watchpoint cost
 * a replay of the stretch that wrote it only. */
static bool stretch_may_hit(struct gdb_vm *g, struct vcpu *cpu, size_t k)
{
	struct recording *r = &g->rec;
	const struct rec_checkpoint *next;
	struct paging_regs at_start, at_end;
	struct vm *vm = cpu->vm;

	if (g->nbp == 0)
		return false;
	if (k + 1 == r->ncp || r->cp[k + 1]->log_pos != r->cp[k]->log_pos)
		return true;   /* up to the present, or an exit brought something in */
	next = r->cp[k + 1];
	at_start = paging_regs_of(&r->cp[k]->sregs);
	at_end = paging_regs_of(&next->sregs);
	for (int i = 0; i < g->nbp; i++) {
		const struct breakpoint *b = &g->bp[i];
		uint64_t a = b->addr, left = b->len;

		if (b->type == GDB_BP_SOFTWARE || b->type == GDB_BP_HARDWARE)
			return true;
		while (left) {
			uint64_t p1, p2, n = PAGE_SIZE - (a & (PAGE_SIZE - 1));

			if (n > left)
				n = left;
			if (paging_translate(&at_start, vm->mem, vm->mem_size, a, &p1, NULL, NULL) ||
			    paging_translate(&at_end, vm->mem, vm->mem_size, a, &p2, NULL, NULL) ||
			    p1 != p2 || p1 + n > vm->mem_size || guest_wrote(next, p1 / PAGE_SIZE))
				return true;
			a += n;
			left -= n;
		}
	}
	return false;
}

/* Scan backwards from the stretch at checkpoint k, which ends at `end`,
 * past the stretches that cannot hold a hit. True if that reached the
 * start of the history (stop filled in); false: the vCPU replays one. */
static bool scan_back(struct gdb_vm *g, struct vcpu *cpu, size_t k, uint64_t end,
		      struct gdb_stop *stop)
{
	while (!stretch_may_hit(g, cpu, k)) {
		if (k == 0) {
			at_history_start(g, cpu, stop);
			return true;
		}
		end = g->rec.cp[k]->icount;
		k--;
	}
	scan_stretch(g, cpu, k, end);
	return false;
}

/* A stretch of reverse-continue was replayed to its end: go to its last
 * hit, or scan the stretch before it. True when stopped (stop filled). */
static bool stretch_done(struct gdb_vm *g, struct vcpu *cpu, struct gdb_stop *stop)
{
	struct recording *r = &g->rec;

	if (r->hit)
		return go_to(g, cpu, r->hit_icount, &r->hit_stop, stop);
	if (r->scan_from <= r->cp[0]->icount) {
		at_history_start(g, cpu, stop);
		return true;
	}
	return scan_back(g, cpu, checkpoint_at_or_before(r, r->scan_from - 1), r->scan_from, stop);
}

/* Begin a bs (action STEP) or bc (CONTINUE). True if it stopped at once. */
static bool begin_reverse(struct gdb_vm *g, struct vcpu *cpu, enum gdb_action action,
			  struct gdb_stop *stop)
{
	struct recording *r = &g->rec;
	struct gdb_stop stepped;

	if (!r->on || r->icount <= r->cp[0]->icount) {
		if (r->on)
			at_history_start(g, cpu, stop);
		else
			stop_at(cpu, stop, GDB_REASON_HISTORY_BEGIN);
		return true;
	}
	if (action == GDB_ACTION_STEP) {
		stop_at(cpu, &stepped, GDB_REASON_NONE);
		return go_to(g, cpu, r->icount - 1, &stepped, stop);
	}
	return scan_back(g, cpu, checkpoint_at_or_before(r, r->icount - 1), r->icount, stop);
}

/* gdb changed registers or memory: what was recorded after this point can
 * no longer happen, and replaying up to here would not make gdb's change.
 * The history starts again from here. */
static void restart_here(struct gdb_vm *g, struct vcpu *cpu)
{
	vmm_msg(cpu->vm, "record: gdb changed the guest; the recording starts again here");
	start(g, cpu);
}

enum rec_after_park gdb_rec_after_park(struct gdb_vm *g, struct vcpu *cpu)
{
	struct recording *r = &g->rec;
	struct gdb_vcpu *d = cpu->debug;
	enum gdb_action reverse = r->reverse;
	bool wrote = r->gdb_wrote || d->regs_dirty || d->sregs_dirty || d->fpu_dirty ||
		     d->msr_dirty;
	struct gdb_stop stop;

	r->reverse = GDB_ACTION_STOP;
	r->gdb_wrote = false;
	if (d->action == GDB_ACTION_STOP)
		return REC_NOTHING;
	/* gdb's changes first: what follows starts from them. */
	gdb_write_back(cpu);
	d->regs_dirty = d->sregs_dirty = d->fpu_dirty = d->msr_dirty = false;
	if (r->want_on) {
		r->want_on = false;
		if (start(g, cpu))
			g->bp_generation++;
	} else if (r->on && wrote) {
		restart_here(g, cpu);
	}
	r->goal = REC_FORWARD;
	if (reverse == GDB_ACTION_STOP)
		return REC_NOTHING;
	if (begin_reverse(g, cpu, reverse, &stop)) {
		gdb_request_stop(g, &stop);
		return REC_PARK_AGAIN;
	}
	return REC_GO;
}

/* ---- each step -------------------------------------------------------------------- */

enum gdb_debug_verdict gdb_rec_step(struct gdb_vm *g, struct vcpu *cpu, int bp,
				    struct gdb_stop *stop)
{
	struct recording *r = &g->rec;
	struct gdb_vcpu *d = cpu->debug;
	struct gdb_stop watch;

	r->icount++;
	if (r->icount > r->frontier)
		r->frontier = r->icount;
	if (r->off_at_frontier && r->icount >= r->frontier) {
		gdb_rec_stop(g);   /* gdb is gone and the replay is over */
		return GDB_DEBUG_GO_ON;
	}
	if (r->icount >= newest(r)->icount + r->interval)
		take_checkpoint(cpu, r);
	switch (r->goal) {
	case REC_FORWARD:
		if (d->action == GDB_ACTION_STEP) {
			gdb_watch_fired(g, cpu, stop);
			return GDB_DEBUG_STOP;
		}
		if (gdb_watch_fired(g, cpu, stop))
			return GDB_DEBUG_STOP;
		if (bp >= 0) {
			stop->reason = break_reason_of(g, bp);
			return GDB_DEBUG_STOP;
		}
		return GDB_DEBUG_GO_ON;
	case REC_TO:
		if (r->icount < r->goal_icount)
			return GDB_DEBUG_GO_ON;
		r->goal = REC_FORWARD;
		*stop = r->goal_stop;
		return GDB_DEBUG_STOP;
	case REC_SCAN:
		stop_at(cpu, &watch, GDB_REASON_NONE);
		if (gdb_watch_fired(g, cpu, &watch)) {
			/* Going backwards, the stop is before the writing instruction. */
			r->hit = true;
			r->hit_icount = r->icount - 1;
			r->hit_stop = watch;
		} else if (bp >= 0 && r->icount < r->scan_end) {
			r->hit = true;
			r->hit_icount = r->icount;
			stop_at(cpu, &r->hit_stop, break_reason_of(g, bp));
		}
		if (r->icount < r->scan_end)
			return GDB_DEBUG_GO_ON;
		return stretch_done(g, cpu, stop) ? GDB_DEBUG_STOP : GDB_DEBUG_GO_ON;
	}
	return GDB_DEBUG_GO_ON;
}

/* ---- the input log ------------------------------------------------------------------- */

/* The recording went another way than before (it cannot, unless the guest
 * reads something kvm-vmm does not log): forget the rest of it. */
static void diverged(struct vcpu *cpu, struct recording *r)
{
	vmm_msg(cpu->vm, "record: instruction %" PRIu64 " did not do what it did when "
		"recorded; the recording goes on live from here", r->icount);
	free_log(r, r->pos - r->log_base);
	r->frontier = r->icount;
}

bool gdb_rec_replay_io(struct vcpu *cpu)
{
	struct gdb_vm *g = cpu->vm->debug;
	struct recording *r;
	struct kvm_run *run = cpu->run;
	const struct rec_input *in;
	bool replayed = false;

	if (!g)
		return false;
	pthread_mutex_lock(&g->lock);
	r = &g->rec;
	if (!r->on || r->icount >= r->frontier)
		goto out;
	in = r->pos - r->log_base < r->nlog ? &r->log[r->pos - r->log_base] : NULL;
	if (!in || in->icount != r->icount || in->port != run->io.port ||
	    in->direction != run->io.direction ||
	    (in->direction == KVM_EXIT_IO_IN && in->len != run->io.size * run->io.count)) {
		diverged(cpu, r);
		goto out;
	}
	r->pos++;
	if (in->direction == KVM_EXIT_IO_IN)
		memcpy((uint8_t *)run + run->io.data_offset, in->data, in->len);
	if (in->has_regs) {
		struct kvm_regs regs;

		if (ioctl(cpu->fd, KVM_GET_REGS, &regs) == 0) {
			regs.rax = in->rax;
			regs.rdx = in->rdx;
			if (ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0)
				vmm_msg(cpu->vm, "record: KVM_SET_REGS: %s", strerror(errno));
		}
	}
	replayed = true;
out:
	pthread_mutex_unlock(&g->lock);
	return replayed;
}

void gdb_rec_log_io(struct vcpu *cpu, const struct rec_io *io)
{
	struct gdb_vm *g = cpu->vm->debug;
	struct recording *r;
	struct rec_input in = { .port = io->port, .direction = io->direction };

	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	r = &g->rec;
	if (!r->on)
		goto out;
	in.icount = r->icount;
	if (io->direction == KVM_EXIT_IO_IN && io->len) {
		in.data = malloc(io->len);
		if (!in.data)
			goto fail;
		memcpy(in.data, io->data, io->len);
		in.len = io->len;
	}
	if (io->port == PORT_HYPERCALL && io->direction == KVM_EXIT_IO_OUT) {
		struct kvm_regs regs;

		if (ioctl(cpu->fd, KVM_GET_REGS, &regs) == 0) {
			in.has_regs = true;
			in.rax = regs.rax;
			in.rdx = regs.rdx;
		}
	}
	if (r->nlog == r->log_room) {
		size_t room = r->log_room ? 2 * r->log_room : LOG_FIRST_ROOM;
		struct rec_input *bigger = realloc(r->log, room * sizeof(*bigger));

		if (!bigger)
			goto fail;
		r->log = bigger;
		r->log_room = room;
	}
	r->log[r->nlog++] = in;
	r->bytes += input_bytes(&in);
	r->pos = r->log_base + r->nlog;
	goto out;
fail:
	free(in.data);
	vmm_msg(cpu->vm, "record: out of memory for the input log; recording stops");
	gdb_rec_stop(g);
out:
	pthread_mutex_unlock(&g->lock);
}

/* ---- monitor record ---------------------------------------------------------------- */

void gdb_rec_monitor(struct gdb_vm *g, const char *args, char *out, size_t len)
{
	struct recording *r = &g->rec;
	const char *refusal = vmm_record_refusal(g->vm->ncpus, g->vm->irqchip);

	while (*args == ' ')
		args++;
	if (strcmp(args, "on") == 0) {
		if (refusal) {
			snprintf(out, len, "record: %s\n", refusal);
			return;
		}
		if (r->on) {
			snprintf(out, len, "record: already recording\n");
			return;
		}
		r->want_on = true;
		snprintf(out, len, "record: on from the next instruction the guest runs\n");
		return;
	}
	if (strcmp(args, "off") == 0) {
		gdb_rec_stop(g);
		snprintf(out, len, "record: off; the history is forgotten\n");
		return;
	}
	if (*args) {
		snprintf(out, len, "usage: monitor record [on|off]\n");
		return;
	}
	if (!r->on) {
		snprintf(out, len, "record: off%s\n",
			 r->want_on ? " (on from the next instruction the guest runs)" : "");
		return;
	}
	snprintf(out, len,
		 "record: on\n"
		 "history: instructions %" PRIu64 " to %" PRIu64 " (%" PRIu64 " instructions), "
		 "now at %" PRIu64 "\n"
		 "checkpoints: %zu, every %" PRIu64 " instructions; inputs logged: %zu\n"
		 "memory: %.1f MiB of a %.0f MiB limit (the oldest history goes first), "
		 "and a copy of guest RAM\n",
		 r->cp[0]->icount, r->frontier, r->frontier - r->cp[0]->icount, r->icount, r->ncp,
		 r->interval, r->nlog, (double)r->bytes / MIB, (double)r->limit / MIB);
}
