/*
 * rsp.c - the framing layer of the GDB remote serial protocol. gdb sends
 * packets as $payload#cs (cs: two hex digits, the sum of the payload bytes
 * modulo 256) and each side answers a packet with '+' (received) or '-'
 * (bad checksum, send it again) until QStartNoAckMode turns acks off.
 * Between packets gdb may send 0x03, Ctrl-C. This file turns the byte
 * stream into checked packets for packets.c, frames the replies, and owns
 * the lifetime of struct gdb_conn.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub_internal.h"

/* '$', '#' and the two checksum digits around a payload. */
#define FRAME_OVERHEAD 4
/* Longest piece of text gdb_reply_printf() formats at once. */
#define PRINTF_MAX 256

/* --- connection lifetime ----------------------------------------------- */

struct gdb_conn *gdb_conn_new_writer(const struct gdb_target *target,
				     gdb_write_fn write, void *write_opaque)
{
	if (!target || !write || target->ncpus < 1)
		return NULL;

	struct gdb_conn *conn = calloc(1, sizeof(*conn));
	if (!conn)
		return NULL;
	conn->target = target;
	conn->write = write;
	conn->write_opaque = write_opaque;
	conn->rx_state = RX_IDLE;
	conn->g_cpu = 0;
	conn->c_cpu = -1;
	conn->packet = malloc(GDB_PACKET_SIZE + 1);
	conn->tx = malloc(GDB_PACKET_SIZE + FRAME_OVERHEAD);
	conn->actions = calloc((size_t)target->ncpus, sizeof(*conn->actions));
	conn->action_set = calloc((size_t)target->ncpus, sizeof(*conn->action_set));
	conn->scratch = malloc(GDB_PACKET_SIZE);
	conn->monitor_out = malloc(GDB_MONITOR_OUTPUT_SIZE);
	if (!conn->packet || !conn->tx || !conn->actions || !conn->action_set ||
	    !conn->scratch || !conn->monitor_out) {
		gdb_conn_free(conn);
		return NULL;
	}
	return conn;
}

struct gdb_conn *gdb_conn_new(const struct gdb_target *target)
{
	if (!target)
		return NULL;
	return gdb_conn_new_writer(target, target->write, target->opaque);
}

void gdb_conn_free(struct gdb_conn *conn)
{
	if (!conn)
		return;
	free(conn->packet);
	free(conn->tx);
	free(conn->actions);
	free(conn->action_set);
	free(conn->scratch);
	free(conn->xml);
	free(conn->monitor_out);
	free(conn);
}

enum gdb_end gdb_conn_end(const struct gdb_conn *conn)
{
	return conn->end;
}

bool gdb_conn_exited(const struct gdb_conn *conn)
{
	return conn->exited;
}

bool gdb_conn_needs_detach(const struct gdb_conn *conn)
{
	return !conn->exited && (conn->end == GDB_END_NONE ||
				 conn->end == GDB_END_WRITE_ERROR);
}

/* --- sending ------------------------------------------------------------- */

static void send_raw(struct gdb_conn *conn, const void *buf, size_t len)
{
	if (conn->end == GDB_END_WRITE_ERROR)
		return;
	if (conn->write(conn->write_opaque, buf, len) != 0 && conn->end == GDB_END_NONE)
		conn->end = GDB_END_WRITE_ERROR;
}

/* Frame payload as $payload#cs into conn->tx and send it. */
static void send_packet(struct gdb_conn *conn, const char *payload, size_t len)
{
	uint8_t sum = 0;
	size_t n = 0;

	conn->tx[n++] = RSP_START;
	for (size_t i = 0; i < len; i++) {
		conn->tx[n++] = payload[i];
		sum = (uint8_t)(sum + (uint8_t)payload[i]);
	}
	conn->tx[n++] = RSP_END;
	gdb_hex_encode(&sum, 1, conn->tx + n);
	n += 2;
	conn->tx_len = n;
	send_raw(conn, conn->tx, n);
}

struct gdb_reply *gdb_reply_start(struct gdb_conn *conn)
{
	conn->reply.len = 0;
	conn->reply.overflow = false;
	return &conn->reply;
}

void gdb_reply_putc(struct gdb_reply *r, char c)
{
	if (r->len < sizeof(r->data))
		r->data[r->len++] = c;
	else
		r->overflow = true;
}

void gdb_reply_puts(struct gdb_reply *r, const char *s)
{
	while (*s)
		gdb_reply_putc(r, *s++);
}

void gdb_reply_printf(struct gdb_reply *r, const char *fmt, ...)
{
	char text[PRINTF_MAX];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		r->overflow = true;
		return;
	}
	gdb_reply_puts(r, text);
}

void gdb_reply_hex(struct gdb_reply *r, const void *buf, size_t len)
{
	if (len > (sizeof(r->data) - r->len) / 2) {
		r->overflow = true;
		return;
	}
	gdb_hex_encode(buf, len, r->data + r->len);
	r->len += 2 * len;
}

void gdb_reply_send(struct gdb_conn *conn)
{
	struct gdb_reply *r = &conn->reply;

	/* Every handler sizes its reply to fit; this is only a safety net. */
	if (r->overflow)
		send_packet(conn, GDB_ERR_TOO_LONG, strlen(GDB_ERR_TOO_LONG));
	else
		send_packet(conn, r->data, r->len);
}

void gdb_reply_text(struct gdb_conn *conn, const char *text)
{
	send_packet(conn, text, strlen(text));
}

bool gdb_needs_escape(uint8_t c)
{
	return c == RSP_START || c == RSP_END || c == RSP_ESCAPE || c == RSP_REPEAT;
}

void gdb_handle_start_no_ack(struct gdb_conn *conn, struct gdb_cursor *args)
{
	/* This packet was still acknowledged; from now on nothing is. */
	gdb_reply_text(conn, "OK");
	conn->no_ack = true;
}

/* --- receiving ------------------------------------------------------------ */

static void packet_begin(struct gdb_conn *conn)
{
	conn->rx_state = RX_PAYLOAD;
	conn->packet_len = 0;
	conn->packet_overflow = false;
	conn->packet_malformed = false;
	conn->rx_checksum = 0;
}

static void packet_store(struct gdb_conn *conn, char c)
{
	if (conn->packet_len < GDB_PACKET_SIZE)
		conn->packet[conn->packet_len++] = c;
	else
		conn->packet_overflow = true;
}

/* A packet is complete: acknowledge it and act on it. */
static void packet_end(struct gdb_conn *conn, bool checksum_ok)
{
	conn->rx_state = RX_IDLE;
	if (!checksum_ok) {
		if (!conn->no_ack)
			send_raw(conn, "-", 1);
		return;
	}
	if (!conn->no_ack)
		send_raw(conn, "+", 1);
	/* All-stop: while the target runs gdb only waits for the stop reply
	 * (or sends Ctrl-C). Anything else is dropped. */
	if (conn->running)
		return;
	if (conn->packet_overflow) {
		gdb_reply_text(conn, GDB_ERR_TOO_LONG);
	} else if (conn->packet_malformed) {
		gdb_reply_text(conn, GDB_ERR_ARGS);
	} else {
		conn->packet[conn->packet_len] = '\0';
		gdb_dispatch(conn, conn->packet, conn->packet_len);
	}
}

/* A byte between packets. */
static void rx_idle(struct gdb_conn *conn, uint8_t c)
{
	switch (c) {
	case RSP_START:
		packet_begin(conn);
		break;
	case RSP_NAK:
		if (!conn->no_ack && conn->tx_len > 0)
			send_raw(conn, conn->tx, conn->tx_len);
		break;
	case RSP_INTERRUPT:
		/* Only a running target can be interrupted; a stale Ctrl-C
		 * must not leave a stop event behind for the next resume. */
		if (conn->running && conn->target->interrupt)
			conn->target->interrupt(conn->target->opaque);
		break;
	default:
		/* '+' needs nothing; other noise between packets is ignored. */
		break;
	}
}

static void rx_payload(struct gdb_conn *conn, uint8_t c)
{
	if (c == RSP_END) {
		conn->rx_state = RX_CHECKSUM1;
		return;
	}
	conn->rx_checksum = (uint8_t)(conn->rx_checksum + c);
	if (c == RSP_REPEAT)
		conn->rx_state = RX_REPEAT;
	else
		packet_store(conn, (char)c);
}

/* The byte after '*': how many more copies of the previous byte. */
static void rx_repeat(struct gdb_conn *conn, uint8_t c)
{
	if (c == RSP_END) {
		conn->packet_malformed = true;
		conn->rx_state = RX_CHECKSUM1;
		return;
	}
	conn->rx_checksum = (uint8_t)(conn->rx_checksum + c);
	conn->rx_state = RX_PAYLOAD;
	if (conn->packet_len == 0 || c < RSP_REPEAT_BIAS) {
		conn->packet_malformed = true;
		return;
	}
	char previous = conn->packet[conn->packet_len - 1];
	for (int n = c - RSP_REPEAT_BIAS; n > 0; n--)
		packet_store(conn, previous);
}

static void rx_checksum(struct gdb_conn *conn, uint8_t c)
{
	if (conn->rx_state == RX_CHECKSUM1) {
		conn->rx_digit = gdb_hex_value(c);
		conn->rx_state = RX_CHECKSUM2;
		return;
	}
	int low = gdb_hex_value(c);
	bool ok = conn->rx_digit >= 0 && low >= 0 &&
		  ((conn->rx_digit << NIBBLE_BITS) | low) == conn->rx_checksum;
	packet_end(conn, ok);
}

static void rx_byte(struct gdb_conn *conn, uint8_t c)
{
	/* '$' always starts a new packet, even inside a broken one. */
	if (c == RSP_START && conn->rx_state != RX_IDLE) {
		packet_begin(conn);
		return;
	}
	switch (conn->rx_state) {
	case RX_IDLE:
		rx_idle(conn, c);
		break;
	case RX_PAYLOAD:
		rx_payload(conn, c);
		break;
	case RX_REPEAT:
		rx_repeat(conn, c);
		break;
	case RX_CHECKSUM1:
	case RX_CHECKSUM2:
		rx_checksum(conn, c);
		break;
	}
}

bool gdb_conn_feed(struct gdb_conn *conn, const void *buf, size_t len)
{
	const uint8_t *bytes = buf;

	for (size_t i = 0; i < len && conn->end == GDB_END_NONE; i++)
		rx_byte(conn, bytes[i]);
	return conn->end == GDB_END_NONE;
}
