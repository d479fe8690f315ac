/*
 * packets.c - dispatch: finds the handler of each complete packet by its
 * name, and holds the small packets that need no file of their own
 * (thread selection H, thread alive T, detach D, kill k). Unknown packets
 * get the empty reply, which tells gdb "not supported". Also the cursor
 * helpers every handler uses to parse its arguments.
 */
#include <limits.h>
#include <string.h>

#include "gdbstub_internal.h"

/* --- parsing --------------------------------------------------------------- */

bool gdb_cursor_done(const struct gdb_cursor *c)
{
	return c->p >= c->end;
}

bool gdb_cursor_eat(struct gdb_cursor *c, char ch)
{
	if (gdb_cursor_done(c) || *c->p != ch)
		return false;
	c->p++;
	return true;
}

bool gdb_cursor_eat_str(struct gdb_cursor *c, const char *s)
{
	size_t len = strlen(s);

	if ((size_t)(c->end - c->p) < len || memcmp(c->p, s, len) != 0)
		return false;
	c->p += len;
	return true;
}

bool gdb_cursor_hex(struct gdb_cursor *c, uint64_t *value)
{
	uint64_t v = 0;
	const char *start = c->p;

	while (!gdb_cursor_done(c) && gdb_hex_value((unsigned char)*c->p) >= 0) {
		if (v > (UINT64_MAX >> NIBBLE_BITS))
			return false; /* more than 64 bits */
		v = v << NIBBLE_BITS | (uint64_t)gdb_hex_value((unsigned char)*c->p);
		c->p++;
	}
	*value = v;
	return c->p > start;
}

bool gdb_cursor_thread(struct gdb_cursor *c, int64_t *id)
{
	uint64_t v;

	if (gdb_cursor_eat_str(c, "-1")) {
		*id = THREAD_ALL;
		return true;
	}
	if (!gdb_cursor_hex(c, &v) || v > INT_MAX)
		return false;
	*id = (int64_t)v;
	return true;
}

/* --- small packets -------------------------------------------------------- */

/* Hg<id> selects the thread for registers and memory, Hc<id> the thread
 * that c and s resume. -1 (all) and 0 (any) keep Hg's current thread and
 * make c/s resume every thread. */
static void handle_set_thread(struct gdb_conn *conn, struct gdb_cursor *args)
{
	int64_t id;

	if (gdb_cursor_done(args)) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	char op = *args->p++;
	if (!gdb_cursor_thread(args, &id) || !gdb_cursor_done(args) || id > conn->target->ncpus) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	bool specific = id != THREAD_ALL && id != THREAD_ANY;
	if (op == 'g') {
		if (specific)
			conn->g_cpu = (int)id - 1;
	} else if (op == 'c') {
		conn->c_cpu = specific ? (int)id - 1 : -1;
	} else {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	gdb_reply_text(conn, "OK");
}

/* T<id>: is this thread alive? Every vCPU is, until the guest exits. */
static void handle_thread_alive(struct gdb_conn *conn, struct gdb_cursor *args)
{
	int64_t id;

	if (!conn->exited && gdb_cursor_thread(args, &id) && gdb_cursor_done(args) &&
	    id >= 1 && id <= conn->target->ncpus)
		gdb_reply_text(conn, "OK");
	else
		gdb_reply_text(conn, GDB_ERR_ARGS);
}

/* D or D;pid: remove breakpoints and let the guest run on without gdb. */
static void handle_detach(struct gdb_conn *conn, struct gdb_cursor *args)
{
	uint64_t pid;

	if (!gdb_cursor_done(args) &&
	    !(gdb_cursor_eat(args, ';') && gdb_cursor_hex(args, &pid) && gdb_cursor_done(args))) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	if (!conn->exited && conn->target->detach)
		conn->target->detach(conn->target->opaque);
	gdb_reply_text(conn, "OK");
	if (conn->end == GDB_END_NONE)
		conn->end = GDB_END_DETACH;
}

/* k: end the VMM. gdb expects no reply. */
static void handle_kill(struct gdb_conn *conn, struct gdb_cursor *args)
{
	if (conn->target->kill)
		conn->target->kill(conn->target->opaque);
	if (conn->end == GDB_END_NONE)
		conn->end = GDB_END_KILL;
}

/* --- dispatch --------------------------------------------------------------- */

enum match {
	MATCH_EXACT,  /* the whole packet is the name */
	MATCH_PREFIX, /* the name, then arguments */
};

struct packet_handler {
	const char *name;
	enum match match;
	void (*handle)(struct gdb_conn *conn, struct gdb_cursor *args);
};

/* Searched in order: a name must come before any shorter prefix of it. */
static const struct packet_handler handlers[] = {
	{ "?", MATCH_EXACT, gdb_handle_stop_query },
	{ "g", MATCH_EXACT, gdb_handle_read_regs },
	{ "G", MATCH_PREFIX, gdb_handle_write_regs },
	{ "p", MATCH_PREFIX, gdb_handle_read_reg },
	{ "P", MATCH_PREFIX, gdb_handle_write_reg },
	{ "m", MATCH_PREFIX, gdb_handle_read_mem },
	{ "M", MATCH_PREFIX, gdb_handle_write_mem_hex },
	{ "X", MATCH_PREFIX, gdb_handle_write_mem_binary },
	{ "c", MATCH_PREFIX, gdb_handle_continue },
	{ "s", MATCH_PREFIX, gdb_handle_step },
	{ "C", MATCH_PREFIX, gdb_handle_continue_signal },
	{ "S", MATCH_PREFIX, gdb_handle_step_signal },
	{ "bs", MATCH_EXACT, gdb_handle_reverse_step },
	{ "bc", MATCH_EXACT, gdb_handle_reverse_continue },
	{ "vCont?", MATCH_EXACT, gdb_handle_vcont_query },
	{ "vCont;", MATCH_PREFIX, gdb_handle_vcont },
	{ "Z", MATCH_PREFIX, gdb_handle_insert_bp },
	{ "z", MATCH_PREFIX, gdb_handle_remove_bp },
	{ "H", MATCH_PREFIX, handle_set_thread },
	{ "T", MATCH_PREFIX, handle_thread_alive },
	{ "D", MATCH_PREFIX, handle_detach },
	{ "k", MATCH_EXACT, handle_kill },
	{ "qSupported", MATCH_PREFIX, gdb_handle_qsupported },
	{ "qXfer:features:read:", MATCH_PREFIX, gdb_handle_qxfer_features },
	{ "qfThreadInfo", MATCH_EXACT, gdb_handle_qfthreadinfo },
	{ "qsThreadInfo", MATCH_EXACT, gdb_handle_qsthreadinfo },
	{ "qC", MATCH_EXACT, gdb_handle_qc },
	{ "qThreadExtraInfo,", MATCH_PREFIX, gdb_handle_qthreadextrainfo },
	{ "qAttached", MATCH_PREFIX, gdb_handle_qattached },
	{ "qRcmd,", MATCH_PREFIX, gdb_handle_qrcmd },
	{ "qSymbol:", MATCH_PREFIX, gdb_handle_qsymbol },
	{ "QStartNoAckMode", MATCH_EXACT, gdb_handle_start_no_ack },
};

static bool handler_matches(const struct packet_handler *h, const char *payload, size_t len)
{
	size_t name_len = strlen(h->name);

	if (len < name_len || memcmp(payload, h->name, name_len) != 0)
		return false;
	return h->match == MATCH_PREFIX || len == name_len;
}

void gdb_dispatch(struct gdb_conn *conn, const char *payload, size_t len)
{
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		const struct packet_handler *h = &handlers[i];
		if (handler_matches(h, payload, len)) {
			struct gdb_cursor args = { payload + strlen(h->name), payload + len };
			h->handle(conn, &args);
			return;
		}
	}
	/* vMustReplyEmpty, qOffsets, qTStatus and anything else unknown. */
	gdb_reply_text(conn, "");
}
