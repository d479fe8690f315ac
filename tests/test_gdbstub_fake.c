/*
 * test_gdbstub_fake.c - the fake debug target and the packet helpers the
 * gdbstub tests share (see test_gdbstub_fake.h).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "test_gdbstub_fake.h"

#define FAKE_OUT_SIZE (4 << 20)
#define GDB_SIGINT 2
#define GDB_SIGTRAP 5
#define WAIT_STEP_NS 1000000L /* 1 ms */
#define WAIT_STEPS 5000       /* 5 s */

static void bump(int *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST);
}

int gdbfake_count(const int *counter)
{
	return __atomic_load_n(counter, __ATOMIC_SEQ_CST);
}

bool gdbfake_wait_count(const int *counter, int value)
{
	struct timespec step = { 0, WAIT_STEP_NS };

	for (int i = 0; i < WAIT_STEPS; i++) {
		if (gdbfake_count(counter) >= value)
			return true;
		nanosleep(&step, NULL);
	}
	return gdbfake_count(counter) >= value;
}

/* --- callbacks ------------------------------------------------------------------ */

static int fake_write(void *opaque, const void *buf, size_t len)
{
	struct fake *f = opaque;

	if (f->fail_write)
		return -1;
	if (f->out_len + len >= FAKE_OUT_SIZE)
		return -1;
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	f->out[f->out_len] = '\0';
	return 0;
}

static int fake_get_regs(void *opaque, int cpu, struct gdb_regs *regs)
{
	struct fake *f = opaque;

	if (f->fail_regs || cpu < 0 || cpu >= f->target.ncpus)
		return -1;
	*regs = f->regs[cpu];
	return 0;
}

static int fake_set_regs(void *opaque, int cpu, const struct gdb_regs *regs)
{
	struct fake *f = opaque;

	if (f->fail_regs || cpu < 0 || cpu >= f->target.ncpus)
		return -1;
	f->regs[cpu] = *regs;
	bump(&f->regs_writes);
	return 0;
}

static bool in_ram(uint64_t addr, size_t len)
{
	return addr < FAKE_MEM_SIZE && len <= FAKE_MEM_SIZE - addr;
}

static int fake_read_mem(void *opaque, int cpu, uint64_t addr, void *buf, size_t len)
{
	struct fake *f = opaque;

	if (!in_ram(addr, len))
		return -1;
	memcpy(buf, f->mem + addr, len);
	return 0;
}

static int fake_write_mem(void *opaque, int cpu, uint64_t addr, const void *buf, size_t len)
{
	struct fake *f = opaque;

	bump(&f->mem_writes);
	if (!in_ram(addr, len))
		return -1;
	memcpy(f->mem + addr, buf, len);
	return 0;
}

static void remove_active(struct fake *f, enum gdb_bp_type type, uint64_t addr)
{
	for (int i = 0; i < f->active_count; i++) {
		if (f->active[i].type == type && f->active[i].addr == addr) {
			f->active[i] = f->active[--f->active_count];
			return;
		}
	}
}

static int fake_breakpoint(void *opaque, bool insert, enum gdb_bp_type type,
			   uint64_t addr, uint64_t len)
{
	struct fake *f = opaque;
	struct fake_bp bp = { insert, type, addr, len };

	if (f->fail_bp)
		return -1;
	if (f->unsupported_bp)
		return GDB_BP_UNSUPPORTED;
	if (f->bp_count < FAKE_MAX_BPS)
		f->bp_log[f->bp_count++] = bp;
	if (!insert)
		remove_active(f, type, addr);
	else if (f->active_count < FAKE_MAX_BPS)
		f->active[f->active_count++] = bp;
	return 0;
}

void gdbfake_queue_stop(struct fake *f, const struct gdb_stop *stop)
{
	uint64_t one = 1;

	f->pending = *stop;
	f->has_pending = true;
	if (write(f->target.stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

static enum gdb_stop_reason watch_reason(enum gdb_bp_type type)
{
	if (type == GDB_WP_READ)
		return GDB_REASON_RWATCH;
	if (type == GDB_WP_ACCESS)
		return GDB_REASON_AWATCH;
	return GDB_REASON_WATCH;
}

/* A continue: stop at the first watchpoint (changing the watched byte, so
 * gdb sees a write), else at the first breakpoint, else keep running. */
static void simulate_continue(struct fake *f, int cpu)
{
	struct gdb_stop stop = { GDB_STOP_SIGNAL, cpu, GDB_SIGTRAP, GDB_REASON_NONE, 0, 0 };

	for (int i = 0; i < f->active_count; i++) {
		const struct fake_bp *bp = &f->active[i];
		if (bp->type >= GDB_WP_WRITE && in_ram(bp->addr, 1)) {
			f->mem[bp->addr]++;
			stop.reason = watch_reason(bp->type);
			stop.addr = bp->addr;
			gdbfake_queue_stop(f, &stop);
			return;
		}
	}
	for (int i = 0; i < f->active_count; i++) {
		const struct fake_bp *bp = &f->active[i];
		if (bp->type <= GDB_BP_HARDWARE) {
			f->regs[cpu].rip = bp->addr;
			stop.reason = bp->type == GDB_BP_SOFTWARE ? GDB_REASON_SWBREAK
								  : GDB_REASON_HWBREAK;
			gdbfake_queue_stop(f, &stop);
			return;
		}
	}
}

static void simulate_resume(struct fake *f, const enum gdb_action *actions)
{
	for (int cpu = 0; cpu < f->target.ncpus; cpu++) {
		if (actions[cpu] == GDB_ACTION_STEP) {
			struct gdb_stop stop = { GDB_STOP_SIGNAL, cpu, GDB_SIGTRAP,
						 GDB_REASON_NONE, 0, 0 };
			f->regs[cpu].rip++;
			gdbfake_queue_stop(f, &stop);
			return;
		}
	}
	for (int cpu = 0; cpu < f->target.ncpus; cpu++) {
		if (actions[cpu] == GDB_ACTION_CONTINUE) {
			simulate_continue(f, cpu);
			return;
		}
	}
}

static int fake_resume(void *opaque, const enum gdb_action *actions)
{
	struct fake *f = opaque;

	if (f->fail_resume)
		return -1;
	memcpy(f->actions, actions, sizeof(*actions) * (size_t)f->target.ncpus);
	if (f->simulate)
		simulate_resume(f, actions);
	bump(&f->resumes);
	return 0;
}

static int fake_resume_reverse(void *opaque, int cpu, enum gdb_action action)
{
	struct fake *f = opaque;

	if (f->fail_resume)
		return -1;
	f->reverse_cpu = cpu;
	f->reverse_action = action;
	bump(&f->reverse_resumes);
	return 0;
}

static void fake_interrupt(void *opaque)
{
	struct fake *f = opaque;
	struct gdb_stop stop = { GDB_STOP_SIGNAL, 0, GDB_SIGINT, GDB_REASON_NONE, 0, 0 };

	if (f->simulate)
		gdbfake_queue_stop(f, &stop);
	bump(&f->interrupts);
}

static int fake_monitor(void *opaque, int cpu, const char *cmd, char *out, size_t outlen)
{
	(void)cpu;
	struct fake *f = opaque;

	snprintf(f->last_monitor, sizeof(f->last_monitor), "%s", cmd);
	if (strcmp(cmd, "hello") == 0) {
		snprintf(out, outlen, "hello, world\n");
		return 0;
	}
	if (strcmp(cmd, "big") == 0) {
		/* More text than one O packet holds. */
		size_t n = outlen - 1;
		for (size_t i = 0; i < n; i++)
			out[i] = (char)('a' + i % 26);
		out[n] = '\0';
		return 0;
	}
	if (strcmp(cmd, "quiet") == 0)
		return 0;
	snprintf(out, outlen, "unknown command: %s\n", cmd);
	return -1;
}

static void fake_thread_info(void *opaque, int cpu, char *out, size_t outlen)
{
	snprintf(out, outlen, "vCPU %d (fake)", cpu);
}

static void fake_detach(void *opaque)
{
	struct fake *f = opaque;

	f->active_count = 0;
	bump(&f->detaches);
}

static void fake_kill(void *opaque)
{
	bump(&((struct fake *)opaque)->kills);
}

static bool fake_take_stop(void *opaque, struct gdb_stop *stop)
{
	struct fake *f = opaque;
	uint64_t count;

	if (read(f->target.stop_fd, &count, sizeof(count)) < 0 || !f->has_pending)
		return false;
	*stop = f->pending;
	f->has_pending = false;
	return true;
}

static int fake_attach(void *opaque)
{
	struct fake *f = opaque;

	bump(&f->attaches);
	return f->fail_attach ? -1 : 0;
}

/* --- setup ---------------------------------------------------------------------- */

void gdbfake_init(struct fake *f, enum gdb_arch arch, const char *xml_arch, int ncpus)
{
	memset(f, 0, sizeof(*f));
	f->out = calloc(1, FAKE_OUT_SIZE);
	cr_assert(f->out);
	f->target = (struct gdb_target){
		.opaque = f,
		.arch = arch,
		.xml_arch = xml_arch,
		.ncpus = ncpus,
		.write = fake_write,
		.get_regs = fake_get_regs,
		.set_regs = fake_set_regs,
		.read_mem = fake_read_mem,
		.write_mem = fake_write_mem,
		.breakpoint = fake_breakpoint,
		.resume = fake_resume,
		.resume_reverse = fake_resume_reverse,
		.interrupt = fake_interrupt,
		.monitor = fake_monitor,
		.thread_info = fake_thread_info,
		.detach = fake_detach,
		.kill = fake_kill,
		.stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC),
		.take_stop = fake_take_stop,
		.attach = fake_attach,
	};
	cr_assert(f->target.stop_fd >= 0);
}

void gdbfake_fini(struct fake *f)
{
	close(f->target.stop_fd);
	free(f->out);
	f->out = NULL;
}

struct gdb_conn *gdbfake_connect(struct fake *f)
{
	struct gdb_conn *conn = gdb_conn_new(&f->target);

	cr_assert(conn, "gdb_conn_new failed");
	return conn;
}

/* --- packets -------------------------------------------------------------------- */

void rsp_frame(const char *payload, size_t len, char *out, size_t size)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + (uint8_t)payload[i]);
	cr_assert(len + 5 <= size, "frame buffer too small");
	out[0] = '$';
	memcpy(out + 1, payload, len);
	snprintf(out + 1 + len, size - 1 - len, "#%02x", sum);
}

bool rsp_feed_str(struct gdb_conn *conn, const char *s)
{
	return gdb_conn_feed(conn, s, strlen(s));
}

bool rsp_feed_packet_len(struct gdb_conn *conn, const char *payload, size_t len)
{
	size_t size = len + 8;
	char *buf = malloc(size);

	cr_assert(buf);
	rsp_frame(payload, len, buf, size);
	bool ret = gdb_conn_feed(conn, buf, len + 4);
	free(buf);
	return ret;
}

bool rsp_feed_packet(struct gdb_conn *conn, const char *payload)
{
	return rsp_feed_packet_len(conn, payload, strlen(payload));
}

const char *gdbfake_output(const struct fake *f)
{
	return f->out;
}

void gdbfake_clear(struct fake *f)
{
	f->out_len = 0;
	f->out[0] = '\0';
}

void rsp_expect_output(struct fake *f, const char *expected)
{
	cr_assert_str_eq(f->out, expected);
	gdbfake_clear(f);
}

static void expect_framed(struct fake *f, const char *prefix, const char *payload)
{
	size_t size = strlen(payload) + 16;
	char *want = malloc(size);

	cr_assert(want);
	strcpy(want, prefix);
	rsp_frame(payload, strlen(payload), want + strlen(prefix), size - strlen(prefix));
	cr_assert_str_eq(f->out, want);
	free(want);
	gdbfake_clear(f);
}

void rsp_expect_reply(struct fake *f, const char *payload)
{
	expect_framed(f, "+", payload);
}

void rsp_expect_packet(struct fake *f, const char *payload)
{
	expect_framed(f, "", payload);
}

char *rsp_hex_text(const char *text, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		out[n++] = digits[*p >> 4];
		out[n++] = digits[*p & 0xf];
	}
	out[n] = '\0';
	return out;
}
