/*
 * test_gdbstub_fake.h - a fake debug target for the gdbstub tests: vCPUs
 * that are plain register structs, 64 KiB of memory at address 0, and a
 * record of every callback. With `simulate` set it also behaves like a
 * tiny CPU for the socket and real-gdb tests: a step moves the pc by one,
 * a continue stops at the first inserted watchpoint or breakpoint, or
 * waits for an interrupt; stops are reported through an eventfd.
 */
#ifndef TEST_GDBSTUB_FAKE_H
#define TEST_GDBSTUB_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gdbstub.h"

#define FAKE_MAX_CPUS 4
#define FAKE_MEM_SIZE 0x10000
#define FAKE_MAX_BPS 32

struct fake_bp {
	bool insert;
	enum gdb_bp_type type;
	uint64_t addr;
	uint64_t len;
};

struct fake {
	struct gdb_target target;
	struct gdb_regs regs[FAKE_MAX_CPUS];
	uint8_t mem[FAKE_MEM_SIZE]; /* guest addresses 0 .. FAKE_MEM_SIZE-1 */

	/* What the stub wrote (in-memory tests). */
	char *out;
	size_t out_len;

	/* Failure injection. */
	bool fail_write, fail_regs, fail_bp, fail_resume, fail_attach;
	bool unsupported_bp;   /* the breakpoint callback: GDB_BP_UNSUPPORTED */

	/* Records (counters are updated atomically: the server tests read
	 * them from another thread). */
	enum gdb_action actions[FAKE_MAX_CPUS]; /* of the last resume */
	int reverse_resumes;    /* bs/bc: the last one's cpu and action below */
	int reverse_cpu;
	enum gdb_action reverse_action;
	int resumes, interrupts, detaches, kills, attaches, mem_writes, regs_writes;
	struct fake_bp bp_log[FAKE_MAX_BPS];
	int bp_count;
	char last_monitor[256];

	/* Breakpoints currently inserted (for simulate). */
	struct fake_bp active[FAKE_MAX_BPS];
	int active_count;

	/* Simulation for the socket tests. */
	bool simulate;
	struct gdb_stop pending;
	bool has_pending;
};

/* Set up a fake with `ncpus` vCPUs; stop_fd is an eventfd. */
void gdbfake_init(struct fake *f, enum gdb_arch arch, const char *xml_arch, int ncpus);
void gdbfake_fini(struct fake *f);
/* gdb_conn_new() on the fake; asserts it succeeded. */
struct gdb_conn *gdbfake_connect(struct fake *f);

/* "$payload#cs" into out. */
void rsp_frame(const char *payload, size_t len, char *out, size_t size);
/* Feed a string, or a framed packet, to the stub. */
bool rsp_feed_str(struct gdb_conn *conn, const char *s);
bool rsp_feed_packet(struct gdb_conn *conn, const char *payload);
bool rsp_feed_packet_len(struct gdb_conn *conn, const char *payload, size_t len);

/* Everything written so far (NUL-terminated), and forgetting it. */
const char *gdbfake_output(const struct fake *f);
void gdbfake_clear(struct fake *f);
/* Assert the output is exactly `expected`, then clear it. */
void rsp_expect_output(struct fake *f, const char *expected);
/* Assert the output is exactly "+$payload#cs" (ack + reply), then clear. */
void rsp_expect_reply(struct fake *f, const char *payload);
/* Like rsp_expect_reply, without the ack (no-ack mode or an async reply). */
void rsp_expect_packet(struct fake *f, const char *payload);

/* Hex text of `text` into out (2*strlen+1 bytes). */
char *rsp_hex_text(const char *text, char *out);

/* Queue a stop the server will pick up from stop_fd. */
void gdbfake_queue_stop(struct fake *f, const struct gdb_stop *stop);
/* Read a counter the server thread updates. */
int gdbfake_count(const int *counter);
/* Wait up to 5 s for *counter >= value; returns whether it got there. */
bool gdbfake_wait_count(const int *counter, int value);

#endif
