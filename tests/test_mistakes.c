/*
 * test_mistakes.c - a student's common mistakes get explained: running a
 * source file, a program without hlt or EXIT, a BIOS call without a BIOS,
 * a mode-switching ELF64 started in long mode. Each must say what to do.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

#define RUN_TIMEOUT_S 30
#define STATUS_USAGE 2
#define STATUS_FAULT 1

Test(mistakes, nasm_source_is_refused)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_TIMEOUT_S, "lessons/01-hello/hello.asm", NULL), 0);
	cr_expect_eq(r.status, STATUS_USAGE, "status %d: %s", r.status, r.err);
	assert_has(r.err, "lessons/01-hello/hello.asm is NASM source, not a program: "
			  "build it with make, then run the .elf");
	run_free(&r);
}

Test(mistakes, c_source_is_refused)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_TIMEOUT_S, "lessons/14-c-kernel/kernel.c", NULL), 0);
	cr_expect_eq(r.status, STATUS_USAGE, "status %d: %s", r.status, r.err);
	assert_has(r.err, "kernel.c is C source, not a program");
	run_free(&r);
}

Test(mistakes, text_file_is_refused)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_TIMEOUT_S, "lessons/01-hello/expected-output.txt",
			     NULL), 0);
	cr_expect_eq(r.status, STATUS_USAGE, "status %d: %s", r.status, r.err);
	assert_has(r.err, "is a text file, not a program");
	run_free(&r);
}

Test(mistakes, program_without_exit_is_named)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_TIMEOUT_S, "--timeout", "10",
			     "tests/guests/no_exit.elf", NULL), 0);
	assert_has(r.out, "A");
	assert_has(r.err, "did you forget hlt or EXIT?");
	run_free(&r);
}

Test(mistakes, leaving_the_program_is_named)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_TIMEOUT_S, "tests/guests/stray_halt.elf", NULL), 0);
	cr_expect_eq(r.status, 0, "%s", r.err);
	assert_has(r.err, "kvm-vmm: vCPU 0 halted, but the CPU ran past the end of your "
			  "program (0x7c00-0x7c09) to 0x8000: did you forget hlt or EXIT?");
	run_free(&r);
}

Test(mistakes, bios_call_without_bios_is_named)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_TIMEOUT_S, "--timeout", "10",
			     "tests/guests/bios_call.elf", NULL), 0);
	assert_has(r.err, "this guest calls BIOS service int 0x10; kvm-vmm provides a BIOS "
			  "only when it boots a disk image (--disk)");
	run_free(&r);
}

Test(mistakes, a_good_halt_says_nothing)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_TIMEOUT_S, "lessons/01-hello/hello.elf", NULL), 0);
	cr_expect_eq(r.status, 0);
	cr_expect_str_eq(r.err, "");
	run_free(&r);
}

/* Lesson 10 starts in real mode and switches itself: without --mode real,
 * kvm-vmm starts the ELF64 in long mode, and the report must say so. */
Test(mistakes, elf64_started_in_long_mode_is_named)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_TIMEOUT_S,
			     "lessons/10-long-mode/solution/exercise.elf", NULL), 0);
	cr_expect_eq(r.status, STATUS_FAULT, "%s", r.err);
	assert_has(r.err, "likely cause: kvm-vmm started this 64-bit ELF in long mode");
	assert_has(r.err, "run it with --mode real");
	run_free(&r);
	/* Asked for long mode on purpose: the plain cause. */
	cr_assert_eq(run_vmm(&r, NULL, RUN_TIMEOUT_S, "--mode", "long",
			     "lessons/10-long-mode/solution/exercise.elf", NULL), 0);
	cr_expect(!strstr(r.err, "--mode real"), "%s", r.err);
	run_free(&r);
}
