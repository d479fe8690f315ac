/*
 * instant_stub.c - the floor of the debugger benchmark (bench/debugger.py):
 * the real RSP server (gdbstub/) in front of a target that answers at
 * once. It holds a guest's flat image in memory at 0x7c00 and never runs
 * it: `continue` jumps straight to the next breakpoint above the PC (or
 * the lowest one), or, with a write watchpoint set, adds one to the
 * watched 16-bit value and reports the watchpoint; `stepi` moves the PC by
 * one byte. What a gdb session costs against it is gdb's own work.
 *
 * usage: instant_stub IMAGE.bin   (prints "gdb: listening on 127.0.0.1:PORT")
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "gdbstub.h"

#define MEM_SIZE (1UL << 20)   /* real mode: 1 MiB */
#define LOAD_ADDR 0x7c00
#define MAX_BPS 64
#define GDB_SIGTRAP 5

struct instant {
	struct gdb_target target;
	uint8_t mem[MEM_SIZE];
	struct gdb_regs regs;
	uint64_t bp[MAX_BPS];
	int nbp;
	uint64_t watch;          /* address of the write watchpoint, 0 if none */
	struct gdb_stop stop;
	bool stop_ready;
	int quit_fd;
};

static void post(struct instant *t, struct gdb_stop stop)
{
	uint64_t one = 1;

	t->stop = stop;
	t->stop_ready = true;
	if (write(t->target.stop_fd, &one, sizeof(one)) != sizeof(one))
		perror("instant_stub: stop_fd");
}

static int get_regs(void *opaque, int cpu, struct gdb_regs *regs)
{
	(void)cpu;   /* one vCPU */
	*regs = ((struct instant *)opaque)->regs;
	return 0;
}

static int set_regs(void *opaque, int cpu, const struct gdb_regs *regs)
{
	(void)cpu;
	((struct instant *)opaque)->regs = *regs;
	return 0;
}

static int read_mem(void *opaque, int cpu, uint64_t addr, void *buf, size_t len)
{
	(void)cpu;
	if (addr >= MEM_SIZE || len > MEM_SIZE - addr)
		return -1;
	memcpy(buf, ((struct instant *)opaque)->mem + addr, len);
	return 0;
}

static int write_mem(void *opaque, int cpu, uint64_t addr, const void *buf, size_t len)
{
	(void)cpu;
	if (addr >= MEM_SIZE || len > MEM_SIZE - addr)
		return -1;
	memcpy(((struct instant *)opaque)->mem + addr, buf, len);
	return 0;
}

static int breakpoint(void *opaque, bool insert, enum gdb_bp_type type, uint64_t addr,
		      uint64_t len)
{
	struct instant *t = opaque;

	(void)len;   /* the watched value is 16 bits */
	if (type == GDB_WP_WRITE) {
		t->watch = insert ? addr : 0;
		return 0;
	}
	if (type != GDB_BP_SOFTWARE && type != GDB_BP_HARDWARE)
		return GDB_BP_UNSUPPORTED;
	for (int i = 0; i < t->nbp; i++) {
		if (t->bp[i] == addr) {
			if (!insert)
				t->bp[i] = t->bp[--t->nbp];
			return 0;
		}
	}
	if (!insert || t->nbp == MAX_BPS)
		return -1;
	t->bp[t->nbp++] = addr;
	return 0;
}

/* The breakpoint `continue` reaches: the next one above the PC, else the
 * lowest (the loop goes round). */
static uint64_t next_breakpoint(const struct instant *t)
{
	uint64_t above = UINT64_MAX, lowest = UINT64_MAX;

	for (int i = 0; i < t->nbp; i++) {
		if (t->bp[i] > t->regs.rip && t->bp[i] < above)
			above = t->bp[i];
		if (t->bp[i] < lowest)
			lowest = t->bp[i];
	}
	return above != UINT64_MAX ? above : lowest;
}

static int resume(void *opaque, const enum gdb_action *actions)
{
	struct instant *t = opaque;
	struct gdb_stop stop = { .kind = GDB_STOP_SIGNAL, .signal = GDB_SIGTRAP };
	uint16_t v;

	if (actions[0] == GDB_ACTION_STEP) {
		t->regs.rip++;
	} else if (t->watch && t->watch + sizeof(v) <= MEM_SIZE) {
		memcpy(&v, t->mem + t->watch, sizeof(v));
		v++;
		memcpy(t->mem + t->watch, &v, sizeof(v));
		stop.reason = GDB_REASON_WATCH;
		stop.addr = t->watch;
	} else if (t->nbp) {
		t->regs.rip = next_breakpoint(t);
		stop.reason = GDB_REASON_SWBREAK;
	} else {
		stop = (struct gdb_stop){ .kind = GDB_STOP_EXITED, .exit_code = 0 };
	}
	post(t, stop);
	return 0;
}

static void interrupt(void *opaque)
{
	post(opaque, (struct gdb_stop){ .kind = GDB_STOP_SIGNAL, .signal = 2 });
}

static bool take_stop(void *opaque, struct gdb_stop *stop)
{
	struct instant *t = opaque;
	uint64_t v;

	if (read(t->target.stop_fd, &v, sizeof(v)) < 0 || !t->stop_ready)
		return false;
	t->stop_ready = false;
	*stop = t->stop;
	return true;
}

/* D or k, or gdb went away: this stub serves one session. */
static void end(void *opaque)
{
	uint64_t one = 1;

	if (write(((struct instant *)opaque)->quit_fd, &one, sizeof(one)) != sizeof(one))
		perror("instant_stub: quit_fd");
}

static int attach(void *opaque)
{
	(void)opaque;   /* never running: always stopped */
	return 0;
}

int main(int argc, char **argv)
{
	static struct instant t;
	char err[256];
	uint16_t port;
	FILE *f;
	int listen_fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s IMAGE.bin\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	if (fread(t.mem + LOAD_ADDR, 1, MEM_SIZE - LOAD_ADDR, f) == 0)
		fprintf(stderr, "instant_stub: %s is empty\n", argv[1]);
	fclose(f);
	t.regs.rip = LOAD_ADDR;
	t.quit_fd = eventfd(0, EFD_CLOEXEC);
	t.target = (struct gdb_target){
		.opaque = &t, .arch = GDB_ARCH_I386, .xml_arch = "i8086", .ncpus = 1,
		.expedite = true, .get_regs = get_regs, .set_regs = set_regs,
		.read_mem = read_mem, .write_mem = write_mem, .breakpoint = breakpoint,
		.resume = resume, .interrupt = interrupt, .detach = end, .kill = end,
		.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), .take_stop = take_stop,
		.attach = attach,
	};
	listen_fd = gdb_listen("0", &port, err, sizeof(err));
	if (listen_fd < 0 || t.quit_fd < 0 || t.target.stop_fd < 0) {
		fprintf(stderr, "instant_stub: %s\n", listen_fd < 0 ? err : "eventfd failed");
		return 1;
	}
	fprintf(stderr, "gdb: listening on 127.0.0.1:%u\n", port);
	gdb_serve(listen_fd, &t.target, t.quit_fd);
	return 0;
}
