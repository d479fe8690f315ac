/*
 * regs.c - KVM's view of a vCPU (struct kvm_regs, kvm_sregs, kvm_fpu) and
 * gdb's (struct gdb_regs), converted both ways. Pure functions: the unit
 * tests check them without a VM.
 */
#include <string.h>

#include "gdb/gdb.h"
#include "x86/bits.h"
#include "x86/x86.h"

#define X87_REGS 8
#define FTAG_EMPTY 3U      /* gdb's full tag word: 2 bits a register, 11 = empty */
#define FTAG_BITS 2

void gdb_regs_from_kvm(const struct kvm_regs *r, const struct kvm_sregs *s,
		       const struct kvm_fpu *fpu, struct gdb_regs *out)
{
	memset(out, 0, sizeof(*out));
	out->gpr[GDB_RAX] = r->rax; out->gpr[GDB_RBX] = r->rbx;
	out->gpr[GDB_RCX] = r->rcx; out->gpr[GDB_RDX] = r->rdx;
	out->gpr[GDB_RSI] = r->rsi; out->gpr[GDB_RDI] = r->rdi;
	out->gpr[GDB_RBP] = r->rbp; out->gpr[GDB_RSP] = r->rsp;
	out->gpr[8] = r->r8; out->gpr[9] = r->r9; out->gpr[10] = r->r10; out->gpr[11] = r->r11;
	out->gpr[12] = r->r12; out->gpr[13] = r->r13; out->gpr[14] = r->r14; out->gpr[15] = r->r15;
	out->rip = cpu_linear_pc(r, s);
	out->rflags = r->rflags;
	out->seg[GDB_CS] = s->cs.selector; out->seg[GDB_SS] = s->ss.selector;
	out->seg[GDB_DS] = s->ds.selector; out->seg[GDB_ES] = s->es.selector;
	out->seg[GDB_FS] = s->fs.selector; out->seg[GDB_GS] = s->gs.selector;
	out->fs_base = s->fs.base;
	out->gs_base = s->gs.base;
	out->cr0 = s->cr0; out->cr2 = s->cr2; out->cr3 = s->cr3; out->cr4 = s->cr4;
	out->cr8 = s->cr8;
	out->efer = s->efer;
	for (int i = 0; i < X87_REGS; i++)
		memcpy(out->st[i], fpu->fpr[i], sizeof(out->st[i]));
	out->fctrl = fpu->fcw;
	out->fstat = fpu->fsw;
	/* KVM keeps the abridged tag (1 bit a register, 1 = in use); gdb
	 * wants the full tag word. */
	for (int i = 0; i < X87_REGS; i++)
		if (!(fpu->ftwx & (1 << i)))
			out->ftag |= FTAG_EMPTY << (FTAG_BITS * i);
	out->fioff = (uint32_t)fpu->last_ip;
	out->fooff = (uint32_t)fpu->last_dp;
	out->fop = fpu->last_opcode;
	memcpy(out->xmm, fpu->xmm, sizeof(out->xmm));
	out->mxcsr = fpu->mxcsr;
}

void gdb_regs_to_kvm(const struct gdb_regs *in, struct kvm_regs *r, struct kvm_sregs *s,
		     struct kvm_fpu *fpu)
{
	bool lm = cpu_in_64bit_code(s);

	r->rax = in->gpr[GDB_RAX]; r->rbx = in->gpr[GDB_RBX];
	r->rcx = in->gpr[GDB_RCX]; r->rdx = in->gpr[GDB_RDX];
	r->rsi = in->gpr[GDB_RSI]; r->rdi = in->gpr[GDB_RDI];
	r->rbp = in->gpr[GDB_RBP]; r->rsp = in->gpr[GDB_RSP];
	if (lm) {   /* the i386 layout has no r8..r15: keep them */
		r->r8 = in->gpr[8]; r->r9 = in->gpr[9]; r->r10 = in->gpr[10]; r->r11 = in->gpr[11];
		r->r12 = in->gpr[12]; r->r13 = in->gpr[13]; r->r14 = in->gpr[14];
		r->r15 = in->gpr[15];
	}
	/* gdb's PC is linear; the CPU's RIP is an offset into CS. */
	r->rip = lm ? in->rip : (uint32_t)(in->rip - s->cs.base);
	r->rflags = in->rflags | RFLAGS_FIXED;
	s->fs.base = in->fs_base;
	s->gs.base = in->gs_base;
	s->cr0 = in->cr0; s->cr2 = in->cr2; s->cr3 = in->cr3; s->cr4 = in->cr4;
	s->cr8 = in->cr8;
	s->efer = in->efer;
	for (int i = 0; i < X87_REGS; i++)
		memcpy(fpu->fpr[i], in->st[i], sizeof(in->st[i]));
	fpu->fcw = in->fctrl;
	fpu->fsw = in->fstat;
	fpu->last_opcode = in->fop;
	memcpy(fpu->xmm, in->xmm, sizeof(fpu->xmm));
	fpu->mxcsr = in->mxcsr;
}
