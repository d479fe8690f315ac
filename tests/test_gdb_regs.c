/*
 * test_gdb_regs.c - unit tests of vmm/gdb/regs.c: KVM's registers and
 * gdb's, converted both ways without a VM. The PC gdb sees is linear
 * (CS.base + RIP outside 64-bit code); the x87 tag word changes form.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "gdb/gdb.h"
#include "x86/bits.h"

#define REAL_CS 0x1234
#define REAL_CS_BASE (REAL_CS << 4)

static void real_mode(struct kvm_sregs *s)
{
	memset(s, 0, sizeof(*s));
	s->cs.selector = REAL_CS;
	s->cs.base = REAL_CS_BASE;
}

static void long_mode(struct kvm_sregs *s)
{
	memset(s, 0, sizeof(*s));
	s->cr0 = CR0_PE | CR0_PG;
	s->efer = EFER_LME | EFER_LMA;
	s->cs.l = 1;
	s->cs.base = 0x5000;   /* ignored in 64-bit code */
}

Test(gdb_regs, real_mode_pc_is_linear_both_ways)
{
	struct kvm_regs r = { .rip = 0x10, .rax = 7, .rflags = RFLAGS_FIXED };
	struct kvm_sregs s;
	struct kvm_fpu fpu;
	struct gdb_regs g;

	memset(&fpu, 0, sizeof(fpu));
	real_mode(&s);
	gdb_regs_from_kvm(&r, &s, &fpu, &g);
	cr_assert_eq(g.rip, REAL_CS_BASE + 0x10);
	cr_assert_eq(g.gpr[GDB_RAX], 7);
	cr_assert_eq(g.seg[GDB_CS], REAL_CS);

	g.rip = REAL_CS_BASE + 0x20;   /* gdb moves the PC */
	g.rflags = 0;                  /* and forgets the fixed bit */
	gdb_regs_to_kvm(&g, &r, &s, &fpu);
	cr_assert_eq(r.rip, 0x20, "RIP is the offset into CS");
	cr_assert(r.rflags & RFLAGS_FIXED, "bit 1 of RFLAGS always reads 1");
}

Test(gdb_regs, long_mode_pc_is_rip_and_r8_r15_travel)
{
	struct kvm_regs r = { .rip = 0xffff800000001000ULL, .r8 = 8, .r15 = 15 };
	struct kvm_sregs s;
	struct kvm_fpu fpu;
	struct gdb_regs g;

	memset(&fpu, 0, sizeof(fpu));
	long_mode(&s);
	gdb_regs_from_kvm(&r, &s, &fpu, &g);
	cr_assert_eq(g.rip, 0xffff800000001000ULL);
	cr_assert_eq(g.gpr[8], 8);
	cr_assert_eq(g.gpr[15], 15);
	g.gpr[8] = 80;
	gdb_regs_to_kvm(&g, &r, &s, &fpu);
	cr_assert_eq(r.r8, 80);
	cr_assert_eq(r.rip, 0xffff800000001000ULL);
}

Test(gdb_regs, outside_64bit_code_r8_r15_are_kept)
{
	struct kvm_regs r = { .r8 = 8, .r12 = 12 };
	struct kvm_sregs s;
	struct kvm_fpu fpu;
	struct gdb_regs g;

	memset(&fpu, 0, sizeof(fpu));
	real_mode(&s);
	gdb_regs_from_kvm(&r, &s, &fpu, &g);
	g.gpr[8] = 0;    /* the i386 layout has no r8: gdb sends zeros */
	g.gpr[12] = 0;
	gdb_regs_to_kvm(&g, &r, &s, &fpu);
	cr_assert_eq(r.r8, 8);
	cr_assert_eq(r.r12, 12);
}

Test(gdb_regs, x87_tag_word_and_sse_state)
{
	struct kvm_regs r = { 0 };
	struct kvm_sregs s;
	struct kvm_fpu fpu;
	struct gdb_regs g;

	memset(&fpu, 0, sizeof(fpu));
	real_mode(&s);
	fpu.ftwx = 0x01;          /* abridged: only st0 in use */
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	fpu.xmm[3][0] = 0xab;
	fpu.fpr[0][9] = 0x40;
	gdb_regs_from_kvm(&r, &s, &fpu, &g);
	cr_assert_eq(g.ftag, 0xfffc, "st0 valid (00), st1-st7 empty (11)");
	cr_assert_eq(g.fctrl, 0x37f);
	cr_assert_eq(g.mxcsr, 0x1f80);
	cr_assert_eq(g.xmm[3][0], 0xab);
	cr_assert_eq(g.st[0][9], 0x40);

	g.mxcsr = 0x1f81;
	g.xmm[3][1] = 0xcd;
	gdb_regs_to_kvm(&g, &r, &s, &fpu);
	cr_assert_eq(fpu.mxcsr, 0x1f81);
	cr_assert_eq(fpu.xmm[3][1], 0xcd);
}

Test(gdb_regs, control_registers_and_bases)
{
	struct kvm_regs r = { 0 };
	struct kvm_sregs s;
	struct kvm_fpu fpu;
	struct gdb_regs g;

	memset(&fpu, 0, sizeof(fpu));
	long_mode(&s);
	s.cr3 = 0x1000;
	s.fs.base = 0x7000;
	gdb_regs_from_kvm(&r, &s, &fpu, &g);
	cr_assert_eq(g.cr3, 0x1000);
	cr_assert_eq(g.cr0, CR0_PE | CR0_PG);
	cr_assert_eq(g.efer, EFER_LME | EFER_LMA);
	cr_assert_eq(g.fs_base, 0x7000);
	g.gs_base = 0x9000;
	g.cr2 = 0xdead;
	gdb_regs_to_kvm(&g, &r, &s, &fpu);
	cr_assert_eq(s.gs.base, 0x9000);
	cr_assert_eq(s.cr2, 0xdead);
}
