/*
 * test_cli.c - the kvm-vmm command line as a user meets it: --help,
 * --version, bad options and bad guest files (status 2 and one clear line),
 * and --check-host.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

#define HELLO "lessons/01-hello/hello.elf"

/* stderr holds exactly one line that starts with "kvm-vmm: ". */
static void assert_one_line_error(const struct run_result *r, const char *needle)
{
	cr_assert(strncmp(r->err, "kvm-vmm: ", 9) == 0, "stderr: %s", r->err);
	cr_assert(strchr(r->err, '\n') == r->err + r->err_len - 1, "not one line: %s", r->err);
	cr_assert(strstr(r->err, needle), "expected '%s' in: %s", needle, r->err);
}

Test(cli, help_documents_every_option)
{
	struct run_result r;
	const char *opts[] = { "--mode", "--mem", "--smp", "--load-addr", "--entry", "--gdb",
			       "--timeout", "--stats", "--trace", "--check-host", "--help",
			       "--version", "--irqchip", "127.0.0.1" };

	cr_assert_eq(run_vmm(&r, NULL, 10, "--help", NULL), 0);
	cr_assert_eq(r.status, 0);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		cr_expect(strstr(r.out, opts[i]), "--help does not mention %s", opts[i]);
	run_free(&r);
}

Test(cli, version)
{
	struct run_result r;

	run_vmm(&r, NULL, 10, "--version", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strncmp(r.out, "kvm-vmm ", 8) == 0, "%s", r.out);
	run_free(&r);
}

Test(cli, no_guest_is_usage_error)
{
	struct run_result r;

	run_vmm(&r, NULL, 10, NULL);
	cr_assert_eq(r.status, 2);
	assert_one_line_error(&r, "no GUEST");
	run_free(&r);
}

Test(cli, unknown_option)
{
	struct run_result r;

	run_vmm(&r, NULL, 10, "--frobnicate", HELLO, NULL);
	cr_assert_eq(r.status, 2);
	assert_one_line_error(&r, "--frobnicate");
	run_free(&r);
}

Test(cli, bad_values)
{
	static const char *const cases[][3] = {
		{ "--mode", "unreal", "--mode" }, { "--mem", "12Q", "--mem" },
		{ "--mem", "1K", "out of range" }, { "--smp", "0", "--smp" },
		{ "--timeout", "-1", "--timeout" }, { "--entry", "zz", "--entry" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run_result r;

		run_vmm(&r, NULL, 10, cases[i][0], cases[i][1], HELLO, NULL);
		cr_expect_eq(r.status, 2, "%s %s: status %d", cases[i][0], cases[i][1], r.status);
		assert_one_line_error(&r, cases[i][2]);
		run_free(&r);
	}
}

Test(cli, missing_guest_file)
{
	struct run_result r;

	run_vmm(&r, NULL, 10, "/nonexistent/guest.elf", NULL);
	cr_assert_eq(r.status, 2);
	assert_one_line_error(&r, "cannot open /nonexistent/guest.elf: No such file");
	run_free(&r);
}

Test(cli, directory_is_not_a_guest)
{
	struct run_result r;

	run_vmm(&r, NULL, 10, "lessons", NULL);
	cr_assert_eq(r.status, 2);
	assert_one_line_error(&r, "not a regular file");
	run_free(&r);
}

Test(cli, empty_guest_file)
{
	struct run_result r;

	run_vmm(&r, NULL, 10, "/dev/null", NULL);
	cr_assert_eq(r.status, 2);
	assert_one_line_error(&r, "not a regular file");
	run_free(&r);
}

Test(cli, check_host_prints_table)
{
	struct run_result r;

	run_vmm(&r, NULL, 30, "--check-host", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "| guest code runs, `out` exits"), "%s", r.out);
	cr_assert(strstr(r.out, "single-step"));
	cr_assert(strstr(r.out, "hardware data watchpoints"));
	cr_assert(strstr(r.out, "user code can be single-stepped"));
	cr_assert(strstr(r.out, "exit round trip"));
	run_free(&r);
}

Test(cli, hello_runs_and_halts)
{
	struct run_result r;

	run_vmm(&r, NULL, 30, "--stats", HELLO, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "Hello, KVM!\n");
	cr_assert(strstr(r.err, "IO               12"), "%s", r.err);
	cr_assert(strstr(r.err, "HLT              1"), "%s", r.err);
	run_free(&r);
}
