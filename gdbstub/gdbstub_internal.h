/*
 * gdbstub_internal.h - what the files of gdbstub/ share with each other and
 * nobody else: the connection state, reply building, hex helpers and the
 * register layout table. The public interface is gdbstub.h.
 */
#ifndef GDBSTUB_INTERNAL_H
#define GDBSTUB_INTERNAL_H

#include "gdbstub.h"

/* Error replies. gdb only checks that an error starts with 'E'; the number
 * helps a human reading a `set debug remote 1` log. */
#define GDB_ERR_ARGS "E01"     /* malformed packet, bad hex, bad argument */
#define GDB_ERR_TOO_LONG "E02" /* packet longer than GDB_PACKET_SIZE */
#define GDB_ERR_TARGET "E03"   /* the target refused (memory, registers...) */

/* Room for the text of one monitor command's output. */
#define GDB_MONITOR_OUTPUT_SIZE 65536

/* Room for a stop reply such as "T05thread:1;watch:ffffffff8000;", and
 * for its reason part ("awatch:" and 16 hex digits at most). */
#define GDB_STOP_REPLY_SIZE 192
#define GDB_STOP_REASON_SIZE 40

/* The RSP framing characters. */
enum {
	RSP_START = '$',     /* starts a packet */
	RSP_END = '#',       /* ends the payload; two hex checksum digits follow */
	RSP_ACK = '+',       /* packet received correctly */
	RSP_NAK = '-',       /* bad checksum: please send it again */
	RSP_ESCAPE = '}',    /* binary data: next byte is XORed with RSP_ESCAPE_XOR */
	RSP_REPEAT = '*',    /* run-length encoding: repeat the previous byte */
	RSP_INTERRUPT = 0x03 /* Ctrl-C from gdb, outside any packet */
};
#define RSP_ESCAPE_XOR 0x20
/* In "X*n", the byte n stands for n - RSP_REPEAT_BIAS more copies of X. */
#define RSP_REPEAT_BIAS 29

/* Where the receiver is inside the $payload#xx frame. */
enum rx_state {
	RX_IDLE,     /* between packets: acks, Ctrl-C or '$' */
	RX_PAYLOAD,  /* after '$' */
	RX_REPEAT,   /* after '*': the next byte is a repeat count */
	RX_CHECKSUM1,/* after '#': first checksum digit */
	RX_CHECKSUM2,/* second checksum digit */
};

/* Why a session ended (gdb_conn_feed returned false). */
enum gdb_end {
	GDB_END_NONE,        /* still going */
	GDB_END_DETACH,      /* gdb sent D */
	GDB_END_KILL,        /* gdb sent k */
	GDB_END_WRITE_ERROR, /* a reply could not be sent: the client is gone */
};

/* Sends bytes to gdb; the same contract as gdb_target.write. */
typedef int (*gdb_write_fn)(void *opaque, const void *buf, size_t len);

/* A reply payload being built. Appending never overflows: once full,
 * `overflow` is set and further data is dropped. */
struct gdb_reply {
	char data[GDB_PACKET_SIZE];
	size_t len;
	bool overflow;
};

struct gdb_conn {
	const struct gdb_target *target;
	gdb_write_fn write;
	void *write_opaque;

	/* Receiving (rsp.c). */
	enum rx_state rx_state;
	char *packet;          /* payload, GDB_PACKET_SIZE + 1 for a final NUL */
	size_t packet_len;
	bool packet_overflow;  /* payload longer than GDB_PACKET_SIZE */
	bool packet_malformed; /* e.g. a repeat count with nothing to repeat */
	uint8_t rx_checksum;   /* running sum of the payload bytes */
	int rx_digit;          /* first checksum digit, -1 if not hex */
	bool no_ack;           /* after QStartNoAckMode */

	/* Sending (rsp.c). The last packet sent, resent when gdb answers '-'. */
	char *tx;
	size_t tx_len;
	struct gdb_reply reply;

	/* Session state (packets.c, resume.c, query.c). */
	enum gdb_end end;
	bool running;          /* resumed, waiting for gdb_conn_stopped() */
	bool exited;           /* the guest exited (W sent) */
	int g_cpu;             /* thread for g/G/p/P/m/M (Hg) */
	int c_cpu;             /* thread for c/s (Hc); -1 = all threads */
	bool gdb_swbreak;      /* gdb understands swbreak: in stop replies */
	bool gdb_hwbreak;      /* gdb understands hwbreak: */
	char stop_reply[GDB_STOP_REPLY_SIZE]; /* last one, repeated for '?' */
	enum gdb_action *actions;             /* ncpus entries, for resume() */
	bool *action_set;      /* ncpus entries: vCont chose actions[i] */
	uint8_t *scratch;      /* GDB_PACKET_SIZE bytes for memory and registers */
	char *xml;             /* target.xml, built on first qXfer */
	size_t xml_len;
	char *monitor_out;     /* GDB_MONITOR_OUTPUT_SIZE */
};

/* --- rsp.c: framing ------------------------------------------------------ */

/* Like gdb_conn_new(), with replies going to write(write_opaque, ...)
 * instead of target->write (the server writes to its client socket). */
struct gdb_conn *gdb_conn_new_writer(const struct gdb_target *target,
				     gdb_write_fn write, void *write_opaque);
/* Why the session ended (GDB_END_NONE while it goes on). */
enum gdb_end gdb_conn_end(const struct gdb_conn *conn);
/* Has gdb been told that the guest exited (W)? */
bool gdb_conn_exited(const struct gdb_conn *conn);
/* True when a client that goes away must be treated as a detach: the
 * session did not end with D or k and the guest has not exited. */
bool gdb_conn_needs_detach(const struct gdb_conn *conn);

/* Start a new reply and return it for the append functions below. */
struct gdb_reply *gdb_reply_start(struct gdb_conn *conn);
void gdb_reply_putc(struct gdb_reply *r, char c);
void gdb_reply_puts(struct gdb_reply *r, const char *s);
void gdb_reply_printf(struct gdb_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append `len` bytes as two hex digits each. */
void gdb_reply_hex(struct gdb_reply *r, const void *buf, size_t len);
/* Frame the reply as $...#xx, send it and keep it for retransmission. */
void gdb_reply_send(struct gdb_conn *conn);
/* Start, fill with `text` and send a reply in one go ("OK", "E01", ""). */
void gdb_reply_text(struct gdb_conn *conn, const char *text);
/* True for the bytes binary data must send as RSP_ESCAPE, byte ^ 0x20. */
bool gdb_needs_escape(uint8_t c);
struct gdb_cursor;
/* QStartNoAckMode: reply OK, then stop sending and expecting acks. */
void gdb_handle_start_no_ack(struct gdb_conn *conn, struct gdb_cursor *args);

/* --- packets.c: dispatch -------------------------------------------------- */

/* Handle one complete, checked packet (payload[len] is a NUL). */
void gdb_dispatch(struct gdb_conn *conn, const char *payload, size_t len);

/* A read position in a packet; parsing never goes past `end`. */
struct gdb_cursor {
	const char *p;
	const char *end;
};
bool gdb_cursor_done(const struct gdb_cursor *c);
/* Consume `ch` if it is next. */
bool gdb_cursor_eat(struct gdb_cursor *c, char ch);
/* Consume `s` if the remaining text starts with it. */
bool gdb_cursor_eat_str(struct gdb_cursor *c, const char *s);
/* Thread ids: vCPU n is thread n + 1; these two mean "not one thread". */
#define THREAD_ALL (-1) /* every thread */
#define THREAD_ANY 0    /* whichever thread */
/* Consume one or more hex digits (at most 64 bits of value). */
bool gdb_cursor_hex(struct gdb_cursor *c, uint64_t *value);
/* Consume a thread id: hex, or "-1" (all threads) stored as -1. */
bool gdb_cursor_thread(struct gdb_cursor *c, int64_t *id);

/* --- resume.c: c, s, vCont and stop replies ------------------------------ */

void gdb_handle_continue(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_step(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_continue_signal(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_step_signal(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_vcont(struct gdb_conn *conn, struct gdb_cursor *args);
/* bs, bc: one instruction backwards, or backwards to the previous hit. */
void gdb_handle_reverse_step(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_reverse_continue(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_vcont_query(struct gdb_conn *conn, struct gdb_cursor *args);
/* Reply to '?': the last stop reply, or "stopped by SIGTRAP". */
void gdb_handle_stop_query(struct gdb_conn *conn, struct gdb_cursor *args);

/* --- query.c: q packets ---------------------------------------------------- */

void gdb_handle_qsupported(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_qxfer_features(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_qfthreadinfo(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_qsthreadinfo(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_qc(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_qthreadextrainfo(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_qattached(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_qrcmd(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_qsymbol(struct gdb_conn *conn, struct gdb_cursor *args);

/* --- hex.c ------------------------------------------------------------------ */

/* A hex digit carries 4 bits. */
#define NIBBLE_BITS 4
#define NIBBLE_MASK 0xf

/* Value of a hex digit, or -1. */
int gdb_hex_value(int c);
/* Decode 2*len hex digits into len bytes; false on a non-hex digit. */
bool gdb_hex_decode(const char *hex, size_t len, uint8_t *out);
/* Write 2*len hex digits (no NUL). */
void gdb_hex_encode(const void *buf, size_t len, char *out);

/* --- regs.c: the register layout of target.xml ------------------------------ */

/* The target.xml features, in the order they appear. */
enum gdb_feature {
	FEATURE_CORE,     /* org.gnu.gdb.i386.core */
	FEATURE_SSE,      /* org.gnu.gdb.i386.sse */
	FEATURE_SEGMENTS, /* org.gnu.gdb.i386.segments */
	FEATURE_SYSTEM,   /* org.mini-kvm.system: control registers, EFER */
	FEATURE_COUNT
};

/* How a register is stored in struct gdb_regs. */
enum gdb_reg_storage {
	REG_NUMBER, /* a uint32_t or uint64_t, sent little-endian */
	REG_BYTES,  /* a byte array (x87, xmm), sent as is */
};

/* One register as gdb sees it. */
struct gdb_reg {
	const char *name;
	unsigned bits;           /* size in target.xml and in the g packet */
	const char *type;        /* gdb type name */
	const char *group;       /* register group, or NULL */
	enum gdb_feature feature;
	size_t offset;           /* where it lives in struct gdb_regs */
	size_t field_size;       /* sizeof that field */
	enum gdb_reg_storage storage;
};

struct gdb_layout {
	const struct gdb_reg *regs; /* in target.xml (= register number) order */
	size_t count;
};

#define MAX_REG_BYTES 16 /* the widest register: an xmm */

const struct gdb_layout *gdb_layout(enum gdb_arch arch);
/* Size of one register, and of all of them (a g packet), in bytes. */
size_t gdb_reg_bytes(const struct gdb_reg *reg);
size_t gdb_layout_bytes(const struct gdb_layout *layout);
/* Name of a feature in target.xml. */
const char *gdb_feature_name(enum gdb_feature feature);
/* Copy one register out of regs into bits/8 bytes of gdb's format. */
void gdb_reg_get(const struct gdb_reg *reg, const struct gdb_regs *regs, uint8_t *out);
/* Store bits/8 bytes of gdb's format into one register of regs. A 32-bit
 * register held in a 64-bit field keeps the field's upper half. */
void gdb_reg_set(const struct gdb_reg *reg, struct gdb_regs *regs, const uint8_t *in);

/* --- registers.c, memory.c: g/G/p/P, m/M/X, Z/z --------------------------- */

void gdb_handle_read_regs(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_write_regs(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_read_reg(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_write_reg(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_read_mem(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_write_mem_hex(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_write_mem_binary(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_insert_bp(struct gdb_conn *conn, struct gdb_cursor *args);
void gdb_handle_remove_bp(struct gdb_conn *conn, struct gdb_cursor *args);

#endif
