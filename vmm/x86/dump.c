/*
 * dump.c - what a student sees when a guest dies: a one-line reason, the
 * registers decoded (flags by name, segments, control registers) and, when
 * the state tells it, the likely cause in words; and, when a guest halts
 * outside its own program, why it got there.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "layout.h"
#include "loader.h"
#include "options.h"
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

#define OPCODE_INT 0xcd          /* int imm8 */
#define BIOS_VECTOR_FIRST 0x10   /* video; 0x13 disk, 0x15 system, 0x16 keyboard... */
#define BIOS_VECTOR_LAST 0x1f
#define REAL_MODE_PARAGRAPH 16   /* real-mode linear address = segment * 16 + offset */
#define REAL_MODE_OFFSET_MASK 0xffff
#define HLT_LENGTH 1             /* bytes of the hlt instruction */
#define BIOS_STACK_WORDS 32      /* how far up the stack to look for an int frame */

/* The range the image's loaded segments span, for messages. */
static void image_span(const struct guest_image *img, uint64_t *lo, uint64_t *hi)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (int i = 0; i < img->nsegs; i++) {
		if (img->seg[i].start < *lo)
			*lo = img->seg[i].start;
		if (img->seg[i].end > *hi)
			*hi = img->seg[i].end;
	}
}

/* In real mode, `int N` pushes FLAGS, CS and IP. If a word pair near the
 * top of the stack is a return address just past an `int` of a BIOS service
 * inside the program, and the interrupt vector table has no handler for it,
 * the guest called the BIOS that kvm-vmm does not provide (and ran whatever
 * address 0 held). The vector, or -1. */
static int bios_call_on_stack(struct vcpu *cpu, const struct kvm_regs *r,
			      const struct kvm_sregs *s)
{
	const struct vm *vm = cpu->vm;
	uint64_t sp = s->ss.base + (r->rsp & REAL_MODE_OFFSET_MASK);

	if (cpu_mode_of(s) != MODE_REAL)
		return -1;
	for (int i = 0; i < BIOS_STACK_WORDS; i++, sp += sizeof(uint16_t)) {
		uint16_t frame[2];   /* IP, CS */
		uint32_t handler;    /* an IVT entry: offset, segment */
		uint8_t insn[2];
		uint64_t after;

		if (sp + sizeof(frame) > vm->mem_size)
			break;
		memcpy(frame, vm->mem + sp, sizeof(frame));
		after = (uint64_t)frame[1] * REAL_MODE_PARAGRAPH + frame[0];
		if (after < sizeof(insn) || after > vm->mem_size ||
		    !image_contains(&vm->image, after - sizeof(insn)))
			continue;
		memcpy(insn, vm->mem + after - sizeof(insn), sizeof(insn));
		if (insn[0] != OPCODE_INT || insn[1] < BIOS_VECTOR_FIRST ||
		    insn[1] > BIOS_VECTOR_LAST)
			continue;
		memcpy(&handler, vm->mem + LAYOUT_IVT + insn[1] * sizeof(handler),
		       sizeof(handler));
		if (handler == 0)
			return insn[1];
	}
	return -1;
}

const char *explain_stray_pc(struct vcpu *cpu, unsigned back, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct paging_regs pr;
	uint64_t linear, phys, lo, hi;
	int vector;

	if (cpu->vm->image.nsegs == 0 ||
	    ioctl(cpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return NULL;
	vector = bios_call_on_stack(cpu, &r, &s);
	if (vector >= 0) {
		snprintf(buf, len, "this guest calls BIOS service int 0x%02x; kvm-vmm provides "
			 "a BIOS only when it boots a disk image (--disk), so the interrupt "
			 "vector table is empty and the CPU jumped to address 0", vector);
		return buf;
	}
	pr = paging_regs_of(&s);
	linear = cpu_linear_pc(&r, &s) - back;
	if (paging_translate(&pr, cpu->vm->mem, cpu->vm->mem_size, linear, &phys, NULL, NULL) < 0 ||
	    phys >= cpu->vm->mem_size || image_contains(&cpu->vm->image, phys))
		return NULL;
	image_span(&cpu->vm->image, &lo, &hi);
	if (phys >= hi)
		snprintf(buf, len, "the CPU ran past the end of your program (0x%llx-0x%llx) "
			 "to 0x%llx: did you forget hlt or EXIT?", (unsigned long long)lo,
			 (unsigned long long)hi - 1, (unsigned long long)phys);
	else
		snprintf(buf, len, "the CPU is at 0x%llx, outside your program (0x%llx-0x%llx): "
			 "it ran past the end of your program and wrapped around (did you "
			 "forget hlt or EXIT?), or jumped to a wrong address", (unsigned long long)phys,
			 (unsigned long long)lo, (unsigned long long)hi - 1);
	return buf;
}

/* A 64-bit ELF starts in long mode unless --mode says otherwise; a program
 * whose first instructions are 16-bit (it switches modes itself) then runs
 * its code as 64-bit and dies with no IDT. Such a program is linked below
 * 1 MiB, where real mode can reach it (a long-mode kernel is linked above). */
static bool long_mode_by_default(const struct vcpu *cpu)
{
	const struct vm *vm = cpu->vm;

	return vm->image.kind == IMAGE_ELF64 && vm->mode == MODE_LONG &&
	       vm->image.entry < LAYOUT_REAL_MODE_LIMIT && vm->vmm && vm->vmm->opts && !vm->vmm->opts->mode_given;
}

/* Look at the state and say, if we can, why the guest died. */
static const char *likely_cause(struct vcpu *cpu, unsigned exit_reason, char *buf, size_t len)
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
	if (explain_stray_pc(cpu, 0, buf, len))
		return buf;
	if (exit_reason == KVM_EXIT_INTERNAL_ERROR && pm)
		return "KVM could not emulate the instruction at RIP. Where ring-0 code is "
		       "emulated (nested PVM hosts, see docs/host-support.md) some instructions "
		       "are not supported; kvm-vmm carries out `int N`, `int3`, `into` and "
		       "`iretd` itself, but not this one (or not with these operands)";
	if (exit_reason != KVM_EXIT_SHUTDOWN)
		return NULL;
	if (pm && s.idt.limit == 0 && long_mode_by_default(cpu))
		return "kvm-vmm started this 64-bit ELF in long mode, its default for ELF64, "
		       "and it had no IDT when an exception came. If the program starts in "
		       "16-bit real mode and switches modes itself (bits 16 at _start, as in "
		       "lesson 10), run it with --mode real (make run takes the options from "
		       "lesson.conf)";
	if (pm && s.idt.limit == 0)
		return "IDT limit is 0: an exception had no handler (load an IDT with lidt, "
		       "or find the instruction that faulted)";
	if ((pr.cr0 & CR0_PG) && (pr.cr3 >= cpu->vm->mem_size))
		return "CR3 points outside guest RAM: the page tables are not where paging looks";
	if (pm && (s.gdt.limit < 15 || s.cs.selector > s.gdt.limit))
		return "the GDT is too small for the selectors in use (check lgdt and the limit)";
	if (pm && s.idt.limit < 14 * (cpu_mode_of(&s) == MODE_LONG ? 16 : 8))
		return "the IDT has no entry for a page fault or general protection fault, "
		       "so an exception became a double and then a triple fault";
	return "an exception occurred while the CPU delivered another one (a handler or "
	       "the stack is broken): check the IDT entries and RSP";
}

void dump_fault(struct vcpu *cpu, const char *reason)
{
	const char *cause;
	char buf[VMM_ERR_LEN];

	console_flush(cpu->vm);
	vmm_msg(cpu->vm, "guest fault: %s", reason);
	dump_registers(cpu);
	cause = likely_cause(cpu, cpu->run->exit_reason, buf, sizeof(buf));
	if (cause)
		fprintf(stderr, "  likely cause: %s\n", cause);
}

void note_stray_halt(struct vcpu *cpu)
{
	char buf[VMM_ERR_LEN];

	/* RIP is past the hlt: look at the hlt itself. */
	if (explain_stray_pc(cpu, HLT_LENGTH, buf, sizeof(buf))) {
		console_flush(cpu->vm);
		vmm_msg(cpu->vm, "vCPU %d halted, but %s", cpu->id, buf);
	}
}
