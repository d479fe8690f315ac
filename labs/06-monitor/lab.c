/*
 * lab.c - lab 06, your code: a gdb monitor command, `monitor tss`, that
 * shows the task-state segment TR points to, decoded as the CPU mode reads
 * it. gdb's `monitor tss` reaches lab_monitor() with the stopped vCPU's
 * registers (KVM_GET_REGS, KVM_GET_SREGS); README.md explains the path and
 * the output to print; `make check LAB=06` grades this file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lab.h"
#include "vmm.h"
#include "x86/x86.h"

/* `monitor help` lists this line after the core's commands. */
const char lab_monitor_help[] =
	"  tss             the task-state segment TR points to, decoded\n";

/* Append formatted text to out (len bytes in all, `*used` of them taken);
 * quietly stops when full. E.g.
 *     size_t used = 0;
 *     put(out, len, &used, "  esp%d 0x%08x\n", ring, esp);  */
static void put(char *out, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), unused));
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

int lab_monitor(struct vm *vm, const struct kvm_regs *regs, const struct kvm_sregs *sregs,
		const char *cmd, char *out, size_t len)
{
	/* TODO: return -1 for every command but "tss": gdb then says it is
	 * unknown. For "tss", write into out what README.md shows and return
	 * 0: in real mode (cpu_mode_of(sregs) == MODE_REAL) no TSS; with TR's
	 * selector 0 no TSS yet; else the TSS at TR's base (sregs->tr.base, a
	 * linear address: read it with x86_read_linear(vm, sregs, ...)),
	 * decoded as a 64-bit TSS in long mode (MODE_LONG), as a 32-bit one
	 * in protected mode. */
	return -1;
}
