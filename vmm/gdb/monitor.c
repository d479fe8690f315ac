/*
 * monitor.c - the `monitor` commands of the GDB stub: the machine
 * state that gdb's own commands do not show, decoded for students: segment
 * registers and control registers by name, the GDT, the IDT (or real-mode
 * IVT), the page-table mappings, and the VM exits so far.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gdb/gdb.h"
#include "lab.h"
#include "x86/bits.h"
#include "x86/x86.h"

#define GDT_MAX_SHOWN 64
#define IDT_MAX_SHOWN 256
#define IVT_SHOWN 32
#define RESET_TABLE_LIMIT 0xffff  /* GDTR and IDTR limit after a reset, before any lgdt/lidt */
#define DESCRIPTOR_SIZE 8

/* An output buffer that fills up and then quietly truncates. */
struct text {
	char *buf;
	size_t len, used;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->used >= t->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->used, t->len - t->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->used += (size_t)n < t->len - t->used ? (size_t)n : t->len - t->used - 1;
}

static void info_sregs(struct text *t, const struct kvm_regs *r, const struct kvm_sregs *s)
{
	const struct kvm_segment *segs[] = { &s->cs, &s->ss, &s->ds, &s->es, &s->fs, &s->gs,
					      &s->tr, &s->ldt };
	const char *names[] = { "cs", "ss", "ds", "es", "fs", "gs", "tr", "ldt" };
	struct paging_regs pr = paging_regs_of(s);
	char line[200];

	put(t, "mode: %s, %s\n", describe_mode(s), paging_mode_name(paging_mode_of(&pr)));
	describe_rflags(line, sizeof(line), r->rflags);
	put(t, "rip %016llx  rflags %08llx %s\n", r->rip, r->rflags, line);
	for (int i = 0; i < 8; i++) {
		describe_segment(line, sizeof(line), names[i], segs[i]);
		put(t, "%s\n", line);
	}
	put(t, "gdt base %016llx limit %04x\n", s->gdt.base, s->gdt.limit);
	put(t, "idt base %016llx limit %04x\n", s->idt.base, s->idt.limit);
	describe_cr0(line, sizeof(line), s->cr0);
	put(t, "cr0  %016llx %s\n", s->cr0, line);
	put(t, "cr2  %016llx (last page-fault address)\n", s->cr2);
	put(t, "cr3  %016llx (page-table root)\n", s->cr3);
	describe_cr4(line, sizeof(line), s->cr4);
	put(t, "cr4  %016llx %s\n", s->cr4, line);
	describe_efer(line, sizeof(line), s->efer);
	put(t, "efer %016llx %s\n", s->efer, line);
}

static void info_gdt(struct text *t, struct vm *vm, const struct kvm_sregs *s)
{
	unsigned n = (s->gdt.limit + 1) / DESCRIPTOR_SIZE, shown = 0;

	if (cpu_mode_of(s) == MODE_REAL) {
		put(t, "real mode does not use the GDT: a segment's base is its selector * 16\n");
		if (s->gdt.limit == RESET_TABLE_LIMIT) {
			put(t, "(GDTR is as the CPU reset it: base %#llx, limit %#x; no lgdt yet)\n",
			    s->gdt.base, s->gdt.limit);
			return;
		}
		put(t, "the table lgdt loaded, for protected mode:\n");
	}
	if (s->gdt.limit == 0) {
		put(t, "the GDT is empty (limit 0): no lgdt yet\n");
		return;
	}
	put(t, "GDT at %#llx, limit %#x: %u entries\n", s->gdt.base, s->gdt.limit, n);
	for (unsigned i = 0; i < n; i++, shown++) {
		uint64_t d;
		struct kvm_segment seg;
		char line[200];

		if (shown == GDT_MAX_SHOWN) {
			put(t, "  ... %u more entries not shown (the first %u are above)\n", n - i,
			    GDT_MAX_SHOWN);
			break;
		}
		if (x86_read_linear(vm, s, s->gdt.base + i * DESCRIPTOR_SIZE, &d, sizeof(d)) < 0) {
			put(t, "  %04x  (not readable: outside RAM or unmapped)\n", i * DESCRIPTOR_SIZE);
			break;
		}
		if (d == 0) {
			put(t, "  %04x  null\n", i * DESCRIPTOR_SIZE);
			continue;
		}
		describe_decode_descriptor(d, i * DESCRIPTOR_SIZE, &seg);
		describe_segment(line, sizeof(line), "", &seg);
		put(t, "  %s  (%016llx)\n", line + 4, (unsigned long long)d);
		if (!seg.s && cpu_mode_of(s) == MODE_LONG)
			i++;   /* 16-byte system descriptor in long mode */
	}
}

/* An IDT gate: dword 0 holds the selector (31:16) and offset 15:0, dword 1
 * the offset 31:16, P, DPL and the type. */
#define GATE_OFFSET_LOW 0x0000ffffU
#define GATE_OFFSET_MID 0xffff0000U
#define GATE_SELECTOR_SHIFT 16
#define GATE_P (1U << 15)
#define GATE_TYPE_SHIFT 8
#define GATE_TYPE_MASK 0xfU
#define GATE_DPL_SHIFT 13
#define GATE_DPL_MASK 3U
enum gate_type { GATE_TASK = 0x5, GATE_INTR16 = 0x6, GATE_TRAP16 = 0x7, GATE_INTR = 0xe,
		 GATE_TRAP = 0xf };

static const char *gate_type(unsigned type)
{
	switch (type) {
	case GATE_TASK: return "task gate";
	case GATE_INTR16: return "16-bit interrupt gate";
	case GATE_TRAP16: return "16-bit trap gate";
	case GATE_INTR: return "interrupt gate";
	case GATE_TRAP: return "trap gate";
	}
	return "invalid type";
}

static void info_idt(struct text *t, struct vm *vm, const struct kvm_sregs *s)
{
	bool lm = cpu_mode_of(s) == MODE_LONG;
	unsigned size = lm ? 16 : 8, present = 0;

	if (cpu_mode_of(s) == MODE_REAL) {
		put(t, "real mode: the interrupt vector table at %#llx (segment:offset)\n",
		    s->idt.base);
		for (unsigned v = 0; v < IVT_SHOWN; v++) {
			uint16_t e[2];

			if (x86_read_linear(vm, s, s->idt.base + v * 4, e, sizeof(e)) < 0)
				break;
			put(t, "  %3u  %04x:%04x%s", v, e[1], e[0], v % 4 == 3 ? "\n" : "   ");
		}
		return;
	}
	if (s->idt.limit == 0) {
		put(t, "the IDT is empty (limit 0): any exception will triple-fault\n");
		return;
	}
	put(t, "IDT at %#llx, limit %#x (%u-byte gates); present entries:\n", s->idt.base,
	    s->idt.limit, size);
	for (unsigned v = 0; v < IDT_MAX_SHOWN && (v + 1) * size - 1 <= s->idt.limit; v++) {
		uint32_t g[4] = { 0 };
		uint64_t offset;
		unsigned type, dpl;

		if (x86_read_linear(vm, s, s->idt.base + v * size, g, size) < 0) {
			put(t, "  %3u  (not readable)\n", v);
			break;
		}
		if (!(g[1] & GATE_P))
			continue;   /* not present */
		offset = (g[0] & GATE_OFFSET_LOW) | (g[1] & GATE_OFFSET_MID);
		if (lm)
			offset |= (uint64_t)g[2] << 32;   /* the third dword: offset 63:32 */
		type = (g[1] >> GATE_TYPE_SHIFT) & GATE_TYPE_MASK;
		dpl = (g[1] >> GATE_DPL_SHIFT) & GATE_DPL_MASK;
		put(t, "  %3u  %04x:%016llx  %s, dpl %u\n", v, g[0] >> GATE_SELECTOR_SHIFT,
		    (unsigned long long)offset, gate_type(type), dpl);
		present++;
	}
	if (!present)
		put(t, "  (none: no gate is present, so any exception will triple-fault)\n");
}

static int show_mapping(void *arg, uint64_t linear, uint64_t phys, uint64_t size,
			uint64_t flags)
{
	struct text *t = arg;

	put(t, "  %016llx-%016llx -> %012llx  %s %s%s\n", (unsigned long long)linear,
	    (unsigned long long)(linear + size - 1), (unsigned long long)phys,
	    (flags & PTE_RW) ? "rw" : "r-", (flags & PTE_US) ? "user" : "kernel",
	    (flags & PTE_NX) ? " nx" : "");
	return t->used + 1 >= t->len;
}

static void info_pagetable(struct text *t, struct vm *vm, const struct kvm_sregs *s)
{
	struct paging_regs pr = paging_regs_of(s);
	enum paging_mode m = paging_mode_of(&pr);

	if (m == PAGING_NONE) {
		put(t, "paging is off (CR0.PG = 0): linear addresses are physical\n");
		return;
	}
	put(t, "%s, CR3 = %#llx; mapped ranges (linear -> physical):\n", paging_mode_name(m),
	    s->cr3);
	if (!paging_walk(&pr, vm->mem, vm->mem_size, show_mapping, t))
		put(t, "  (stopped: too many mappings to list them all)\n");
}

static void exits(struct text *t, struct vm *vm)
{
	for (int c = 0; c < vm->ncpus; c++) {
		const struct vcpu_stats *st = &vm->cpus[c].stats;
		uint64_t total = 0;

		for (int r = 0; r < EXIT_REASONS; r++)
			total += st->exits[r];
		put(t, "vCPU %d: %llu VM exits\n", c, (unsigned long long)total);
		for (int r = 0; r < EXIT_REASONS; r++)
			if (st->exits[r])
				put(t, "  %-16s %llu\n", exit_reason_name(r),
				    (unsigned long long)st->exits[r]);
		for (int h = 0; h < HC_COUNT; h++)
			if (st->hypercalls[h])
				put(t, "  hypercall %-7s %llu\n", hypercall_name(h),
				    (unsigned long long)st->hypercalls[h]);
		if (st->hypercalls_unknown)
			put(t, "  hypercall unknown %llu\n",
			    (unsigned long long)st->hypercalls_unknown);
	}
}

static const char help_text[] =
	"monitor commands of kvm-vmm:\n"
	"  info sregs      segment registers, GDT/IDT registers, CR0/CR3/CR4/EFER decoded\n"
	"  info gdt        the descriptors in the guest's GDT\n"
	"  info idt        the IDT gates (in real mode: the interrupt vector table)\n"
	"  info pagetable  the guest's page-table mappings, merged into ranges\n"
	"  exits           VM exits and hypercalls so far, per vCPU\n"
	"  record [on|off] going backwards: what is recorded; record from here; forget it\n"
	"  help            this text\n";

/* Which vCPU's snapshot regs is, or -1. */
static int cpu_of(const struct vm *vm, const struct kvm_regs *regs)
{
	for (int c = 0; c < vm->ncpus; c++)
		if (vm->cpus[c].debug && &vm->cpus[c].debug->regs == regs)
			return c;
	return -1;
}

int gdb_monitor(struct vm *vm, const struct kvm_regs *regs, const struct kvm_sregs *sregs,
		const char *cmd, char *out, size_t len)
{
	struct text t = { out, len, 0 };
	int cpu = cpu_of(vm, regs);

	out[0] = '\0';
	while (*cmd == ' ')
		cmd++;
	/* With several vCPUs, say whose state this is (gdb's thread N is
	 * vCPU N-1): the one gdb has selected. */
	if (vm->ncpus > 1 && cpu >= 0 && strncmp(cmd, "info", 4) == 0)
		put(&t, "vCPU %d (gdb thread %d):\n", cpu, cpu + 1);
	if (!strcmp(cmd, "info sregs") || !strcmp(cmd, "info registers"))
		info_sregs(&t, regs, sregs);
	else if (!strcmp(cmd, "info gdt"))
		info_gdt(&t, vm, sregs);
	else if (!strcmp(cmd, "info idt"))
		info_idt(&t, vm, sregs);
	else if (!strcmp(cmd, "info pagetable") || !strcmp(cmd, "info tlb"))
		info_pagetable(&t, vm, sregs);
	else if (!strcmp(cmd, "exits"))
		exits(&t, vm);
	else if (!strcmp(cmd, "help") || !*cmd)
		put(&t, "%s%s", help_text, lab_monitor_help);
	else if (lab_monitor(vm, regs, sregs, cmd, t.buf + t.used, t.len - t.used) == 0)
		return 0;   /* a lab's own command (vmm/lab.h) */
	else {
		put(&t, "unknown monitor command '%s'\n%s%s", cmd, help_text, lab_monitor_help);
		return -1;
	}
	return 0;
}
