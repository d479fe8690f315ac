/*
 * fuzz_rsp.c - libFuzzer target for the GDB remote protocol layer
 * (gdbstub/): arbitrary bytes go through gdb_conn_feed() into framing and
 * dispatch, against a fake target like the one of tests/test_gdbstub_fake.c
 * (plain register structs, 64 KiB of memory, a bounded breakpoint list).
 * Every stop a resume asks for is reported at once, so packets after it
 * are dispatched too.
 *
 * Besides the sanitizers, the oracle checks every byte the stub sends: an
 * ack, or one well-formed packet ($payload#cs, the checksum right, at most
 * GDB_PACKET_SIZE bytes of payload, no unescaped '$', '#' or '*').
 *
 * Input: byte 0 configures the session (FUZZ_* bits below); the rest is
 * either a raw byte stream (fed in two pieces), or, with FUZZ_FRAMED, lines
 * that are each framed as a packet ("$line#cs"), except lines starting
 * with '!', which are sent raw (acks, Ctrl-C, broken frames).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub.h"

#define FUZZ_CPUS_MASK 0x03   /* ncpus - 1 */
#define FUZZ_AMD64 0x04       /* x86-64 register layout, else i386 */
#define FUZZ_I8086 0x08       /* target.xml says i8086 (i386 layout) */
#define FUZZ_FRAMED 0x10      /* lines are framed as packets */
#define FUZZ_EXITS 0x20       /* a resume ends with the guest exiting */
#define FUZZ_TARGET_FAILS 0x40 /* registers, memory, breakpoints, resume fail */
#define FUZZ_HANG_UP 0x80     /* sending fails after HANG_UP_AFTER bytes */

#define MAX_CPUS 4
#define MEM_SIZE 0x10000
#define MAX_BPS 64
#define HANG_UP_AFTER 4096
#define RAW_LINE '!'
#define GDB_SIGTRAP 5
#define GDB_SIGINT 2
#define MONITOR_BIG "big"
#define MONITOR_BIG_LEN 20000

struct fake {
	struct gdb_target target;
	struct gdb_regs regs[MAX_CPUS];
	uint8_t mem[MEM_SIZE];
	struct { enum gdb_bp_type type; uint64_t addr; } bp[MAX_BPS];
	int nbp;
	bool fail, hang_up, interrupted;
	size_t sent;
	unsigned stops;
};

static struct fake fake;

/* ---- the oracle: what the stub sends must be acks or sound packets ---- */

/* The oracle and the set-up are not code under test: no coverage feedback
 * from them (their per-byte comparisons would only slow the fuzzer down). */
#define NOT_FUZZED __attribute__((no_sanitize("coverage")))

static NOT_FUZZED int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* the stub sends lower-case checksums only */
}

static NOT_FUZZED void check_output(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	if (len == 1 && (p[0] == '+' || p[0] == '-'))
		return;
	if (len < 4 || p[0] != '$' || p[len - 3] != '#' || len - 4 > GDB_PACKET_SIZE)
		abort();
	for (size_t i = 1; i < len - 3; i++) {
		if (p[i] == '$' || p[i] == '#' || p[i] == '*')
			abort();
		sum = (uint8_t)(sum + p[i]);
	}
	if (hex_value(p[len - 2]) < 0 || hex_value(p[len - 1]) < 0 ||
	    (hex_value(p[len - 2]) << 4 | hex_value(p[len - 1])) != sum)
		abort();
}

/* ---- the fake target -------------------------------------------------------- */

static int fake_write(void *opaque, const void *buf, size_t len)
{
	struct fake *f = opaque;

	check_output(buf, len);
	if (f->hang_up && f->sent + len > HANG_UP_AFTER)
		return -1;
	f->sent += len;
	return 0;
}

static bool cpu_ok(const struct fake *f, int cpu)
{
	return cpu >= 0 && cpu < f->target.ncpus;
}

static int fake_get_regs(void *opaque, int cpu, struct gdb_regs *regs)
{
	struct fake *f = opaque;

	if (f->fail || !cpu_ok(f, cpu))
		return -1;
	*regs = f->regs[cpu];
	return 0;
}

static int fake_set_regs(void *opaque, int cpu, const struct gdb_regs *regs)
{
	struct fake *f = opaque;

	if (f->fail || !cpu_ok(f, cpu))
		return -1;
	f->regs[cpu] = *regs;
	return 0;
}

static bool in_mem(uint64_t addr, size_t len)
{
	return addr < MEM_SIZE && len <= MEM_SIZE - addr;
}

static int fake_read_mem(void *opaque, int cpu, uint64_t addr, void *buf, size_t len)
{
	struct fake *f = opaque;

	if (f->fail || !cpu_ok(f, cpu) || !in_mem(addr, len))
		return -1;
	memcpy(buf, f->mem + addr, len);
	return 0;
}

static int fake_write_mem(void *opaque, int cpu, uint64_t addr, const void *buf, size_t len)
{
	struct fake *f = opaque;

	if (f->fail || !cpu_ok(f, cpu) || !in_mem(addr, len))
		return -1;
	memcpy(f->mem + addr, buf, len);
	return 0;
}

static int fake_breakpoint(void *opaque, bool insert, enum gdb_bp_type type, uint64_t addr,
			   uint64_t len)
{
	struct fake *f = opaque;

	if ((unsigned)type > GDB_WP_ACCESS)
		abort(); /* the stub must filter unknown types itself */
	if (f->fail)
		return -1;
	for (int i = 0; i < f->nbp; i++) {
		if (f->bp[i].type == type && f->bp[i].addr == addr) {
			if (!insert)
				f->bp[i] = f->bp[--f->nbp];
			return 0;
		}
	}
	if (!insert || f->nbp == MAX_BPS)
		return -1;
	f->bp[f->nbp].type = type;
	f->bp[f->nbp].addr = addr;
	f->nbp++;
	return 0;
}

static int fake_resume(void *opaque, const enum gdb_action *actions)
{
	struct fake *f = opaque;

	if (f->fail)
		return -1;
	for (int i = 0; i < f->target.ncpus; i++)
		if ((unsigned)actions[i] > GDB_ACTION_STEP)
			abort();
	return 0;
}

static void fake_interrupt(void *opaque)
{
	((struct fake *)opaque)->interrupted = true;
}

static int fake_monitor(void *opaque, int cpu, const char *cmd, char *out, size_t outlen)
{
	(void)cpu;
	if (strcmp(cmd, MONITOR_BIG) == 0) {
		/* More than two O packets hold (not all of outlen: that would
		 * only slow each run down). */
		size_t n = outlen - 1 < MONITOR_BIG_LEN ? outlen - 1 : MONITOR_BIG_LEN;

		memset(out, 'x', n);
		out[n] = '\0';
		return 0;
	}
	snprintf(out, outlen, "monitor: %s\n", cmd);
	return cmd[0] ? 0 : -1;
}

static void fake_thread_info(void *opaque, int cpu, char *out, size_t outlen)
{
	snprintf(out, outlen, "vCPU %d (fuzz)", cpu);
}

static void fake_detach(void *opaque)
{
	((struct fake *)opaque)->nbp = 0;
}

static void fake_kill(void *opaque)
{
}

/* ---- driving a session --------------------------------------------------------- */

/* Memory holds its own addresses (as 32-bit words), registers are zero
 * but for the PC: the same start for every input. */
static NOT_FUZZED void reset_fake(struct fake *f)
{
	static uint8_t pristine[MEM_SIZE];
	static bool made;

	if (!made) {
		for (uint32_t a = 0; a < MEM_SIZE; a += sizeof(a))
			memcpy(pristine + a, &a, sizeof(a));
		made = true;
	}
	memset(f, 0, sizeof(*f));
	memcpy(f->mem, pristine, MEM_SIZE);
	for (int c = 0; c < MAX_CPUS; c++)
		f->regs[c].rip = 0x7c00 + (uint64_t)c;
}

/* A resumed target stops at once: a step, a breakpoint, a watchpoint, an
 * interrupt, or (FUZZ_EXITS) the guest's exit. */
static void report_stop(struct gdb_conn *conn, struct fake *f, bool exits)
{
	static const enum gdb_stop_reason reasons[] = {
		GDB_REASON_NONE, GDB_REASON_SWBREAK, GDB_REASON_HWBREAK,
		GDB_REASON_WATCH, GDB_REASON_RWATCH, GDB_REASON_AWATCH,
	};
	unsigned n = f->stops++;
	struct gdb_stop stop = {
		.kind = exits ? GDB_STOP_EXITED : GDB_STOP_SIGNAL,
		.cpu = (int)(n % (MAX_CPUS + 1)) - 1, /* -1 and too high: the stub clamps */
		.signal = f->interrupted ? GDB_SIGINT : GDB_SIGTRAP,
		.reason = reasons[n % (sizeof(reasons) / sizeof(reasons[0]))],
		.addr = 0xffffffffffff0000ULL + n,
		.exit_code = (int)n * 37,
	};

	f->interrupted = false;
	gdb_conn_stopped(conn, &stop);
}

static bool feed(struct gdb_conn *conn, struct fake *f, bool exits, const void *p, size_t len)
{
	bool more = gdb_conn_feed(conn, p, len);

	if (more && gdb_conn_running(conn))
		report_stop(conn, f, exits);
	return more;
}

/* Frame one line as $line#cs and feed it. */
static bool feed_packet(struct gdb_conn *conn, struct fake *f, bool exits, const uint8_t *line,
			size_t len)
{
	uint8_t *frame = malloc(len + 4);
	uint8_t sum = 0;
	static const char digits[] = "0123456789abcdef";
	bool more;

	if (!frame)
		return false;
	frame[0] = '$';
	for (size_t i = 0; i < len; i++) {
		frame[1 + i] = line[i];
		sum = (uint8_t)(sum + line[i]);
	}
	frame[1 + len] = '#';
	frame[2 + len] = (uint8_t)digits[sum >> 4];
	frame[3 + len] = (uint8_t)digits[sum & 0xf];
	more = feed(conn, f, exits, frame, len + 4);
	free(frame);
	return more;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake *f = &fake;
	struct gdb_conn *conn;
	uint8_t config;
	bool exits;

	if (size < 1)
		return 0;
	config = data[0];
	data++;
	size--;
	reset_fake(f);
	f->fail = config & FUZZ_TARGET_FAILS;
	f->hang_up = config & FUZZ_HANG_UP;
	exits = config & FUZZ_EXITS;
	f->target = (struct gdb_target){
		.opaque = f,
		.arch = (config & FUZZ_AMD64) ? GDB_ARCH_AMD64 : GDB_ARCH_I386,
		.xml_arch = (config & FUZZ_AMD64) ? "i386:x86-64"
			    : (config & FUZZ_I8086) ? "i8086" : "i386",
		.ncpus = (config & FUZZ_CPUS_MASK) + 1,
		.write = fake_write,
		.get_regs = fake_get_regs,
		.set_regs = fake_set_regs,
		.read_mem = fake_read_mem,
		.write_mem = fake_write_mem,
		.breakpoint = fake_breakpoint,
		.resume = fake_resume,
		.interrupt = fake_interrupt,
		.monitor = fake_monitor,
		.thread_info = fake_thread_info,
		.detach = fake_detach,
		.kill = fake_kill,
		.stop_fd = -1,
	};
	conn = gdb_conn_new(&f->target);
	if (!conn)
		abort();
	if (!(config & FUZZ_FRAMED)) {
		size_t half = size / 2;

		if (feed(conn, f, exits, data, half))
			feed(conn, f, exits, data + half, size - half);
	} else {
		const uint8_t *p = data, *end = data + size;

		while (p < end) {
			const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
			const uint8_t *line_end = nl ? nl : end;
			bool more;

			if (line_end > p && p[0] == RAW_LINE)
				more = feed(conn, f, exits, p + 1, (size_t)(line_end - p - 1));
			else
				more = feed_packet(conn, f, exits, p, (size_t)(line_end - p));
			if (!more)
				break;
			p = nl ? nl + 1 : end;
		}
	}
	gdb_conn_free(conn);
	return 0;
}
