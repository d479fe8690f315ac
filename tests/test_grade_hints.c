/*
 * test_grade_hints.c - the grader explains a student's mistakes, and its
 * verdicts read as a score: a count that includes the terminating 0, a GDT
 * descriptor the CPU marked accessed, an endless loop (found in seconds),
 * and `make check` with a partial score (status 0 unless STRICT=1). The
 * student files are the .asm files of tests/mistakes/.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define GRADE "scripts/grade.py"
#define GRADE_TIMEOUT_S 120
#define ENDLESS_LOOP_MAX_S 10.0 /* the default limit is 3 s, the gdb session's as long */

static void grade_file(struct run_result *r, const char *lesson, const char *file,
		       const char *timeout)
{
	char *argv[] = { GRADE, "--file", (char *)file, (char *)lesson,
			 timeout ? "--timeout" : NULL, (char *)timeout, NULL };

	cr_assert_eq(run_argv(r, argv, NULL, GRADE_TIMEOUT_S), 0);
	cr_assert_not(r->timed_out, "%s", r->out);
}

Test(grade_hints, count_of_the_terminating_zero_fails)
{
	struct run_result r;

	grade_file(&r, "01", "tests/mistakes/counts_zero.asm", NULL);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	assert_has(r.out, "[FAIL] 0/3  ecx = the number of bytes printed, at label done");
	assert_has(r.out, "ecx was 0x1b (27) at done\n");
	assert_has(r.out, "your program printed 26 byte(s)\n");
	assert_has(r.out, "did the loop count the terminating 0?");
	assert_has(r.out, "score: 4/10\n");
	run_free(&r);
}

Test(grade_hints, accessed_bit_is_explained)
{
	struct run_result r;

	grade_file(&r, "08", "tests/mistakes/wrong_base.asm", NULL);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	assert_has(r.out, "[FAIL] 0/3  8-byte value at gdt_window = 0x00CF92200000FFFF");
	assert_has(r.out, "gdt_window was 0x00cf93300000ffff");
	assert_has(r.out, "the CPU sets its accessed bit");
	run_free(&r);
}

/* The solution writes 0x92; the CPU makes it 0x93: full marks. */
Test(grade_hints, accessed_bit_is_not_compared)
{
	struct run_result r;

	grade_file(&r, "08", "lessons/08-protected-mode/solution/exercise.asm", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	assert_has(r.out, "score: 10/10\n");
	run_free(&r);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

Test(grade_hints, endless_loop_is_found_in_seconds)
{
	struct run_result r;
	struct timespec t0;
	double took;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	grade_file(&r, "01", "tests/mistakes/endless.asm", NULL);
	took = seconds_since(&t0);
	cr_expect_lt(took, ENDLESS_LOOP_MAX_S, "an endless loop took %.1f s to grade", took);
	assert_has(r.out, "your program was stopped after 3 s: an endless loop?");
	assert_has(r.out, "gdb did not stop at done within 3 s: an endless loop before it?");
	run_free(&r);
	/* TIMEOUT=1 (grade.py --timeout 1): quicker still. */
	grade_file(&r, "01", "tests/mistakes/endless.asm", "1");
	assert_has(r.out, "your program was stopped after 1 s: an endless loop?");
	run_free(&r);
}

Test(grade_hints, bad_timeout_is_usage_error)
{
	struct run_result r;

	grade_file(&r, "01", "tests/mistakes/endless.asm", "soon");
	cr_expect_eq(r.status, 2);
	assert_has(r.err, "--timeout is a whole number of seconds");
	run_free(&r);
}

/* A partial score is a result: make says no "Error", the score is last. */
Test(grade_hints, make_check_partial_score_reads_as_a_score)
{
	char *plain[] = { "make", "-s", "--no-print-directory", "check", "LESSON=01",
			  "FILE=tests/mistakes/counts_zero.asm", NULL };
	char *strict[] = { "make", "-s", "--no-print-directory", "check", "LESSON=01",
			   "FILE=tests/mistakes/counts_zero.asm", "STRICT=1", NULL };
	struct run_result r;
	const char *last;

	cr_assert_eq(run_argv(&r, plain, NULL, GRADE_TIMEOUT_S), 0);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(!strstr(r.err, "Error"), "%s", r.err);
	last = strstr(r.out, "score: ");
	cr_expect(last && strcmp(last, "score: 4/10\n") == 0, "the score is not last:\n%s", r.out);
	run_free(&r);
	cr_assert_eq(run_argv(&r, strict, NULL, GRADE_TIMEOUT_S), 0);
	cr_expect_neq(r.status, 0, "STRICT=1: a partial score must fail make");
	run_free(&r);
}

/* FILE= in a lesson folder grades it for that lesson, without LESSON=. */
Test(grade_hints, file_in_a_lesson_folder_names_its_lesson)
{
	char *argv[] = { GRADE, "--file", "lessons/03-fibonacci/solution/exercise.asm", NULL };
	char *outside[] = { GRADE, "--file", "tests/mistakes/endless.asm", NULL };
	struct run_result r;

	cr_assert_eq(run_argv(&r, argv, NULL, GRADE_TIMEOUT_S), 0);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	assert_has(r.out, "for lesson 03-fibonacci\n");
	run_free(&r);
	cr_assert_eq(run_argv(&r, outside, NULL, GRADE_TIMEOUT_S), 0);
	cr_expect_eq(r.status, 2);
	assert_has(r.err, "which lesson is tests/mistakes/endless.asm for?");
	run_free(&r);
}
