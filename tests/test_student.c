/*
 * test_student.c - the student's own code through make's front door:
 * scripts/guest.py (make run / make debug) runs and debugs a lesson's
 * guest, the exercise or any file with the lesson's kvm-vmm options and
 * input, on a free port, with the guest's output marked apart from gdb's;
 * `make help` names every variable the targets take.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define GUEST_SCRIPT "scripts/guest.py"
#define RUN_TIMEOUT_S 120
#define DEFAULT_GDB_PORT 1234 /* the port the gdbinits name for two terminals */

/* guest.py with the given arguments (NULL-terminated), gdb's commands (or
 * the guest's stdin) in `input`. */
static void guest_py(struct run_result *r, const char *input, const char *first, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;

	argv[argc++] = GUEST_SCRIPT;
	va_start(ap, first);
	for (const char *a = first; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	cr_assert_eq(run_argv(r, argv, input, RUN_TIMEOUT_S), 0, "cannot start %s", GUEST_SCRIPT);
	cr_assert_not(r->timed_out, "%s did not end:\n%s\n%s", GUEST_SCRIPT, r->out, r->err);
}

/* Lesson 13's settings (--smp 4) come from its lesson.conf, for a file of
 * that lesson's folder: its solution sums on four vCPUs. */
Test(student, run_file_takes_its_lessons_options)
{
	struct run_result r;

	guest_py(&r, NULL, "run", "--file", "lessons/13-smp/solution/exercise.asm", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	assert_has(r.err, "kvm-vmm --smp 4 build/student/13-smp/exercise/exercise.elf\n");
	assert_has(r.out, "sum: 5000");
	run_free(&r);
}

/* LESSON=1 is lesson 01; the exercise is built and run (the untouched one
 * prints the lesson's placeholder message). */
Test(student, run_exercise_of_lesson_1)
{
	struct run_result r;

	guest_py(&r, NULL, "run", "--exercise", "1", NULL);
	assert_has(r.err, "guest: built lessons/01-hello/exercise.asm as "
			  "build/student/01-hello/exercise/exercise.elf");
	assert_has(r.out, "Hello, KVM!\n");
	run_free(&r);
}

Test(student, run_lesson_10_in_real_mode)
{
	struct run_result r;

	guest_py(&r, NULL, "run", "10", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	assert_has(r.err, "kvm-vmm --mode real lessons/10-long-mode/longmode.elf\n");
	assert_has(r.out, "EFER.LMA = 1");
	run_free(&r);
}

Test(student, unknown_lesson_is_usage_error)
{
	struct run_result r;

	guest_py(&r, NULL, "run", "99", NULL);
	cr_expect_eq(r.status, 2);
	assert_has(r.err, "no lesson 99");
	run_free(&r);
}

/* Lesson 03's gdbinit breaks at print_decimal, which the exercise does not
 * have: it stops at the exercise's done instead. The stub took a free port,
 * and the guest's output is marked "guest| ". */
Test(student, debug_exercise_with_the_lessons_gdbinit, .timeout = 180)
{
	struct run_result r;
	const char *listening;

	guest_py(&r, "continue\nprint $pc == &done\nquit\n", "debug", "--file",
		 "lessons/03-fibonacci/solution/exercise.asm", NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	assert_has(r.out, "(this program has no print_decimal: no breakpoint there)");
	assert_has(r.out, "Breakpoint 1, done ()");
	assert_has(r.out, "$1 = 1");
	listening = strstr(r.err, "gdb: listening on 127.0.0.1:");
	cr_assert_not_null(listening, "%s", r.err);
	cr_expect_neq(atoi(listening + strlen("gdb: listening on 127.0.0.1:")), DEFAULT_GDB_PORT);
	cr_expect(!strstr(r.out, "Error") && !strstr(r.err, "Traceback"), "%s\n%s", r.out, r.err);
	run_free(&r);
}

/* The guest's output is marked apart from gdb's lines. */
Test(student, debug_marks_the_guests_output, .timeout = 180)
{
	struct run_result r;

	guest_py(&r, "continue\ncontinue\ncontinue\nquit\n", "debug", "1", NULL);
	assert_has(r.out, "guest| H");
	cr_expect(!strstr(r.out, "\nHe") && !strstr(r.out, "\ne"),
		  "the guest's bytes are not marked apart:\n%s", r.out);
	run_free(&r);
}

/* Lesson 07's guest reads stdin: make debug gives it the lesson's input. */
Test(student, debug_feeds_the_lessons_input, .timeout = 180)
{
	struct run_result r;

	guest_py(&r, "continue\nquit\n", "debug", "07", NULL);
	assert_has(r.err, "< lessons/07-hypercalls/input.txt");
	assert_has(r.out, "Breakpoint 1, time_now ()");
	run_free(&r);
}

/* PORT=N: that port; a taken one is reported, not a hang. */
Test(student, debug_on_a_taken_port_says_so)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct run_result r;
	char port[16];

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 1), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(port, sizeof(port), "%d", ntohs(a.sin_port));
	guest_py(&r, "quit\n", "debug", "--port", port, "01", NULL);
	close(fd);
	cr_expect_eq(r.status, 1, "%s", r.err);
	assert_has(r.err, "kvm-vmm could not start its GDB stub");
	assert_has(r.err, port);
	run_free(&r);
}

Test(student, make_help_names_every_variable)
{
	static const char *const vars[] = { "LESSON=", "EXERCISE=1", "FILE=", "INPUT=", "PORT=",
					    "TIMEOUT=", "STRICT=1", "SOLUTIONS=1", "SANITIZE=",
					    "TEST_ARGS=", "V=1" };
	char *argv[] = { "make", "-s", "help", NULL };
	struct run_result r;

	cr_assert_eq(run_argv(&r, argv, NULL, RUN_TIMEOUT_S), 0);
	cr_expect_eq(r.status, 0);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		cr_expect(strstr(r.out, vars[i]), "make help does not name %s:\n%s", vars[i], r.out);
	run_free(&r);
}
