/*
 * test_labs.c - every lab of Part II is proven both ways: for each
 * labs/NN-topic/, scripts/grade_labs.py runs the lab's grader against the
 * kvm-vmm built with its reference solution (solution/lab.c: full marks,
 * status 0) and against the one built with the untouched lab.c (which must
 * build and score less: status 1), and against each plausible mistake of
 * tests/mistakes/labs/NN-what.sed (the solution with one thing wrong, which
 * must score less too). make test builds them all ($LAB_BUILD).
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

#define GRADE_TIMEOUT_S 240  /* one lab's grader, all its tests */
#define LAB_NUMBER_LEN 2     /* labs/NN-topic */
#define FULL_STATUS 0        /* grade_labs.py: full marks */
#define BELOW_FULL_STATUS 1  /* grade_labs.py: a test failed */
#define MIN_LABS 2
#define MISTAKES_DIR "tests/mistakes/labs"

/* Where make built the labs' programs: $LAB_BUILD, or build/labs. */
static const char *lab_build(void)
{
	const char *dir = getenv("LAB_BUILD");

	return dir && *dir ? dir : "build/labs";
}

/* scripts/grade_labs.py --build LAB_BUILD [option value] number; expect
 * `status` (Criterion). `what` names the runner in messages. */
static void expect_grade(const char *number, const char *option, const char *value, int status,
			 const char *what)
{
	struct run_result r;
	char *argv[] = { "scripts/grade_labs.py", "--build", (char *)lab_build(), (char *)number,
			 (char *)option, (char *)value, NULL };

	cr_assert_eq(run_argv(&r, argv, NULL, GRADE_TIMEOUT_S), 0,
		     "cannot start scripts/grade_labs.py");
	cr_assert(!r.timed_out, "lab %s: the grader hung", number);
	cr_expect_eq(r.status, status, "lab %s, %s: grade_labs.py exited %d, expected %d:\n%s%s",
		     number, what, r.status, status, r.out, r.err);
	run_free(&r);
}

/* Grade every lab with or without --solutions; expect `status` from each. */
static void grade_every_lab(bool solutions, int status, const char *what)
{
	glob_t g;

	cr_assert_eq(glob("labs/[0-9][0-9]-*/lab.c", 0, NULL, &g), 0, "no labs/NN-topic/lab.c");
	cr_assert_geq(g.gl_pathc, MIN_LABS, "expected at least %d labs", MIN_LABS);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char number[LAB_NUMBER_LEN + 1] = { 0 };

		memcpy(number, g.gl_pathv[i] + strlen("labs/"), LAB_NUMBER_LEN);
		expect_grade(number, solutions ? "--solutions" : NULL, NULL, status, what);
	}
	globfree(&g);
}

Test(labs, solutions_get_full_marks, .timeout = 600)
{
	grade_every_lab(true, FULL_STATUS, "the reference solution");
}

Test(labs, untouched_start_scores_less, .timeout = 600)
{
	grade_every_lab(false, BELOW_FULL_STATUS, "the untouched lab.c");
}

Test(labs, plausible_mistakes_score_less, .timeout = 600)
{
	glob_t g;

	cr_assert_eq(glob(MISTAKES_DIR "/*.sed", 0, NULL, &g), 0, "no " MISTAKES_DIR "/*.sed");
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *name = g.gl_pathv[i] + strlen(MISTAKES_DIR "/");
		char number[LAB_NUMBER_LEN + 1] = { 0 };
		char vmm[PATH_MAX], what[PATH_MAX];

		memcpy(number, name, LAB_NUMBER_LEN);
		snprintf(vmm, sizeof(vmm), "%s/mistakes/%.*s/kvm-vmm", lab_build(),
			 (int)(strlen(name) - strlen(".sed")), name);
		snprintf(what, sizeof(what), "the mistake of %s", g.gl_pathv[i]);
		expect_grade(number, "--vmm", vmm, BELOW_FULL_STATUS, what);
	}
	globfree(&g);
}

/* Write text to dir/name. */
static void write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

Test(labs, class_grading, .timeout = 600)
{
	char dir[] = "/tmp/mini-kvm-class-XXXXXX", bob[PATH_MAX];
	char *solution = slurp("labs/01-hypercall/solution/lab.c", NULL);
	char *start = slurp("labs/01-hypercall/lab.c", NULL);
	struct run_result r;
	char *argv[] = { "scripts/grade_labs.py", "--build", (char *)lab_build(), "--csv",
			 "--class", dir, "01", NULL };

	cr_assert(solution && start, "cannot read lab 01's lab.c files");
	cr_assert(mkdtemp(dir), "mkdtemp");
	snprintf(bob, sizeof(bob), "%s/bob", dir);
	cr_assert_eq(mkdir(bob, 0700), 0, "mkdir %s", bob);
	write_file(dir, "alice.c", solution);
	write_file(bob, "lab.c", start);
	write_file(dir, "carol.c", "this is not C\n");
	cr_assert_eq(run_argv(&r, argv, NULL, GRADE_TIMEOUT_S), 0, "cannot start grade_labs.py");
	cr_expect_eq(r.status, FULL_STATUS, "grade_labs.py --class exited %d:\n%s", r.status, r.err);
	cr_expect_str_eq(r.out, "student,passed,tests,notes\n"
				"alice,7,7,\n"
				"bob,4,7,3 test(s) failed\n"
				"carol,0,0,does not build\n",
			 "the class's grades:\n%s%s", r.out, r.err);
	run_free(&r);
	free(solution);
	free(start);
	run_argv(&r, (char *const[]){ "rm", "-rf", dir, NULL }, NULL, GRADE_TIMEOUT_S);
	run_free(&r);
}
