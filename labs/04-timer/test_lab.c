/*
 * test_lab.c - lab 04's grader: runs ticks.elf (one case per test, chosen
 * by its stdin) under the lab's kvm-vmm ($KVM_VMM) and checks the ticks its
 * interrupt handler counted: they come, not faster than the period, never
 * while the guest has interrupts disabled, at once when it enables them,
 * and no more once the timer is off. Timing is checked loosely: a loaded
 * machine makes ticks late, never early. `make check LAB=04` runs it
 * against your lab.c.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define GUEST "labs/04-timer/ticks.elf"
#define EXIT_STRAY 3          /* ticks.elf: an interrupt at another vector */
#define EXIT_NO_TICKS 4       /* ticks.elf: the ticks it waited for never came */
#define TICKS_WANTED 10       /* ticks.elf, case 1: ticks of PERIOD_MS */
#define PERIOD_MS 20
/* Ten ticks take at least nine periods after the first: a timer may be
 * late on a busy machine, never early. */
#define MIN_TICKS_MS ((TICKS_WANTED - 1) * PERIOD_MS)

/* The length of the line at s, without its newline. */
static int line_len(const char *s)
{
	return (int)strcspn(s, "\n");
}

/* Run case `which` of ticks.elf; expect it to end with status 0. */
static struct run_result run_case(const char *which)
{
	struct run_result r = run_guest_case(GUEST, which);

	cr_assert_neq(r.status, EXIT_NO_TICKS,
		      "case %s: the guest waited for ticks that never came (\"%.*s\"): does"
		      " lab_port_out() take ports 0x520-0x522 and start the thread, does the"
		      " thread make a tick pending every period and kick vCPU 0, does"
		      " lab_before_run() inject it with KVM_INTERRUPT?", which, line_len(r.out),
		      r.out);
	cr_assert_neq(r.status, EXIT_STRAY,
		      "case %s: an interrupt came at a vector other than the one the guest wrote"
		      " to port 0x521 (0x40): KVM_INTERRUPT's .irq is that vector", which);
	cr_assert_eq(r.status, 0, "case %s: kvm-vmm ended with status %d\nstdout:\n%s\nstderr:\n%s",
		     which, r.status, r.out, r.err);
	return r;
}

/* The number after `label` in the guest's output (Criterion: fails if it
 * is not there). */
static unsigned int number_after(const struct run_result *r, const char *label)
{
	const char *at = strstr(r->out, label);
	unsigned int n = 0;

	cr_assert(at && sscanf(at + strlen(label), "%u", &n) == 1,
		  "the guest did not print \"%s N\":\n%s", label, r->out);
	return n;
}

Test(lab04, ticks_arrive)
{
	struct run_result r = run_case("1");
	unsigned int ticks = 0;

	cr_expect(sscanf(r.out, "%u ticks in", &ticks) == 1 && ticks == TICKS_WANTED,
		  "expected \"%d ticks in N ms\", got \"%.*s\"", TICKS_WANTED, line_len(r.out),
		  r.out);
	run_free(&r);
}

Test(lab04, period_is_respected)
{
	struct run_result r = run_case("1");
	unsigned int ms = number_after(&r, " ticks in ");

	cr_expect_geq(ms, MIN_TICKS_MS,
		      "%d ticks of %d ms came in %u ms, faster than the period: one tick per"
		      " period (a pending tick, injected once), the period in milliseconds",
		      TICKS_WANTED, PERIOD_MS, ms);
	run_free(&r);
}

Test(lab04, no_tick_while_interrupts_are_off)
{
	struct run_result r = run_case("2");

	cr_expect_eq(number_after(&r, "ticks while IF=0: "), 0,
		     "a tick came while the guest had interrupts disabled (cli, IF = 0): inject"
		     " only when run->ready_for_interrupt_injection and run->if_flag say the guest"
		     " can take it; until then the tick stays pending\n%s", r.out);
	run_free(&r);
}

Test(lab04, waiting_tick_comes_at_sti)
{
	struct run_result r = run_case("2");

	cr_expect_eq(number_after(&r, "ticks right after sti: "), 1,
		     "a tick fell due while IF = 0; the guest enabled interrupts (sti) and spun,"
		     " making no exit, and %s: while a tick is pending and the guest cannot take"
		     " it, set run->request_interrupt_window, so that KVM exits"
		     " (KVM_EXIT_IRQ_WINDOW_OPEN) as soon as it can, and inject then; one tick"
		     " pending at most\n%s",
		     number_after(&r, "ticks right after sti: ") ? "more than one came"
								 : "it did not come", r.out);
	run_free(&r);
}

Test(lab04, off_stops_the_ticks)
{
	struct run_result r = run_case("3");

	cr_expect_eq(number_after(&r, "ticks after stop: "), 0,
		     "ticks came after the guest wrote TIMER_OFF (0) to port 0x520: off stops"
		     " the timer and drops a tick still pending\n%s", r.out);
	run_free(&r);
}
