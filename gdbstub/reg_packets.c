/*
 * registers.c - the register packets: g (read all), G (write all),
 * p n (read register n), P n=value (write register n). Registers travel as
 * hex bytes in target byte order (little-endian), in the order and sizes
 * of the layout table (regs.c), which is also the order of target.xml.
 * They act on the thread chosen with Hg.
 */
#include <string.h>

#include "gdbstub_internal.h"

/* The widest register: an xmm register, 16 bytes. */

static const struct gdb_layout *conn_layout(const struct gdb_conn *conn)
{
	return gdb_layout(conn->target->arch);
}

static bool load_regs(struct gdb_conn *conn, struct gdb_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	return conn->target->get_regs &&
	       conn->target->get_regs(conn->target->opaque, conn->g_cpu, regs) == 0;
}

static bool store_regs(struct gdb_conn *conn, const struct gdb_regs *regs)
{
	return conn->target->set_regs &&
	       conn->target->set_regs(conn->target->opaque, conn->g_cpu, regs) == 0;
}

/* Parse "n" of p/P: a register number that exists in the layout. */
static const struct gdb_reg *parse_regnum(struct gdb_conn *conn, struct gdb_cursor *args)
{
	const struct gdb_layout *layout = conn_layout(conn);
	uint64_t n;

	if (!gdb_cursor_hex(args, &n) || n >= layout->count)
		return NULL;
	return &layout->regs[n];
}

void gdb_handle_read_regs(struct gdb_conn *conn, struct gdb_cursor *args)
{
	const struct gdb_layout *layout = conn_layout(conn);
	struct gdb_regs regs;
	uint8_t bytes[MAX_REG_BYTES];

	if (!load_regs(conn, &regs)) {
		gdb_reply_text(conn, GDB_ERR_TARGET);
		return;
	}
	struct gdb_reply *r = gdb_reply_start(conn);
	for (size_t i = 0; i < layout->count; i++) {
		gdb_reg_get(&layout->regs[i], &regs, bytes);
		gdb_reply_hex(r, bytes, gdb_reg_bytes(&layout->regs[i]));
	}
	gdb_reply_send(conn);
}

void gdb_handle_write_regs(struct gdb_conn *conn, struct gdb_cursor *args)
{
	const struct gdb_layout *layout = conn_layout(conn);
	size_t bytes = gdb_layout_bytes(layout);
	struct gdb_regs regs;

	/* All registers, exactly: a shorter or longer G is an error. */
	if ((size_t)(args->end - args->p) != 2 * bytes ||
	    !gdb_hex_decode(args->p, bytes, conn->scratch)) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	if (!load_regs(conn, &regs)) {
		gdb_reply_text(conn, GDB_ERR_TARGET);
		return;
	}
	const uint8_t *in = conn->scratch;
	for (size_t i = 0; i < layout->count; i++) {
		gdb_reg_set(&layout->regs[i], &regs, in);
		in += gdb_reg_bytes(&layout->regs[i]);
	}
	gdb_reply_text(conn, store_regs(conn, &regs) ? "OK" : GDB_ERR_TARGET);
}

void gdb_handle_read_reg(struct gdb_conn *conn, struct gdb_cursor *args)
{
	const struct gdb_reg *reg = parse_regnum(conn, args);
	struct gdb_regs regs;
	uint8_t bytes[MAX_REG_BYTES];

	if (!reg || !gdb_cursor_done(args)) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	if (!load_regs(conn, &regs)) {
		gdb_reply_text(conn, GDB_ERR_TARGET);
		return;
	}
	gdb_reg_get(reg, &regs, bytes);
	struct gdb_reply *r = gdb_reply_start(conn);
	gdb_reply_hex(r, bytes, gdb_reg_bytes(reg));
	gdb_reply_send(conn);
}

void gdb_handle_write_reg(struct gdb_conn *conn, struct gdb_cursor *args)
{
	const struct gdb_reg *reg = parse_regnum(conn, args);
	struct gdb_regs regs;
	uint8_t bytes[MAX_REG_BYTES];

	if (!reg || !gdb_cursor_eat(args, '=') ||
	    (size_t)(args->end - args->p) != 2 * gdb_reg_bytes(reg) ||
	    !gdb_hex_decode(args->p, gdb_reg_bytes(reg), bytes)) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
		return;
	}
	if (!load_regs(conn, &regs)) {
		gdb_reply_text(conn, GDB_ERR_TARGET);
		return;
	}
	gdb_reg_set(reg, &regs, bytes);
	gdb_reply_text(conn, store_regs(conn, &regs) ? "OK" : GDB_ERR_TARGET);
}
