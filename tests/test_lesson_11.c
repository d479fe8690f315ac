/*
 * test_lesson_11.c - lesson 11 (interrupts) as a student runs it: with
 * input.txt on stdin and --irqchip, the guest prints expected-output.txt
 * byte for byte and exits 0; and under the GDB stub, driven by the real
 * gdb, the frames the CPU pushed for its exceptions hold what the README
 * says: for #DE the address of the faulting `div` (label divide) and the
 * 64-bit code segment, for #PF an error code, the address of the faulting
 * load (label touch) and CR2 = 4 GiB.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define LESSON_DIR "lessons/11-interrupts"
#define GUEST LESSON_DIR "/interrupts.elf"
#define EXPECTED LESSON_DIR "/expected-output.txt"
#define INPUT LESSON_DIR "/input.txt"
#define RUN_TIMEOUT_S 30.0

/* Read a file the lesson ships; the test fails if it is missing. */
static char *lesson_file(const char *path)
{
	char *text = slurp(path, NULL);

	cr_assert(text, "cannot read %s", path);
	return text;
}

Test(lesson_11, output_with_input_and_exit_status)
{
	char *want = lesson_file(EXPECTED);
	char *input = lesson_file(INPUT);
	struct run_result r;

	cr_assert_eq(run_vmm(&r, input, RUN_TIMEOUT_S, "--irqchip", GUEST, NULL), 0,
		     "cannot start kvm-vmm");
	cr_assert_not(r.timed_out, "%s did not finish in %.0f s", GUEST, RUN_TIMEOUT_S);
	cr_expect_str_eq(r.out, want, "stdout differs from " EXPECTED);
	cr_expect_eq(r.status, 0, "exit status %d; stderr: %s", r.status, r.err);
	cr_expect_str_eq(r.err, "", "kvm-vmm wrote on stderr");
	run_free(&r);
	free(want);
	free(input);
}

/* The exception frames, read by gdb at the handlers' first instruction:
 * #DE pushes SS, RSP, RFLAGS, CS, RIP (RIP on top); #PF pushes an error
 * code below them. */
Test(lesson_11, gdb_sees_the_frames_the_cpu_pushed, .timeout = 120)
{
	char *want = lesson_file(EXPECTED);
	char *input = lesson_file(INPUT);
	struct child vmm;
	struct run_result g, v;
	char target[64];
	int port = child_start_gdb(&vmm, "--irqchip", GUEST, NULL);
	char *argv[] = {
		"gdb", "-batch", "-nx", GUEST,
		"-ex", target,
		"-ex", "break de_handler",
		"-ex", "continue",
		"-ex", "p *(unsigned long *)$rsp == (unsigned long)&divide",
		"-ex", "p/x ((unsigned long *)$rsp)[1]",
		"-ex", "break pf_handler",
		"-ex", "continue",
		"-ex", "p/x *(unsigned long *)$rsp",
		"-ex", "p ((unsigned long *)$rsp)[1] == (unsigned long)&touch",
		"-ex", "p/x $cr2",
		"-ex", "delete",
		"-ex", "continue",
		NULL
	};
	size_t len = strlen(input);

	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm.err_buf);
	/* The keys: a few bytes, they wait in the pipe until the guest enables
	 * its keyboard. */
	cr_assert_eq(write(vmm.in_fd, input, len), (ssize_t)len, "cannot feed " INPUT);
	close(vmm.in_fd);
	vmm.in_fd = -1;
	snprintf(target, sizeof(target), "target remote :%d", port);
	cr_assert_eq(run_argv(&g, argv, NULL, GDB_TIMEOUT_S), 0, "cannot start gdb");
	cr_assert_not(g.timed_out, "gdb hung:\n%s%s", g.out, g.err);

	assert_has(g.out, "Breakpoint 1, de_handler ()");
	assert_has(g.out, "$1 = 1\n");            /* saved RIP == divide: #DE is a fault */
	assert_has(g.out, "$2 = 0x18\n");         /* saved CS: kvm-vmm's 64-bit code segment */
	assert_has(g.out, "Breakpoint 2, pf_handler ()");
	assert_has(g.out, "$3 = 0x0\n");          /* error code: not present, read, ring 0 */
	assert_has(g.out, "$4 = 1\n");            /* saved RIP == touch, above the error code */
	assert_has(g.out, "$5 = 0x100000000\n");  /* CR2: the address that faulted */
	assert_has(g.out, "exited normally");

	child_wait(&vmm, RUN_TIMEOUT_S, &v);
	cr_assert_not(v.timed_out, "kvm-vmm did not end: %s", v.err);
	cr_expect_eq(v.status, 0, "exit status %d; stderr: %s", v.status, v.err);
	cr_expect_str_eq(v.out, want, "stdout under gdb differs from " EXPECTED);
	run_free(&g);
	run_free(&v);
	free(want);
	free(input);
}
