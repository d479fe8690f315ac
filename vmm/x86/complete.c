/*
 * complete.c - carrying out the few instructions a 32-bit teaching kernel
 * needs when KVM could not emulate them: `int N`, `int3` and `into`
 * through a 32-bit interrupt or trap gate of the IDT, and `iretd`, back
 * to ring 0 or out to ring 3. Hosts that emulate ring-0 code (nested PVM,
 * docs/host-support.md) give up on them in 32-bit protected mode; the CPU's
 * own steps are simple enough to do here: find the gate, check it, push
 * or pop the frame, load CS (and SS), set EFLAGS. Anything unusual (a task
 * gate, a 16-bit gate or stack, virtual-8086 mode, a check that would
 * raise an exception) is left alone: the guest then ends with the usual
 * fault report.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "options.h"
#include "vmm.h"
#include "x86/bits.h"
#include "x86/x86.h"
#include "x86/x86.h"

#define OPCODE_INT3 0xCC
#define OPCODE_INT_IMM8 0xCD
#define OPCODE_INTO 0xCE
#define OPCODE_IRET 0xCF
#define VECTOR_BP 3
#define VECTOR_OF 4

/* An IDT gate: offset 15..0, selector, type and flags, offset 31..16. */
#define GATE_SIZE 8
#define GATE_SELECTOR_SHIFT 16
#define GATE_OFFSET_HIGH_MASK 0xffff0000ULL
#define GATE_TYPE_INT32 0xE    /* clears IF */
#define GATE_TYPE_TRAP32 0xF   /* keeps IF */

#define DESC_SIZE 8
#define SEL_RPL_MASK 0x3
#define SEL_TI 0x4             /* in the LDT */
#define SEL_INDEX_MASK 0xfff8
#define SEG_TYPE_CONFORMING 0x4 /* code segments */

/* EFLAGS bits not in bits.h, and what iretd may set at CPL 0: every flag
 * but VM (bit 17) and the reserved ones. */
#define IRET_FLAGS_MASK 0x003F7FD5ULL

#define FRAME_SAME_RING 3      /* dwords of a frame: EIP, CS, EFLAGS ... */
#define FRAME_OTHER_RING 5     /* ... and ESP, SS when the ring changes */

struct state {
	struct vcpu *cpu;
	struct kvm_regs r;
	struct kvm_sregs s;
};

static unsigned cpl(const struct state *st)
{
	return st->s.cs.selector & SEL_RPL_MASK;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The descriptor that selector `sel` names, from the GDT or LDT. */
static bool read_descriptor(const struct state *st, uint16_t sel, struct kvm_segment *seg)
{
	const struct kvm_segment *ldt = &st->s.ldt;
	uint64_t base = st->s.gdt.base, limit = st->s.gdt.limit;
	uint32_t at = sel & SEL_INDEX_MASK;
	uint8_t raw[DESC_SIZE];

	if (sel & SEL_TI) {
		if (ldt->unusable || !ldt->present)
			return false;
		base = ldt->base;
		limit = ldt->limit;
	} else if (at == 0) {
		return false;   /* the null selector */
	}
	if (at + DESC_SIZE - 1 > limit ||
	    x86_read_linear(st->cpu->vm, &st->s, (uint32_t)(base + at), raw, sizeof(raw)) < 0)
		return false;
	memset(seg, 0, sizeof(*seg));   /* padding included: it goes back to KVM */
	describe_decode_descriptor(le64(raw), sel, seg);
	seg->type |= SEG_TYPE_ACCESSED;
	return seg->present;
}

/* A code segment the CPU may run at privilege `ring` through `sel`. */
static bool code_segment(const struct state *st, uint16_t sel, unsigned ring, struct kvm_segment *cs)
{
	if (!read_descriptor(st, sel, cs) || !cs->s || !(cs->type & SEG_TYPE_CODE) || !cs->db)
		return false;
	return (cs->type & SEG_TYPE_CONFORMING) ? cs->dpl <= ring : cs->dpl == ring;
}

static uint32_t linear(const struct kvm_segment *seg, uint32_t offset)
{
	return (uint32_t)(seg->base + offset);
}

/* int N, int3, into: through gate `vector`, returning to next_eip. */
static bool interrupt(struct state *st, uint8_t vector, uint32_t next_eip)
{
	struct kvm_sregs *s = &st->s;
	uint8_t raw[GATE_SIZE];
	struct kvm_segment cs;
	uint32_t frame[FRAME_SAME_RING], esp, offset;
	uint64_t gate;
	unsigned type;

	if ((uint32_t)vector * GATE_SIZE + GATE_SIZE - 1 > s->idt.limit ||
	    x86_read_linear(st->cpu->vm, s, (uint32_t)(s->idt.base + vector * GATE_SIZE), raw,
			    sizeof(raw)) < 0)
		return false;
	gate = le64(raw);
	type = (gate >> DESC_TYPE_SHIFT) & 0xf;
	if (!(gate & DESC_P) || (type != GATE_TYPE_INT32 && type != GATE_TYPE_TRAP32) ||
	    ((gate >> DESC_DPL_SHIFT) & 3) < cpl(st))
		return false;
	offset = (uint32_t)((gate & 0xffff) | ((gate >> 32) & GATE_OFFSET_HIGH_MASK));
	if (!code_segment(st, (uint16_t)(gate >> GATE_SELECTOR_SHIFT), cpl(st), &cs) || !s->ss.db)
		return false;
	frame[0] = next_eip;
	frame[1] = s->cs.selector;
	frame[2] = (uint32_t)st->r.rflags;
	esp = (uint32_t)st->r.rsp - sizeof(frame);
	if (x86_write_linear(st->cpu->vm, s, linear(&s->ss, esp), frame, sizeof(frame)) < 0)
		return false;
	st->r.rsp = esp;
	st->r.rip = offset;
	st->r.rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (type == GATE_TYPE_INT32)
		st->r.rflags &= ~RFLAGS_IF;
	cs.selector = (uint16_t)((cs.selector & ~SEL_RPL_MASK) | cpl(st));
	s->cs = cs;
	return true;
}

/* A data segment register the outer ring may not use any more. */
static void drop_if_privileged(struct kvm_segment *seg, unsigned ring)
{
	bool conforming_code = (seg->type & SEG_TYPE_CODE) && (seg->type & SEG_TYPE_CONFORMING);

	if (!seg->unusable && seg->dpl < ring && !conforming_code) {
		memset(seg, 0, sizeof(*seg));
		seg->unusable = 1;
	}
}

/* iretd at CPL 0: back to the same ring, or out to an outer one. */
static bool iret(struct state *st)
{
	struct kvm_sregs *s = &st->s;
	uint32_t frame[FRAME_OTHER_RING], esp = (uint32_t)st->r.rsp;
	struct kvm_segment cs, ss;
	unsigned ring;

	if ((st->r.rflags & RFLAGS_NT) || !s->ss.db ||
	    x86_read_linear(st->cpu->vm, s, linear(&s->ss, esp), frame,
			    FRAME_SAME_RING * sizeof(frame[0])) < 0)
		return false;
	ring = frame[1] & SEL_RPL_MASK;
	if ((frame[2] & RFLAGS_VM) || ring < cpl(st) || !code_segment(st, (uint16_t)frame[1], ring, &cs))
		return false;
	if (ring == cpl(st)) {
		esp += FRAME_SAME_RING * sizeof(frame[0]);
	} else {
		if (x86_read_linear(st->cpu->vm, s, linear(&s->ss, esp), frame, sizeof(frame)) < 0 ||
		    (frame[4] & SEL_RPL_MASK) != ring || !read_descriptor(st, (uint16_t)frame[4], &ss) ||
		    !ss.s || (ss.type & SEG_TYPE_CODE) || !(ss.type & SEG_TYPE_RW) || ss.dpl != ring)
			return false;
		esp = frame[3];
		s->ss = ss;
		drop_if_privileged(&s->ds, ring);
		drop_if_privileged(&s->es, ring);
		drop_if_privileged(&s->fs, ring);
		drop_if_privileged(&s->gs, ring);
	}
	s->cs = cs;
	st->r.rip = frame[0];
	st->r.rsp = esp;
	st->r.rflags = (frame[2] & IRET_FLAGS_MASK) | RFLAGS_FIXED;
	return true;
}

/* What the instruction at CS:EIP is, and carrying it out. */
static bool complete(struct state *st, const char **what)
{
	uint32_t eip = (uint32_t)st->r.rip;
	uint8_t insn[2];

	if (x86_read_linear(st->cpu->vm, &st->s, linear(&st->s.cs, eip), insn, 1) < 0)
		return false;
	switch (insn[0]) {
	case OPCODE_INT_IMM8:
		if (x86_read_linear(st->cpu->vm, &st->s, linear(&st->s.cs, eip + 1), insn + 1, 1) < 0)
			return false;
		*what = "int N";
		return interrupt(st, insn[1], eip + 2);
	case OPCODE_INT3:
		*what = "int3";
		return interrupt(st, VECTOR_BP, eip + 1);
	case OPCODE_INTO:
		*what = "into";
		if (!(st->r.rflags & RFLAGS_OF)) {
			st->r.rip = eip + 1;
			return true;
		}
		return interrupt(st, VECTOR_OF, eip + 1);
	case OPCODE_IRET:
		*what = "iretd";
		return iret(st);
	}
	return false;
}

bool x86_complete_failed_instruction(struct vcpu *cpu)
{
	struct state st = { .cpu = cpu };
	const char *what = "";
	uint64_t at;

	if (cpu->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    ioctl(cpu->fd, KVM_GET_REGS, &st.r) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &st.s) < 0)
		return false;
	/* 32-bit protected-mode code at ring 0 only. */
	if (cpu_mode_of(&st.s) != MODE_PROTECTED || !st.s.cs.db || cpl(&st) != 0)
		return false;
	at = cpu_linear_pc(&st.r, &st.s);
	if (!complete(&st, &what))
		return false;
	if (ioctl(cpu->fd, KVM_SET_SREGS, &st.s) < 0 || ioctl(cpu->fd, KVM_SET_REGS, &st.r) < 0) {
		vmm_msg(cpu->vm, "completing %s: %s", what, strerror(errno));
		return false;
	}
	if (cpu->vm->vmm && cpu->vm->vmm->opts->trace)
		fprintf(stderr, "trace: vcpu %d completed %s at 0x%llx (KVM could not emulate it): "
			"now at %04x:%08llx\n", cpu->id, what, (unsigned long long)at,
			st.s.cs.selector, (unsigned long long)st.r.rip);
	return true;
}
