/*
 * test_lessons.c - lessons 01-07 run as a student runs them: each guest's
 * stdout must equal its expected-output.txt byte for byte, with the right
 * exit status and nothing on stderr. Lesson 05's 64 matrix elements are
 * checked against a product computed here, lesson 06's 26 letter counts
 * against a count of the same text file, and lesson 07 runs with and
 * without input on stdin.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TIMEOUT_S 30.0

#define HELLO_DIR "lessons/01-hello"
#define COUNTER_DIR "lessons/02-counter"
#define FIB_DIR "lessons/03-fibonacci"
#define MULT_DIR "lessons/04-multiplication"
#define MATRIX_DIR "lessons/05-matrix"
#define STRING_DIR "lessons/06-string"
#define HC_DIR "lessons/07-hypercalls"

#define EXPECTED "expected-output.txt"
#define HC_EXIT_CODE 7 /* lessons/07-hypercalls: EXIT_CODE */

/* Run dir/elf with stdin `input`, check the status and that stdout equals
 * dir/expected; returns the result for further checks (caller frees). */
static struct run_result run_lesson_file(const char *dir, const char *elf, const char *expected,
				    const char *input, int status)
{
	char guest[256], exp_path[256];
	struct run_result r;
	char *want;

	snprintf(guest, sizeof(guest), "%s/%s", dir, elf);
	snprintf(exp_path, sizeof(exp_path), "%s/%s", dir, expected);
	want = slurp(exp_path, NULL);
	cr_assert(want, "cannot read %s", exp_path);
	cr_assert_eq(run_vmm(&r, input, TIMEOUT_S, guest, NULL), 0, "cannot start kvm-vmm");
	cr_assert(!r.timed_out, "%s did not finish in %.0f s", guest, TIMEOUT_S);
	cr_expect_str_eq(r.out, want, "%s: stdout differs from %s", guest, exp_path);
	cr_expect_eq(r.status, status, "%s: exit status %d, expected %d; stderr: %s", guest,
		     r.status, status, r.err);
	cr_expect_str_eq(r.err, "", "%s wrote on stderr", guest);
	free(want);
	return r;
}

static void check_lesson(const char *dir, const char *elf, int status)
{
	struct run_result r = run_lesson_file(dir, elf, EXPECTED, NULL, status);

	run_free(&r);
}

Test(lessons, hello)
{
	check_lesson(HELLO_DIR, "hello.elf", 0);
}

Test(lessons, counter)
{
	check_lesson(COUNTER_DIR, "counter.elf", 0);
}

Test(lessons, fibonacci)
{
	check_lesson(FIB_DIR, "fibonacci.elf", 0);
}

/* F(0)..F(30) computed here, one per line, last 832040. */
Test(lessons, fibonacci_values)
{
	struct run_result r = run_lesson_file(FIB_DIR, "fibonacci.elf", EXPECTED, NULL, 0);
	char want[1024] = "";
	unsigned a = 0, b = 1;

	for (int n = 0; n <= 30; n++) {
		unsigned next = a + b;

		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%u\n", a);
		a = b;
		b = next;
	}
	cr_assert_str_eq(r.out, want);
	cr_assert(strstr(r.out, "\n832040\n"));
	run_free(&r);
}

Test(lessons, multiplication)
{
	check_lesson(MULT_DIR, "multiplication.elf", 0);
}

/* The tables 2..9, each "AxB=P" computed here. */
Test(lessons, multiplication_values)
{
	struct run_result r = run_lesson_file(MULT_DIR, "multiplication.elf", EXPECTED, NULL, 0);
	char want[2048] = "";

	for (int a = 2; a <= 9; a++)
		for (int b = 1; b <= 9; b++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%dx%d=%d%c",
				 a, b, a * b, b == 9 ? '\n' : ' ');
	cr_assert_str_eq(r.out, want);
	run_free(&r);
}

Test(lessons, matrix)
{
	check_lesson(MATRIX_DIR, "matrix.elf", 0);
}

/* The inputs as matrix.asm defines them; every element of A x B. */
#define MAT_N 8
#define MAT_MOD_MASK 7

Test(lessons, matrix_all_64_elements)
{
	struct run_result r = run_lesson_file(MATRIX_DIR, "matrix.elf", EXPECTED, NULL, 0);
	int a[MAT_N][MAT_N], b[MAT_N][MAT_N];
	const char *p = r.out;

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
	cr_assert_eq(*p, '\0', "more output after the matrix: %s", p);
	run_free(&r);
}

Test(lessons, string)
{
	check_lesson(STRING_DIR, "string.elf", 0);
}

#define LETTERS 26
#define TEXT_SIZE 1024

/* Count the letters of the very file the guest embeds (incbin). */
Test(lessons, string_counts_match_text)
{
	struct run_result r = run_lesson_file(STRING_DIR, "string.elf", EXPECTED, NULL, 0);
	size_t len;
	char *text = slurp(STRING_DIR "/text.txt", &len);
	int want[LETTERS] = { 0 }, total = 0, got_total, got_bytes;
	const char *p = r.out;

	cr_assert(text, "cannot read text.txt");
	cr_assert_eq(len, TEXT_SIZE, "text.txt has %zu bytes, not 1 KiB", len);
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c >= 'A' && c <= 'Z')
			c = c - 'A' + 'a';
		if (c >= 'a' && c <= 'z') {
			want[c - 'a']++;
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
	run_free(&r);
}

Test(lessons, hypercalls_with_input)
{
	char *input = slurp(HC_DIR "/input.txt", NULL);
	struct run_result r;

	cr_assert(input, "cannot read input.txt");
	r = run_lesson_file(HC_DIR, "hypercalls.elf", EXPECTED, input, HC_EXIT_CODE);
	/* The echo: each input line upper-cased, then the byte count. */
	cr_expect(strstr(r.out, "\nHELLO FROM STDIN!\nEVERY BYTE IS ONE GETCHAR EXIT.\n"
				"end of input after 50 bytes\n"), "%s", r.out);
	free(input);
	run_free(&r);
}

Test(lessons, hypercalls_empty_input)
{
	struct run_result r = run_lesson_file(HC_DIR, "hypercalls.elf", "expected-output-no-input.txt",
					 NULL, HC_EXIT_CODE);

	cr_expect(strstr(r.out, "end of input after 0 bytes\n"), "%s", r.out);
	run_free(&r);
}

/* A last line without a newline is echoed, and ended, all the same. */
Test(lessons, hypercalls_last_line_without_newline)
{
	struct run_result r;

	run_vmm(&r, "ab\ncd", TIMEOUT_S, HC_DIR "/hypercalls.elf", NULL);
	cr_assert_eq(r.status, HC_EXIT_CODE, "status %d; stderr: %s", r.status, r.err);
	cr_expect(strstr(r.out, "upper case:\nAB\nCD\nend of input after 5 bytes\n"), "%s", r.out);
	run_free(&r);
}
