/*
 * resume.c - running and stopping (all-stop mode). c, s, C, S and vCont
 * resume the target, bs and bc run it backwards (reverse-stepi,
 * reverse-continue; offered only when the target can), and send no reply: the reply is the stop reply that
 * follows when the target stops (gdb_conn_stopped): "T05thread:1;" for a
 * stop, "W00" when the guest exited. Until then the connection is
 * "running" and only Ctrl-C (0x03) means something.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gdbstub_internal.h"

/* GDB's signal numbers (not the host's). */
#define GDB_SIGTRAP 5
#define GDB_SIGNAL_MAX 0xff
#define EXIT_CODE_MASK 0xff

bool gdb_conn_running(const struct gdb_conn *conn)
{
	return conn->running;
}

/* --- resuming --------------------------------------------------------------- */

static void start_running(struct gdb_conn *conn)
{
	if (!conn->target->resume ||
	    conn->target->resume(conn->target->opaque, conn->actions) != 0) {
		gdb_reply_text(conn, GDB_ERR_TARGET);
		return;
	}
	conn->running = true;
	conn->tx_len = 0; /* nothing to resend until the stop reply */
}

/* c addr / s addr: set the program counter of `cpu` first. */
static bool set_pc(struct gdb_conn *conn, int cpu, uint64_t addr)
{
	const struct gdb_target *t = conn->target;
	struct gdb_regs regs = { 0 };

	if (!t->get_regs || !t->set_regs || t->get_regs(t->opaque, cpu, &regs) != 0)
		return false;
	regs.rip = addr;
	return t->set_regs(t->opaque, cpu, &regs) == 0;
}

/* The arguments of c/s ("[addr]") or C/S ("sig[;addr]"). The signal is
 * accepted and ignored: there are no signals to deliver to a guest. */
static bool parse_resume(struct gdb_cursor *args, bool with_signal, bool *has_addr, uint64_t *addr)
{
	uint64_t signal;

	*has_addr = false;
	if (with_signal) {
		if (!gdb_cursor_hex(args, &signal))
			return false;
		if (gdb_cursor_done(args))
			return true;
		if (!gdb_cursor_eat(args, ';'))
			return false;
	} else if (gdb_cursor_done(args)) {
		return true;
	}
	*has_addr = true;
	return gdb_cursor_hex(args, addr) && gdb_cursor_done(args);
}

/* c, s, C, S: the thread chosen with Hc (or, if Hc chose all threads, the
 * Hg thread) continues or steps. Other threads continue when Hc chose all
 * threads and stay stopped when Hc chose one (as gdbserver does). */
static void resume_legacy(struct gdb_conn *conn, struct gdb_cursor *args,
			  enum gdb_action action, bool with_signal)
{
	bool has_addr;
	uint64_t addr = 0;
	int cpu = conn->c_cpu >= 0 ? conn->c_cpu : conn->g_cpu;

	if (!parse_resume(args, with_signal, &has_addr, &addr) || conn->exited) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	if (has_addr && !set_pc(conn, cpu, addr)) {
		gdb_reply_text(conn, GDB_ERR_TARGET);
		return;
	}
	for (int i = 0; i < conn->target->ncpus; i++)
		conn->actions[i] = conn->c_cpu >= 0 ? GDB_ACTION_STOP : GDB_ACTION_CONTINUE;
	conn->actions[cpu] = action;
	start_running(conn);
}

void gdb_handle_continue(struct gdb_conn *conn, struct gdb_cursor *args)
{
	resume_legacy(conn, args, GDB_ACTION_CONTINUE, false);
}

void gdb_handle_step(struct gdb_conn *conn, struct gdb_cursor *args)
{
	resume_legacy(conn, args, GDB_ACTION_STEP, false);
}

void gdb_handle_continue_signal(struct gdb_conn *conn, struct gdb_cursor *args)
{
	resume_legacy(conn, args, GDB_ACTION_CONTINUE, true);
}

void gdb_handle_step_signal(struct gdb_conn *conn, struct gdb_cursor *args)
{
	resume_legacy(conn, args, GDB_ACTION_STEP, true);
}

void gdb_handle_vcont_query(struct gdb_conn *conn, struct gdb_cursor *args)
{
	gdb_reply_text(conn, "vCont;c;C;s;S");
}

/* One vCont action: c, s, Csig or Ssig. */
static bool parse_vcont_action(struct gdb_cursor *args, enum gdb_action *action)
{
	uint64_t signal;

	if (gdb_cursor_eat(args, 'c')) {
		*action = GDB_ACTION_CONTINUE;
	} else if (gdb_cursor_eat(args, 's')) {
		*action = GDB_ACTION_STEP;
	} else if (gdb_cursor_eat(args, 'C')) {
		*action = GDB_ACTION_CONTINUE;
		return gdb_cursor_hex(args, &signal);
	} else if (gdb_cursor_eat(args, 'S')) {
		*action = GDB_ACTION_STEP;
		return gdb_cursor_hex(args, &signal);
	} else {
		return false;
	}
	return true;
}

/* Give `action` to thread `id` (or to all threads for -1 and 0) unless an
 * earlier action already chose for it: the leftmost match wins. */
static void apply_vcont_action(struct gdb_conn *conn, enum gdb_action action, int64_t id)
{
	for (int cpu = 0; cpu < conn->target->ncpus; cpu++) {
		bool matches = id == THREAD_ALL || id == THREAD_ANY || id == cpu + 1;
		if (matches && !conn->action_set[cpu]) {
			conn->actions[cpu] = action;
			conn->action_set[cpu] = true;
		}
	}
}

/* Parse every ";action[:thread]" of a vCont (after "vCont;"). */
static bool parse_vcont(struct gdb_conn *conn, struct gdb_cursor *args)
{
	for (int cpu = 0; cpu < conn->target->ncpus; cpu++) {
		conn->actions[cpu] = GDB_ACTION_STOP; /* threads not named */
		conn->action_set[cpu] = false;
	}
	do {
		enum gdb_action action;
		int64_t id = -1;
		if (!parse_vcont_action(args, &action))
			return false;
		if (gdb_cursor_eat(args, ':') &&
		    (!gdb_cursor_thread(args, &id) || id > conn->target->ncpus))
			return false;
		apply_vcont_action(conn, action, id);
	} while (gdb_cursor_eat(args, ';'));
	return gdb_cursor_done(args);
}

static bool any_thread_runs(const struct gdb_conn *conn)
{
	for (int cpu = 0; cpu < conn->target->ncpus; cpu++)
		if (conn->actions[cpu] != GDB_ACTION_STOP)
			return true;
	return false;
}

void gdb_handle_vcont(struct gdb_conn *conn, struct gdb_cursor *args)
{
	if (conn->exited || !parse_vcont(conn, args) || !any_thread_runs(conn)) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	start_running(conn);
}

/* bs, bc: the thread chosen with Hc (or the Hg thread) runs backwards;
 * the others stay where they are. */
static void resume_reverse(struct gdb_conn *conn, enum gdb_action action)
{
	const struct gdb_target *t = conn->target;
	int cpu = conn->c_cpu >= 0 ? conn->c_cpu : conn->g_cpu;

	if (!t->can_reverse || !t->resume_reverse || conn->exited) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	if (t->resume_reverse(t->opaque, cpu, action) != 0) {
		gdb_reply_text(conn, GDB_ERR_TARGET);
		return;
	}
	conn->running = true;
	conn->tx_len = 0; /* nothing to resend until the stop reply */
}

void gdb_handle_reverse_step(struct gdb_conn *conn, struct gdb_cursor *args)
{
	resume_reverse(conn, GDB_ACTION_STEP);
}

void gdb_handle_reverse_continue(struct gdb_conn *conn, struct gdb_cursor *args)
{
	resume_reverse(conn, GDB_ACTION_CONTINUE);
}

/* --- stopping ----------------------------------------------------------------- */

/* The reason part of a T reply, e.g. "swbreak:;" or "watch:1000;".
 * swbreak/hwbreak are only sent to a gdb that said it understands them. */
static void format_reason(const struct gdb_conn *conn, const struct gdb_stop *stop,
			  char *buf, size_t size)
{
	const char *watch = NULL;

	buf[0] = '\0';
	switch (stop->reason) {
	case GDB_REASON_SWBREAK:
		if (conn->gdb_swbreak)
			snprintf(buf, size, "swbreak:;");
		return;
	case GDB_REASON_HWBREAK:
		if (conn->gdb_hwbreak)
			snprintf(buf, size, "hwbreak:;");
		return;
	case GDB_REASON_WATCH:
		watch = "watch";
		break;
	case GDB_REASON_RWATCH:
		watch = "rwatch";
		break;
	case GDB_REASON_AWATCH:
		watch = "awatch";
		break;
	case GDB_REASON_HISTORY_BEGIN:
		snprintf(buf, size, "replaylog:begin;");
		return;
	case GDB_REASON_NONE:
		return;
	}
	if (watch)
		snprintf(buf, size, "%s:%" PRIx64 ";", watch, stop->addr);
}

static int stopped_cpu(const struct gdb_conn *conn, const struct gdb_stop *stop)
{
	return stop->cpu >= 0 && stop->cpu < conn->target->ncpus ? stop->cpu : 0;
}

/* "NN:value;" for the PC, stack and frame pointer of `cpu` (see
 * gdb_target.expedite), in target.xml numbering and byte order. */
static void format_expedited(const struct gdb_conn *conn, int cpu, char *buf, size_t size)
{
	static const char *const names[][3] = {
		[GDB_ARCH_I386] = { "eip", "esp", "ebp" },
		[GDB_ARCH_AMD64] = { "rip", "rsp", "rbp" },
	};
	const struct gdb_target *t = conn->target;
	const struct gdb_layout *layout = gdb_layout(t->arch);
	struct gdb_regs regs;
	size_t n = 0;

	buf[0] = '\0';
	if (!t->expedite || !t->get_regs || t->get_regs(t->opaque, cpu, &regs) != 0)
		return;
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < layout->count; i++) {
			uint8_t bytes[MAX_REG_BYTES];
			size_t len = gdb_reg_bytes(&layout->regs[i]);

			if (strcmp(layout->regs[i].name, names[t->arch][k]) != 0)
				continue;
			if (n + 2 * len + 5 > size)
				return;
			gdb_reg_get(&layout->regs[i], &regs, bytes);
			n += snprintf(buf + n, size - n, "%02zx:", i);
			gdb_hex_encode(bytes, len, buf + n);
			n += 2 * len;
			n += snprintf(buf + n, size - n, ";");
		}
	}
}

static void format_stop(const struct gdb_conn *conn, const struct gdb_stop *stop,
			char *buf, size_t size)
{
	char expedited[GDB_STOP_REPLY_SIZE / 2];
	char reason[GDB_STOP_REASON_SIZE];

	if (stop->kind == GDB_STOP_EXITED) {
		snprintf(buf, size, "W%02x", (unsigned)stop->exit_code & EXIT_CODE_MASK);
		return;
	}
	int signal = stop->signal >= 0 && stop->signal <= GDB_SIGNAL_MAX ? stop->signal
									  : GDB_SIGTRAP;
	format_reason(conn, stop, reason, sizeof(reason));
	format_expedited(conn, stopped_cpu(conn, stop), expedited, sizeof(expedited));
	snprintf(buf, size, "T%02xthread:%x;%s%s", (unsigned)signal,
		 (unsigned)stopped_cpu(conn, stop) + 1, reason, expedited);
}

void gdb_conn_stopped(struct gdb_conn *conn, const struct gdb_stop *stop)
{
	if (!conn->running || !stop)
		return;
	conn->running = false;
	format_stop(conn, stop, conn->stop_reply, sizeof(conn->stop_reply));
	if (stop->kind == GDB_STOP_EXITED)
		conn->exited = true;
	else
		conn->g_cpu = stopped_cpu(conn, stop); /* gdb assumes Hg follows */
	gdb_reply_text(conn, conn->stop_reply);
}

void gdb_handle_stop_query(struct gdb_conn *conn, struct gdb_cursor *args)
{
	if (conn->stop_reply[0] != '\0') {
		gdb_reply_text(conn, conn->stop_reply);
		return;
	}
	/* Not resumed yet: the target was stopped when gdb attached. */
	struct gdb_reply *r = gdb_reply_start(conn);
	gdb_reply_printf(r, "T%02xthread:%x;", GDB_SIGTRAP, (unsigned)conn->g_cpu + 1);
	gdb_reply_send(conn);
}
