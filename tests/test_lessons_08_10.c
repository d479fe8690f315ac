/*
 * test_lessons_08_10.c - lessons 08 (protected mode), 09 (paging) and 10
 * (long mode) run as a student runs them: stdout equal to
 * expected-output.txt, the right exit status, nothing on stderr; what they
 * print checked against values computed here; and one session per lesson
 * with the real gdb in batch mode, through the mode switch each lesson
 * makes.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"


#define PM_DIR "lessons/08-protected-mode"
#define PM_ELF PM_DIR "/protected.elf"
#define PAGING_DIR "lessons/09-paging"
#define PAGING_ELF PAGING_DIR "/paging.elf"
#define LONG_DIR "lessons/10-long-mode"
#define LONG_ELF LONG_DIR "/longmode.elf"
#define EXPECTED "expected-output.txt"

/* As the guests define them. */
#define PM_HIGH_VALUE 0x12345678u       /* protected.asm: HIGH_VALUE */
#define PAGING_ALIAS_BASE 0xC0000000u   /* paging.asm: ALIAS_BASE */
#define PAGING_PF_WRITE 2               /* error code: not present, write */
#define LONG_FACTORIAL_N 20             /* longmode.asm: FACTORIAL_N */

/* --- lesson 08: protected mode ----------------------------------------------- */

Test(lessons_08_10, protected_mode)
{
	struct run_result r = run_guest(PM_ELF, NULL);

	expect_lesson_output(&r, PM_DIR);
	run_free(&r);
}

/* Real-mode CS 0, then the selectors of GDT entries 1 and 2, then the
 * dword stored at 2 MiB read back. */
Test(lessons_08_10, protected_mode_values)
{
	struct run_result r = run_guest(PM_ELF, NULL);
	char want[128];

	cr_expect(strstr(r.out, "real mode: 16-bit code, cs = 0\n"), "%s", r.out);
	snprintf(want, sizeof(want), "protected mode: 32-bit code, cs = %d, ds = %d\n", 1 * 8,
		 2 * 8);
	cr_expect(strstr(r.out, want), "no '%s' in:\n%s", want, r.out);
	snprintf(want, sizeof(want), ": %u\n", PM_HIGH_VALUE);
	cr_expect(strstr(r.out, want), "no '%s' in:\n%s", want, r.out);
	run_free(&r);
}

/* --- lesson 09: paging ------------------------------------------------------- */

Test(lessons_08_10, paging)
{
	struct run_result r = run_guest(PAGING_ELF, NULL);

	expect_lesson_output(&r, PAGING_DIR);
	run_free(&r);
}

/* The numbers relate as the page tables say, wherever the linker put the
 * greeting: the alias is 3 GiB above the identity address, the write
 * through it shows through the identity map, and CR2 is the touched byte. */
Test(lessons_08_10, paging_values)
{
	struct run_result r = run_guest(PAGING_ELF, NULL);
	unsigned cr3_vmm, cr3_ours, ident, alias, ident2, alias_w, ident3, touched, cr2;
	int err_code;
	char w1[8], w2[8], w3[8];

	cr_assert_eq(sscanf(r.out,
			    "kvm-vmm's page tables: cr3 = %x\n"
			    "our page tables:       cr3 = %x\n"
			    "through %x: %7s\n"
			    "through %x: %7s\n"
			    "wrote 'j' at %x\n"
			    "through %x: %7s\n"
			    "touching %x\n"
			    "page fault: cr2 = %x, error code %d",
			    &cr3_vmm, &cr3_ours, &ident, w1, &alias, w2, &alias_w, &ident3, w3,
			    &touched, &cr2, &err_code),
		     12, "unexpected output:\n%s", r.out);
	ident2 = alias - PAGING_ALIAS_BASE;
	cr_expect_eq(ident2, ident, "alias 0x%x is not identity 0x%x + 3 GiB", alias, ident);
	cr_expect_eq(alias_w, alias);
	cr_expect_eq(ident3, ident);
	cr_expect_str_eq(w1, "hello");
	cr_expect_str_eq(w2, "hello");
	cr_expect_str_eq(w3, "jello");
	cr_expect_neq(cr3_ours, cr3_vmm, "the guest did not load its own CR3");
	cr_expect_eq(cr2, touched, "CR2 0x%x, touched 0x%x", cr2, touched);
	cr_expect_eq(err_code, PAGING_PF_WRITE);
	cr_expect_eq(r.status, 0);
	run_free(&r);
}

/* --- lesson 10: long mode ---------------------------------------------------- */

Test(lessons_08_10, long_mode)
{
	struct run_result r = run_guest("--mode", "real", LONG_ELF, NULL);

	expect_lesson_output(&r, LONG_DIR);
	run_free(&r);
}

/* 20! computed here, in 64 bits. */
Test(lessons_08_10, long_mode_values)
{
	struct run_result r = run_guest("--mode", "real", LONG_ELF, NULL);
	unsigned long long f = 1;
	char want[64];

	for (int i = 2; i <= LONG_FACTORIAL_N; i++)
		f *= (unsigned long long)i;
	snprintf(want, sizeof(want), "%d! = %llu\n", LONG_FACTORIAL_N, f);
	cr_expect(strstr(r.out, want), "no '%s' in:\n%s", want, r.out);
	cr_expect(strstr(r.out, "EFER.LMA = 1\n"), "%s", r.out);
	run_free(&r);
}

/* Without --mode real an ELF64 starts in long mode: the 16-bit code is
 * decoded as 64-bit code, and the guest ends in a fault (README exercise 2). */
Test(lessons_08_10, long_mode_needs_mode_real)
{
	struct run_result r = run_guest(LONG_ELF, NULL);

	cr_expect_eq(r.status, 1, "status %d; stdout: %s", r.status, r.out);
	cr_expect(strstr(r.err, "guest fault"), "%s", r.err);
	cr_expect_null(strstr(r.out, "long mode:"), "%s", r.out);
	run_free(&r);
}

/* --- one real gdb session per lesson ----------------------------------------- */

/* Lesson 08: at far_jump PE is set but CS is still 16-bit; one stepi loads
 * CS = 8, and gdb decodes 32-bit code after `set architecture i386`. At
 * done DS is the data selector and the dword at 2 MiB is there. */
Test(lessons_08_10, gdb_protected_mode_far_jump, .timeout = 180)
{
	struct child vmm;
	struct run_result g;
	int port = child_start_gdb(&vmm, PM_ELF, NULL);

	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm.err_buf);
	gdb_batch(&g, port, PM_ELF, "set architecture i8086", "break far_jump", "continue",
		"p/x $cs", "monitor info sregs", "stepi", "p/x $cs", "set architecture i386",
		"x/i $pc", "break done", "continue", "p/x $ds", "x/1dw 0x200000",
		"monitor info gdt", "continue", NULL);
	assert_has(g.out, "Breakpoint 1, far_jump ()");
	assert_has(g.out, "$1 = 0x0");
	/* gdb prints the stub's console output (monitor) on stderr */
	assert_has(g.err, "mode: protected mode (16-bit)");
	assert_has(g.err, "[PE ET NW CD]");
	assert_has(g.out, "$2 = 0x8");
	assert_has(g.out, "<protected_entry>:\tmov    $0x10,%ax");
	assert_has(g.out, "Breakpoint 2, done ()");
	assert_has(g.out, "$3 = 0x10");
	assert_has(g.out, ":\t305419896\n");
	assert_has(g.err, "GDT at ");
	assert_has(g.err, "32-bit code");
	assert_has(g.out, "exited normally");
	finish_vmm_with(&vmm, 0, PM_DIR "/" EXPECTED);
	run_free(&g);
}

/* Lesson 09: a watchpoint on the alias address catches the write through
 * it; in the page fault handler CR2 is the touched address and the error
 * code is on the stack; monitor info pagetable shows both mappings. */
Test(lessons_08_10, gdb_paging_alias_and_page_fault, .timeout = 180)
{
	struct child vmm;
	struct run_result g;
	int port = child_start_gdb(&vmm, PAGING_ELF, NULL);

	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm.err_buf);
	gdb_batch(&g, port, PAGING_ELF, "break switched", "continue", "monitor info pagetable",
		"watch *(char *)(0xc0000000 + (long)&greeting)", "continue",
		"p $pc == written", "p *(char *)&greeting", "delete", "break page_fault",
		"continue", "p/x $cr2", "x/1gx $rsp", "p *(long *)($rsp + 8) == (long)&fault_here",
		"continue", NULL);
	assert_has(g.out, "Breakpoint 1, switched ()");
	assert_has(g.err, "0000000000000000-00000000001fffff -> 000000000000  rw kernel");
	assert_has(g.err, "00000000c0000000-00000000c01fffff -> 000000000000  rw kernel");
	assert_has(g.out, "New value = 106 'j'");
	assert_has(g.out, "$1 = 1");
	assert_has(g.out, "$2 = 106 'j'");
	assert_has(g.out, "page_fault ()");
	assert_has(g.out, "$3 = 0x201234");
	assert_has(g.out, ":\t0x0000000000000002\n");
	assert_has(g.out, "$4 = 1");
	assert_has(g.out, "exited normally");
	finish_vmm_with(&vmm, 0, PAGING_DIR "/" EXPECTED);
	run_free(&g);
}

/* Lesson 10, an ELF64 started in real mode: stepi and source lines in the
 * 16-bit part; at far_jump long mode is active in compatibility mode; one
 * stepi reaches 64-bit code with CS = 8; RAX holds 20! later. */
Test(lessons_08_10, gdb_long_mode_from_real_mode, .timeout = 180)
{
	struct child vmm;
	struct run_result g;
	int port = child_start_gdb(&vmm, "--mode", "real", LONG_ELF, NULL);

	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm.err_buf);
	gdb_batch(&g, port, LONG_ELF, "show architecture", "stepi", "p $pc == _start + 1",
		"p/x $cs", "break far_jump", "continue", "info registers efer",
		"monitor info sregs", "stepi", "p $pc == long_entry", "p/x $cs",
		"break factorial_done", "continue", "p $rax", "continue", NULL);
	assert_has(g.out, "i386:x86-64");
	assert_has(g.out, "57\t        xor ax, ax");   /* stepi shows the source line */
	assert_has(g.out, "$1 = 1");
	assert_has(g.out, "$2 = 0x0");
	assert_has(g.out, "Breakpoint 1, far_jump ()");
	assert_has(g.out, "[ LME LMA ]");
	assert_has(g.err, "mode: long mode (compatibility)");
	assert_has(g.err, "cr4  0000000000000020 [PAE]");
	assert_has(g.out, "long_entry ()");
	assert_has(g.out, "$3 = 1");
	assert_has(g.out, "$4 = 0x8");
	assert_has(g.out, "$5 = 2432902008176640000");
	assert_has(g.out, "exited normally");
	finish_vmm_with(&vmm, 0, LONG_DIR "/" EXPECTED);
	run_free(&g);
}
