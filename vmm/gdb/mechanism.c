/*
 * mechanism.c - how each breakpoint and watchpoint is carried out, chosen
 * at every resume from what this host can do (probe.c):
 *
 *   debug registers  DR0-DR3: the CPU itself stops at an address (execute)
 *                    or on an access (data). Only four, and on some hosts
 *                    data breakpoints never fire.
 *   patched code     a breakpoint beyond the debug registers: the byte at
 *                    its address is replaced by an instruction that exits
 *                    to the VMM, `int3` where the probe says it exits, else
 *                    `hlt` (an HLT exit, without --irqchip). The guest's
 *                    own byte is put back whenever gdb has the guest
 *                    stopped, so gdb never reads the patch.
 *   read-only pages  a write watchpoint: its pages are mapped read-only to
 *                    the guest (a KVM read-only memory slot), so every
 *                    write there exits; the VMM makes the write itself and
 *                    compares the watched bytes. Reads and instruction
 *                    fetches run at full speed.
 *   unmapped pages   a read or access watchpoint: its pages get no memory
 *                    slot at all, so every read and write there exits; the
 *                    VMM carries it out and checks whether it touched the
 *                    watched bytes. Code cannot run from such a page: if
 *                    the guest jumps there, the page is mapped back and
 *                    the guest stops, reads there no longer watched.
 *   single-step      what is left: run one instruction at a time and
 *                    compare the PC and the watched bytes after each.
 *
 * gdb_mech_resume() and gdb_mech_stopped() run on the server thread while
 * every vCPU is parked; the exit handlers on the vCPU's thread. All with
 * g->lock held, except where said.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "gdb/gdb.h"
#include "x86/bits.h"

#define AVOID_ENV "KVM_VMM_GDB_AVOID"
#define AVOID_LEN 128

/* Is `word` in the comma-separated list of KVM_VMM_GDB_AVOID? */
static bool avoided(const char *word)
{
	const char *list = getenv(AVOID_ENV);
	char copy[AVOID_LEN], *save = NULL;

	if (!list)
		return false;
	snprintf(copy, sizeof(copy), "%s", list);
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (strcmp(w, word) == 0)
			return true;
	return false;
}

static bool in_every_mode(const enum probe_result r[CPU_MODES])
{
	for (int m = 0; m < CPU_MODES; m++)
		if (r[m] != PROBE_YES)
			return false;
	return true;
}

void gdb_mech_init(struct gdb_vm *g)
{
	const struct host_caps *c = g->caps;

	g->use_debugreg = !avoided("debugreg");
	/* With more than one vCPU a locked instruction (xchg, lock add) on a
	 * read-only page would not be atomic: KVM emulates it as a read, then
	 * a write the VMM makes, and another vCPU may write in between. */
	g->use_readonly = !avoided("readonly") && kvm_has_readonly_mem() &&
			  in_every_mode(c->ro_write) && g->vm->ncpus == 1;
	g->use_unmapped = !avoided("unmapped") && in_every_mode(c->hole_read) &&
			  g->vm->ncpus == 1;
	g->patch_op = 0;
	if (!avoided("int3") && in_every_mode(c->sw_bp))
		g->patch_op = OP_INT3;
	else if (!avoided("hlt") && !g->vm->irqchip && in_every_mode(c->hlt_exits))
		g->patch_op = OP_HLT;
	g->slots = 1;   /* vm_create made one writable slot */
}

const char *gdb_mech_name(enum gdb_mech m)
{
	switch (m) {
	case MECH_DEBUGREG: return "debug register";
	case MECH_PATCH: return "patched instruction";
	case MECH_READONLY: return "read-only page";
	case MECH_UNMAPPED: return "unmapped page";
	case MECH_STEP:
	case MECH_COUNT:
		break;
	}
	return "single-step-and-compare";
}

/* The guest-physical address of linear addr as vCPU state s sees it. */
static bool to_phys(const struct vm *vm, const struct kvm_sregs *s, uint64_t addr, uint64_t *phys)
{
	struct paging_regs pr = paging_regs_of(s);

	return paging_translate(&pr, vm->mem, vm->mem_size, addr, phys, NULL, NULL) == 0 &&
	       *phys < vm->mem_size;
}

/* ---- patched code ------------------------------------------------------------ */

static void put_patch(struct gdb_vm *g, struct breakpoint *b)
{
	g->vm->mem[b->phys] = g->patch_op;
}

static void take_patch_out(struct gdb_vm *g, struct breakpoint *b)
{
	if (b->patched && g->vm->mem[b->phys] == g->patch_op)
		g->vm->mem[b->phys] = b->orig;   /* unless the guest wrote it since */
	b->patched = false;
}

static bool patch(struct gdb_vm *g, const struct kvm_sregs *s, struct breakpoint *b)
{
	if (!g->patch_op || !to_phys(g->vm, s, b->addr, &b->phys))
		return false;
	b->orig = g->vm->mem[b->phys];
	b->patched = true;
	b->held = 0;
	put_patch(g, b);
	return true;
}

void gdb_mech_stopped(struct gdb_vm *g)
{
	for (int i = 0; i < g->nbp; i++)
		take_patch_out(g, &g->bp[i]);
}

void gdb_mech_hold(struct gdb_vm *g, struct vcpu *cpu, struct breakpoint *b)
{
	struct gdb_vcpu *d = cpu->debug;

	if (d->holding || !b->patched)
		return;
	if (b->held++ == 0)
		g->vm->mem[b->phys] = b->orig;
	d->holding = true;
	d->held_addr = b->addr;
}

void gdb_mech_release(struct gdb_vm *g, struct vcpu *cpu)
{
	struct gdb_vcpu *d = cpu->debug;

	if (!d->holding)
		return;
	d->holding = false;
	for (int i = 0; i < g->nbp; i++) {
		struct breakpoint *b = &g->bp[i];

		if (b->mech == MECH_PATCH && b->addr == d->held_addr && b->patched && b->held > 0 &&
		    --b->held == 0)
			put_patch(g, b);
	}
}

int gdb_code_byte(struct gdb_vm *g, const struct kvm_sregs *s, uint64_t addr)
{
	uint8_t byte;

	for (int i = 0; i < g->nbp; i++)
		if (g->bp[i].patched && g->bp[i].addr == addr)
			return g->bp[i].orig;
	if (x86_read_linear(g->vm, s, addr, &byte, 1) < 0)
		return -1;
	return byte;
}

bool gdb_vcpu_hlt_exit(struct vcpu *cpu)
{
	struct gdb_vm *g = cpu->vm->debug;
	struct gdb_stop stop = { .kind = GDB_STOP_SIGNAL, .cpu = cpu->id, .signal = GDB_SIGTRAP,
				 .reason = GDB_REASON_SWBREAK };
	struct kvm_regs r;
	struct kvm_sregs s;
	bool ours = false;

	if (!g || g->patch_op != OP_HLT || ioctl(cpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	pthread_mutex_lock(&g->lock);
	/* The hlt exit leaves RIP after the one-byte hlt. */
	for (int i = 0; i < g->nbp && !ours; i++) {
		struct breakpoint *b = &g->bp[i];

		ours = b->mech == MECH_PATCH && b->patched && b->held == 0 &&
		       b->addr == cpu_linear_pc(&r, &s) - 1;
		if (ours && b->type == GDB_BP_HARDWARE)
			stop.reason = GDB_REASON_HWBREAK;
	}
	if (!ours && gdb_code_byte(g, &s, cpu_linear_pc(&r, &s) - 1) != OP_HLT) {
		/* No hlt there any more: it was a patch taken out just now (gdb
		 * went away). Run the guest's own instruction instead. */
		r.rip--;
		if (ioctl(cpu->fd, KVM_SET_REGS, &r) < 0)
			vmm_msg(cpu->vm, "gdb: KVM_SET_REGS: %s", strerror(errno));
		pthread_mutex_unlock(&g->lock);
		return true;
	}
	if (ours) {
		r.rip--;   /* back onto the breakpoint, as gdb expects */
		if (ioctl(cpu->fd, KVM_SET_REGS, &r) < 0)
			vmm_msg(cpu->vm, "gdb: KVM_SET_REGS: %s", strerror(errno));
		cpu->debug->last_pc = cpu_linear_pc(&r, &s);
		gdb_request_stop(g, &stop);
	}
	pthread_mutex_unlock(&g->lock);
	return ours;
}

/* ---- read-only pages ----------------------------------------------------------- */

static int compare_ranges(const void *a, const void *b)
{
	const struct phys_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static bool add_ro_page(struct gdb_vm *g, uint64_t page, bool absent)
{
	if (g->nro == g->ro_room) {
		int room = g->ro_room ? 2 * g->ro_room : 16;
		struct phys_range *bigger = realloc(g->ro, (size_t)room * sizeof(*bigger));

		if (!bigger)
			return false;
		g->ro = bigger;
		g->ro_room = room;
	}
	g->ro[g->nro++] = (struct phys_range){ page, page + PAGE_SIZE, absent };
	return true;
}

static bool is_code_page(const struct gdb_vm *g, uint64_t page)
{
	for (int i = 0; i < g->ncode_pages; i++)
		if (g->code_pages[i] == page)
			return true;
	return false;
}

static void add_code_page(struct gdb_vm *g, uint64_t page)
{
	uint64_t *bigger;

	if (is_code_page(g, page))
		return;
	bigger = realloc(g->code_pages, (size_t)(g->ncode_pages + 1) * sizeof(*bigger));
	if (!bigger)
		return;
	g->code_pages = bigger;
	g->code_pages[g->ncode_pages++] = page;
}

/* The guest-physical page of each vCPU's PC is code: never unmap it. */
static void note_pc_pages(struct gdb_vm *g)
{
	for (int i = 0; i < g->vm->ncpus; i++) {
		const struct gdb_vcpu *d = g->vm->cpus[i].debug;
		uint64_t phys;

		if (d->have_state && to_phys(g->vm, &d->sregs, cpu_linear_pc(&d->regs, &d->sregs),
					     &phys))
			add_code_page(g, phys & ~(uint64_t)(PAGE_SIZE - 1));
	}
}

bool gdb_can_unmap(struct gdb_vm *g, uint64_t addr, uint64_t len)
{
	const struct gdb_vcpu *d = g->vm->cpus[0].debug;
	uint64_t first = addr & ~(uint64_t)(PAGE_SIZE - 1);

	if (!d->have_state)
		return false;
	note_pc_pages(g);
	for (uint64_t lin = first; lin < addr + len; lin += PAGE_SIZE) {
		uint64_t phys;

		if (!to_phys(g->vm, &d->sregs, lin, &phys) ||
		    is_code_page(g, phys & ~(uint64_t)(PAGE_SIZE - 1)))
			return false;
		if (lin + PAGE_SIZE < lin)
			break;
	}
	return true;
}

/* Add the pages of watchpoint b to g->ro (absent: unmapped, else
 * read-only); false if one is not RAM, or code runs from it (absent). */
static bool protect(struct gdb_vm *g, const struct kvm_sregs *s, const struct breakpoint *b,
		    bool absent)
{
	int before = g->nro;
	uint64_t first = b->addr & ~(uint64_t)(PAGE_SIZE - 1);

	for (uint64_t lin = first; lin < b->addr + b->len; lin += PAGE_SIZE) {
		uint64_t phys;

		if (!to_phys(g->vm, s, lin, &phys) ||
		    (absent && is_code_page(g, phys & ~(uint64_t)(PAGE_SIZE - 1))) ||
		    !add_ro_page(g, phys & ~(uint64_t)(PAGE_SIZE - 1), absent)) {
			g->nro = before;
			return false;
		}
		if (lin + PAGE_SIZE < lin)
			break;   /* the end of the address space */
	}
	return true;
}

/* Sort g->ro (single pages) and merge: a page listed twice is unmapped
 * if either says so; neighbours of the same kind become one range. */
static void merge_ranges(struct gdb_vm *g)
{
	int n = 0;

	if (g->nro > 1)
		qsort(g->ro, (size_t)g->nro, sizeof(*g->ro), compare_ranges);
	for (int i = 0; i < g->nro; i++) {
		struct phys_range *last = n > 0 ? &g->ro[n - 1] : NULL;

		if (last && g->ro[i].start < last->end) {          /* the same page */
			if (g->ro[i].absent && !last->absent) {
				if (last->end - last->start > PAGE_SIZE) {
					last->end -= PAGE_SIZE;     /* split it off */
					g->ro[n++] = g->ro[i];
				} else {
					last->absent = true;
				}
			}
		} else if (last && g->ro[i].start == last->end && g->ro[i].absent == last->absent) {
			last->end = g->ro[i].end;
		} else {
			g->ro[n++] = g->ro[i];
		}
	}
	g->nro = n;
}

/* Our range that guest-physical [addr, addr+len) touches, or NULL. */
static const struct phys_range *our_range(const struct gdb_vm *g, uint64_t addr, uint64_t len)
{
	for (int i = 0; i < g->nro; i++)
		if (addr < g->ro[i].end && addr + len > g->ro[i].start)
			return &g->ro[i];
	return NULL;
}

/* Did the access to guest-physical [addr, addr+len) touch a byte of b
 * (through the page tables s)? Page by page: b may span pages. */
static bool touches(const struct vm *vm, const struct kvm_sregs *s, const struct breakpoint *b,
		    uint64_t addr, uint64_t len)
{
	uint64_t lin = b->addr, end = b->addr + b->len;

	while (lin < end) {
		uint64_t page_end = (lin | (PAGE_SIZE - 1)) + 1;
		uint64_t piece_end = page_end < end && page_end > lin ? page_end : end;
		uint64_t phys;

		if (to_phys(vm, s, lin, &phys) && addr < phys + (piece_end - lin) && addr + len > phys)
			return true;
		if (piece_end <= lin)
			break;
		lin = piece_end;
	}
	return false;
}

/* What the access that exited means for watchpoint b: a stop reason, or
 * GDB_REASON_NONE. */
static enum gdb_stop_reason access_verdict(struct vcpu *cpu, const struct kvm_sregs *s,
					   struct breakpoint *b, bool write, uint64_t addr,
					   uint64_t len)
{
	switch (b->mech == MECH_READONLY || b->mech == MECH_UNMAPPED ? b->type : GDB_BP_SOFTWARE) {
	case GDB_WP_WRITE:
		return write && gdb_watch_changed(cpu, s, b) ? GDB_REASON_WATCH : GDB_REASON_NONE;
	case GDB_WP_READ:
		return !write && touches(cpu->vm, s, b, addr, len) ? GDB_REASON_RWATCH
								   : GDB_REASON_NONE;
	case GDB_WP_ACCESS:
		if (!touches(cpu->vm, s, b, addr, len))
			return GDB_REASON_NONE;
		if (write)
			gdb_watch_changed(cpu, s, b);   /* keep its baseline current */
		return GDB_REASON_AWATCH;
	default:
		return GDB_REASON_NONE;
	}
}

bool gdb_vcpu_mmio_exit(struct vcpu *cpu)
{
	struct gdb_vm *g = cpu->vm->debug;
	struct kvm_run *run = cpu->run;
	struct gdb_stop stop = { .kind = GDB_STOP_SIGNAL, .cpu = cpu->id, .signal = GDB_SIGTRAP };
	uint64_t addr = run->mmio.phys_addr, len = run->mmio.len;
	bool write = run->mmio.is_write, fired = false;
	const struct phys_range *range;
	struct kvm_sregs s;

	if (!g || !vm_range_ok(cpu->vm, addr, len) || ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	/* Under the lock: a gdb that vanishes while the guest runs is a
	 * detach, which remaps the pages at once. */
	pthread_mutex_lock(&g->lock);
	range = our_range(g, addr, len);
	if (!range || (!write && !range->absent)) {
		pthread_mutex_unlock(&g->lock);
		return false;
	}
	/* The guest's access, carried out for it in the VMM's own mapping. */
	if (write)
		memcpy(cpu->vm->mem + addr, run->mmio.data, len);
	else
		memcpy(run->mmio.data, cpu->vm->mem + addr, len);
	for (int i = 0; i < g->nbp; i++) {
		enum gdb_stop_reason why = access_verdict(cpu, &s, &g->bp[i], write, addr, len);

		if (why == GDB_REASON_NONE || fired)
			continue;
		stop.reason = why;
		stop.addr = g->bp[i].addr;
		fired = true;
	}
	pthread_mutex_unlock(&g->lock);
	if (!fired)
		return true;
	/* Stop after the instruction (or this iteration of a `rep`), as a
	 * data breakpoint would: let KVM finish it first. */
	if (!cpu->exit_pending)
		vcpu_complete_io(cpu);
	pthread_mutex_lock(&g->lock);
	gdb_request_stop(g, &stop);
	pthread_mutex_unlock(&g->lock);
	return true;
}

bool gdb_vcpu_fetch_fault(struct vcpu *cpu)
{
	struct gdb_vm *g = cpu->vm->debug;
	struct gdb_stop stop = { .kind = GDB_STOP_SIGNAL, .cpu = cpu->id, .signal = GDB_SIGTRAP };
	struct kvm_regs r;
	struct kvm_sregs s;
	struct phys_range *range = NULL;
	uint64_t phys, page;
	char err[VMM_ERR_LEN];

	if (!g || g->nro == 0 || cpu->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    ioctl(cpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0 ||
	    !to_phys(cpu->vm, &s, cpu_linear_pc(&r, &s), &phys))
		return false;
	page = phys & ~(uint64_t)(PAGE_SIZE - 1);
	pthread_mutex_lock(&g->lock);
	for (int i = 0; i < g->nro && !range; i++)
		if (g->ro[i].absent && page >= g->ro[i].start && page < g->ro[i].end)
			range = &g->ro[i];
	if (!range) {
		pthread_mutex_unlock(&g->lock);
		return false;   /* a failure of the guest's own */
	}
	/* Code runs from a page that a read watchpoint left unmapped. The
	 * guest has one vCPU (use_unmapped), so the slots may change now:
	 * read-only instead, where code runs (writes are still seen). */
	add_code_page(g, page);
	range->absent = false;
	if (vm_map_ram(cpu->vm, g->ro, g->nro, &g->slots, err) < 0)
		vmm_msg(cpu->vm, "gdb: %s", err);
	for (int i = 0; i < g->nbp; i++)
		if (g->bp[i].mech == MECH_UNMAPPED)
			g->bp[i].mech = MECH_STEP;   /* reads there cannot be seen now */
	cpu->debug->armed = false;
	vmm_msg(cpu->vm, "gdb: code runs from the page of a read or access watchpoint "
		"(0x%llx): reads there can no longer be watched; stopped",
		(unsigned long long)cpu_linear_pc(&r, &s));
	gdb_request_stop(g, &stop);
	pthread_mutex_unlock(&g->lock);
	return true;
}

/* ---- choosing ------------------------------------------------------------------- */

void gdb_mech_resume(struct gdb_vm *g)
{
	const struct kvm_sregs *s = &g->vm->cpus[0].debug->sregs;
	enum cpu_mode mode = cpu_mode_of(s);
	bool hw_exec = g->use_debugreg && g->caps->hw_bp[mode] == PROBE_YES;
	bool hw_watch = g->use_debugreg && g->caps->hw_watch[mode] == PROBE_YES;
	int slots = 0, old_nro = g->nro;
	struct phys_range *old = NULL;
	char err[VMM_ERR_LEN];

	gdb_mech_stopped(g);
	if (g->use_unmapped)
		note_pc_pages(g);
	if (old_nro && (old = malloc((size_t)old_nro * sizeof(*old))))
		memcpy(old, g->ro, (size_t)old_nro * sizeof(*old));
	g->nro = 0;
	for (int i = 0; i < g->nbp; i++) {
		struct breakpoint *b = &g->bp[i];
		bool exec = b->type == GDB_BP_SOFTWARE || b->type == GDB_BP_HARDWARE;

		b->mech = MECH_STEP;
		if (g->rec.on || g->rec.want_on)
			continue;   /* recording steps and compares every instruction */
		if ((exec ? hw_exec : hw_watch) && gdb_fits_debug_register(b) && slots < DR_SLOTS) {
			b->mech = MECH_DEBUGREG;
			slots++;
		} else if (exec && patch(g, s, b)) {
			b->mech = MECH_PATCH;
		} else if (b->type == GDB_WP_WRITE && g->use_readonly && protect(g, s, b, false)) {
			b->mech = MECH_READONLY;
		} else if (!exec && b->type != GDB_WP_WRITE && g->use_unmapped &&
			   protect(g, s, b, true)) {
			b->mech = MECH_UNMAPPED;
		}
	}
	if (g->nbp > 0) {
		memset(g->last_used, 0, sizeof(g->last_used));
		for (int i = 0; i < g->nbp; i++)
			g->last_used[g->bp[i].mech]++;
	}
	merge_ranges(g);
	/* Remap only when the pages changed: it costs KVM a flush. */
	if (g->nro != old_nro || (old_nro && (!old || memcmp(old, g->ro, (size_t)old_nro *
								       sizeof(*old)) != 0))) {
		if (vm_map_ram(g->vm, g->ro, g->nro, &g->slots, err) < 0) {
			vmm_msg(g->vm, "gdb: %s; watchpoints single-step instead", err);
			for (int i = 0; i < g->nbp; i++)
				if (g->bp[i].mech == MECH_READONLY || g->bp[i].mech == MECH_UNMAPPED)
					g->bp[i].mech = MECH_STEP;
			g->nro = 0;
		}
	}
	free(old);
}
