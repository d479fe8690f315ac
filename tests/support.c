/*
 * support.c - the Criterion assertions shared by the integration tests
 * (see support.h).
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define MAX_ARGS 32

void assert_has(const char *text, const char *needle)
{
	cr_assert(strstr(text, needle), "expected '%s' in:\n%s", needle, text);
}

struct run_result run_guest(const char *first, ...)
{
	char *argv[MAX_ARGS];
	int n = 0;
	const char *a = first;
	struct run_result r;
	va_list ap;

	argv[n++] = (char *)vmm_path();
	va_start(ap, first);
	while (a && n < MAX_ARGS - 1) {
		argv[n++] = (char *)a;
		a = va_arg(ap, const char *);
	}
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(run_argv(&r, argv, NULL, GUEST_TIMEOUT_S), 0, "cannot start kvm-vmm");
	cr_assert(!r.timed_out, "%s did not finish in %.0f s", argv[n - 1], GUEST_TIMEOUT_S);
	return r;
}

void expect_output_file(const struct run_result *r, const char *path, int status)
{
	char *want = slurp(path, NULL);

	cr_assert(want, "cannot read %s", path);
	cr_expect_str_eq(r->out, want, "stdout differs from %s", path);
	cr_expect_eq(r->status, status, "exit status %d, not %d; stderr: %s", r->status, status,
		     r->err);
	cr_expect_str_eq(r->err, "", "unexpected stderr");
	free(want);
}

void expect_lesson_output(const struct run_result *r, const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/expected-output.txt", dir);
	expect_output_file(r, path, 0);
}

void gdb_batch(struct run_result *r, int port, const char *guest, ...)
{
	char *argv[2 * GDB_MAX_CMDS + 8];
	char target[64];
	const char *cmd;
	int n = 0;
	va_list ap;

	snprintf(target, sizeof(target), "target remote :%d", port);
	argv[n++] = "gdb";
	argv[n++] = "-batch";
	argv[n++] = "-nx";
	argv[n++] = (char *)guest;
	argv[n++] = "-ex";
	argv[n++] = target;
	va_start(ap, guest);
	while (n < 2 * GDB_MAX_CMDS && (cmd = va_arg(ap, const char *)) != NULL) {
		argv[n++] = "-ex";
		argv[n++] = (char *)cmd;
	}
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(run_argv(r, argv, NULL, GDB_TIMEOUT_S), 0, "cannot start gdb");
	cr_assert_not(r->timed_out, "gdb hung:\n%s\n%s", r->out, r->err);
	cr_assert_null(strstr(r->err, "too long"), "%s", r->err);
}

void finish_vmm_with(struct child *vmm, int status, const char *expected_path)
{
	struct run_result v;

	child_wait(vmm, GUEST_TIMEOUT_S, &v);
	cr_assert_not(v.timed_out, "kvm-vmm did not end: %s", v.err);
	cr_expect_eq(v.status, status, "kvm-vmm status %d: %s", v.status, v.err);
	if (expected_path) {
		char *want = slurp(expected_path, NULL);

		cr_assert(want, "cannot read %s", expected_path);
		cr_expect_str_eq(v.out, want, "the guest's output under gdb");
		free(want);
	}
	run_free(&v);
}
