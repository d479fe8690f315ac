/*
 * dump.c - what a student sees when a guest dies: a one-line reason, the
 * registers decoded (flags by name, segments, control registers) and, when
 * the state tells it, the likely cause in words.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"
#include "x86/bits.h"
#include "x86/x86.h"

static void print_segment(const char *name, const struct kvm_segment *s)
{
	char line[160];

	describe_segment(line, sizeof(line), name, s);
	fprintf(stderr, "  %s\n", line);
}

void dump_registers(struct vcpu *cpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	char f[128];

	if (ioctl(cpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "  (registers unavailable)\n");
		return;
	}
	fprintf(stderr, "  vCPU %d in %s\n", cpu->id, describe_mode(&s));
	fprintf(stderr, "  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n",
		r.rax, r.rbx, r.rcx, r.rdx);
	fprintf(stderr, "  rsi %016llx  rdi %016llx  rbp %016llx  rsp %016llx\n",
		r.rsi, r.rdi, r.rbp, r.rsp);
	if (cpu_mode_of(&s) == MODE_LONG) {
		fprintf(stderr, "  r8  %016llx  r9  %016llx  r10 %016llx  r11 %016llx\n",
			r.r8, r.r9, r.r10, r.r11);
		fprintf(stderr, "  r12 %016llx  r13 %016llx  r14 %016llx  r15 %016llx\n",
			r.r12, r.r13, r.r14, r.r15);
	}
	describe_rflags(f, sizeof(f), r.rflags);
	fprintf(stderr, "  rip %016llx  rflags %08llx %s\n", r.rip, r.rflags, f);
	print_segment("cs", &s.cs);
	print_segment("ss", &s.ss);
	print_segment("ds", &s.ds);
	print_segment("es", &s.es);
	print_segment("fs", &s.fs);
	print_segment("gs", &s.gs);
	fprintf(stderr, "  gdt base %016llx limit %04x   idt base %016llx limit %04x\n",
		s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit);
	describe_cr0(f, sizeof(f), s.cr0);
	fprintf(stderr, "  cr0 %08llx %s  cr2 %016llx  cr3 %016llx\n", s.cr0, f, s.cr2, s.cr3);
	describe_cr4(f, sizeof(f), s.cr4);
	fprintf(stderr, "  cr4 %08llx %s", s.cr4, f);
	describe_efer(f, sizeof(f), s.efer);
	fprintf(stderr, "  efer %08llx %s\n", s.efer, f);
}

/* Look at the state and say, if we can, why the guest died. */
static const char *likely_cause(struct vcpu *cpu, unsigned exit_reason)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct paging_regs pr;
	uint64_t linear, phys;
	bool pm;

	if (ioctl(cpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return NULL;
	pm = cpu_mode_of(&s) != MODE_REAL;
	pr = paging_regs_of(&s);
	linear = cpu_linear_pc(&r, &s);
	if (paging_translate(&pr, cpu->vm->mem, cpu->vm->mem_size, linear, &phys, NULL, NULL) < 0)
		return "the instruction pointer is not mapped by the page tables: the guest "
		       "jumped to an unmapped address, or its page tables lost their own code";
	if (phys >= cpu->vm->mem_size)
		return "the instruction pointer is outside guest RAM (see --mem): the guest "
		       "jumped into the void";
	if (exit_reason == KVM_EXIT_INTERNAL_ERROR && pm)
		return "KVM could not emulate the instruction at RIP. Where ring-0 code is "
		       "emulated (nested PVM hosts, see docs/host-support.md) some instructions "
		       "such as `int N` or `iretd` in protected mode are not supported";
	if (exit_reason != KVM_EXIT_SHUTDOWN)
		return NULL;
	if (pm && s.idt.limit == 0)
		return "IDT limit is 0: an exception had no handler (load an IDT with lidt, "
		       "or find the instruction that faulted)";
	if ((pr.cr0 & CR0_PG) && (pr.cr3 >= cpu->vm->mem_size))
		return "CR3 points outside guest RAM: the page tables are not where paging looks";
	if (pm && (s.gdt.limit < 15 || s.cs.selector > s.gdt.limit))
		return "the GDT is too small for the selectors in use (check lgdt and the limit)";
	if (pm && s.idt.limit < 14 * (s.efer & EFER_LMA ? 16 : 8))
		return "the IDT has no entry for a page fault or general protection fault, "
		       "so an exception became a double and then a triple fault";
	return "an exception occurred while the CPU delivered another one (a handler or "
	       "the stack is broken): check the IDT entries and RSP";
}

void dump_fault(struct vcpu *cpu, const char *reason)
{
	const char *cause;

	console_flush(cpu->vm);
	vmm_msg(cpu->vm, "guest fault: %s", reason);
	dump_registers(cpu);
	cause = likely_cause(cpu, cpu->run->exit_reason);
	if (cause)
		fprintf(stderr, "  likely cause: %s\n", cause);
}
