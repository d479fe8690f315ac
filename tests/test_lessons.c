/*
 * test_lessons.c - every lesson run as a student runs it, driven by the
 * lessons themselves: each folder lessons/NN-topic/ with a lesson.conf is
 * found at run time, its guest is run with the lesson's args and input,
 * and stdout must equal expected-output.txt byte for byte, with the right
 * exit status and nothing on stderr; the guest's ELF must be built as
 * lesson.conf says (class, load address). Where the lesson has an
 * exercise-expected.txt, its reference solution (solution/exercise.*) is
 * run the way scripts/grade.py runs an exercise (checks.toml: its input,
 * the status of its exit check) and must print that file.
 * A new lesson is tested as soon as its lesson.conf exists.
 *
 * Below the two table-driven tests: what some lessons print, checked
 * against values computed here (matrix elements, letter counts, 20!, the
 * paging address relations, ...), and runs other than the lesson's own
 * (no input, other --smp counts, another memory size). The real gdb on
 * the lesson guests is in test_lesson_gdb.c.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <elf.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define EXPECTED "expected-output.txt"
#define EXERCISE_EXPECTED "exercise-expected.txt"
#define CHECKS "checks.toml"
#define CHECKS_LINE_MAX 1024

/* ---- the lessons, found at run time ----------------------------------------- */

struct lesson_param {
	char dir[LESSON_PATH_MAX]; /* "lessons/05-matrix"; empty: no lesson found */
};

static void free_params(struct criterion_test_params *p)
{
	cr_free(p->params);
}

/* Every lessons/NN-topic/ with a lesson.conf, as Criterion parameters. */
static struct criterion_test_params lesson_params(void)
{
	glob_t g;
	struct lesson_param *ls;
	size_t n = 0;

	if (glob("lessons/*/lesson.conf", 0, NULL, &g) != 0)
		g.gl_pathc = 0;
	ls = cr_malloc(sizeof(*ls) * (g.gl_pathc ? g.gl_pathc : 1));
	for (size_t i = 0; i < g.gl_pathc; i++) {
		size_t len = strlen(g.gl_pathv[i]) - strlen("/lesson.conf");

		if (len >= LESSON_PATH_MAX)
			continue;
		memcpy(ls[n].dir, g.gl_pathv[i], len);
		ls[n].dir[len] = '\0';
		n++;
	}
	if (g.gl_pathc)
		globfree(&g);
	if (n == 0) { /* one empty entry: the test then fails, saying why */
		ls[0].dir[0] = '\0';
		n = 1;
	}
	return cr_make_param_array(struct lesson_param, ls, n, free_params);
}

/* The ELF at path is of the class lesson.conf's format names, and its
 * first loadable segment starts at load_addr. */
static void expect_built_as_configured(const struct lesson_conf *c, const char *path)
{
	size_t len;
	unsigned char *elf = (unsigned char *)slurp(path, &len);
	int want_class = strcmp(c->format, "elf64") == 0 ? ELFCLASS64 : ELFCLASS32;
	unsigned long base = 0;
	bool found = false;

	cr_assert(elf, "%s: %s is not built (make)", c->name, path);
	cr_assert(len >= sizeof(Elf64_Ehdr) && memcmp(elf, ELFMAG, SELFMAG) == 0,
		  "%s: %s is not an ELF file", c->name, path);
	cr_expect_eq(elf[EI_CLASS], want_class, "%s: %s is ELFCLASS%d, lesson.conf says %s",
		     c->name, path, elf[EI_CLASS] == ELFCLASS64 ? 64 : 32, c->format);
	if (elf[EI_CLASS] == ELFCLASS64) {
		const Elf64_Ehdr *h = (const void *)elf;

		for (int i = 0; i < h->e_phnum && !found; i++) {
			const Elf64_Phdr *ph = (const void *)(elf + h->e_phoff + i * h->e_phentsize);

			cr_assert_leq(h->e_phoff + (i + 1) * h->e_phentsize, len);
			if (ph->p_type == PT_LOAD) {
				base = ph->p_paddr;
				found = true;
			}
		}
	} else {
		const Elf32_Ehdr *h = (const void *)elf;

		for (int i = 0; i < h->e_phnum && !found; i++) {
			const Elf32_Phdr *ph = (const void *)(elf + h->e_phoff + i * h->e_phentsize);

			cr_assert_leq(h->e_phoff + (i + 1) * h->e_phentsize, len);
			if (ph->p_type == PT_LOAD) {
				base = ph->p_paddr;
				found = true;
			}
		}
	}
	cr_expect(found, "%s: %s has no loadable segment", c->name, path);
	cr_expect_eq(base, c->load_addr, "%s: %s is linked at 0x%lx, lesson.conf says 0x%lx",
		     c->name, path, base, c->load_addr);
	free(elf);
}

/* ---- what some lessons print, checked against values computed here --------- */

/* Lesson 03: F(0)..F(30), one per line, last 832040. */
#define FIB_LAST_N 30

static void fibonacci_values(const struct lesson_conf *c, const struct run_result *r)
{
	char want[1024] = "";
	unsigned a = 0, b = 1;

	for (int n = 0; n <= FIB_LAST_N; n++) {
		unsigned next = a + b;

		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%u\n", a);
		a = b;
		b = next;
	}
	cr_expect_str_eq(r->out, want, "%s: not F(0)..F(%d)", c->name, FIB_LAST_N);
	cr_expect(strstr(r->out, "\n832040\n"), "%s", r->out);
}

/* Lesson 04: the tables 2..9, each "AxB=P". */
static void multiplication_values(const struct lesson_conf *c, const struct run_result *r)
{
	char want[2048] = "";

	for (int a = 2; a <= 9; a++)
		for (int b = 1; b <= 9; b++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%dx%d=%d%c",
				 a, b, a * b, b == 9 ? '\n' : ' ');
	cr_expect_str_eq(r->out, want, "%s: not the tables 2..9", c->name);
}

/* Lesson 05: the inputs as matrix.asm defines them; every element of A x B. */
#define MAT_N 8
#define MAT_MOD_MASK 7

static void matrix_all_64_elements(const struct lesson_conf *c, const struct run_result *r)
{
	int a[MAT_N][MAT_N], b[MAT_N][MAT_N];
	const char *p = r->out;

	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			a[i][j] = MAT_N * i + j + 1;
			b[i][j] = ((i + j + i * j) & MAT_MOD_MASK) + 1;
		}
	for (int i = 0; i < MAT_N; i++) {
		for (int j = 0; j < MAT_N; j++) {
			int want = 0, got, used;

			for (int k = 0; k < MAT_N; k++)
				want += a[i][k] * b[k][j];
			cr_assert_eq(sscanf(p, "%d%n", &got, &used), 1, "C[%d][%d] missing at: %s",
				     i, j, p);
			cr_expect_eq(got, want, "C[%d][%d] = %d, expected %d", i, j, got, want);
			p += used;
		}
		cr_assert_eq(*p, '\n', "row %d does not end after %d numbers", i, MAT_N);
		p++;
	}
	cr_assert_eq(*p, '\0', "%s: more output after the matrix: %s", c->name, p);
}

/* Lesson 06: count the letters of the very file the guest embeds (incbin). */
#define LETTERS 26
#define TEXT_SIZE 1024

static void string_counts_match_text(const struct lesson_conf *c, const struct run_result *r)
{
	char path[LESSON_PATH_MAX + 16];
	size_t len;
	char *text;
	int want[LETTERS] = { 0 }, total = 0, got_total, got_bytes;
	const char *p = r->out;

	snprintf(path, sizeof(path), "%s/text.txt", c->dir);
	text = slurp(path, &len);
	cr_assert(text, "cannot read %s", path);
	cr_assert_eq(len, TEXT_SIZE, "text.txt has %zu bytes, not 1 KiB", len);
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = ch - 'A' + 'a';
		if (ch >= 'a' && ch <= 'z') {
			want[ch - 'a']++;
			total++;
		}
	}
	for (int i = 0; i < LETTERS; i++) {
		char letter;
		int got, used;

		cr_assert_eq(sscanf(p, "%c: %d\n%n", &letter, &got, &used), 2,
			     "no count for '%c' at: %s", 'a' + i, p);
		cr_expect_eq(letter, 'a' + i, "line %d is for '%c'", i, letter);
		cr_expect_eq(got, want[i], "'%c': guest counted %d, the text has %d", 'a' + i, got,
			     want[i]);
		p += used;
	}
	cr_assert_eq(sscanf(p, "%d letters in %d bytes", &got_total, &got_bytes), 2, "%s", p);
	cr_expect_eq(got_total, total);
	cr_expect_eq(got_bytes, TEXT_SIZE);
	free(text);
}

/* Lesson 07: the echo of input.txt, each line upper-cased, then the count. */
#define HC_EXIT_CODE 7 /* hypercalls.asm: EXIT_CODE */

static void hypercalls_echo(const struct lesson_conf *c, const struct run_result *r)
{
	cr_expect(strstr(r->out, "\nHELLO FROM STDIN!\nEVERY BYTE IS ONE GETCHAR EXIT.\n"
				 "end of input after 50 bytes\n"), "%s: %s", c->name, r->out);
}

/* Lesson 08: real-mode CS 0, then the selectors of GDT entries 1 and 2,
 * then the dword stored at 2 MiB read back. */
#define PM_HIGH_VALUE 0x12345678u /* protected.asm: HIGH_VALUE */
#define GDT_ENTRY_SIZE 8

static void protected_mode_values(const struct lesson_conf *c, const struct run_result *r)
{
	char want[128];

	cr_expect(strstr(r->out, "real mode: 16-bit code, cs = 0\n"), "%s", r->out);
	snprintf(want, sizeof(want), "protected mode: 32-bit code, cs = %d, ds = %d\n",
		 1 * GDT_ENTRY_SIZE, 2 * GDT_ENTRY_SIZE);
	cr_expect(strstr(r->out, want), "%s: no '%s' in:\n%s", c->name, want, r->out);
	snprintf(want, sizeof(want), ": %u\n", PM_HIGH_VALUE);
	cr_expect(strstr(r->out, want), "%s: no '%s' in:\n%s", c->name, want, r->out);
}

/* Lesson 09: the numbers relate as the page tables say, wherever the
 * linker put the greeting: the alias is 3 GiB above the identity address,
 * the write through it shows through the identity map, and CR2 is the
 * touched byte. */
#define PAGING_ALIAS_BASE 0xC0000000u /* paging.asm: ALIAS_BASE */
#define PAGING_PF_WRITE 2             /* error code: not present, write */
#define PAGING_NUMBERS 12             /* what the sscanf below reads */

static void paging_values(const struct lesson_conf *c, const struct run_result *r)
{
	unsigned cr3_vmm, cr3_ours, ident, alias, alias_w, ident3, touched, cr2;
	int err_code;
	char w1[8], w2[8], w3[8];

	cr_assert_eq(sscanf(r->out,
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
		     PAGING_NUMBERS, "%s: unexpected output:\n%s", c->name, r->out);
	cr_expect_eq(alias - PAGING_ALIAS_BASE, ident, "alias 0x%x is not identity 0x%x + 3 GiB",
		     alias, ident);
	cr_expect_eq(alias_w, alias);
	cr_expect_eq(ident3, ident);
	cr_expect_str_eq(w1, "hello");
	cr_expect_str_eq(w2, "hello");
	cr_expect_str_eq(w3, "jello");
	cr_expect_neq(cr3_ours, cr3_vmm, "the guest did not load its own CR3");
	cr_expect_eq(cr2, touched, "CR2 0x%x, touched 0x%x", cr2, touched);
	cr_expect_eq(err_code, PAGING_PF_WRITE);
}

/* Lesson 10: 20! computed here, in 64 bits; long mode is active. */
#define LONG_FACTORIAL_N 20 /* longmode.asm: FACTORIAL_N */

static void long_mode_values(const struct lesson_conf *c, const struct run_result *r)
{
	unsigned long long f = 1;
	char want[64];

	for (int i = 2; i <= LONG_FACTORIAL_N; i++)
		f *= (unsigned long long)i;
	snprintf(want, sizeof(want), "%d! = %llu\n", LONG_FACTORIAL_N, f);
	cr_expect(strstr(r->out, want), "%s: no '%s' in:\n%s", c->name, want, r->out);
	cr_expect(strstr(r->out, "EFER.LMA = 1\n"), "%s", r->out);
}

/* Lesson 12: the sum the ring-3 loop printed is N(N+1)/2; the kernel
 * counted 3 calls. */
#define USER_SUM_N 100000000ULL /* usermode.asm: SUM_N */
#define USER_SYSCALLS 3         /* write, write, exit */

static void user_mode_values(const struct lesson_conf *c, const struct run_result *r)
{
	char want[128];

	snprintf(want, sizeof(want), "user: 1 + 2 + ... + %llu = %llu\n", USER_SUM_N,
		 USER_SUM_N * (USER_SUM_N + 1) / 2);
	cr_expect(strstr(r->out, want), "%s: no '%s' in:\n%s", c->name, want, r->out);
	snprintf(want, sizeof(want), "exited with code 0 after %d system calls\n", USER_SYSCALLS);
	cr_expect(strstr(r->out, want), "%s: no '%s' in:\n%s", c->name, want, r->out);
}

/* Lesson 13: what smp.asm prints on n CPUs counting k each. */
#define SMP_NCPUS 4        /* smp.asm: NCPUS */
#define SMP_COUNT_K 2000   /* smp.asm: COUNT_K */
#define SMP_EXIT_MISSING 2 /* smp.asm: fewer vCPUs than NCPUS */

static void smp_want(char *want, size_t size, int ncpus, int k)
{
	size_t len = 0;

	for (int i = 0; i < ncpus; i++)
		len += snprintf(want + len, size - len, "cpu %d: hello, APIC ID %d\n", i, i);
	snprintf(want + len, size - len,
		 "atomic counter: %d\nlocked counter: %d\nexpected:       %d\n"
		 "both counters are exact\n", ncpus * k, ncpus * k, ncpus * k);
}

/* The lines in vCPU order, counters exactly N x K. */
static void smp_values(const struct lesson_conf *c, const struct run_result *r)
{
	char want[1024];

	smp_want(want, sizeof(want), SMP_NCPUS, SMP_COUNT_K);
	cr_expect_str_eq(r->out, want, "%s: not %d CPUs counting %d each", c->name, SMP_NCPUS,
			 SMP_COUNT_K);
}

/* What a lesson's run must show beyond its expected-output.txt. */
struct lesson_extra {
	const char *name; /* the lesson's folder */
	int status;       /* its guest's exit status (a lesson not listed: 0) */
	void (*check)(const struct lesson_conf *c, const struct run_result *r);
};

static const struct lesson_extra extras[] = {
	{ "03-fibonacci", 0, fibonacci_values },
	{ "04-multiplication", 0, multiplication_values },
	{ "05-matrix", 0, matrix_all_64_elements },
	{ "06-string", 0, string_counts_match_text },
	{ "07-hypercalls", HC_EXIT_CODE, hypercalls_echo },
	{ "08-protected-mode", 0, protected_mode_values },
	{ "09-paging", 0, paging_values },
	{ "10-long-mode", 0, long_mode_values },
	{ "12-user-mode", 0, user_mode_values },
	{ "13-smp", 0, smp_values },
};

static const struct lesson_extra *extra_for(const char *name)
{
	for (size_t i = 0; i < sizeof(extras) / sizeof(extras[0]); i++)
		if (strcmp(extras[i].name, name) == 0)
			return &extras[i];
	return NULL;
}

/* ---- the table-driven tests ------------------------------------------------------ */

ParameterizedTestParameters(lessons, guest_prints_expected_output)
{
	return lesson_params();
}

ParameterizedTest(struct lesson_param *p, lessons, guest_prints_expected_output, .timeout = 120)
{
	struct lesson_conf c;
	const struct lesson_extra *extra;
	char expected[LESSON_PATH_MAX + 32];
	char *input;
	struct run_result r;

	cr_assert(p->dir[0], "no lessons/*/lesson.conf: no lesson is tested");
	lesson_load(&c, p->dir);
	extra = extra_for(c.name);
	expect_built_as_configured(&c, c.guest_elf);
	input = lesson_input(&c);
	r = run_lesson(&c, c.guest_elf, input, NULL);
	snprintf(expected, sizeof(expected), "%s/" EXPECTED, c.dir);
	expect_output_file(&r, expected, extra ? extra->status : 0);
	if (extra && extra->check)
		extra->check(&c, &r);
	run_free(&r);
	free(input);
}

/* How the grader (scripts/grade.py) runs a lesson's exercise, from its
 * checks.toml: the top-level `input`, and the `status` of its exit check. */
struct grading {
	char input[LESSON_VALUE_MAX];  /* "" for none */
	int status;                    /* 0 without an exit check */
};

/* The value of a TOML `key = value` line: a quoted string or a number. */
static void toml_value(char *out, size_t size, const char *v)
{
	v += strspn(v, " \t=");
	size_t len = *v == '"' ? strcspn(++v, "\"") : strcspn(v, " \t#\n");

	snprintf(out, size, "%.*s", (int)len, v);
}

static bool toml_key(const char *line, const char *key)
{
	size_t n = strlen(key);

	return strncmp(line, key, n) == 0 && (line[n] == ' ' || line[n] == '=');
}

static void read_grading(struct grading *g, const struct lesson_conf *c)
{
	char path[LESSON_PATH_MAX + 16], line[CHECKS_LINE_MAX], value[LESSON_VALUE_MAX];
	bool in_check = false, exit_check = false;
	FILE *f;

	memset(g, 0, sizeof(*g));
	snprintf(path, sizeof(path), "%s/" CHECKS, c->dir);
	f = fopen(path, "r");
	if (!f)
		return; /* no grader: no input, status 0 */
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "[[check]]", 9) == 0) {
			in_check = true;
			exit_check = false;
		} else if (!in_check && toml_key(line, "input")) {
			toml_value(g->input, sizeof(g->input), line + 5);
		} else if (in_check && toml_key(line, "kind")) {
			toml_value(value, sizeof(value), line + 4);
			exit_check = strcmp(value, "exit") == 0;
		} else if (exit_check && toml_key(line, "status")) {
			toml_value(value, sizeof(value), line + 6);
			g->status = (int)strtol(value, NULL, 0);
		}
	}
	fclose(f);
}

ParameterizedTestParameters(lessons, solution_prints_exercise_expected)
{
	return lesson_params();
}

/* Skipped, saying why, for a lesson without an exercise-expected.txt or
 * without solutions (the students' copy of the course has none). */
ParameterizedTest(struct lesson_param *p, lessons, solution_prints_exercise_expected,
		  .timeout = 120)
{
	struct lesson_conf c;
	struct grading g;
	char expected[LESSON_PATH_MAX + 32], source[LESSON_PATH_MAX + LESSON_VALUE_MAX + 16];
	char input_path[LESSON_PATH_MAX + LESSON_VALUE_MAX];
	char *input = NULL;
	struct run_result r;

	cr_assert(p->dir[0], "no lessons/*/lesson.conf: no lesson is tested");
	lesson_load(&c, p->dir);
	snprintf(expected, sizeof(expected), "%s/" EXERCISE_EXPECTED, c.dir);
	if (!*c.exercise || access(expected, F_OK) != 0)
		cr_skip_test("%s has no exercise with an " EXERCISE_EXPECTED, c.name);
	snprintf(source, sizeof(source), "%s/solution/%s", c.dir, c.exercise);
	if (access(source, F_OK) != 0)
		cr_skip_test("%s has no reference solution %s", c.name, source);

	read_grading(&g, &c);
	expect_built_as_configured(&c, c.solution_elf);
	if (*g.input) {
		snprintf(input_path, sizeof(input_path), "%s/%s", c.dir, g.input);
		input = slurp(input_path, NULL);
		cr_assert(input, "%s: cannot read %s (checks.toml input)", c.name, input_path);
	}
	r = run_lesson(&c, c.solution_elf, input, NULL);
	expect_output_file(&r, expected, g.status);
	run_free(&r);
	free(input);
}

/* ---- runs other than the lesson's own ------------------------------------------- */

#define HYPERCALLS_DIR "lessons/07-hypercalls"
#define LONG_DIR "lessons/10-long-mode"
#define USER_DIR "lessons/12-user-mode"
#define SMP_DIR "lessons/13-smp"
#define CKERNEL_DIR "lessons/14-c-kernel"

/* Lesson 07 with nothing on stdin: the echo is empty, the count 0. */
Test(lessons, hypercalls_empty_input)
{
	struct lesson_conf c;
	struct run_result r;

	lesson_load(&c, HYPERCALLS_DIR);
	r = run_lesson(&c, c.guest_elf, NULL, NULL);
	expect_output_file(&r, HYPERCALLS_DIR "/expected-output-no-input.txt", HC_EXIT_CODE);
	cr_expect(strstr(r.out, "end of input after 0 bytes\n"), "%s", r.out);
	run_free(&r);
}

/* A last line without a newline is echoed, and ended, all the same. */
Test(lessons, hypercalls_last_line_without_newline)
{
	struct lesson_conf c;
	struct run_result r;

	lesson_load(&c, HYPERCALLS_DIR);
	r = run_lesson(&c, c.guest_elf, "ab\ncd", NULL);
	cr_assert_eq(r.status, HC_EXIT_CODE, "status %d; stderr: %s", r.status, r.err);
	cr_expect(strstr(r.out, "upper case:\nAB\nCD\nend of input after 5 bytes\n"), "%s", r.out);
	run_free(&r);
}

/* Without its --mode real an ELF64 starts in long mode: the 16-bit code is
 * decoded as 64-bit code, and the guest ends in a fault (README exercise 2). */
Test(lessons, long_mode_needs_mode_real)
{
	struct lesson_conf c;
	struct run_result r;

	lesson_load(&c, LONG_DIR);
	cr_assert(c.nargs == 2 && strcmp(c.args[0], "--mode") == 0 &&
		  strcmp(c.args[1], "real") == 0, "lesson.conf of %s: args are not --mode real",
		  c.name);
	r = run_guest(c.guest_elf, NULL);
	cr_expect_eq(r.status, 1, "status %d; stdout: %s", r.status, r.out);
	cr_expect(strstr(r.err, "guest fault"), "%s", r.err);
	cr_expect_null(strstr(r.out, "long mode:"), "%s", r.out);
	run_free(&r);
}

/* The verbose build names the way in of each call and times both rings
 * (the times themselves are not checked: they depend on the host). */
Test(lessons, user_mode_verbose)
{
	struct lesson_conf c;
	struct run_result r;

	lesson_load(&c, USER_DIR);
	r = run_lesson(&c, USER_DIR "/usermode-verbose.elf", NULL, NULL);
	cr_expect_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	cr_expect(strstr(r.out, "kernel: ring 0: 20000 iterations in "), "%s", r.out);
	cr_expect(strstr(r.out, "kernel: ring 3: 100000000 iterations in "), "%s", r.out);
	cr_expect(strstr(r.out, "kernel: system call 1 through syscall"), "%s", r.out);
	cr_expect(strstr(r.out, "kernel: system call 1 through int 0x80"), "%s", r.out);
	cr_expect(strstr(r.out, "kernel: system call 0 through syscall"), "%s", r.out);
	cr_expect(strstr(r.out, "= 5000000050000000\n"), "%s", r.out);
	run_free(&r);
}

#define SMP_RUNS 3

/* The same exact output on every one of several runs. */
Test(lessons, smp_four_cpus_values_every_time, .timeout = 120)
{
	struct lesson_conf c;
	char want[1024];

	lesson_load(&c, SMP_DIR);
	smp_want(want, sizeof(want), SMP_NCPUS, SMP_COUNT_K);
	for (int run = 0; run < SMP_RUNS; run++) {
		struct run_result r = run_lesson(&c, c.guest_elf, NULL, NULL);

		cr_expect_str_eq(r.out, want, "run %d", run);
		cr_expect_eq(r.status, 0, "run %d: status %d; stderr: %s", run, r.status, r.err);
		run_free(&r);
	}
}

/* smp1.elf and smp2.elf are smp.asm built for one and two CPUs. */
static void smp_built_for(const char *smp_count, const char *elf, int ncpus)
{
	struct run_result r = run_guest("--smp", smp_count, elf, NULL);
	char want[1024];

	smp_want(want, sizeof(want), ncpus, SMP_COUNT_K);
	cr_expect_str_eq(r.out, want);
	cr_expect_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	cr_expect_str_eq(r.err, "");
	run_free(&r);
}

Test(lessons, smp_one_cpu)
{
	smp_built_for("1", SMP_DIR "/smp1.elf", 1);
}

Test(lessons, smp_two_cpus)
{
	smp_built_for("2", SMP_DIR "/smp2.elf", 2);
}

/* More vCPUs than the guest was built for: the extra ones park. */
Test(lessons, smp_extra_cpus_park)
{
	struct lesson_conf c;
	struct run_result r;

	lesson_load(&c, SMP_DIR);
	r = run_guest("--smp", "6", c.guest_elf, NULL);
	expect_lesson_output(&r, c.dir);
	run_free(&r);
}

/* Fewer: the roll call says so, and the guest ends instead of waiting. */
Test(lessons, smp_too_few_cpus_is_reported)
{
	struct lesson_conf c;
	struct run_result r;

	lesson_load(&c, SMP_DIR);
	r = run_guest("--smp", "2", c.guest_elf, NULL);
	cr_expect_str_eq(r.out, "only 2 of 4 CPUs started: run this guest with --smp 4\n");
	cr_expect_eq(r.status, SMP_EXIT_MISSING, "status %d; stderr: %s", r.status, r.err);
	run_free(&r);
}

/* Lesson 14: the kernel reads the Multiboot information, not numbers of
 * its own: with --mem 32M every size follows. */
#define MB_LOWER_KIB 639        /* kvm-vmm: 0x9fc00 bytes below 1 MiB */
#define MB_KERNEL_BASE_KIB 1024 /* RAM above 1 MiB starts at 1024 KiB */
#define C_KERNEL_MEM_KIB (32 * 1024)

Test(lessons, c_kernel_reads_the_memory_size)
{
	unsigned upper = C_KERNEL_MEM_KIB - MB_KERNEL_BASE_KIB;
	struct lesson_conf c;
	struct run_result r;
	char want[160];

	lesson_load(&c, CKERNEL_DIR);
	r = run_lesson(&c, c.guest_elf, NULL, "--mem", "32M", NULL);
	cr_expect_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	cr_expect(strstr(r.out, "Multiboot magic 0x2badb002"), "%s", r.out);
	cr_expect(strstr(r.out, "boot loader: mini-kvm\n"), "%s", r.out);
	snprintf(want, sizeof(want), "memory: %u KiB below 1 MiB, %u KiB above\n", MB_LOWER_KIB,
		 upper);
	cr_expect(strstr(r.out, want), "no '%s' in:\n%s", want, r.out);
	snprintf(want, sizeof(want), "available: %u KiB in 2 regions\n", MB_LOWER_KIB + upper);
	cr_expect(strstr(r.out, want), "no '%s' in:\n%s", want, r.out);
	run_free(&r);
}

/* Lesson 15 boots from a disk image: make built kernel.img of whole tracks
 * (63 sectors), the boot sector (boot.elf's bytes, signed 55 AA) in sector
 * 0 and the kernel's bytes (kernel.elf's loadable segment) from sector 1
 * on, within the KERNEL_SECTORS the boot sector reads. */
#define PC_BOOT_DIR "lessons/15-pc-boot"
#define SECTOR_SIZE 512
#define BOOT_SIGNATURE_AT 510
#define PC_KERNEL_SECTORS 16 /* boot.asm: KERNEL_SECTORS */
#define DISK_TRACK_SECTORS 63 /* docs/pc.md: a hard disk's sectors a track */

/* The bytes of a 32-bit ELF's first loadable segment (a pointer into elf)
 * and their number. */
static const unsigned char *elf32_first_segment(const unsigned char *elf, size_t len,
						size_t *size)
{
	const Elf32_Ehdr *h = (const void *)elf;

	cr_assert(len >= sizeof(*h) && memcmp(elf, ELFMAG, SELFMAG) == 0 &&
		  elf[EI_CLASS] == ELFCLASS32, "not an ELF32 file");
	for (int i = 0; i < h->e_phnum; i++) {
		const Elf32_Phdr *ph = (const void *)(elf + h->e_phoff + i * h->e_phentsize);

		cr_assert_leq(h->e_phoff + (i + 1) * h->e_phentsize, len);
		if (ph->p_type == PT_LOAD) {
			cr_assert_leq(ph->p_offset + ph->p_filesz, len);
			*size = ph->p_filesz;
			return elf + ph->p_offset;
		}
	}
	cr_assert_fail("no loadable segment");
	return NULL;
}

Test(lessons, disk_image_is_boot_sector_then_kernel)
{
	struct lesson_conf c;
	char image_path[LESSON_PATH_MAX + 8];
	size_t image_len, boot_len, kernel_len, boot_size, kernel_size;
	unsigned char *image, *boot, *kernel;
	const unsigned char *boot_bytes, *kernel_bytes;

	lesson_load(&c, PC_BOOT_DIR);
	cr_assert(lesson_boots_image(&c), "%s: lesson.conf does not say boot = disk", c.name);
	cr_expect_str_eq(c.boot_sector, "boot.asm");
	lesson_image_of(image_path, sizeof(image_path), c.guest_elf);
	image = (unsigned char *)slurp(image_path, &image_len);
	boot = (unsigned char *)slurp(PC_BOOT_DIR "/boot.elf", &boot_len);
	kernel = (unsigned char *)slurp(c.guest_elf, &kernel_len);
	cr_assert(image && boot && kernel, "%s: not built (make)", c.name);

	cr_expect_eq(image_len % (DISK_TRACK_SECTORS * SECTOR_SIZE), 0,
		     "%s: %zu bytes, not whole tracks", image_path, image_len);
	cr_assert_gt(image_len, SECTOR_SIZE, "%s: no kernel after the boot sector", image_path);
	boot_bytes = elf32_first_segment(boot, boot_len, &boot_size);
	cr_expect_eq(boot_size, SECTOR_SIZE, "boot.elf loads %zu bytes, not one sector", boot_size);
	cr_expect(memcmp(image, boot_bytes, SECTOR_SIZE) == 0, "sector 0 is not boot.elf's bytes");
	cr_expect(image[BOOT_SIGNATURE_AT] == 0x55 && image[BOOT_SIGNATURE_AT + 1] == 0xAA,
		  "sector 0 does not end with 55 AA");
	kernel_bytes = elf32_first_segment(kernel, kernel_len, &kernel_size);
	cr_expect_leq(kernel_size, PC_KERNEL_SECTORS * SECTOR_SIZE,
		      "the kernel is longer than the %d sectors the boot sector reads",
		      PC_KERNEL_SECTORS);
	cr_assert_leq(SECTOR_SIZE + kernel_size, image_len);
	cr_expect(memcmp(image + SECTOR_SIZE, kernel_bytes, kernel_size) == 0,
		  "sector 1 on is not kernel.elf's bytes");
	free(image);
	free(boot);
	free(kernel);
}

/* The grader's image of the reference solution boots like make's: the
 * screen shows the solution's title (exercise-expected.txt), status 0. */
Test(lessons, disk_lesson_solution_boots_from_its_image)
{
	struct lesson_conf c;
	char image_path[LESSON_PATH_MAX + 8];
	struct run_result r;

	lesson_load(&c, PC_BOOT_DIR);
	lesson_image_of(image_path, sizeof(image_path), c.solution_elf);
	cr_assert_eq(access(image_path, R_OK), 0, "%s is not built (make)", image_path);
	r = run_guest("--disk", image_path, NULL);
	expect_output_file(&r, PC_BOOT_DIR "/exercise-expected.txt", 0);
	assert_has(r.out, "                               Booted by mini-kvm\n");
	run_free(&r);
}

/* ---- the lesson.conf reader itself ----------------------------------------------- */

/* Write text to DIR/lesson.conf in a fresh temporary DIR (its path in dir). */
static void write_conf(char *dir, size_t size, const char *text)
{
	char path[LESSON_PATH_MAX + 16];
	FILE *f;

	snprintf(dir, size, "/tmp/test_lesson_conf_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lesson.conf", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void remove_conf(const char *dir)
{
	char path[LESSON_PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/lesson.conf", dir);
	unlink(path);
	rmdir(dir);
}

/* Every key, the defaults, and each kind of mistake with its line. */
Test(lessons, lesson_conf_reader)
{
	char dir[LESSON_PATH_MAX], why[512];
	struct lesson_conf c;

	write_conf(dir, sizeof(dir), "# a comment\n\nguest = a.asm\n");
	cr_assert_eq(lesson_conf_read(&c, dir, why, sizeof(why)), 0, "%s", why);
	cr_expect_str_eq(c.format, "elf32");
	cr_expect_eq(c.load_addr, 0x7c00);
	cr_expect_eq(c.nargs, 0);
	cr_expect_str_eq(c.input, "");
	cr_expect_str_eq(c.boot, "elf");
	cr_expect_not(lesson_boots_image(&c));
	cr_expect_str_eq(c.solution_elf, "");
	cr_expect(strstr(c.guest_elf, "/a.elf") && strncmp(c.guest_elf, dir, strlen(dir)) == 0,
		  "%s", c.guest_elf);
	remove_conf(dir);

	write_conf(dir, sizeof(dir),
		   "guest=k.c\nexercise =  e.c  \nformat = elf64\nload_addr = 0x100000\n"
		   "args =  --smp   4 --irqchip\ninput = in.txt\n");
	cr_assert_eq(lesson_conf_read(&c, dir, why, sizeof(why)), 0, "%s", why);
	cr_expect_str_eq(c.format, "elf64");
	cr_expect_eq(c.load_addr, 0x100000);
	cr_assert_eq(c.nargs, 3);
	cr_expect_str_eq(c.args[0], "--smp");
	cr_expect_str_eq(c.args[1], "4");
	cr_expect_str_eq(c.args[2], "--irqchip");
	cr_expect_str_eq(c.input, "in.txt");
	cr_expect(strstr(c.guest_elf, "/k.elf"), "%s", c.guest_elf);
	cr_expect(strstr(c.solution_elf, "/solution/e.elf"), "%s", c.solution_elf);
	remove_conf(dir);

	write_conf(dir, sizeof(dir), "guest = k.c\nboot = floppy\nboot_sector = b.asm\n");
	cr_assert_eq(lesson_conf_read(&c, dir, why, sizeof(why)), 0, "%s", why);
	cr_expect_str_eq(c.boot, "floppy");
	cr_expect_str_eq(c.boot_sector, "b.asm");
	cr_expect(lesson_boots_image(&c));
	{
		char image[LESSON_PATH_MAX + 8];

		lesson_image_of(image, sizeof(image), c.guest_elf);
		cr_expect(strstr(image, "/k.img") && !strstr(image, ".elf"), "%s", image);
	}
	remove_conf(dir);

	{
		static const char *const bad[][2] = {
			{ "guest = a.asm\nnonsense\n", ":2: not 'key = value'" },
			{ "guest = a.asm\nargz = --smp 4\n", ":2: unknown key 'argz'" },
			{ "guest = a.asm\nformat = elf16\n", "format is elf32 or elf64" },
			{ "guest = a.asm\nload_addr = 7c00h\n", "load_addr is a number" },
			{ "exercise = e.asm\n", "names no guest" },
			{ "guest = a.asm\nboot = cdrom\n", "boot is elf, disk or floppy" },
			{ "guest = a.asm\nboot_sector = b.asm\n", "boot_sector needs boot = disk" },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			write_conf(dir, sizeof(dir), bad[i][0]);
			cr_expect_eq(lesson_conf_read(&c, dir, why, sizeof(why)), -1, "accepted: %s",
				     bad[i][0]);
			cr_expect(strstr(why, bad[i][1]), "'%s' for: %s", why, bad[i][0]);
			remove_conf(dir);
		}
	}
	cr_expect_eq(lesson_conf_read(&c, "/nonexistent/lesson", why, sizeof(why)), -1);
}
