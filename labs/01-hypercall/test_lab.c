/*
 * test_lab.c - lab 01's grader: runs log.elf (one case per test, chosen by
 * its stdin) under the lab's kvm-vmm ($KVM_VMM) and checks what LOG did.
 * `make check LAB=01` runs it against your lab.c.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GUEST "labs/01-hypercall/log.elf"
#define LOG_PREFIX "kvm-vmm: guest log: "
#define HC_ERROR_TEXT "4294967295\n"   /* HC_ERROR, as the guest prints EAX */
#define LOG_MAX 256

/* Run one case of log.elf; fail if kvm-vmm crashed or the guest did not
 * exit 0. */
static struct run_result run_case(const char *which)
{
	struct run_result r = run_guest_case(GUEST, which);

	cr_assert_eq(r.status, 0,
		     "case %s: kvm-vmm ended with status %d (above 128: killed by a signal;"
		     " a guest pointer used without a bounds check?)\nstderr:\n%s",
		     which, r.status, r.err);
	return r;
}

/* The guest printed EAX = `eax`. */
static void expect_eax(const struct run_result *r, const char *eax, const char *why)
{
	cr_expect_str_eq(r->out, eax, "EAX after LOG was %.*s, expected %.*s: %s",
			 (int)strcspn(r->out, "\n"), r->out, (int)strcspn(eax, "\n"), eax, why);
}

/* Nothing was logged. */
static void expect_no_log(const struct run_result *r, const char *why)
{
	cr_expect(strstr(r->err, LOG_PREFIX) == NULL, "%s, yet kvm-vmm logged:\n%s", why, r->err);
}

Test(lab01, short_string_is_logged)
{
	struct run_result r = run_case("1");

	expect_eax(&r, "20\n", "LOG returns the length of the string in EAX");
	cr_expect(strstr(r.err, LOG_PREFIX "hello from the guest\n") != NULL,
		  "expected the line \"" LOG_PREFIX "hello from the guest\" on stderr, got:\n%s",
		  r.err);
	run_free(&r);
}

Test(lab01, string_past_ram_is_refused)
{
	struct run_result r = run_case("2");

	expect_eax(&r, HC_ERROR_TEXT, "a string outside the guest's RAM gets HC_ERROR"
		   " (check it with vm_range_ok())");
	expect_no_log(&r, "the string was outside the guest's RAM");
	run_free(&r);
}

Test(lab01, wrapping_range_is_refused)
{
	struct run_result r = run_case("3");

	expect_eax(&r, HC_ERROR_TEXT, "EBX = 0xFFFFFFF0, ECX = 0x20: EBX + ECX wraps to 0x10"
		   " in 32 bits; compare in 64 bits or as vm_range_ok() does");
	expect_no_log(&r, "the range wrapped past 4 GiB");
	run_free(&r);
}

Test(lab01, too_long_is_refused)
{
	struct run_result r = run_case("4");

	expect_eax(&r, HC_ERROR_TEXT, "LOG_MAX + 1 bytes is one too many");
	expect_no_log(&r, "the string was longer than LOG_MAX");
	run_free(&r);
}

Test(lab01, longest_string_is_logged)
{
	char want[sizeof(LOG_PREFIX) + LOG_MAX + 1];
	struct run_result r = run_case("6");

	expect_eax(&r, "256\n", "exactly LOG_MAX bytes is allowed (> LOG_MAX is refused, not >=)");
	snprintf(want, sizeof(want), "%s%0*d\n", LOG_PREFIX, LOG_MAX, 0);
	memset(want + strlen(LOG_PREFIX), 'x', LOG_MAX);
	cr_expect(strstr(r.err, want) != NULL,
		  "expected the %d x's in one log line (room for the final NUL too?), got:\n%s",
		  LOG_MAX, r.err);
	run_free(&r);
}

Test(lab01, control_characters_are_dots)
{
	struct run_result r = run_case("5");

	expect_eax(&r, "9\n", "LOG returns the length, control characters included");
	cr_expect(strstr(r.err, LOG_PREFIX "tab.bell.\n") != NULL,
		  "\"tab\\tbell\\a\" should be logged as \"tab.bell.\" (a byte outside printable"
		  " ASCII is shown as '.': a guest must not drive the host's terminal), got:\n%s",
		  r.err);
	run_free(&r);
}

Test(lab01, other_numbers_stay_unknown)
{
	struct run_result r = run_case("7");

	expect_eax(&r, HC_ERROR_TEXT, "hypercall 7 is no one's: return false for it, so that the"
		   " guest gets HC_ERROR");
	expect_no_log(&r, "hypercall 7 is not LOG");
	run_free(&r);
}
