/*
 * test_gdbstub_resume.c - unit tests of running and stopping: c, s, C, S,
 * vCont with per-thread actions, Hc/Hg, the stop replies (T and W) and
 * their stop reasons, Ctrl-C, and what is allowed after the guest exited.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "test_gdbstub_fake.h"

#define NCPUS 3

static struct fake f;
static struct gdb_conn *conn;

static void setup(void)
{
	gdbfake_init(&f, GDB_ARCH_I386, "i386", NCPUS);
	conn = gdbfake_connect(&f);
}

static void teardown(void)
{
	gdb_conn_free(conn);
	gdbfake_fini(&f);
}

TestSuite(gdbstub_resume, .init = setup, .fini = teardown);

static void expect_actions(enum gdb_action a0, enum gdb_action a1, enum gdb_action a2)
{
	cr_assert_eq(f.actions[0], a0, "cpu 0: %d", f.actions[0]);
	cr_assert_eq(f.actions[1], a1, "cpu 1: %d", f.actions[1]);
	cr_assert_eq(f.actions[2], a2, "cpu 2: %d", f.actions[2]);
}

/* Resume with `packet`: only the ack comes back, and the target runs. */
static void resume_with(const char *packet)
{
	int before = f.resumes;

	rsp_feed_packet(conn, packet);
	rsp_expect_output(&f, "+");
	cr_assert_eq(f.resumes, before + 1, "%s did not resume", packet);
	cr_assert(gdb_conn_running(conn));
}

static void stop_with(int cpu, int signal, enum gdb_stop_reason reason, uint64_t addr)
{
	struct gdb_stop stop = { GDB_STOP_SIGNAL, cpu, signal, reason, addr, 0 };

	gdb_conn_stopped(conn, &stop);
}

#define C GDB_ACTION_CONTINUE
#define S GDB_ACTION_STEP
#define STOP GDB_ACTION_STOP

Test(gdbstub_resume, initial_stop_reply)
{
	rsp_feed_packet(conn, "?");
	rsp_expect_reply(&f, "T05thread:1;");
	cr_assert_not(gdb_conn_running(conn));
}

Test(gdbstub_resume, continue_all_then_stop_reply)
{
	resume_with("c");
	expect_actions(C, C, C);
	stop_with(0, 5, GDB_REASON_NONE, 0);
	rsp_expect_output(&f, "$T05thread:1;#d7");
	cr_assert_not(gdb_conn_running(conn));
	rsp_feed_packet(conn, "?"); /* repeats the last stop */
	rsp_expect_reply(&f, "T05thread:1;");
}

Test(gdbstub_resume, step_steps_the_current_thread_others_continue)
{
	resume_with("s");
	expect_actions(S, C, C);
	stop_with(0, 5, GDB_REASON_NONE, 0);
	gdbfake_clear(&f);
	rsp_feed_packet(conn, "Hg2");
	rsp_feed_packet(conn, "s");
	expect_actions(C, S, C);
}

Test(gdbstub_resume, continue_and_step_at_an_address)
{
	f.regs[0].gpr[GDB_RAX] = 0x77;
	resume_with("c1234");
	cr_assert_eq(f.regs[0].rip, 0x1234);
	cr_assert_eq(f.regs[0].gpr[GDB_RAX], 0x77); /* the rest untouched */
	stop_with(0, 5, GDB_REASON_NONE, 0);
	gdbfake_clear(&f);
	resume_with("s2000");
	cr_assert_eq(f.regs[0].rip, 0x2000);
	expect_actions(S, C, C);
}

Test(gdbstub_resume, continue_and_step_with_signal)
{
	resume_with("C05");
	expect_actions(C, C, C);
	stop_with(0, 5, GDB_REASON_NONE, 0);
	gdbfake_clear(&f);
	resume_with("S05;3000");
	expect_actions(S, C, C);
	cr_assert_eq(f.regs[0].rip, 0x3000);
}

Test(gdbstub_resume, bad_resume_arguments)
{
	rsp_feed_packet(conn, "cxyz");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "C");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "C05;");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "S05x");
	rsp_expect_reply(&f, "E01");
	cr_assert_eq(f.resumes, 0);
	cr_assert_not(gdb_conn_running(conn));
}

Test(gdbstub_resume, resume_failure)
{
	f.fail_resume = true;
	rsp_feed_packet(conn, "c");
	rsp_expect_reply(&f, "E03");
	cr_assert_not(gdb_conn_running(conn));
	f.fail_resume = false;
	f.fail_regs = true;
	rsp_feed_packet(conn, "c1000"); /* cannot set the pc */
	rsp_expect_reply(&f, "E03");
	cr_assert_not(gdb_conn_running(conn));
}

Test(gdbstub_resume, Hc_selects_the_resumed_thread)
{
	rsp_feed_packet(conn, "Hc2");
	rsp_expect_reply(&f, "OK");
	resume_with("c");
	expect_actions(STOP, C, STOP); /* only thread 2 runs */
	stop_with(1, 5, GDB_REASON_NONE, 0);
	gdbfake_clear(&f);
	resume_with("s");
	expect_actions(STOP, S, STOP);
	stop_with(1, 5, GDB_REASON_NONE, 0);
	gdbfake_clear(&f);
	rsp_feed_packet(conn, "Hc-1");
	rsp_expect_reply(&f, "OK");
	resume_with("c");
	expect_actions(C, C, C);
	stop_with(0, 5, GDB_REASON_NONE, 0);
	gdbfake_clear(&f);
	rsp_feed_packet(conn, "Hc0");
	rsp_expect_reply(&f, "OK");
	resume_with("s"); /* any: the Hg thread (2, from the last stop) */
	expect_actions(S, C, C);
}

Test(gdbstub_resume, H_packets)
{
	rsp_feed_packet(conn, "Hg3");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "qC");
	rsp_expect_reply(&f, "QC3");
	rsp_feed_packet(conn, "Hg0"); /* any: keep the current one */
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "Hg-1");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "qC");
	rsp_expect_reply(&f, "QC3");
	rsp_feed_packet(conn, "Hg4"); /* no such thread */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "Hg");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "H");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "Hx1");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "Hg-2");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "qC");
	rsp_expect_reply(&f, "QC3");
}

Test(gdbstub_resume, vcont_query)
{
	rsp_feed_packet(conn, "vCont?");
	rsp_expect_reply(&f, "vCont;c;C;s;S");
}

Test(gdbstub_resume, vcont_step_one_continue_others)
{
	resume_with("vCont;s:1;c");
	expect_actions(S, C, C);
}

Test(gdbstub_resume, vcont_unnamed_threads_stay_stopped)
{
	resume_with("vCont;s:2");
	expect_actions(STOP, S, STOP);
}

Test(gdbstub_resume, vcont_leftmost_action_wins)
{
	resume_with("vCont;c;s:1");
	expect_actions(C, C, C);
	stop_with(0, 5, GDB_REASON_NONE, 0);
	gdbfake_clear(&f);
	resume_with("vCont;s:3;c:3;c:1");
	expect_actions(C, STOP, S);
}

Test(gdbstub_resume, vcont_signals_and_all_threads)
{
	resume_with("vCont;S05:2;C05:-1");
	expect_actions(C, S, C);
	stop_with(1, 5, GDB_REASON_NONE, 0);
	gdbfake_clear(&f);
	resume_with("vCont;s:0");
	expect_actions(S, S, S);
}

Test(gdbstub_resume, vcont_errors)
{
	const char *bad[] = { "vCont;", "vCont;x", "vCont;c:", "vCont;c:9", "vCont;c;",
			      "vCont;C", "vCont;c:1x", "vCont;t", "vCont;r1000,2000", NULL };

	for (int i = 0; bad[i]; i++) {
		rsp_feed_packet(conn, bad[i]);
		cr_assert_str_eq(gdbfake_output(&f), "+$E01#a6", "%s", bad[i]);
		gdbfake_clear(&f);
	}
	rsp_feed_packet(conn, "vCont"); /* not a vCont at all */
	rsp_expect_reply(&f, "");
	cr_assert_eq(f.resumes, 0);
}

Test(gdbstub_resume, stop_reasons_after_qsupported)
{
	rsp_feed_packet(conn, "qSupported:multiprocess+;swbreak+;hwbreak+");
	gdbfake_clear(&f);
	resume_with("c");
	stop_with(0, 5, GDB_REASON_SWBREAK, 0);
	rsp_expect_packet(&f, "T05thread:1;swbreak:;");
	resume_with("c");
	stop_with(1, 5, GDB_REASON_HWBREAK, 0);
	rsp_expect_packet(&f, "T05thread:2;hwbreak:;");
	resume_with("c");
	stop_with(2, 5, GDB_REASON_WATCH, 0x1000);
	rsp_expect_packet(&f, "T05thread:3;watch:1000;");
	resume_with("c");
	stop_with(0, 5, GDB_REASON_RWATCH, 0xffffffff80001000ull);
	rsp_expect_packet(&f, "T05thread:1;rwatch:ffffffff80001000;");
	resume_with("c");
	stop_with(0, 5, GDB_REASON_AWATCH, 0);
	rsp_expect_packet(&f, "T05thread:1;awatch:0;");
}

Test(gdbstub_resume, swbreak_only_for_a_gdb_that_asked)
{
	rsp_feed_packet(conn, "qSupported:hwbreak+");
	gdbfake_clear(&f);
	resume_with("c");
	stop_with(0, 5, GDB_REASON_SWBREAK, 0);
	rsp_expect_packet(&f, "T05thread:1;");
	resume_with("c");
	stop_with(0, 5, GDB_REASON_HWBREAK, 0);
	rsp_expect_packet(&f, "T05thread:1;hwbreak:;");
}

Test(gdbstub_resume, stop_selects_the_stopped_thread)
{
	resume_with("c");
	stop_with(2, 5, GDB_REASON_NONE, 0);
	rsp_expect_packet(&f, "T05thread:3;");
	rsp_feed_packet(conn, "qC");
	rsp_expect_reply(&f, "QC3");
	f.regs[2].gpr[GDB_RAX] = 9;
	rsp_feed_packet(conn, "p0");
	rsp_expect_reply(&f, "09000000");
}

Test(gdbstub_resume, odd_stop_values_are_clamped)
{
	resume_with("c");
	stop_with(99, 300, GDB_REASON_NONE, 0); /* no cpu 99, no signal 300 */
	rsp_expect_packet(&f, "T05thread:1;");
}

Test(gdbstub_resume, interrupt_reports_sigint)
{
	resume_with("c");
	rsp_feed_str(conn, "\x03");
	cr_assert_eq(f.interrupts, 1);
	stop_with(0, 2, GDB_REASON_NONE, 0);
	rsp_expect_packet(&f, "T02thread:1;");
}

Test(gdbstub_resume, stop_when_not_running_is_ignored)
{
	stop_with(0, 5, GDB_REASON_NONE, 0);
	rsp_expect_output(&f, "");
	resume_with("c");
	stop_with(0, 5, GDB_REASON_NONE, 0);
	gdbfake_clear(&f);
	stop_with(0, 5, GDB_REASON_NONE, 0); /* a second one */
	rsp_expect_output(&f, "");
}

Test(gdbstub_resume, nak_resends_the_stop_reply)
{
	resume_with("c");
	stop_with(1, 5, GDB_REASON_NONE, 0);
	gdbfake_clear(&f);
	rsp_feed_str(conn, "-");
	rsp_expect_packet(&f, "T05thread:2;");
}

Test(gdbstub_resume, guest_exit)
{
	struct gdb_stop exited = { GDB_STOP_EXITED, 0, 0, GDB_REASON_NONE, 0, 42 };

	resume_with("c");
	gdb_conn_stopped(conn, &exited);
	rsp_expect_packet(&f, "W2a");
	cr_assert_not(gdb_conn_running(conn));
	rsp_feed_packet(conn, "?");
	rsp_expect_reply(&f, "W2a");
	/* No threads are left (extended-remote asks). */
	rsp_feed_packet(conn, "qfThreadInfo");
	rsp_expect_reply(&f, "l");
	rsp_feed_packet(conn, "T1");
	rsp_expect_reply(&f, "E01");
	/* Nothing left to run. */
	rsp_feed_packet(conn, "c");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "vCont;c");
	rsp_expect_reply(&f, "E01");
	cr_assert_eq(f.resumes, 1);
	/* D: nothing to detach from, but gdb gets its OK. */
	cr_assert_not(rsp_feed_packet(conn, "D"));
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.detaches, 0);
}

Test(gdbstub_resume, exit_code_is_one_byte)
{
	struct gdb_stop exited = { GDB_STOP_EXITED, 0, 0, GDB_REASON_NONE, 0, 0x1ff };

	resume_with("c");
	gdb_conn_stopped(conn, &exited);
	rsp_expect_packet(&f, "Wff");
}

Test(gdbstub_resume, thread_alive)
{
	rsp_feed_packet(conn, "T1");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "T3");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "T4");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "T0");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "T-1");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "T");
	rsp_expect_reply(&f, "E01");
}

Test(gdbstub_resume, expedited_registers_in_stop_replies)
{
	/* With expedite, the stop reply carries eip (8), esp (4) and ebp (5)
	 * of the stopped thread, little-endian, so gdb skips a `g`. */
	f.target.expedite = true;
	f.regs[1].rip = 0x7c05;
	f.regs[1].gpr[GDB_RSP] = 0x7bfe;
	f.regs[1].gpr[GDB_RBP] = 0x1234;
	resume_with("c");
	stop_with(1, 5, GDB_REASON_NONE, 0);
	rsp_expect_packet(&f, "T05thread:2;08:057c0000;04:fe7b0000;05:34120000;");
}

Test(gdbstub_resume, expedited_registers_amd64)
{
	struct fake f64;
	struct gdb_conn *c64;

	gdbfake_init(&f64, GDB_ARCH_AMD64, "i386:x86-64", 1);
	f64.target.expedite = true;
	f64.regs[0].rip = 0x100010;
	f64.regs[0].gpr[GDB_RSP] = 0x7c00;
	c64 = gdbfake_connect(&f64);
	rsp_feed_packet(c64, "s");
	rsp_expect_output(&f64, "+");
	gdb_conn_stopped(c64, &(struct gdb_stop){ GDB_STOP_SIGNAL, 0, 5, GDB_REASON_NONE, 0, 0 });
	rsp_expect_packet(&f64, "T05thread:1;10:1000100000000000;07:007c000000000000;"
				"06:0000000000000000;");
	gdb_conn_free(c64);
	gdbfake_fini(&f64);
}

/* ---- bs and bc: going backwards --------------------------------------------- */

Test(gdbstub_resume, reverse_offered_only_when_the_target_can)
{
	rsp_feed_packet(conn, "qSupported");
	cr_assert_null(strstr(gdbfake_output(&f), "Reverse"));
	gdbfake_clear(&f);
	rsp_feed_packet(conn, "bs");   /* not offered: refused, nothing runs */
	rsp_expect_reply(&f, "E01");
	cr_assert_eq(f.reverse_resumes, 0);
	f.target.can_reverse = true;
	rsp_feed_packet(conn, "qSupported");
	rsp_expect_reply(&f, "PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;"
			 "swbreak+;hwbreak+;vContSupported+;ReverseStep+;ReverseContinue+");
}

Test(gdbstub_resume, reverse_step_and_continue_run_the_selected_thread_backwards)
{
	f.target.can_reverse = true;
	rsp_feed_packet(conn, "Hc2");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "bs");
	rsp_expect_output(&f, "+");
	cr_assert(gdb_conn_running(conn));
	cr_assert_eq(f.reverse_resumes, 1);
	cr_assert_eq(f.reverse_cpu, 1);
	cr_assert_eq(f.reverse_action, S);
	cr_assert_eq(f.resumes, 0, "bs is not a forward resume");
	stop_with(1, 5, GDB_REASON_NONE, 0);
	rsp_expect_packet(&f, "T05thread:2;");
	rsp_feed_packet(conn, "bc");
	rsp_expect_output(&f, "+");
	cr_assert_eq(f.reverse_resumes, 2);
	cr_assert_eq(f.reverse_action, C);
	stop_with(1, 5, GDB_REASON_WATCH, 0x2000);
	rsp_expect_packet(&f, "T05thread:2;watch:2000;");
}

Test(gdbstub_resume, start_of_the_recording_is_replaylog_begin)
{
	f.target.can_reverse = true;
	rsp_feed_packet(conn, "bc");
	rsp_expect_output(&f, "+");
	stop_with(0, 5, GDB_REASON_HISTORY_BEGIN, 0);
	rsp_expect_packet(&f, "T05thread:1;replaylog:begin;");
	rsp_feed_packet(conn, "?");
	rsp_expect_reply(&f, "T05thread:1;replaylog:begin;");
}

Test(gdbstub_resume, reverse_refused_by_the_target_or_after_exit)
{
	f.target.can_reverse = true;
	f.fail_resume = true;
	rsp_feed_packet(conn, "bs");
	rsp_expect_reply(&f, "E03");
	cr_assert_not(gdb_conn_running(conn));
	f.fail_resume = false;
	resume_with("c");
	struct gdb_stop exited = { .kind = GDB_STOP_EXITED, .exit_code = 0 };
	gdb_conn_stopped(conn, &exited);
	rsp_expect_packet(&f, "W00");
	rsp_feed_packet(conn, "bc");
	rsp_expect_reply(&f, "E01");
	cr_assert_eq(f.reverse_resumes, 0);
}

Test(gdbstub_resume, bs_with_arguments_is_not_bs)
{
	f.target.can_reverse = true;
	rsp_feed_packet(conn, "bs1");
	rsp_expect_reply(&f, "");
	cr_assert_eq(f.reverse_resumes, 0);
}
