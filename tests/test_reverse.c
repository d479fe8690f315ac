/*
 * test_reverse.c - reverse debugging with the real gdb (--record, bs/bc,
 * vmm/gdb/record.c): on lesson guests, a state reached backwards equals a
 * fresh run's at the same instruction (every register, the first 2 MiB of
 * memory; gdb writes them with tests/reverse_state.py); reverse-continue
 * finds a breakpoint and the writer of a watched value; input is replayed
 * from the log and output not printed twice (tests/guests/reverse.asm);
 * a recording at its memory limit drops its oldest history and goes on;
 * guests that cannot be replayed are refused.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define REVERSE "tests/guests/reverse.elf"
#define REVERSE_INPUT "xyz"
#define STATE_SCRIPT "tests/reverse_state.py"
#define INTERVAL_ENV "KVM_VMM_RECORD_INTERVAL"
#define SMALL_INTERVAL "16"      /* many checkpoints, even in short runs */
#define STATUS_KILLED 137
#define STATUS_USAGE 2
#define VMM_END_S 60.0
#define STEPS_FORWARD 600        /* stepi this far ... */
#define STEPS_KEPT 200           /* ... then back to here */

/* gdb -batch -x STATE_SCRIPT on guest, connected to port, running cmds
 * (NULL-terminated). */
static void gdb_run(struct run_result *r, int port, const char *guest, const char *const cmds[])
{
	static const char *const options[] = { "-x", STATE_SCRIPT, NULL };

	gdb_batch_with(r, options, guest, "target remote", port, cmds);
	cr_assert_null(strstr(r->err, "Traceback"), "gdb's Python failed:\n%s", r->err);
	/* gdb shows `monitor` output on stderr: the tests look at both. */
	char *both = malloc(r->out_len + r->err_len + 1);
	cr_assert_not_null(both);
	memcpy(both, r->out, r->out_len);
	memcpy(both + r->out_len, r->err, r->err_len + 1);
	free(r->out);
	r->out = both;
	r->out_len += r->err_len;
}

/* Start kvm-vmm --gdb 0 [--record] [the lesson's args] elf. */
static int start_vmm(struct child *vmm, const struct lesson_conf *c, bool record, const char *elf)
{
	char *args[LESSON_MAX_ARGS + 4];
	int n = 0, port;

	if (record)
		args[n++] = "--record";
	for (int i = 0; c && i < c->nargs; i++)
		args[n++] = (char *)c->args[i];
	args[n++] = (char *)elf;
	args[n] = NULL;
	port = child_start_gdb_argv(vmm, args);
	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm->err_buf);
	return port;
}

static void finish_vmm(struct child *vmm, int status, struct run_result *out)
{
	struct run_result r;

	child_wait(vmm, VMM_END_S, &r);
	cr_assert_not(r.timed_out, "kvm-vmm did not end: %s", r.err);
	assert_no_crash_report(r.err, "kvm-vmm");
	cr_assert_eq(r.status, status, "kvm-vmm status %d, not %d: %s", r.status, status, r.err);
	if (out)
		*out = r;
	else
		run_free(&r);
}

/* A fresh directory for the state files of one test. */
static void temp_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/kvm-vmm-reverse-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp");
}

/* The two state files (written by rev_dump) are equal, and exist. */
static void expect_same_state(const char *a, const char *b, const char *what)
{
	size_t la, lb;
	char *sa = slurp(a, &la), *sb = slurp(b, &lb);

	cr_assert_not_null(sa, "%s: no state file %s", what, a);
	cr_assert_not_null(sb, "%s: no state file %s", what, b);
	cr_assert(strstr(sa, "\"rip\"") || strstr(sa, "\"eip\"") || strstr(sa, "\"pc\""),
		  "%s: no program counter in %s", what, a);
	cr_assert(la == lb && memcmp(sa, sb, la) == 0, "%s: states differ:\n%s\n----\n%s", what,
		  sa, sb);
	free(sa);
	free(sb);
}

/*
 * Step a lesson guest STEPS_FORWARD instructions with --record, go back
 * to STEPS_KEPT, and compare with a fresh run that stepped STEPS_KEPT;
 * then step forward again (a replay) and compare with the first time there.
 */
static void steps_back_equal_a_fresh_run(const char *dir)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	char tmp[64], forward[128], back[128], again[128], fresh[128];
	char step_all[32], step_kept[32], step_back[32], step_again[32];
	char dump_forward[192], dump_back[192], dump_again[192], dump_fresh[192];
	int port;

	lesson_load(&c, dir);
	setenv(INTERVAL_ENV, SMALL_INTERVAL, 1);
	temp_dir(tmp, sizeof(tmp));
	snprintf(forward, sizeof(forward), "%s/forward.json", tmp);
	snprintf(back, sizeof(back), "%s/back.json", tmp);
	snprintf(again, sizeof(again), "%s/again.json", tmp);
	snprintf(fresh, sizeof(fresh), "%s/fresh.json", tmp);
	snprintf(step_all, sizeof(step_all), "stepi %d", STEPS_FORWARD);
	snprintf(step_back, sizeof(step_back), "reverse-stepi %d", STEPS_FORWARD - STEPS_KEPT);
	snprintf(step_again, sizeof(step_again), "stepi %d", STEPS_FORWARD - STEPS_KEPT);
	snprintf(step_kept, sizeof(step_kept), "stepi %d", STEPS_KEPT);
	snprintf(dump_forward, sizeof(dump_forward), "python rev_dump('%s')", forward);
	snprintf(dump_back, sizeof(dump_back), "python rev_dump('%s')", back);
	snprintf(dump_again, sizeof(dump_again), "python rev_dump('%s')", again);
	snprintf(dump_fresh, sizeof(dump_fresh), "python rev_dump('%s')", fresh);

	port = start_vmm(&vmm, &c, true, c.guest_elf);
	gdb_run(&g, port, c.guest_elf, (const char *const[]){ step_all, dump_forward, step_back,
		dump_back, step_again, dump_again, "kill", NULL });
	cr_assert_null(strstr(g.out, "No more reverse-execution history"), "%s", g.out);
	finish_vmm(&vmm, STATUS_KILLED, NULL);
	run_free(&g);

	port = start_vmm(&vmm, &c, false, c.guest_elf);
	gdb_run(&g, port, c.guest_elf, (const char *const[]){ step_kept, dump_fresh, "kill", NULL });
	finish_vmm(&vmm, STATUS_KILLED, NULL);
	run_free(&g);

	expect_same_state(back, fresh, "backwards vs a fresh run");
	expect_same_state(again, forward, "replayed forward vs the first time");
	unlink(forward);
	unlink(back);
	unlink(again);
	unlink(fresh);
	rmdir(tmp);
}

Test(reverse, lesson_03_steps_back_to_a_fresh_runs_state, .timeout = 180)
{
	steps_back_equal_a_fresh_run("lessons/03-fibonacci");
}

Test(reverse, lesson_05_steps_back_to_a_fresh_runs_state, .timeout = 180)
{
	steps_back_equal_a_fresh_run("lessons/05-matrix");
}

Test(reverse, lesson_09_steps_back_to_a_fresh_runs_state, .timeout = 180)
{
	steps_back_equal_a_fresh_run("lessons/09-paging");
}

Test(reverse, lesson_14_steps_back_to_a_fresh_runs_state, .timeout = 180)
{
	steps_back_equal_a_fresh_run("lessons/14-c-kernel");
}

/* ---- reverse-continue ------------------------------------------------------------ */

/* Start tests/guests/reverse.elf with --record and its input on stdin. */
static int start_reverse_guest(struct child *vmm, const char *limit_mib)
{
	int port;

	if (limit_mib)
		port = child_start_gdb(vmm, "--record", "--record-limit", limit_mib, REVERSE, NULL);
	else
		port = child_start_gdb(vmm, "--record", REVERSE, NULL);
	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm->err_buf);
	cr_assert_eq(write(vmm->in_fd, REVERSE_INPUT, strlen(REVERSE_INPUT)),
		     (ssize_t)strlen(REVERSE_INPUT));
	close(vmm->in_fd);
	vmm->in_fd = -1;
	return port;
}

Test(reverse, reverse_continue_to_breakpoints_and_the_start, .timeout = 180)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_reverse_guest(&vmm, NULL);

	/* got_byte is reached three times; from `done` going back it is the
	 * third, then the second; then, past the first, the start. */
	gdb_run(&g, port, REVERSE, (const char *const[]){
		"break done", "continue", "break got_byte", "reverse-continue",
		"p/c $al", "p $si", "reverse-continue", "p/c $al", "p $si",
		"reverse-continue", "reverse-continue", "p $pc == _start",
		"delete", "continue", NULL });
	assert_has(g.out, "$1 = 122 'z'\n$2 = 1\n");
	assert_has(g.out, "$3 = 121 'y'\n$4 = 2\n");
	assert_has(g.out, "No more reverse-execution history.");
	assert_has(g.out, "$5 = 1\n");
	finish_vmm(&vmm, 0, &v);
	/* The echo was replayed, not printed again. */
	cr_assert_str_eq(v.out, REVERSE_INPUT "\n");
	run_free(&v);
	run_free(&g);
}

Test(reverse, watch_and_reverse_continue_find_the_writer, .timeout = 180)
{
	struct child vmm;
	struct run_result g;
	int port = start_reverse_guest(&vmm, NULL);

	gdb_run(&g, port, REVERSE, (const char *const[]){
		"break done", "continue", "delete", "watch *(short *)&marker",
		"reverse-continue", "p $pc == after_time", "p *(short *)&marker",
		"stepi", "p *(short *)&marker", "kill", NULL });
	/* Stopped before the instruction that wrote it: the old value back. */
	assert_has(g.out, "Old value = 1\nNew value = 0\nafter_time ()");
	assert_has(g.out, "$1 = 1\n$2 = 0\n");
	assert_has(g.out, "Old value = 0\nNew value = 1\n");
	assert_has(g.out, "$3 = 1\n");
	finish_vmm(&vmm, STATUS_KILLED, NULL);
	run_free(&g);
}

/* `flag` is set and cleared by two instructions in a row, thousands of
 * instructions before `done`: equal at both ends of every stretch of the
 * recording. reverse-continue must still find the instruction that
 * cleared it (the dirty-page log says that stretch wrote its page). */
Test(reverse, a_value_changed_and_changed_back_is_found, .timeout = 180)
{
	struct child vmm;
	struct run_result g;
	int port = start_reverse_guest(&vmm, NULL);

	gdb_run(&g, port, REVERSE, (const char *const[]){
		"break done", "continue", "delete", "watch *(short *)&flag",
		"reverse-continue", "p $pc == flag_cleared", "reverse-continue",
		"p $pc == flag_cleared - 6", "kill", NULL });
	assert_has(g.out, "Old value = 0\nNew value = 1\nflag_cleared ()");
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "Old value = 1\nNew value = 0\n");
	assert_has(g.out, "$2 = 1\n");
	finish_vmm(&vmm, STATUS_KILLED, NULL);
	run_free(&g);
}

/* ---- input and output ------------------------------------------------------------ */

Test(reverse, input_is_replayed_and_output_not_repeated, .timeout = 180)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_reverse_guest(&vmm, NULL);

	/* GETCHAR's bytes and TIME's value come back the same after going
	 * back to the start and forward again; stdin has nothing more. */
	gdb_run(&g, port, REVERSE, (const char *const[]){
		"break after_time", "continue", "p *(unsigned *)&time_low == $eax",
		"set $t = *(unsigned *)&time_low", "reverse-continue", "p *(char *)&last_byte",
		"continue", "p *(unsigned *)&time_low == $t", "p/c *(char *)&last_byte",
		"delete", "continue", NULL });
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "No more reverse-execution history.");
	assert_has(g.out, "$2 = 0 '\\000'\n");
	assert_has(g.out, "$3 = 1\n$4 = 122 'z'\n");
	assert_has(g.out, "exited normally");
	finish_vmm(&vmm, 0, &v);
	cr_assert_str_eq(v.out, REVERSE_INPUT "\n");
	run_free(&v);
	run_free(&g);
}

/* ---- the memory limit ------------------------------------------------------------ */

Test(reverse, at_its_limit_the_oldest_history_goes, .timeout = 180)
{
	struct child vmm;
	struct run_result g;
	int port;
	const char *history;
	unsigned long long first = 0, last = 0;

	setenv(INTERVAL_ENV, SMALL_INTERVAL, 1);
	port = start_reverse_guest(&vmm, "1");
	/* Every 16 instructions a checkpoint with a page or two: 12 000
	 * instructions need more than 1 MiB. */
	gdb_run(&g, port, REVERSE, (const char *const[]){
		"break done", "continue", "monitor record", "delete", "reverse-continue",
		"p $pc >= &count && $pc < &done", "set $c = $ecx", "set $p = $pc", "stepi 5",
		"reverse-stepi 5", "p $ecx == $c && $pc == $p", "kill", NULL });
	history = strstr(g.out, "history: instructions ");
	cr_assert_not_null(history, "%s", g.out);
	cr_assert_eq(sscanf(history, "history: instructions %llu to %llu", &first, &last), 2);
	cr_assert_gt(first, 0, "nothing was dropped: %s", g.out);
	cr_assert_gt(last, first);
	assert_has(g.out, "of a 1 MiB limit");
	/* Back at the oldest history kept: inside the loop, not at the start. */
	assert_has(g.out, "No more reverse-execution history.");
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "$2 = 1\n");
	finish_vmm(&vmm, STATUS_KILLED, NULL);
	run_free(&g);
}

/* ---- what cannot be recorded ------------------------------------------------------ */

Test(reverse, guests_that_cannot_be_replayed_are_refused)
{
	static const struct {
		const char *args[6];
		const char *message;
	} cases[] = {
		{ { "--gdb", "0", "--record", "--smp", "2", NULL },
		  "--record: recording needs a guest with one vCPU (no --smp)" },
		{ { "--gdb", "0", "--record", "--irqchip", NULL },
		  "--record: recording cannot replay interrupts (no --irqchip, --disk or --floppy)" },
		{ { "--record", NULL }, "--record goes with --gdb PORT" },
		{ { "--record-limit", "8", NULL }, "--record-limit goes with --gdb PORT" },
		{ { "--gdb", "0", "--record", "--record-limit", "0", NULL },
		  "--record-limit: '0' is not a number of MiB from 1 to 65536" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[10];
		int n = 0;
		struct run_result r;

		argv[n++] = (char *)vmm_path();
		for (int k = 0; cases[i].args[k]; k++)
			argv[n++] = (char *)cases[i].args[k];
		argv[n++] = REVERSE;
		argv[n] = NULL;
		cr_assert_eq(run_argv(&r, argv, NULL, GUEST_TIMEOUT_S), 0);
		cr_assert_eq(r.status, STATUS_USAGE, "case %zu: status %d: %s", i, r.status, r.err);
		assert_has(r.err, cases[i].message);
		run_free(&r);
	}
}

Test(reverse, monitor_record_on_refused_with_several_vcpus, .timeout = 120)
{
	struct child vmm;
	struct run_result g;
	int port = child_start_gdb(&vmm, "--smp", "2", REVERSE, NULL);

	cr_assert_gt(port, 0, "%s", vmm.err_buf);
	gdb_run(&g, port, REVERSE, (const char *const[]){
		"monitor record on", "monitor record", "kill", NULL });
	assert_has(g.out, "record: recording needs a guest with one vCPU (no --smp)\n");
	assert_has(g.out, "record: off\n");
	finish_vmm(&vmm, STATUS_KILLED, NULL);
	run_free(&g);
}

Test(reverse, monitor_record_on_and_off, .timeout = 120)
{
	struct child vmm;
	struct run_result g;
	int port = child_start_gdb(&vmm, REVERSE, NULL);

	cr_assert_gt(port, 0, "%s", vmm.err_buf);
	close(vmm.in_fd);
	vmm.in_fd = -1;
	/* Without a recording there is no history; with one, from where it
	 * was switched on; off again, none. */
	gdb_run(&g, port, REVERSE, (const char *const[]){
		"stepi 3", "reverse-stepi", "monitor record on", "stepi 4", "reverse-stepi 4",
		"reverse-stepi", "monitor record", "monitor record off",
		"reverse-stepi", "kill", NULL });
	assert_has(g.out, "record: on from the next instruction the guest runs\n");
	assert_has(g.out, "history: instructions 0 to 4 (4 instructions), now at 0\n");
	assert_has(g.out, "record: off; the history is forgotten\n");
	cr_assert_eq(strstr(strstr(g.out, "No more reverse-execution history.") + 1,
			    "No more reverse-execution history.") != NULL, true,
		     "%s", g.out);
	finish_vmm(&vmm, STATUS_KILLED, NULL);
	run_free(&g);
}

Test(reverse, a_change_from_gdb_starts_the_recording_again, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_reverse_guest(&vmm, NULL);

	/* Going back 5, changing a register: what was recorded after it can
	 * no longer happen; the history starts again there. */
	gdb_run(&g, port, REVERSE, (const char *const[]){
		"stepi 10", "reverse-stepi 5", "set $edi = 7", "stepi 2", "monitor record",
		"reverse-stepi 2", "reverse-stepi", "p $edi", "kill", NULL });
	assert_has(g.out, "history: instructions 0 to 2 (2 instructions), now at 2\n");
	assert_has(g.out, "No more reverse-execution history.");
	assert_has(g.out, "$1 = 7\n");
	finish_vmm(&vmm, STATUS_KILLED, &v);
	assert_has(v.err, "record: gdb changed the guest; the recording starts again here");
	run_free(&v);
	run_free(&g);
}

Test(reverse, no_wait_records_from_the_start_and_a_wait_for_input_is_not_undone,
     .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = child_start_gdb(&vmm, "--gdb-no-wait", "--record", "--trace", REVERSE, NULL);

	/* No input yet: the guest ran from its first instruction, recorded,
	 * into GETCHAR (--trace says when it got there), and waits there when
	 * gdb stops it. That instruction is half done: going back from it is
	 * refused. */
	cr_assert_gt(port, 0, "%s", vmm.err_buf);
	cr_assert(child_wait_stderr(&vmm, "hypercall GETCHAR", GUEST_TIMEOUT_S),
		  "the guest never reached GETCHAR:\n%s", vmm.err_buf);
	gdb_run(&g, port, REVERSE, (const char *const[]){
		"monitor record", "reverse-stepi", "kill", NULL });
	/* mov si, mov dx, mov al: three instructions, then the `out`. */
	assert_has(g.out, "history: instructions 0 to 3 (3 instructions), now at 3\n");
	assert_has(g.out, "Remote failure reply: E03");
	finish_vmm(&vmm, STATUS_KILLED, &v);
	assert_has(v.err, "record: the guest is waiting for input; it cannot go back now");
	run_free(&v);
	run_free(&g);
}
