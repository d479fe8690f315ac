/*
 * query.c - the q packets: what the stub supports (qSupported), the
 * target description (qXfer:features:read:target.xml), threads (one per
 * vCPU: qfThreadInfo, qsThreadInfo, qC, qThreadExtraInfo), qAttached,
 * monitor commands (qRcmd) and qSymbol.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub_internal.h"

/* Room for the text describing one thread (qThreadExtraInfo). */
#define THREAD_INFO_SIZE 256
/* Bytes of console text per O packet: 'O', then two hex digits a byte. */
#define CONSOLE_CHUNK ((GDB_PACKET_SIZE - 1) / 2)

/* --- qSupported -------------------------------------------------------------- */

/* Is `feature` (e.g. "swbreak+") one of gdb's ';'-separated features? */
static bool has_feature(const struct gdb_cursor *features, const char *feature)
{
	size_t len = strlen(feature);
	const char *p = features->p;

	while (p < features->end) {
		const char *next = memchr(p, ';', (size_t)(features->end - p));
		const char *token_end = next ? next : features->end;
		if ((size_t)(token_end - p) == len && memcmp(p, feature, len) == 0)
			return true;
		p = token_end + 1;
	}
	return false;
}

void gdb_handle_qsupported(struct gdb_conn *conn, struct gdb_cursor *args)
{
	if (!gdb_cursor_done(args) && !gdb_cursor_eat(args, ':')) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	conn->gdb_swbreak = has_feature(args, "swbreak+");
	conn->gdb_hwbreak = has_feature(args, "hwbreak+");

	struct gdb_reply *r = gdb_reply_start(conn);
	gdb_reply_printf(r, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;"
			"swbreak+;hwbreak+;vContSupported+", GDB_PACKET_SIZE);
	if (conn->target->can_reverse && conn->target->resume_reverse)
		gdb_reply_puts(r, ";ReverseStep+;ReverseContinue+");
	gdb_reply_send(conn);
}

/* --- qXfer:features:read:target.xml:offset,length ---------------------- */

static bool build_xml(struct gdb_conn *conn)
{
	const struct gdb_target *t = conn->target;

	if (conn->xml)
		return true;
	size_t len = gdb_target_xml(t->arch, t->xml_arch, NULL, 0);
	conn->xml = malloc(len + 1);
	if (!conn->xml)
		return false;
	conn->xml_len = gdb_target_xml(t->arch, t->xml_arch, conn->xml, len + 1);
	return true;
}

/* Reply 'm' + data when more follows, 'l' + data for the last part. The
 * data is binary-escaped; `length` counts bytes before escaping. */
static void send_xml_part(struct gdb_conn *conn, uint64_t offset, uint64_t length)
{
	struct gdb_reply *r = gdb_reply_start(conn);
	size_t pos = offset < conn->xml_len ? (size_t)offset : conn->xml_len;
	uint64_t taken = 0;

	gdb_reply_putc(r, 'l'); /* patched to 'm' below if data remains */
	while (pos < conn->xml_len && taken < length) {
		uint8_t c = (uint8_t)conn->xml[pos];
		size_t need = gdb_needs_escape(c) ? 2 : 1;
		if (r->len + need > sizeof(r->data))
			break;
		if (need == 2) {
			gdb_reply_putc(r, RSP_ESCAPE);
			c ^= RSP_ESCAPE_XOR;
		}
		gdb_reply_putc(r, (char)c);
		pos++;
		taken++;
	}
	if (pos < conn->xml_len)
		r->data[0] = 'm';
	gdb_reply_send(conn);
}

void gdb_handle_qxfer_features(struct gdb_conn *conn, struct gdb_cursor *args)
{
	uint64_t offset, length;

	if (!gdb_cursor_eat_str(args, "target.xml:")) {
		gdb_reply_text(conn, GDB_ERR_ARGS); /* no other annex exists */
		return;
	}
	if (!gdb_cursor_hex(args, &offset) || !gdb_cursor_eat(args, ',') ||
	    !gdb_cursor_hex(args, &length) || !gdb_cursor_done(args) || length == 0) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	if (!build_xml(conn)) {
		gdb_reply_text(conn, GDB_ERR_TARGET);
		return;
	}
	send_xml_part(conn, offset, length);
}

/* --- threads: thread id = vCPU number + 1 -------------------------------------- */

void gdb_handle_qfthreadinfo(struct gdb_conn *conn, struct gdb_cursor *args)
{
	if (conn->exited) {
		gdb_reply_text(conn, "l"); /* the guest exited: no threads are left */
		return;
	}
	struct gdb_reply *r = gdb_reply_start(conn);

	gdb_reply_putc(r, 'm');
	for (int cpu = 0; cpu < conn->target->ncpus; cpu++)
		gdb_reply_printf(r, cpu == 0 ? "%x" : ",%x", (unsigned)cpu + 1);
	gdb_reply_send(conn);
}

void gdb_handle_qsthreadinfo(struct gdb_conn *conn, struct gdb_cursor *args)
{
	gdb_reply_text(conn, "l"); /* qfThreadInfo listed them all */
}

void gdb_handle_qc(struct gdb_conn *conn, struct gdb_cursor *args)
{
	struct gdb_reply *r = gdb_reply_start(conn);

	gdb_reply_printf(r, "QC%x", (unsigned)conn->g_cpu + 1);
	gdb_reply_send(conn);
}

void gdb_handle_qthreadextrainfo(struct gdb_conn *conn, struct gdb_cursor *args)
{
	const struct gdb_target *t = conn->target;
	char text[THREAD_INFO_SIZE];
	int64_t id;

	if (!gdb_cursor_thread(args, &id) || !gdb_cursor_done(args) || id < 1 || id > t->ncpus) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	int cpu = (int)id - 1;
	snprintf(text, sizeof(text), "vCPU %d", cpu);
	if (t->thread_info)
		t->thread_info(t->opaque, cpu, text, sizeof(text));
	text[sizeof(text) - 1] = '\0';

	struct gdb_reply *r = gdb_reply_start(conn);
	gdb_reply_hex(r, text, strlen(text));
	gdb_reply_send(conn);
}

/* qAttached: "1" = gdb attached to a process that was already there (as
 * with QEMU's stub), so quitting gdb detaches: the guest runs on and a
 * later gdb can connect again. `make debug` ends the VMM when its gdb
 * quits (scripts/debug.sh). */
void gdb_handle_qattached(struct gdb_conn *conn, struct gdb_cursor *args)
{
	gdb_reply_text(conn, "1");
}

void gdb_handle_qsymbol(struct gdb_conn *conn, struct gdb_cursor *args)
{
	gdb_reply_text(conn, "OK"); /* no symbols wanted */
}

/* --- qRcmd,<hex command>: gdb's `monitor` command ----------------------------- */

/* Send text to gdb's console as O<hex> packets. */
static void send_console(struct gdb_conn *conn, const char *text, size_t len)
{
	while (len > 0) {
		size_t n = len < CONSOLE_CHUNK ? len : CONSOLE_CHUNK;
		struct gdb_reply *r = gdb_reply_start(conn);
		gdb_reply_putc(r, 'O');
		gdb_reply_hex(r, text, n);
		gdb_reply_send(conn);
		text += n;
		len -= n;
	}
}

void gdb_handle_qrcmd(struct gdb_conn *conn, struct gdb_cursor *args)
{
	const struct gdb_target *t = conn->target;
	size_t hex_len = (size_t)(args->end - args->p);
	char *cmd = (char *)conn->scratch;

	/* scratch holds GDB_PACKET_SIZE bytes: the command and its NUL fit. */
	if (hex_len % 2 != 0 || !gdb_hex_decode(args->p, hex_len / 2, conn->scratch)) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	cmd[hex_len / 2] = '\0';
	if (!t->monitor) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	conn->monitor_out[0] = '\0';
	int ret = t->monitor(t->opaque, conn->g_cpu, cmd, conn->monitor_out,
			     GDB_MONITOR_OUTPUT_SIZE);
	conn->monitor_out[GDB_MONITOR_OUTPUT_SIZE - 1] = '\0';
	send_console(conn, conn->monitor_out, strlen(conn->monitor_out));
	gdb_reply_text(conn, ret == 0 ? "OK" : GDB_ERR_ARGS);
}
