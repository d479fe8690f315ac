/*
 * lab.c - lab 06, reference solution: gdb's `monitor tss` shows the
 * task-state segment that TR points to, decoded as the CPU mode reads it:
 * ESP0..2 and SS0..2 in protected mode; RSP0..2 and IST1..7 in long mode;
 * and the offset of the I/O bitmap. The registers come from the vCPU's
 * stopped state (KVM_GET_SREGS: TR with its base and limit), the TSS from
 * guest memory through the guest's page tables.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lab.h"
#include "vmm.h"
#include "x86/x86.h"

#define STACKS 3        /* a stack per privilege level 0..2 */
#define IST_STACKS 7    /* long mode: interrupt stack table IST1..7 */

/* The 32-bit TSS (Intel SDM vol. 3, "32-bit Task-State Segment"): ESP and
 * SS for rings 0..2, then the saved state of a task switch, which is not
 * shown. `packed`: the fields are where the CPU reads them, no padding. */
struct tss32 {
	uint16_t link, reserved0;
	struct {
		uint32_t esp;
		uint16_t ss, reserved;
	} __attribute__((packed)) stack[STACKS];
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, r_es, cs, r_cs, ss, r_ss, ds, r_ds, fs, r_fs, gs, r_gs, ldt, r_ldt;
	uint16_t trap, iomap;
} __attribute__((packed));

/* The 64-bit TSS: no task state, only stacks. RSP0 is at offset 4, so
 * every 64-bit field is misaligned: without `packed` the compiler would
 * move it to offset 8. */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[STACKS];
	uint64_t reserved1;
	uint64_t ist[IST_STACKS];
	uint64_t reserved2;
	uint16_t reserved3, iomap;
} __attribute__((packed));

const char lab_monitor_help[] =
	"  tss             the task-state segment TR points to, decoded\n";

/* Append formatted text to out (len bytes in all, `*used` of them taken);
 * quietly stops when full. */
static void put(char *out, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *out, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n < len - *used ? (size_t)n : len - *used - 1;
}

static void show_tss32(const struct tss32 *t, char *out, size_t len, size_t *used)
{
	for (int ring = 0; ring < STACKS; ring++)
		put(out, len, used, "  esp%d 0x%08x  ss%d 0x%04x\n", ring, t->stack[ring].esp, ring,
		    t->stack[ring].ss);
	put(out, len, used, "  io map 0x%04x\n", t->iomap);
}

static void show_tss64(const struct tss64 *t, char *out, size_t len, size_t *used)
{
	for (int ring = 0; ring < STACKS; ring++)
		put(out, len, used, "  rsp%d 0x%016llx\n", ring, (unsigned long long)t->rsp[ring]);
	for (int i = 0; i < IST_STACKS; i++)
		put(out, len, used, "  ist%d 0x%016llx\n", i + 1, (unsigned long long)t->ist[i]);
	put(out, len, used, "  io map 0x%04x\n", t->iomap);
}

/* monitor tss */
static void show_tss(struct vm *vm, const struct kvm_sregs *s, char *out, size_t len)
{
	const struct kvm_segment *tr = &s->tr;
	bool long_mode = cpu_mode_of(s) == MODE_LONG;
	union {
		struct tss32 t32;
		struct tss64 t64;
	} tss;
	size_t size = long_mode ? sizeof(tss.t64) : sizeof(tss.t32), used = 0;

	if (cpu_mode_of(s) == MODE_REAL) {
		put(out, len, &used, "real mode: no TSS (tasks need protected mode)\n");
		return;
	}
	/* ltr refuses the null selector: TR = 0 means no ltr yet. */
	if (tr->selector == 0) {
		put(out, len, &used, "no TSS: TR is 0 (no ltr yet)\n");
		return;
	}
	/* TR's base is linear: read through the guest's page tables. */
	if (x86_read_linear(vm, s, tr->base, &tss, size) < 0) {
		put(out, len, &used, "TSS at 0x%llx: not readable\n", (unsigned long long)tr->base);
		return;
	}
	put(out, len, &used, "TSS: selector 0x%x, base 0x%llx, limit 0x%x, %s\n", tr->selector,
	    (unsigned long long)tr->base, tr->limit, long_mode ? "64-bit" : "32-bit");
	if (long_mode)
		show_tss64(&tss.t64, out, len, &used);
	else
		show_tss32(&tss.t32, out, len, &used);
}

int lab_monitor(struct vm *vm, const struct kvm_regs *regs, const struct kvm_sregs *sregs,
		const char *cmd, char *out, size_t len)
{
	if (strcmp(cmd, "tss") != 0)
		return -1;   /* not ours: gdb hears "unknown monitor command" */
	show_tss(vm, sregs, out, len);
	return 0;
}
