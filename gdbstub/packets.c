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

bool cursor_done(const struct cursor *c)
{
	return c->p >= c->end;
}

bool cursor_eat(struct cursor *c, char ch)
{
	if (cursor_done(c) || *c->p != ch)
		return false;
	c->p++;
	return true;
}

bool cursor_eat_str(struct cursor *c, const char *s)
{
	size_t len = strlen(s);

	if ((size_t)(c->end - c->p) < len || memcmp(c->p, s, len) != 0)
		return false;
	c->p += len;
	return true;
}

bool cursor_hex(struct cursor *c, uint64_t *value)
{
	uint64_t v = 0;
	const char *start = c->p;

	while (!cursor_done(c) && hex_value((unsigned char)*c->p) >= 0) {
		if (v > (UINT64_MAX >> NIBBLE_BITS))
			return false; /* more than 64 bits */
		v = v << NIBBLE_BITS | (uint64_t)hex_value((unsigned char)*c->p);
		c->p++;
	}
	*value = v;
	return c->p > start;
}

bool cursor_thread(struct cursor *c, int64_t *id)
{
	uint64_t v;

	if (cursor_eat_str(c, "-1")) {
		*id = THREAD_ALL;
		return true;
	}
	if (!cursor_hex(c, &v) || v > INT_MAX)
		return false;
	*id = (int64_t)v;
	return true;
}

/* --- small packets -------------------------------------------------------- */

/* Hg<id> selects the thread for registers and memory, Hc<id> the thread
 * that c and s resume. -1 (all) and 0 (any) keep Hg's current thread and
 * make c/s resume every thread. */
static void handle_set_thread(struct gdb_conn *conn, struct cursor *args)
{
	int64_t id;

	if (cursor_done(args)) {
		reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	char op = *args->p++;
	if (!cursor_thread(args, &id) || !cursor_done(args) || id > conn->target->ncpus) {
		reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	bool specific = id != THREAD_ALL && id != THREAD_ANY;
	if (op == 'g') {
		if (specific)
			conn->g_cpu = (int)id - 1;
	} else if (op == 'c') {
		conn->c_cpu = specific ? (int)id - 1 : -1;
	} else {
		reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	reply_text(conn, "OK");
}

/* T<id>: is this thread alive? Every vCPU is, for the whole session. */
static void handle_thread_alive(struct gdb_conn *conn, struct cursor *args)
{
	int64_t id;

	if (cursor_thread(args, &id) && cursor_done(args) &&
	    id >= 1 && id <= conn->target->ncpus)
		reply_text(conn, "OK");
	else
		reply_text(conn, GDB_ERR_ARGS);
}

/* D or D;pid: remove breakpoints and let the guest run on without gdb. */
static void handle_detach(struct gdb_conn *conn, struct cursor *args)
{
	uint64_t pid;

	if (!cursor_done(args) &&
	    !(cursor_eat(args, ';') && cursor_hex(args, &pid) && cursor_done(args))) {
		reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	if (!conn->exited && conn->target->detach)
		conn->target->detach(conn->target->opaque);
	reply_text(conn, "OK");
	if (conn->end == GDB_END_NONE)
		conn->end = GDB_END_DETACH;
}

/* k: end the VMM. gdb expects no reply. */
static void handle_kill(struct gdb_conn *conn, struct cursor *args)
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
	void (*handle)(struct gdb_conn *conn, struct cursor *args);
};

/* Searched in order: a name must come before any shorter prefix of it. */
static const struct packet_handler handlers[] = {
	{ "?", MATCH_EXACT, handle_stop_query },
	{ "g", MATCH_EXACT, handle_read_regs },
	{ "G", MATCH_PREFIX, handle_write_regs },
	{ "p", MATCH_PREFIX, handle_read_reg },
	{ "P", MATCH_PREFIX, handle_write_reg },
	{ "m", MATCH_PREFIX, handle_read_mem },
	{ "M", MATCH_PREFIX, handle_write_mem_hex },
	{ "X", MATCH_PREFIX, handle_write_mem_binary },
	{ "c", MATCH_PREFIX, handle_continue },
	{ "s", MATCH_PREFIX, handle_step },
	{ "C", MATCH_PREFIX, handle_continue_signal },
	{ "S", MATCH_PREFIX, handle_step_signal },
	{ "vCont?", MATCH_EXACT, handle_vcont_query },
	{ "vCont;", MATCH_PREFIX, handle_vcont },
	{ "Z", MATCH_PREFIX, handle_insert_bp },
	{ "z", MATCH_PREFIX, handle_remove_bp },
	{ "H", MATCH_PREFIX, handle_set_thread },
	{ "T", MATCH_PREFIX, handle_thread_alive },
	{ "D", MATCH_PREFIX, handle_detach },
	{ "k", MATCH_EXACT, handle_kill },
	{ "qSupported", MATCH_PREFIX, handle_qsupported },
	{ "qXfer:features:read:", MATCH_PREFIX, handle_qxfer_features },
	{ "qfThreadInfo", MATCH_EXACT, handle_qfthreadinfo },
	{ "qsThreadInfo", MATCH_EXACT, handle_qsthreadinfo },
	{ "qC", MATCH_EXACT, handle_qc },
	{ "qThreadExtraInfo,", MATCH_PREFIX, handle_qthreadextrainfo },
	{ "qAttached", MATCH_PREFIX, handle_qattached },
	{ "qRcmd,", MATCH_PREFIX, handle_qrcmd },
	{ "qSymbol:", MATCH_PREFIX, handle_qsymbol },
	{ "QStartNoAckMode", MATCH_EXACT, handle_start_no_ack },
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
			struct cursor args = { payload + strlen(h->name), payload + len };
			h->handle(conn, &args);
			return;
		}
	}
	/* vMustReplyEmpty, qOffsets, qTStatus and anything else unknown. */
	reply_text(conn, "");
}
