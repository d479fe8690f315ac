/*
 * test_multi.c - several guests in one kvm-vmm (docs/architecture.md): four
 * lessons at once, each line prefixed "[i] " and each guest's lines
 * identical to its solo output; the exit status is the first non-zero
 * guest status; memory is private (a guest that overwrites all of its RAM
 * leaves another guest's memory untouched); --stats reports exits per
 * guest.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define TIMEOUT_S 30.0
#define MAX_GUESTS 4
#define PREFIX_LEN 4 /* "[i] " */

#define HELLO "lessons/01-hello/hello.elf"
#define COUNTER "lessons/02-counter/counter.elf"
#define MULT "lessons/04-multiplication/multiplication.elf"
#define HYPERCALLS "lessons/07-hypercalls/hypercalls.elf"
#define HC_INPUT "lessons/07-hypercalls/input.txt"
#define HC_EXIT_CODE 7 /* lessons/07-hypercalls: EXIT_CODE */

#define FILL "tests/guests/isolation_fill.elf"
#define CHECK "tests/guests/isolation_check.elf"
#define ISOLATION_MEM "2M" /* GUEST_RAM in isolation_fill.asm */
#define ISOLATION_ATTEMPTS 3

struct per_guest {
	char *text[MAX_GUESTS]; /* each guest's lines, prefixes removed */
	size_t len[MAX_GUESTS];
};

static void append(struct per_guest *pg, int g, const char *p, size_t n)
{
	pg->text[g] = realloc(pg->text[g], pg->len[g] + n + 1);
	cr_assert(pg->text[g]);
	memcpy(pg->text[g] + pg->len[g], p, n);
	pg->len[g] += n;
	pg->text[g][pg->len[g]] = '\0';
}

/* Split prefixed output into per-guest texts; every line must carry a
 * valid prefix and end with a newline. */
static void split_output(const char *out, int nguests, struct per_guest *pg)
{
	memset(pg, 0, sizeof(*pg));
	for (int g = 0; g < nguests; g++)
		append(pg, g, "", 0);
	while (*out) {
		const char *nl = strchr(out, '\n');
		int g;

		cr_assert(nl, "last line has no newline: '%s'", out);
		cr_assert(nl - out >= PREFIX_LEN && out[0] == '[' && out[2] == ']' && out[3] == ' ',
			  "line without a plain [i] prefix: '%.*s'", (int)(nl - out), out);
		g = out[1] - '0';
		cr_assert(g >= 0 && g < nguests, "bad guest number in '%.*s'", (int)(nl - out),
			  out);
		append(pg, g, out + PREFIX_LEN, nl + 1 - (out + PREFIX_LEN));
		out = nl + 1;
	}
}

static void free_split(struct per_guest *pg)
{
	for (int g = 0; g < MAX_GUESTS; g++)
		free(pg->text[g]);
}

/* What guest elf prints alone (stdout), with stdin `input`. */
static char *solo_output(const char *elf, const char *input)
{
	struct run_result r;
	char *out;

	cr_assert_eq(run_vmm(&r, input, TIMEOUT_S, elf, NULL), 0);
	cr_assert(!r.timed_out, "%s alone timed out", elf);
	out = r.out;
	free(r.err);
	return out;
}

Test(multi, four_lessons_in_parallel)
{
	const char *elfs[MAX_GUESTS] = { HELLO, COUNTER, MULT, HYPERCALLS };
	char *input = slurp(HC_INPUT, NULL);
	struct per_guest pg;
	struct run_result r;

	cr_assert(input, "cannot read %s", HC_INPUT);
	cr_assert_eq(run_vmm(&r, input, TIMEOUT_S, HELLO, COUNTER, MULT, HYPERCALLS, NULL), 0);
	cr_assert(!r.timed_out, "four guests did not finish in %.0f s", TIMEOUT_S);
	cr_expect_eq(r.status, HC_EXIT_CODE, "status %d: not the first non-zero guest status",
		     r.status);
	cr_expect(!strchr(r.out, '\033'), "colour codes on a pipe: %s", r.out);
	split_output(r.out, MAX_GUESTS, &pg);
	for (int g = 0; g < MAX_GUESTS; g++) {
		char *solo = solo_output(elfs[g], g == 3 ? input : NULL);

		cr_expect(solo[0] != '\0', "%s printed nothing alone", elfs[g]);
		cr_expect_str_eq(pg.text[g], solo, "guest %d (%s) differs from its solo run", g,
				 elfs[g]);
		free(solo);
	}
	free_split(&pg);
	free(input);
	run_free(&r);
}

/* The output of HELLO and COUNTER run together, in either line order. */
static void check_hello_counter(const char *out)
{
	struct per_guest pg;

	split_output(out, 2, &pg);
	cr_expect_str_eq(pg.text[0], "Hello, KVM!\n");
	cr_expect_str_eq(pg.text[1], "0123456789\n");
	free_split(&pg);
}

/* Exit status with several guests: 0 only when all are 0. */
Test(multi, all_zero_status_is_zero)
{
	struct run_result r;

	run_vmm(&r, NULL, TIMEOUT_S, HELLO, COUNTER, NULL);
	cr_assert_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	check_hello_counter(r.out);
	run_free(&r);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read the child's stdout into buf until it holds `needle` or the deadline
 * passes. Returns true if found. */
static bool read_stdout_until(struct child *c, char *buf, size_t size, size_t *len,
			      const char *needle, double deadline)
{
	while (!strstr(buf, needle)) {
		struct pollfd p = { .fd = c->out_fd, .events = POLLIN };
		double left = deadline - now_s();
		ssize_t n;

		if (left <= 0 || *len + 1 >= size)
			return false;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(c->out_fd, buf + *len, size - 1 - *len);
		if (n <= 0)
			return false;
		*len += n;
		buf[*len] = '\0';
	}
	return true;
}

/*
 * One isolation run with the two guests in the given order. The checker
 * writes its pattern; the filler waits a moment, then overwrites all of
 * its own RAM; only then does the test send the checker its go byte.
 * Returns false (inconclusive) if the filler started before the checker's
 * pattern was in place, so that the run proves nothing.
 */
static bool isolation_run(bool fill_first)
{
	int fill = fill_first ? 0 : 1, check = 1 - fill;
	char written[32], start[32], done[32], ok[32];
	char out[8192] = "";
	size_t len = 0;
	double deadline = now_s() + TIMEOUT_S;
	char *argv[] = { (char *)vmm_path(), "--mode", "protected", "--mem", ISOLATION_MEM,
			 fill_first ? FILL : CHECK, fill_first ? CHECK : FILL, NULL };
	struct child c;
	struct run_result r;
	const char *p_written, *p_start;

	snprintf(written, sizeof(written), "[%d] check: pattern written\n", check);
	snprintf(start, sizeof(start), "[%d] fill: start\n", fill);
	snprintf(done, sizeof(done), "[%d] fill: done", fill);
	snprintf(ok, sizeof(ok), "[%d] check: OK\n", check);

	cr_assert_eq(child_start(&c, argv), 0);
	cr_assert(read_stdout_until(&c, out, sizeof(out), &len, done, deadline),
		  "the filler did not finish; stdout: %s", out);
	cr_assert(read_stdout_until(&c, out, sizeof(out), &len, written, deadline),
		  "the checker did not write its pattern; stdout: %s", out);
	cr_assert_eq(write(c.in_fd, "\n", 1), 1, "cannot send the go byte");
	child_wait(&c, deadline - now_s(), &r);
	cr_assert(!r.timed_out, "isolation guests timed out");
	cr_assert(!strstr(r.out, "LEAK"), "the checker saw another guest's writes: %s%s", out,
		  r.out);
	cr_assert(strstr(r.out, ok), "no '%s' in: %s%s", ok, out, r.out);
	cr_assert_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	p_written = strstr(out, written);
	p_start = strstr(out, start);
	cr_assert(p_start, "no '%s' in: %s", start, out);
	run_free(&r);
	return p_written < p_start;
}

static void isolation_test(bool fill_first)
{
	for (int attempt = 0; attempt < ISOLATION_ATTEMPTS; attempt++)
		if (isolation_run(fill_first))
			return;
	cr_assert_fail("in %d runs the filler never started after the checker's pattern "
		       "was written", ISOLATION_ATTEMPTS);
}

Test(multi, memory_isolation_fill_first)
{
	isolation_test(true);
}

Test(multi, memory_isolation_check_first)
{
	isolation_test(false);
}

/* The "stats:" counter `name` (e.g. "VM exits:", "IO ") in guest g's block
 * of --stats output; -1 if absent. */
static long stats_value(const char *err, int g, const char *elf, const char *name)
{
	char head[256];
	const char *block, *end, *p;

	snprintf(head, sizeof(head), "stats: guest %d (%s)", g, elf);
	block = strstr(err, head);
	if (!block)
		return -1;
	block = strchr(block, '\n');
	if (!block)
		return -1;
	end = strstr(block, "stats: guest ");
	if (!end)
		end = strstr(block, "stats: wall time");
	for (p = block; (p = strstr(p, name)) != NULL && (!end || p < end); p++) {
		/* Only whole counter names: preceded by spaces after "stats:". */
		if (p[-1] == ' ')
			return strtol(p + strlen(name), NULL, 10);
	}
	return -1;
}

/* Lesson 01 takes 12 `out` exits (one per character) and one HLT; lesson
 * 02 two per character (`in` the line status, `out` the byte) and one HLT. */
#define HELLO_IO_EXITS 12
#define COUNTER_IO_EXITS 22
#define HLT_EXITS 1

Test(multi, stats_per_guest)
{
	struct run_result r;

	run_vmm(&r, NULL, TIMEOUT_S, "--stats", HELLO, COUNTER, NULL);
	cr_assert_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	check_hello_counter(r.out);
	cr_expect_eq(stats_value(r.err, 0, HELLO, "VM exits:"), HELLO_IO_EXITS + HLT_EXITS, "%s",
		     r.err);
	cr_expect_eq(stats_value(r.err, 0, HELLO, "IO "), HELLO_IO_EXITS, "%s", r.err);
	cr_expect_eq(stats_value(r.err, 0, HELLO, "HLT "), HLT_EXITS, "%s", r.err);
	cr_expect_eq(stats_value(r.err, 1, COUNTER, "VM exits:"), COUNTER_IO_EXITS + HLT_EXITS,
		     "%s", r.err);
	cr_expect_eq(stats_value(r.err, 1, COUNTER, "IO "), COUNTER_IO_EXITS, "%s", r.err);
	cr_expect_eq(stats_value(r.err, 1, COUNTER, "HLT "), HLT_EXITS, "%s", r.err);
	cr_expect(strstr(r.err, "stats: wall time"), "%s", r.err);
	run_free(&r);
}
