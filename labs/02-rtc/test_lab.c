/*
 * test_lab.c - lab 02's grader: runs date.elf (one case per test, chosen
 * by its stdin) under the lab's kvm-vmm ($KVM_VMM) and compares what the
 * guest read from the CMOS clock with the host's clock.
 * `make check LAB=02` runs it against your lab.c.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define GUEST "labs/02-rtc/date.elf"
#define EXIT_UIP_STUCK 2      /* date.elf: status A's UIP bit never cleared */
#define DATE_FIELDS 6         /* YYYY-MM-DD HH:MM:SS */
#define CLOCK_SLACK_S 1       /* the guest's second may lag the host's by one */
#define TM_YEAR_BASE 1900
#define STATUS_LINE "A=26 B=02 C=00 D=80\n"
/* kvm-vmm runs in a time zone five hours west of UTC (POSIX TZ syntax):
 * a clock that reads local time instead of UTC shows. */
#define NOT_UTC "XST+5"

/* Run one case of date.elf, noting the host time before and after. */
static struct run_result run_case(const char *which, time_t *before, time_t *after)
{
	struct run_result r;

	setenv("TZ", NOT_UTC, 1);   /* inherited by kvm-vmm */
	*before = time(NULL);
	r = run_guest_case(GUEST, which);
	*after = time(NULL);
	cr_assert_neq(r.status, EXIT_UIP_STUCK,
		      "the guest waited for ever for status A's UIP bit (0x80) to clear: port"
		      " 0x71 read 0xFF, nothing answered? Output:\n%s", r.out);
	cr_assert_eq(r.status, 0, "case %s: kvm-vmm ended with status %d\nstderr:\n%s", which,
		     r.status, r.err);
	return r;
}

static void format_utc(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

/* The date line the guest printed is the host's UTC time, give or take. */
static void expect_host_time(const struct run_result *r, time_t before, time_t after)
{
	struct tm tm = { 0 };
	char host[32];
	time_t guest;

	format_utc(after, host, sizeof(host));
	cr_assert_eq(sscanf(r->out, "%4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			    &tm.tm_hour, &tm.tm_min, &tm.tm_sec), DATE_FIELDS,
		     "the guest printed \"%.*s\", not a date like %s: every field is two BCD"
		     " digits (a digit above 9 means a binary value, see status B)",
		     (int)strcspn(r->out, "\n"), r->out, host);
	tm.tm_year -= TM_YEAR_BASE;
	tm.tm_mon -= 1;   /* struct tm's months count from 0 */
	guest = timegm(&tm);
	cr_expect(guest >= before - CLOCK_SLACK_S && guest <= after + CLOCK_SLACK_S,
		  "the guest read %.*s, the host's clock said %s (UTC): is the month 1..12"
		  " (tm_mon counts from 0), the year of the century in register 0x09 and the"
		  " century in 0x32, the time in UTC (gmtime_r)?",
		  (int)strcspn(r->out, "\n"), r->out, host);
}

Test(lab02, date_is_the_host_clock)
{
	time_t before, after;
	struct run_result r = run_case("1", &before, &after);

	expect_host_time(&r, before, after);
	run_free(&r);
}

Test(lab02, nmi_bit_is_not_part_of_the_index)
{
	time_t before, after;
	struct run_result r = run_case("4", &before, &after);

	cr_expect_eq(strchr(r.out, 'F'), NULL,
		     "with bit 7 of the index set (0x80 | register: mask NMI) the guest read"
		     " \"%.*s\": the register number is bits 6..0 only",
		     (int)strcspn(r.out, "\n"), r.out);
	expect_host_time(&r, before, after);
	run_free(&r);
}

Test(lab02, status_registers)
{
	time_t before, after;
	struct run_result r = run_case("2", &before, &after);

	cr_expect_str_eq(r.out, STATUS_LINE,
			 "status registers: the guest read %.*s, expected %.*s: A = 32.768 kHz"
			 " time base (0x20) | 1024 Hz rate (0x06), UIP clear; B = 24-hour (0x02),"
			 " BCD (bit 2 clear); C = no interrupt; D = valid time (0x80)",
			 (int)strcspn(r.out, "\n"), r.out, (int)strcspn(STATUS_LINE, "\n"),
			 STATUS_LINE);
	run_free(&r);
}

Test(lab02, weekday_starts_at_sunday_one)
{
	char want[32];
	time_t before, after;
	struct tm tm;
	struct run_result r = run_case("3", &before, &after);

	gmtime_r(&after, &tm);
	snprintf(want, sizeof(want), "weekday %02d\n", tm.tm_wday + 1);
	cr_expect_str_eq(r.out, want,
			 "the guest read \"%.*s\", expected \"%.*s\": the clock's Sunday is 1"
			 " (tm_wday's is 0)",
			 (int)strcspn(r.out, "\n"), r.out, (int)strcspn(want, "\n"), want);
	run_free(&r);
}
