/*
 * test_hostile.c - guests that try to hurt the VMM: page tables
 * overwritten with garbage, a jump into unbacked memory, MMIO where
 * nothing is, megabytes of console output (the VMM's memory must stay
 * flat), hypercall pointers that wrap or end past RAM, reads after the end
 * of input, vCPUs spinning with interrupts off, 32 guests at once, and a
 * guest path longer than a message line. Each must leave the VMM in
 * control, ending with the exit status docs/architecture.md documents
 * ("How a guest ends").
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define G(name) "tests/guests/hostile_" name ".elf"
#define HELLO "lessons/01-hello/hello.elf"
#define HELLO_OUT "Hello, KVM!\n"
#define SPIN "tests/guests/spin.elf"
#define RUN_S 60.0

#define STATUS_FAULT 1
#define STATUS_TIMEOUT 124
#define FAULT_PREFIX "kvm-vmm: guest fault: "

/* hostile_flood.asm */
#define MIB (1L << 20)
#define FLOOD_LINE "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk\n"
#define FLOOD_OUTS_BYTES (2 * 16384L) /* rep outsb, then single outs */
#define FLOOD_MIB 9
/* The VMM may grow a little between runs (page cache, allocator noise),
 * never by the amount of output: 9 MiB would be at least 9216 KiB. */
#define FLOOD_RSS_SLACK_KB 4096

/* hostile_hcptr.asm */
#define HCPTR_DONE 100

/* The first line of stderr is the one-line reason docs/architecture.md
 * promises. */
static void assert_fault(const struct run_result *r, const char *reason)
{
	cr_assert_not(r->timed_out, "kvm-vmm hung: %s", r->err);
	cr_assert_eq(r->status, STATUS_FAULT, "status %d: %s", r->status, r->err);
	cr_assert(strncmp(r->err, FAULT_PREFIX, strlen(FAULT_PREFIX)) == 0, "%s", r->err);
	if (reason) {
		const char *nl = strchr(r->err, '\n');

		cr_assert(nl, "%s", r->err);
		cr_assert(memmem(r->err, nl - r->err, reason, strlen(reason)),
			  "expected '%s' in the first line of:\n%s", reason, r->err);
	}
}

Test(hostile, page_tables_overwritten_then_a_jump_into_the_void, .timeout = 120)
{
	const char *guests[] = { G("pagetables"), G("pagetables_far") };

	for (size_t i = 0; i < sizeof(guests) / sizeof(guests[0]); i++) {
		struct run_result r;

		cr_assert_eq(run_vmm(&r, NULL, RUN_S, guests[i], NULL), 0);
		cr_assert_str_eq(r.out, "smashing the page tables\n", "%s", guests[i]);
		assert_fault(&r, "triple fault");
		/* The report walked the garbage tables and still said something. */
		assert_has(r.err, "cr3 0000000000001000");
		assert_has(r.err, "likely cause:");
		run_free(&r);
	}
}

Test(hostile, execute_from_unbacked_memory_above_ram, .timeout = 120)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_S, "--mode", "protected", G("void"), NULL), 0);
	cr_assert_str_eq(r.out, "jumping into the void\n");
	assert_fault(&r, NULL);
	assert_has(r.err, "rip 0000000004000000");
	run_free(&r);

	cr_assert_eq(run_vmm(&r, NULL, RUN_S, G("void64"), NULL), 0);
	cr_assert_str_eq(r.out, "jumping into the void\n");
	assert_fault(&r, NULL);
	assert_has(r.err, "rip 0000000080000000");
	run_free(&r);
}

Test(hostile, mmio_to_unbacked_addresses_reads_ones_and_goes_on, .timeout = 120)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_S, "--mode", "protected", G("mmio"), NULL), 0);
	cr_assert_not(r.timed_out);
	cr_assert_str_eq(r.out, "rwbhst\n", "stderr: %s", r.err);
	cr_assert_eq(r.status, 0, "check %d failed: %s", r.status, r.err);
	cr_assert_str_eq(r.err, "");
	run_free(&r);
}

/* What one flood run left behind. */
struct flood {
	int status;
	long max_rss_kb; /* of kvm-vmm, from wait4() */
	long out_bytes;
	bool lines_ok;   /* every line is FLOOD_LINE */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Check that the file holds only FLOOD_LINE lines. */
static bool flood_lines_ok(int fd, long size)
{
	const size_t line = strlen(FLOOD_LINE);
	char *buf = malloc(size + 1);
	bool ok = buf && size % line == 0;

	if (buf && pread(fd, buf, size, 0) != size)
		ok = false;
	for (long off = 0; ok && off < size; off += line)
		ok = memcmp(buf + off, FLOOD_LINE, line) == 0;
	free(buf);
	return ok;
}

/* Run hostile_flood with `mib` on stdin, stdout into a file; the child's
 * peak RSS comes from wait4(). */
/* Memory is measured on the plain build where there is one: a sanitizer's
 * runtime grows with what it tracks. */
static const char *flood_vmm(void)
{
	return plain_vmm_path() ? plain_vmm_path() : vmm_path();
}

static void run_flood(int mib, struct flood *f)
{
	char in_path[] = "/tmp/kvm-vmm-flood-in-XXXXXX";
	char out_path[] = "/tmp/kvm-vmm-flood-out-XXXXXX";
	int in = mkstemp(in_path), out = mkstemp(out_path);
	char digit = (char)('0' + mib % 10);
	struct rusage ru;
	struct stat st;
	int status = 0;
	pid_t pid;
	double deadline = now() + RUN_S;

	cr_assert(in >= 0 && out >= 0 && mib < 10);
	unlink(in_path);
	unlink(out_path);
	cr_assert_eq(write(in, &digit, 1), 1);
	lseek(in, 0, SEEK_SET);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(in, 0);
		dup2(out, 1);
		dup2(null, 2);
		execl(flood_vmm(), flood_vmm(), "--mode", "protected", G("flood"), (char *)NULL);
		_exit(127);
	}
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, WNOHANG, &ru) == 0) {
		if (now() > deadline) {
			kill(pid, SIGKILL);
			wait4(pid, &status, 0, &ru);
			cr_assert_fail("kvm-vmm flooding %d MiB did not end in %g s", mib, RUN_S);
		}
		usleep(10 * 1000);
	}
	cr_assert(fstat(out, &st) == 0);
	f->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	f->max_rss_kb = ru.ru_maxrss;
	f->out_bytes = st.st_size;
	f->lines_ok = flood_lines_ok(out, st.st_size);
	close(in);
	close(out);
}

Test(hostile, megabytes_of_console_output_keep_memory_flat, .timeout = 240)
{
	struct flood small, big;

	run_flood(0, &small);
	run_flood(FLOOD_MIB, &big);
	cr_assert_eq(small.status, 0);
	cr_assert_eq(big.status, 0);
	cr_assert_eq(small.out_bytes, FLOOD_OUTS_BYTES);
	cr_assert_eq(big.out_bytes, FLOOD_MIB * MIB + FLOOD_OUTS_BYTES);
	cr_assert(small.lines_ok && big.lines_ok, "the console changed the output");
	cr_assert_gt(small.max_rss_kb, 0);
	cr_assert_lt(big.max_rss_kb, small.max_rss_kb + FLOOD_RSS_SLACK_KB,
		     "peak RSS grew from %ld KiB to %ld KiB with %d MiB of output",
		     small.max_rss_kb, big.max_rss_kb, FLOOD_MIB);
}

Test(hostile, hypercall_pointers_that_wrap_or_end_past_ram, .timeout = 120)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_S, "--mem", "2M", "--mode", "protected", G("hcptr"),
			     NULL), 0);
	cr_assert_not(r.timed_out);
	cr_assert_eq(r.status, HCPTR_DONE, "check %d failed: %s", r.status, r.err);
	/* Only the two good writes printed: the text and the last byte. */
	cr_assert_str_eq(r.out, "in range\n");
	cr_assert_str_eq(r.err, "");
	run_free(&r);
}

Test(hostile, getchar_after_end_of_input, .timeout = 120)
{
	const char *inputs[] = { "xy", "x\n", NULL };
	const char *outputs[] = { "[xy]\n", "[x\n]\n", "[]\n" };

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct run_result r;

		cr_assert_eq(run_vmm(&r, inputs[i], RUN_S, G("eof"), NULL), 0);
		cr_assert_not(r.timed_out, "a read after the end of input blocked");
		cr_assert_eq(r.status, 0, "check %d failed: %s", r.status, r.err);
		cr_assert_str_eq(r.out, outputs[i]);
		run_free(&r);
	}
}

Test(hostile, vcpus_spinning_with_interrupts_off_end_at_timeout, .timeout = 120)
{
	struct run_result r;

	cr_assert_eq(run_vmm(&r, NULL, RUN_S, "--timeout", "1", G("spin64"), NULL), 0);
	cr_assert_not(r.timed_out, "kvm-vmm itself had to be killed");
	cr_assert_eq(r.status, STATUS_TIMEOUT, "%s", r.err);
	cr_assert_str_eq(r.out, "spinning\n");
	assert_has(r.err, "timed out after 1 s");
	run_free(&r);

	/* Two vCPUs of one guest, both spinning: both are stopped. */
	cr_assert_eq(run_vmm(&r, NULL, RUN_S, "--smp", "2", "--timeout", "1", G("spin64"), NULL),
		     0);
	cr_assert_not(r.timed_out, "kvm-vmm itself had to be killed");
	cr_assert_eq(r.status, STATUS_TIMEOUT, "%s", r.err);
	run_free(&r);
}

#define MANY 32
#define MANY_EOF_EVERY 8   /* guests 3, 11, 19, 27 read stdin at its end */
#define MANY_EOF_FIRST 3
#define MANY_FAULT 13      /* the first guest with a non-zero status */
#define MANY_VOID 21

static const char *many_guest(int i)
{
	if (i == MANY_FAULT)
		return G("pagetables");
	if (i == MANY_VOID)
		return G("void64");
	if (i % MANY_EOF_EVERY == MANY_EOF_FIRST)
		return G("eof");
	return HELLO;
}

static const char *many_output(int i)
{
	if (i == MANY_FAULT)
		return "smashing the page tables\n";
	if (i == MANY_VOID)
		return "jumping into the void\n";
	if (i % MANY_EOF_EVERY == MANY_EOF_FIRST)
		return "[]\n";
	return HELLO_OUT;
}

Test(hostile, thirty_two_guests_at_once, .timeout = 240)
{
	char *argv[MANY + 4];
	struct run_result r;
	int n = 0;

	argv[n++] = (char *)vmm_path();
	argv[n++] = "--timeout";
	argv[n++] = "120";
	for (int i = 0; i < MANY; i++)
		argv[n++] = (char *)many_guest(i);
	argv[n] = NULL;
	cr_assert_eq(run_argv(&r, argv, NULL, 180), 0);
	cr_assert_not(r.timed_out, "kvm-vmm did not end: %s", r.err);
	/* The first non-zero guest status, in guest order. */
	cr_assert_eq(r.status, STATUS_FAULT, "%s", r.err);
	for (int i = 0; i < MANY; i++) {
		char line[128];

		snprintf(line, sizeof(line), "[%d] %s", i, many_output(i));
		cr_assert(strstr(r.out, line), "guest %d: no '%s' in:\n%s", i, line, r.out);
	}
	assert_has(r.err, "[13]");
	assert_has(r.err, "[21]");
	run_free(&r);
}

/* Regression: with several guests, vmm_msg() put the guest's path in front
 * of every message and overflowed its 1 KiB line for a longer path (a
 * crash, status 139, when --timeout stopped the guests). */
#define LONG_PATH_REPEAT 600 /* "./" each: 1200 bytes of path */

Test(hostile, messages_about_a_guest_with_a_very_long_path, .timeout = 120)
{
	size_t len = strlen("tests/guests/") + 2 * LONG_PATH_REPEAT + strlen("spin.elf") + 1;
	char *path = malloc(len);
	struct run_result r;

	cr_assert(path);
	strcpy(path, "tests/guests/");
	for (int i = 0; i < LONG_PATH_REPEAT; i++)
		strcat(path, "./");
	strcat(path, "spin.elf");
	cr_assert_eq(run_vmm(&r, NULL, RUN_S, "--timeout", "0.5", path, path, NULL), 0);
	cr_assert_not(r.timed_out);
	cr_assert_eq(r.status, STATUS_TIMEOUT, "%s", r.err);
	assert_has(r.out, "[0] spinning\n");
	assert_has(r.out, "[1] spinning\n");
	/* Both messages whole: prefix, the end of the path, the reason. */
	assert_has(r.err, "kvm-vmm: [0] ...");
	assert_has(r.err, "kvm-vmm: [1] ...");
	assert_has(r.err, "/spin.elf: timed out after 0.5 s");
	run_free(&r);
	free(path);
}
