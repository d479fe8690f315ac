/*
 * test_grading.c - every lesson's grader is proven both ways: for each
 * lessons/NN-topic/ with a checks.toml, scripts/grade.py gives the reference
 * solution (scripts/grade.py --solutions: solution/exercise.asm) full
 * marks, and the untouched exercise (the one lesson.conf names:
 * exercise.asm, or exercise.c in C), which must build and finish, less than
 * full marks. A check may be skipped only when this kvm-vmm lacks the GDB
 * stub or gdb is missing; every check that runs on the solution must pass.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GRADE_TIMEOUT_S 60 /* one grade.py run, all its checks */
#define LESSON_NAME_MAX 64

struct lesson {
	char name[LESSON_NAME_MAX]; /* "03-fibonacci"; empty: no lesson found */
};

/* What grade.py printed: its check lines and the score line. */
struct grade {
	int score, max;                /* "score: X/Y" */
	int line_got, line_max;        /* the same, summed over the check lines */
	int pass, fail, skip;          /* check lines by verdict */
	int gdb_checks;                /* checks "... at label L" (register/memory) */
	int skip_points;               /* points of the skipped checks */
	bool score_seen, bad_skip;     /* bad_skip: skipped for another reason */
	bool builds;                   /* the "assembles and links" check passed */
};

static void free_lessons(struct criterion_test_params *p)
{
	cr_free(p->params);
}

/* Every lesson that has a checks.toml, as Criterion parameters. */
static struct criterion_test_params lesson_params(void)
{
	glob_t g;
	struct lesson *ls;
	size_t n = 0;

	if (glob("lessons/*/checks.toml", 0, NULL, &g) != 0)
		g.gl_pathc = 0;
	ls = cr_malloc(sizeof(*ls) * (g.gl_pathc ? g.gl_pathc : 1));
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *dir = g.gl_pathv[i] + strlen("lessons/");
		size_t len = strcspn(dir, "/");

		if (len >= LESSON_NAME_MAX)
			continue;
		memcpy(ls[n].name, dir, len);
		ls[n].name[len] = '\0';
		n++;
	}
	if (g.gl_pathc)
		globfree(&g);
	if (n == 0) { /* one empty entry: the test then fails, saying why */
		ls[0].name[0] = '\0';
		n = 1;
	}
	return cr_make_param_array(struct lesson, ls, n, free_lessons);
}

/* Parse grade.py's output into g. */
static void parse_grade(const char *out, struct grade *g)
{
	const char *line = out;

	memset(g, 0, sizeof(*g));
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char text[1024];
		char tag[8];
		int got, max;

		if (len >= sizeof(text))
			len = sizeof(text) - 1;
		memcpy(text, line, len);
		text[len] = '\0';
		if (sscanf(text, "score: %d/%d", &g->score, &g->max) == 2) {
			g->score_seen = true;
		} else if (sscanf(text, " [%7[A-Z]] %d/%d", tag, &got, &max) == 3) {
			g->line_got += got;
			g->line_max += max;
			if (strstr(text, " at label "))
				g->gdb_checks++;
			if (strcmp(tag, "PASS") == 0) {
				g->pass++;
				if (strstr(text, "assembles and links"))
					g->builds = true;
			} else if (strcmp(tag, "FAIL") == 0) {
				g->fail++;
			} else if (strcmp(tag, "SKIP") == 0) {
				g->skip++;
				g->skip_points += max;
				if (!strstr(text, "GDB stub is not available") &&
				    !strstr(text, "gdb is not installed"))
					g->bad_skip = true;
			}
		}
		line = end ? end + 1 : NULL;
	}
}

/* Run scripts/grade.py [--quiet] [--solutions] LESSON; parse into g. */
static void run_grade(struct run_result *r, struct grade *g, const struct lesson *l,
		      bool solution, bool quiet)
{
	char *argv[8];
	int n = 0;
	const char *what = solution ? "the solution" : "the exercise";

	argv[n++] = "scripts/grade.py";
	if (quiet)
		argv[n++] = "--quiet";
	if (solution)
		argv[n++] = "--solutions";
	argv[n++] = (char *)l->name;
	argv[n] = NULL;
	cr_assert_eq(run_argv(r, argv, NULL, GRADE_TIMEOUT_S), 0, "cannot start scripts/grade.py");
	cr_assert(!r->timed_out, "%s: grading %s took more than %d s:\n%s", l->name, what,
		  GRADE_TIMEOUT_S, r->out);
	parse_grade(r->out, g);
	cr_assert(g->score_seen, "%s: no 'score: X/Y' line (status %d):\n%s%s", l->name,
		  r->status, r->out, r->err);
	cr_assert(g->max > 0, "%s: a grader that awards no points:\n%s", l->name, r->out);
	cr_assert(g->line_got == g->score && g->line_max == g->max,
		  "%s: the check lines add up to %d/%d, the score says %d/%d:\n%s", l->name,
		  g->line_got, g->line_max, g->score, g->max, r->out);
}

ParameterizedTestParameters(grading, solution_gets_full_marks)
{
	return lesson_params();
}

ParameterizedTest(struct lesson *l, grading, solution_gets_full_marks, .timeout = 90)
{
	struct run_result r;
	struct grade g;

	cr_assert(l->name[0], "no lesson has a checks.toml: nothing is graded");
	run_grade(&r, &g, l, true, true);

	cr_expect(g.gdb_checks > 0,
		  "%s: checks.toml has no register or memory check:\n%s", l->name, r.out);
	cr_expect(!g.bad_skip, "%s: a check was skipped for a reason other than a missing "
		  "GDB stub or gdb:\n%s", l->name, r.out);
	cr_expect_eq(g.fail, 0, "%s: the reference solution fails %d check(s):\n%s", l->name,
		     g.fail, r.out);
	cr_expect_eq(g.score + g.skip_points, g.max,
		     "%s: the solution scores %d/%d with %d point(s) skipped:\n%s", l->name,
		     g.score, g.max, g.skip_points, r.out);
	cr_expect_eq(r.status, 0, "%s: grade.py exited %d for the solution:\n%s%s", l->name,
		     r.status, r.out, r.err);
	if (g.skip)
		cr_log_warn("%s: %d check(s) skipped: %s", l->name, g.skip,
			    "this kvm-vmm has no GDB stub or gdb is missing");
	run_free(&r);
}

ParameterizedTestParameters(grading, untouched_exercise_loses_points)
{
	return lesson_params();
}

ParameterizedTest(struct lesson *l, grading, untouched_exercise_loses_points, .timeout = 90)
{
	struct run_result r;
	struct grade g;

	cr_assert(l->name[0], "no lesson has a checks.toml: nothing is graded");
	/* Not quiet: the notes say whether a run had to be stopped. */
	run_grade(&r, &g, l, false, false);

	cr_expect(g.builds, "%s: the untouched exercise must assemble and link:\n%s", l->name,
		  r.out);
	cr_expect(!strstr(r.out, "was stopped after"),
		  "%s: the untouched exercise must finish, not hang:\n%s", l->name, r.out);
	cr_expect(g.fail > 0, "%s: the untouched exercise fails no check:\n%s", l->name, r.out);
	cr_expect_lt(g.score, g.max - g.skip_points,
		     "%s: the untouched exercise scores %d/%d (%d skipped):\n%s", l->name,
		     g.score, g.max, g.skip_points, r.out);
	cr_expect_eq(r.status, 1, "%s: grade.py should exit 1 when a check fails, got %d:\n%s%s",
		     l->name, r.status, r.out, r.err);
	run_free(&r);
}
