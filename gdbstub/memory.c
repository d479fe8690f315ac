/*
 * memory.c - guest memory and breakpoints: m addr,len (read, hex reply),
 * M addr,len:hex and X addr,len:binary (write), Z/z type,addr,kind
 * (insert/remove a breakpoint or watchpoint). Addresses are linear, as
 * seen by the thread chosen with Hg; the target translates them.
 */
#include <string.h>

#include "gdbstub_internal.h"

/* Memory is mapped (or not) in whole pages: a read that fails as a whole
 * is retried page by page so gdb gets the readable beginning. */
#define PAGE_SIZE 4096
/* Largest m read: its reply carries two hex digits per byte. */
#define MAX_READ (GDB_PACKET_SIZE / 2)
/* Z/z type numbers above this are not breakpoints we know. */
#define MAX_BP_TYPE GDB_WP_ACCESS

/* Parse "addr,len", the start of m, M and X. */
static bool parse_range(struct gdb_cursor *args, uint64_t *addr, uint64_t *len)
{
	/* The last byte, addr + len - 1, must not wrap around past 2^64. */
	return gdb_cursor_hex(args, addr) && gdb_cursor_eat(args, ',') && gdb_cursor_hex(args, len) &&
	       (*len == 0 || *len - 1 <= UINT64_MAX - *addr);
}

static bool read_mem(struct gdb_conn *conn, uint64_t addr, uint8_t *buf, size_t len)
{
	return conn->target->read_mem &&
	       conn->target->read_mem(conn->target->opaque, conn->g_cpu, addr, buf, len) == 0;
}

static bool write_mem(struct gdb_conn *conn, uint64_t addr, const uint8_t *buf, size_t len)
{
	return conn->target->write_mem &&
	       conn->target->write_mem(conn->target->opaque, conn->g_cpu, addr, buf, len) == 0;
}

/* Read as much of [addr, addr+len) as is readable from its start; returns
 * the number of bytes read. */
static size_t read_prefix(struct gdb_conn *conn, uint64_t addr, uint8_t *buf, size_t len)
{
	size_t done = 0;

	if (read_mem(conn, addr, buf, len))
		return len;
	while (done < len) {
		size_t to_page_end = PAGE_SIZE - (size_t)((addr + done) % PAGE_SIZE);
		size_t piece = len - done < to_page_end ? len - done : to_page_end;
		if (!read_mem(conn, addr + done, buf + done, piece))
			break;
		done += piece;
	}
	return done;
}

void gdb_handle_read_mem(struct gdb_conn *conn, struct gdb_cursor *args)
{
	uint64_t addr, len;

	if (!parse_range(args, &addr, &len) || !gdb_cursor_done(args) || len > MAX_READ) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	size_t got = read_prefix(conn, addr, conn->scratch, (size_t)len);
	if (got == 0 && len > 0) {
		gdb_reply_text(conn, GDB_ERR_TARGET);
		return;
	}
	struct gdb_reply *r = gdb_reply_start(conn);
	gdb_reply_hex(r, conn->scratch, got);
	gdb_reply_send(conn);
}

void gdb_handle_write_mem_hex(struct gdb_conn *conn, struct gdb_cursor *args)
{
	uint64_t addr, len;

	if (!parse_range(args, &addr, &len) || !gdb_cursor_eat(args, ':') ||
	    len > GDB_PACKET_SIZE || (uint64_t)(args->end - args->p) != 2 * len ||
	    !gdb_hex_decode(args->p, (size_t)len, conn->scratch)) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	if (len == 0 || write_mem(conn, addr, conn->scratch, (size_t)len))
		gdb_reply_text(conn, "OK");
	else
		gdb_reply_text(conn, GDB_ERR_TARGET);
}

/* Undo the binary escaping of X data into out; returns the byte count,
 * or -1 for a dangling escape or more than `max` bytes. */
static long unescape(struct gdb_cursor *data, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (!gdb_cursor_done(data)) {
		uint8_t c = (uint8_t)*data->p++;
		if (c == RSP_ESCAPE) {
			if (gdb_cursor_done(data))
				return -1;
			c = (uint8_t)(*data->p++ ^ RSP_ESCAPE_XOR);
		}
		if (n == max)
			return -1;
		out[n++] = c;
	}
	return (long)n;
}

void gdb_handle_write_mem_binary(struct gdb_conn *conn, struct gdb_cursor *args)
{
	uint64_t addr, len;

	if (!parse_range(args, &addr, &len) || !gdb_cursor_eat(args, ':') ||
	    len > GDB_PACKET_SIZE) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	long n = unescape(args, conn->scratch, GDB_PACKET_SIZE);
	if (n < 0 || (uint64_t)n != len) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	/* "X addr,0:" is gdb probing whether X is supported. */
	if (len == 0 || write_mem(conn, addr, conn->scratch, (size_t)len))
		gdb_reply_text(conn, "OK");
	else
		gdb_reply_text(conn, GDB_ERR_TARGET);
}

/* Z and z: type,addr,kind, possibly followed by ";cond..." which we do not
 * support (and do not announce), so it is ignored. */
static void handle_bp(struct gdb_conn *conn, struct gdb_cursor *args, bool insert)
{
	uint64_t type, addr, kind;

	if (!gdb_cursor_hex(args, &type) || !gdb_cursor_eat(args, ',') ||
	    !gdb_cursor_hex(args, &addr) || !gdb_cursor_eat(args, ',') ||
	    !gdb_cursor_hex(args, &kind) || !(gdb_cursor_done(args) || gdb_cursor_eat(args, ';'))) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	if (type > MAX_BP_TYPE || !conn->target->breakpoint) {
		gdb_reply_text(conn, ""); /* not supported: gdb falls back */
		return;
	}
	int ret = conn->target->breakpoint(conn->target->opaque, insert,
					   (enum gdb_bp_type)type, addr, kind);
	/* The empty reply tells gdb "this kind is not supported" (it says
	 * so, or falls back to its own way); an error would mean "out of
	 * resources" and abort the next resume. */
	gdb_reply_text(conn, ret == 0 ? "OK" : ret == GDB_BP_UNSUPPORTED ? "" : GDB_ERR_TARGET);
}

void gdb_handle_insert_bp(struct gdb_conn *conn, struct gdb_cursor *args)
{
	handle_bp(conn, args, true);
}

void gdb_handle_remove_bp(struct gdb_conn *conn, struct gdb_cursor *args)
{
	handle_bp(conn, args, false);
}
