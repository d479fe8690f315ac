/*
 * target.c - what gdb reads and changes while the guest is stopped: the
 * registers of each vCPU (its snapshot, see stop.c), guest memory by
 * linear address through that vCPU's page tables, breakpoints and
 * watchpoints, thread names and `monitor` commands (`info breakpoints`
 * here, the others in monitor.c). The server thread
 * calls these only while every vCPU is parked, so they need no lock: the
 * stop protocol hands the state over.
 */
#include <stdio.h>
#include <string.h>

#include "gdb/gdb.h"
#include "x86/bits.h"
#include "x86/x86.h"

#define SELECTOR_INDEX_MASK (~7U)  /* a selector without its TI and RPL bits */
#define SELECTOR_TI_LDT 4U         /* table indicator: the LDT, not the GDT */
#define SELECTOR_RPL_MASK 3U
#define DESCRIPTOR_SIZE 8
#define REAL_MODE_SEGMENT_SHIFT 4  /* real mode: base = selector * 16 */
#define SEGMENT_REGS 6

/* The snapshot of a stopped vCPU, or NULL. */
static struct gdb_vcpu *stopped_cpu(struct gdb_vm *g, int cpu)
{
	if (cpu < 0 || cpu >= g->vm->ncpus || !g->vm->cpus[cpu].debug->have_state)
		return NULL;
	return g->vm->cpus[cpu].debug;
}

static int get_regs(void *opaque, int cpu, struct gdb_regs *out)
{
	struct gdb_vcpu *d = stopped_cpu(opaque, cpu);

	if (!d)
		return -1;
	gdb_regs_from_kvm(&d->regs, &d->sregs, &d->fpu, out);
	out->k_gs_base = d->kernel_gs_base;   /* an MSR, not in KVM's sregs */
	return 0;
}

/* Load segment register `seg` with `selector` as a `mov` would: in real
 * mode base = selector * 16; in protected mode from the GDT or LDT. */
static int load_selector(struct vm *vm, struct kvm_sregs *s, struct kvm_segment *seg,
			 uint16_t selector)
{
	uint64_t desc, table_base;
	uint32_t table_limit, offset = selector & SELECTOR_INDEX_MASK;

	if (seg->selector == selector)
		return 0;
	if (cpu_mode_of(s) == MODE_REAL) {
		seg->selector = selector;
		seg->base = (uint64_t)selector << REAL_MODE_SEGMENT_SHIFT;
		return 0;
	}
	if ((selector & ~SELECTOR_RPL_MASK) == 0) {   /* the null selector */
		seg->selector = selector;
		seg->present = 0;
		seg->unusable = 1;
		return 0;
	}
	table_base = (selector & SELECTOR_TI_LDT) ? s->ldt.base : s->gdt.base;
	table_limit = (selector & SELECTOR_TI_LDT) ? s->ldt.limit : s->gdt.limit;
	if (offset + DESCRIPTOR_SIZE - 1 > table_limit ||
	    x86_read_linear(vm, s, table_base + offset, &desc, sizeof(desc)) < 0)
		return -1;
	describe_decode_descriptor(desc, selector, seg);
	return 0;
}

static int set_regs(void *opaque, int cpu, const struct gdb_regs *in)
{
	struct gdb_vm *g = opaque;
	struct gdb_vcpu *d = stopped_cpu(g, cpu);
	struct kvm_sregs s;
	struct kvm_segment *segs[SEGMENT_REGS];

	if (!d)
		return -1;
	s = d->sregs;
	segs[GDB_CS] = &s.cs; segs[GDB_SS] = &s.ss; segs[GDB_DS] = &s.ds;
	segs[GDB_ES] = &s.es; segs[GDB_FS] = &s.fs; segs[GDB_GS] = &s.gs;
	for (int i = 0; i < SEGMENT_REGS; i++)
		if (load_selector(g->vm, &s, segs[i], (uint16_t)in->seg[i]) < 0)
			return -1;
	gdb_regs_to_kvm(in, &d->regs, &s, &d->fpu);
	if (in->k_gs_base != d->kernel_gs_base) {
		d->kernel_gs_base = in->k_gs_base;
		d->msr_dirty = true;
	}
	if (memcmp(&s, &d->sregs, sizeof(s)) != 0) {
		d->sregs = s;
		d->sregs_dirty = true;
	}
	d->fpu_dirty = true;
	d->regs_dirty = true;
	return 0;
}

static int read_mem(void *opaque, int cpu, uint64_t addr, void *buf, size_t len)
{
	struct gdb_vm *g = opaque;
	struct gdb_vcpu *d = stopped_cpu(g, cpu < 0 ? 0 : cpu);

	return d ? x86_read_linear(g->vm, &d->sregs, addr, buf, len) : -1;
}

static int write_mem(void *opaque, int cpu, uint64_t addr, const void *buf, size_t len)
{
	struct gdb_vm *g = opaque;
	struct gdb_vcpu *d = stopped_cpu(g, cpu < 0 ? 0 : cpu);

	if (!d || x86_write_linear(g->vm, &d->sregs, addr, buf, len) < 0)
		return -1;
	g->rec.gdb_wrote = true;   /* a recording starts again from here */
	return 0;
}

static int breakpoint(void *opaque, bool insert, enum gdb_bp_type type, uint64_t addr,
		      uint64_t len)
{
	return gdb_bp_change(opaque, insert, type, addr, len);
}

static void thread_info(void *opaque, int cpu, char *out, size_t len)
{
	struct gdb_vm *g = opaque;
	struct gdb_vcpu *d = stopped_cpu(g, cpu);

	if (!d)
		snprintf(out, len, "vCPU %d", cpu);
	else
		snprintf(out, len, "vCPU %d, %s%s", cpu, describe_mode(&d->sregs),
			 atomic_load(&g->vm->cpus[cpu].done) ? ", halted" : "");
}

/* `monitor info breakpoints`: each breakpoint and watchpoint and the
 * mechanism it used when the guest last ran (mechanism.c); gdb takes
 * them all out while the guest is stopped, so also the mechanisms used
 * the last time it ran with any. */
static void list_breakpoints(struct gdb_vm *g, char *out, size_t len)
{
	static const char *const kinds[] = { "break", "hbreak", "watch", "rwatch", "awatch" };
	size_t n = 0;

	n += (size_t)snprintf(out, len, "%d breakpoints and watchpoints\n", g->nbp);
	for (int i = 0; i < g->nbp && n < len; i++) {
		const struct breakpoint *b = &g->bp[i];

		n += (size_t)snprintf(out + n, len - n, "  %-6s 0x%llx, %llu bytes: %s\n",
				      kinds[b->type], (unsigned long long)b->addr,
				      (unsigned long long)b->len, gdb_mech_name(b->mech));
	}
	if (n < len)
		n += (size_t)snprintf(out + n, len - n, "when the guest last ran with any:\n");
	for (int m = 0; m < MECH_COUNT && n < len; m++)
		if (g->last_used[m])
			n += (size_t)snprintf(out + n, len - n, "  %d by %s\n", g->last_used[m],
					      gdb_mech_name((enum gdb_mech)m));
}

static int monitor(void *opaque, int cpu, const char *cmd, char *out, size_t len)
{
	if (strcmp(cmd, "info breakpoints") == 0) {
		list_breakpoints(opaque, out, len);
		return 0;
	}
	if (strncmp(cmd, "record", strlen("record")) == 0 &&
	    (cmd[strlen("record")] == '\0' || cmd[strlen("record")] == ' ')) {
		gdb_rec_monitor(opaque, cmd + strlen("record"), out, len);
		return 0;
	}

	struct gdb_vm *g = opaque;
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

void gdb_state_callbacks(struct gdb_target *t)
{
	t->get_regs = get_regs;
	t->set_regs = set_regs;
	t->read_mem = read_mem;
	t->write_mem = write_mem;
	t->breakpoint = breakpoint;
	t->thread_info = thread_info;
	t->monitor = monitor;
}
