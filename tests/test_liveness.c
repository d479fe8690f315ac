/*
 * test_liveness.c - kvm-vmm's threads (vCPUs, stdin, console output, the
 * gdb server) must never block each other, and each must finish what it
 * started: running out of file descriptors ends the run with one line;
 * --timeout stops a guest whose output nobody reads; no console line is
 * lost when --irqchip's kick signals interrupt a write; a guest waiting
 * for input blocks neither another guest nor gdb; gdb is answered at any
 * moment (Ctrl-C, `?`, a reconnect, a step of a halted vCPU); every vCPU
 * runs with --irqchip; a step over `in` shows and keeps the result;
 * watchpoints of any length and alignment fire; and a seed guest reads
 * GETCHAR's byte back with `in`. Every run has a hard bound: a hang fails
 * the test, it never stalls the suite.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "probe.h"
#include "vmm.h"

#define G(name) "tests/guests/" name
#define STATUS_FAULT 1
#define STATUS_USAGE 2
#define STATUS_TIMEOUT 124
#define STATUS_KILLED 137
#define RUN_BOUND_S 10.0        /* kvm-vmm is killed after this: it hung */
#define STOP_REPLY_S 2.0        /* the stub answers within this */
#define GUEST_SETTLE_MS 300     /* a guest reaches its blocking point by then */
#define MAX_REPLY 4096
#define GDB_LISTENING "gdb: listening on 127.0.0.1:"
#define CTRL_C "\x03"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int count_lines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* Lines of `text` that do not start with `prefix`. */
/* Lines of text that contain needle. */
static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;

	while (text && *text) {
		const char *end = strchr(text, '\n');
		const char *hit = strstr(text, needle);

		if (hit && (!end || hit < end))
			n++;
		text = end ? end + 1 : NULL;
	}
	return n;
}

static int count_lines_without(const char *text, const char *prefix)
{
	int n = 0;

	while (*text) {
		const char *end = strchr(text, '\n');

		if (strncmp(text, prefix, strlen(prefix)) != 0)
			n++;
		if (!end)
			break;
		text = end + 1;
	}
	return n;
}

/* Wait up to timeout_s for the child to exit, without reading its output
 * (a full stdout pipe must not matter). Returns its exit status (128 +
 * signal if a signal ended it), or -1 if it hung: it is then killed. */
static int wait_exit(struct child *c, double timeout_s)
{
	double deadline = now() + timeout_s;
	int status;

	while (waitpid(c->pid, &status, WNOHANG) == 0) {
		if (now() > deadline) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &status, 0);
			return -1;
		}
		sleep_ms(10);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Read the child's stdout into buf (appending, NUL-terminated) until it
 * contains `needle` or timeout_s passes; true if it does. */
static bool read_stdout_until(struct child *c, char *buf, size_t size, const char *needle,
			      double timeout_s)
{
	double deadline = now() + timeout_s;
	size_t len = strlen(buf);

	while (!strstr(buf, needle)) {
		struct pollfd p = { .fd = c->out_fd, .events = POLLIN };
		double left = deadline - now();
		ssize_t n;

		if (left <= 0 || len + 1 >= size)
			return false;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(c->out_fd, buf + len, size - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return true;
}

/* The address of symbol `name` in the ELF32 guest at `path` (its symbol
 * table, as the linker wrote it); fails the test if there is none. */
static uint32_t guest_symbol(const char *path, const char *name)
{
	size_t size;
	char *file = slurp(path, &size);
	Elf32_Ehdr eh;
	uint32_t value = 0;
	bool found = false;

	cr_assert(file && size >= sizeof(eh), "cannot read %s", path);
	memcpy(&eh, file, sizeof(eh));
	cr_assert(eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf32_Shdr) <= size);
	for (unsigned i = 0; i < eh.e_shnum && !found; i++) {
		Elf32_Shdr sh, strtab;

		memcpy(&sh, file + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_SYMTAB || sh.sh_link >= eh.e_shnum)
			continue;
		memcpy(&strtab, file + eh.e_shoff + sh.sh_link * sizeof(sh), sizeof(strtab));
		for (uint32_t off = 0; off + sizeof(Elf32_Sym) <= sh.sh_size; off += sizeof(Elf32_Sym)) {
			Elf32_Sym sym;

			memcpy(&sym, file + sh.sh_offset + off, sizeof(sym));
			if (strtab.sh_offset + sym.st_name < size &&
			    strcmp(file + strtab.sh_offset + sym.st_name, name) == 0) {
				value = sym.st_value;
				found = true;
				break;
			}
		}
	}
	free(file);
	cr_assert(found, "no symbol %s in %s", name, path);
	return value;
}

/* ---- a raw gdb remote-protocol client ------------------------------------- */

struct rsp {
	int fd;
	char buf[MAX_REPLY];
	size_t len;
};

/* Connect to the stub on 127.0.0.1:port; false if refused. */
static bool rsp_connect(struct rsp *c, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->len = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(c->fd >= 0);
	if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return true;
	close(c->fd);
	c->fd = -1;
	return false;
}

static void rsp_close(struct rsp *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void rsp_send_raw(struct rsp *c, const char *bytes)
{
	size_t len = strlen(bytes);

	cr_assert_eq(send(c->fd, bytes, len, MSG_NOSIGNAL), (ssize_t)len, "send: %s",
		     strerror(errno));
}

/* Send $payload#checksum. */
static void rsp_send(struct rsp *c, const char *payload)
{
	char packet[MAX_REPLY];
	uint8_t sum = 0;

	for (const char *p = payload; *p; p++)
		sum = (uint8_t)(sum + (uint8_t)*p);
	snprintf(packet, sizeof(packet), "$%s#%02x", payload, sum);
	rsp_send_raw(c, packet);
}

/* The payload of the next packet from the stub, acknowledged with '+' as
 * gdb does, into out; false if none came within timeout_s or the stub
 * closed the connection. */
static bool rsp_reply(struct rsp *c, char *out, size_t size, double timeout_s)
{
	double deadline = now() + timeout_s;

	for (;;) {
		char *start = memchr(c->buf, '$', c->len);
		char *hash = start ? memchr(start, '#', c->len - (size_t)(start - c->buf)) : NULL;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		double left = deadline - now();
		ssize_t n;

		if (hash && (size_t)(hash - c->buf) + 3 <= c->len) {
			size_t len = (size_t)(hash - start) - 1;
			size_t used = (size_t)(hash - c->buf) + 3;

			cr_assert_lt(len, size);
			memcpy(out, start + 1, len);
			out[len] = '\0';
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
			rsp_send_raw(c, "+");
			return true;
		}
		if (left <= 0 || c->len == sizeof(c->buf))
			return false;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n <= 0)
			return false;
		c->len += (size_t)n;
	}
}

/* Send a packet and wait for its reply; false if none came in time. */
static bool rsp_ask(struct rsp *c, const char *payload, char *out, size_t size, double timeout_s)
{
	rsp_send(c, payload);
	return rsp_reply(c, out, size, timeout_s);
}

/* Send a packet and expect a reply that starts with `want`. */
static void rsp_expect(struct rsp *c, const char *payload, const char *want)
{
	char reply[MAX_REPLY];

	cr_assert(rsp_ask(c, payload, reply, sizeof(reply), STOP_REPLY_S),
		  "no reply to '%s' within %g s", payload, STOP_REPLY_S);
	cr_assert(strncmp(reply, want, strlen(want)) == 0, "reply to '%s' is '%s', not '%s...'",
		  payload, reply, want);
}

/* Connect and see the stub answer `?` (the guest is stopped at its start). */
static void rsp_attach(struct rsp *c, int port)
{
	cr_assert(rsp_connect(c, port), "cannot connect to the stub on port %d", port);
	rsp_expect(c, "?", "T");
}

/* Hang up, and wait until the stub has closed its end too. */
static void rsp_hang_up(struct rsp *c)
{
	char buf[MAX_REPLY];
	double deadline = now() + STOP_REPLY_S;

	shutdown(c->fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		double left = deadline - now();

		cr_assert(left > 0 && poll(&p, 1, (int)(left * 1000) + 1) > 0,
			  "the stub kept the connection open after the client hung up");
		if (recv(c->fd, buf, sizeof(buf), 0) <= 0)
			break;
	}
	rsp_close(c);
}

/* A register of the stopped thread, by its target.xml number (p packet):
 * little-endian hex, 32 bits in the i386 layout of the real-mode guests. */
static uint32_t rsp_register(struct rsp *c, int number)
{
	char packet[16], reply[MAX_REPLY];
	uint32_t value = 0;

	snprintf(packet, sizeof(packet), "p%x", number);
	cr_assert(rsp_ask(c, packet, reply, sizeof(reply), STOP_REPLY_S), "no reply to %s", packet);
	cr_assert_geq(strlen(reply), 8, "reply to %s: '%s'", packet, reply);
	for (int byte = 3; byte >= 0; byte--) {
		unsigned b;

		cr_assert_eq(sscanf(reply + 2 * byte, "%2x", &b), 1, "reply to %s: '%s'", packet, reply);
		value = value << 8 | b;
	}
	return value;
}

/* Start kvm-vmm --gdb 0 ARGS... and return the port it listens on. */
static int start_gdb(struct child *vmm, ...)
{
	char *argv[32];
	int n = 0, port;
	va_list ap;

	argv[n++] = (char *)vmm_path();
	argv[n++] = "--gdb";
	argv[n++] = "0";
	va_start(ap, vmm);
	while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(child_start(vmm, argv), 0);
	port = child_wait_gdb_port(vmm, RUN_BOUND_S);
	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm->err_buf);
	return port;
}

/* End a kvm-vmm under gdb with `k` and check it went (status 137). */
static void kill_through_gdb(struct rsp *c, struct child *vmm)
{
	struct run_result r;

	rsp_send(c, "k");
	rsp_close(c);
	child_wait(vmm, RUN_BOUND_S, &r);
	cr_assert_not(r.timed_out, "kvm-vmm did not end after k: %s", r.err);
	cr_assert_eq(r.status, STATUS_KILLED, "status %d after k: %s", r.status, r.err);
	run_free(&r);
}

/* ---- running out of file descriptors --------------------------------------- */

/* `ulimit -n` values to try: from too few to open /dev/kvm (with 3, the
 * dynamic loader itself cannot open libc) up to enough for four vCPUs
 * and gdb; every step in between runs out somewhere else. */
#define FD_LIMIT_LOW 4
#define FD_LIMIT_HIGH 16
#define FD_RUN_BOUND_S 3.0      /* a run that fails cleanly ends long before */
#define SMP_CPUS "4"
#define PROBLEMS_LEN 8192

/* A shell that closes every inherited descriptor above stderr (the test
 * runner's own would count against the limit), sets the limit ($1 after
 * the script name) and runs the rest of its arguments. */
#define FD_LIMIT_SCRIPT                                                       \
	"for f in /proc/$$/fd/*; do n=${f##*/};"                              \
	" [ \"$n\" -gt 2 ] && eval \"exec $n>&-\"; done;"                     \
	" ulimit -n \"$1\"; shift; exec \"$@\""

static void fd_limit_argv(char **argv, char *limit_text, int limit, const char *const *args)
{
	int n = 0;

	snprintf(limit_text, 16, "%d", limit);
	argv[n++] = "bash";
	argv[n++] = "-c";
	argv[n++] = FD_LIMIT_SCRIPT;
	argv[n++] = "fd-limit";
	argv[n++] = limit_text;
	argv[n++] = (char *)vmm_path();
	for (; *args; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
}

/* Add one line to the list of problems found so far. */
static void add_problem(char *problems, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_problem(char *problems, const char *fmt, ...)
{
	size_t len = strlen(problems);
	va_list ap;

	if (len + 2 >= PROBLEMS_LEN)
		return;
	va_start(ap, fmt);
	vsnprintf(problems + len, PROBLEMS_LEN - len - 1, fmt, ap);
	va_end(ap);
	strcat(problems, "\n");
}

/*
 * Judge one run that ran out of descriptors. It must end (not hang, not
 * crash) with status 1 (2 is accepted only when the message blames the
 * guest file, which could not be opened) and one line on stderr (besides
 * gdb's "listening" line) that says what ran out. Problems go into
 * `problems`.
 */
static void judge_exhausted_run(char *problems, int limit, const struct run_result *r,
				const char *guest)
{
	if (r->timed_out) {
		add_problem(problems, "ulimit -n %d: hung (killed after %g s); stderr: '%s'", limit,
			    FD_RUN_BOUND_S, r->err);
		return;
	}
	if (r->status > 128)
		add_problem(problems, "ulimit -n %d: killed by signal %d; stderr: '%s'", limit,
			    r->status - 128, r->err);
	else if (r->status != STATUS_FAULT && !(r->status == STATUS_USAGE && strstr(r->err, guest)))
		add_problem(problems, "ulimit -n %d: status %d, not %d; stderr: '%s'", limit,
			    r->status, STATUS_FAULT, r->err);
	if (count_lines_without(r->err, GDB_LISTENING) != 1)
		add_problem(problems, "ulimit -n %d: not one line on stderr: '%s'", limit, r->err);
	if (!strcasestr(r->err, "Too many open files") && !strcasestr(r->err, "file descriptor"))
		add_problem(problems, "ulimit -n %d: stderr does not say what ran out: '%s'", limit,
			    r->err);
}

Test(liveness, running_out_of_descriptors_ends_with_one_line, .timeout = 120)
{
	static const char *const args[] = { "--smp", SMP_CPUS, G("liveness_smp_ids.elf"), NULL };
	static char problems[PROBLEMS_LEN];
	int failed_runs = 0;

	for (int limit = FD_LIMIT_LOW; limit <= FD_LIMIT_HIGH; limit++) {
		char *argv[16], limit_text[16];
		struct run_result r;

		fd_limit_argv(argv, limit_text, limit, args);
		cr_assert_eq(run_argv(&r, argv, NULL, FD_RUN_BOUND_S), 0);
		if (!r.timed_out && r.status == 0) {
			if (count_lines(r.out) != atoi(SMP_CPUS))
				add_problem(problems, "ulimit -n %d: status 0, output '%s'", limit, r.out);
		} else {
			judge_exhausted_run(problems, limit, &r, G("liveness_smp_ids.elf"));
			failed_runs++;
		}
		run_free(&r);
	}
	cr_assert_gt(failed_runs, 0, "no limit was low enough to fail");
	cr_assert_str_eq(problems, "", "running out of descriptors:\n%s", problems);
}

/* A vCPU thread that cannot start (an address-space limit leaves no room
 * for its stack) ends the run with status 1 and one line, without a hang:
 * the vCPUs and the guests that never ran are accounted for (a later
 * guest's were not, and kvm-vmm waited for them for ever). The plain
 * build: a sanitizer's runtime cannot live under such a limit. */
#define THREAD_VM_LIMIT_KB "12000"
#define MANY_GUESTS 60

Test(liveness, a_vcpu_thread_that_cannot_start_ends_with_one_line, .timeout = 60)
{
	const char *vmm = plain_vmm_path() ? plain_vmm_path() : vmm_path();
	char script[8192];
	char *argv[] = { "sh", "-c", script, NULL };
	struct run_result r;
	int n = snprintf(script, sizeof(script), "ulimit -v " THREAD_VM_LIMIT_KB "; exec %s --mem 64K",
			 vmm);

	for (int i = 0; i < MANY_GUESTS; i++)
		n += snprintf(script + n, sizeof(script) - n, " %s", G("liveness_smp_ids.elf"));
	cr_assert_eq(run_argv(&r, argv, NULL, 8), 0);
	cr_assert(!r.timed_out, "kvm-vmm hung when a vCPU thread could not start");
	cr_assert_eq(r.status, 1, "status %d, stderr '%s'", r.status, r.err);
	/* One line for the guest thread; the console writer, when its start
	 * also failed first, says so in a line of its own (output then goes
	 * out directly). */
	cr_assert(strstr(r.err, "cannot start the thread of"), "stderr: '%s'", r.err);
	cr_assert_eq(count_lines(r.err) - count_lines_with(r.err, "console writer"), 1,
		     "stderr: '%s'", r.err);
	run_free(&r);
}

/* Under --gdb, once kvm-vmm listens a client must be served to the
 * guest's end (W00), or kvm-vmm must give up with one line. */
Test(liveness, running_out_of_descriptors_under_gdb_ends_with_one_line, .timeout = 180)
{
	static const char *const args[] = { "--gdb", "0", G("liveness_smp_ids.elf"), NULL };
	static char problems[PROBLEMS_LEN];
	int failed_runs = 0;

	for (int limit = FD_LIMIT_LOW; limit <= FD_LIMIT_HIGH; limit++) {
		char *argv[16], limit_text[16], reply[MAX_REPLY];
		struct child vmm;
		struct run_result r;
		struct rsp c = { .fd = -1 };
		int port;
		bool served = false;

		fd_limit_argv(argv, limit_text, limit, args);
		cr_assert_eq(child_start(&vmm, argv), 0);
		port = child_wait_gdb_port(&vmm, FD_RUN_BOUND_S);
		if (port > 0 && rsp_connect(&c, port) &&
		    rsp_ask(&c, "?", reply, sizeof(reply), STOP_REPLY_S))
			served = rsp_ask(&c, "c", reply, sizeof(reply), FD_RUN_BOUND_S) &&
				 strcmp(reply, "W00") == 0;
		rsp_close(&c);
		child_wait(&vmm, FD_RUN_BOUND_S, &r);
		if (!r.timed_out && r.status == 0) {
			if (!served || count_lines(r.out) != 1)
				add_problem(problems, "ulimit -n %d: status 0, but gdb %s served; "
					    "output '%s'", limit, served ? "was" : "was not", r.out);
		} else {
			judge_exhausted_run(problems, limit, &r, G("liveness_smp_ids.elf"));
			failed_runs++;
		}
		run_free(&r);
	}
	cr_assert_gt(failed_runs, 0, "no limit was low enough to fail");
	cr_assert_str_eq(problems, "", "running out of descriptors under gdb:\n%s", problems);
}

/* ---- --timeout with a stdout nobody reads ------------------------------------- */

/* hostile_flood.asm writes N MiB (N from stdin) and more: far more than a
 * pipe holds, so its console write blocks for good. */
#define FLOOD_MIB "9"
#define TIMEOUT_EXIT_S 5.0      /* --timeout 1 must have ended it by then */

Test(liveness, timeout_stops_a_guest_whose_output_nobody_reads, .timeout = 30)
{
	char *argv[] = { (char *)vmm_path(), "--timeout", "1", "--mode", "protected",
			 G("hostile_flood.elf"), NULL };
	struct child vmm;
	struct run_result r;
	int status;

	cr_assert_eq(child_start(&vmm, argv), 0);
	cr_assert_eq(write(vmm.in_fd, FLOOD_MIB, 1), 1);
	status = wait_exit(&vmm, TIMEOUT_EXIT_S);   /* stdout is never read */
	child_wait(&vmm, RUN_BOUND_S, &r);            /* for stderr; the status is above */
	cr_assert_neq(status, -1, "kvm-vmm --timeout 1 still ran after %g s", TIMEOUT_EXIT_S);
	cr_assert_eq(status, STATUS_TIMEOUT, "status %d: %s", status, r.err);
	run_free(&r);
}

/* ---- no output lost to kick signals ----------------------------------------- */

/* liveness_lines.asm: LINES lines of LINE, in one WRITE hypercall. */
#define LINES 20000
#define LINE "0123456789abcde\n"
#define SLOW_READ_BYTES 8192    /* read this much ... */
#define SLOW_READ_MS 20         /* ... this often: the pipe stays full */

Test(liveness, no_output_is_lost_to_irqchip_kicks, .timeout = 60)
{
	char *argv[] = { (char *)vmm_path(), "--irqchip", "--mode", "protected",
			 G("liveness_lines.elf"), NULL };
	const size_t line_len = strlen(LINE), total = LINES * strlen(LINE);
	const size_t room = total + SLOW_READ_BYTES;   /* more than that is wrong too */
	char *out = malloc(room + 1);
	size_t len = 0;
	double deadline = now() + 2 * RUN_BOUND_S;
	struct child vmm;
	struct run_result r;

	cr_assert(out);
	cr_assert_eq(child_start(&vmm, argv), 0);
	for (;;) {
		struct pollfd p = { .fd = vmm.out_fd, .events = POLLIN };
		size_t want = room - len < SLOW_READ_BYTES ? room - len : SLOW_READ_BYTES;
		ssize_t n;

		cr_assert_lt(now(), deadline, "kvm-vmm did not finish its %d lines", LINES);
		cr_assert_gt(want, 0, "more output than %d lines", LINES);
		sleep_ms(SLOW_READ_MS);
		if (poll(&p, 1, SLOW_READ_MS) <= 0)
			continue;
		n = read(vmm.out_fd, out + len, want);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	child_wait(&vmm, RUN_BOUND_S, &r);
	cr_assert_not(r.timed_out);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_eq(len, total, "%zu bytes, not %zu: %zu lines were lost", len, total,
		     (total - len) / line_len);
	for (size_t off = 0; off < len; off += line_len)
		cr_assert(memcmp(out + off, LINE, line_len) == 0, "line %zu is garbled",
			  off / line_len);
	free(out);
	run_free(&r);
}

/* ---- one guest's input wait does not block another -------------------------- */

Test(liveness, a_guest_waiting_for_input_does_not_block_another, .timeout = 30)
{
	char *argv[] = { (char *)vmm_path(), G("liveness_getchar.elf"), G("liveness_lsr_poll.elf"),
			 NULL };
	char out[MAX_REPLY] = "";
	struct child vmm;
	struct run_result r;
	bool polled;

	cr_assert_eq(child_start(&vmm, argv), 0);
	/* stdin stays open and empty: guest 0 waits in GETCHAR. */
	polled = read_stdout_until(&vmm, out, sizeof(out), "[1] polled\n", RUN_BOUND_S / 2);
	close(vmm.in_fd);
	vmm.in_fd = -1;
	child_wait(&vmm, RUN_BOUND_S, &r);
	cr_assert(polled, "guest 1 did not finish while guest 0 waited for input: '%s'", out);
	cr_assert_not(r.timed_out);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert(strstr(r.out, "[0] got EOF\n"), "'%s%s'", out, r.out);
	run_free(&r);
}

/* ---- the gdb server answers at any moment ----------------------------------- */

Test(liveness, gdb_ctrl_c_stops_a_guest_waiting_for_input, .timeout = 30)
{
	struct child vmm;
	struct rsp c;
	char reply[MAX_REPLY];
	int port = start_gdb(&vmm, G("liveness_getchar.elf"), NULL);

	rsp_attach(&c, port);
	rsp_send(&c, "c");
	sleep_ms(GUEST_SETTLE_MS);   /* now in GETCHAR, stdin open and empty */
	rsp_send_raw(&c, CTRL_C);
	cr_assert(rsp_reply(&c, reply, sizeof(reply), STOP_REPLY_S),
		  "no stop reply within %g s of Ctrl-C", STOP_REPLY_S);
	cr_assert(strncmp(reply, "T02", 3) == 0, "stop reply '%s'", reply);
	rsp_expect(&c, "?", "T02");
	kill_through_gdb(&c, &vmm);
}

Test(liveness, gdb_serves_a_new_client_while_the_guest_waits_for_input, .timeout = 30)
{
	struct child vmm;
	struct rsp c;
	char reply[MAX_REPLY];
	int port = start_gdb(&vmm, G("liveness_getchar.elf"), NULL);

	rsp_attach(&c, port);
	rsp_send(&c, "c");
	sleep_ms(GUEST_SETTLE_MS);   /* now in GETCHAR, stdin open and empty */
	rsp_hang_up(&c);             /* a detach: the guest goes on waiting */
	cr_assert(rsp_connect(&c, port), "the stub refused a new client");
	cr_assert(rsp_ask(&c, "?", reply, sizeof(reply), STOP_REPLY_S),
		  "a new client got no answer to '?' within %g s", STOP_REPLY_S);
	cr_assert(reply[0] == 'T', "reply '%s'", reply);
	kill_through_gdb(&c, &vmm);
}

#define RECONNECTS 10

Test(liveness, gdb_accepts_an_immediate_reconnect, .timeout = 60)
{
	struct child vmm;
	struct rsp c;
	char reply[MAX_REPLY];
	int port = start_gdb(&vmm, G("spin.elf"), NULL);

	for (int i = 0; i < RECONNECTS; i++) {
		cr_assert(rsp_connect(&c, port), "connection %d refused", i + 1);
		cr_assert(rsp_ask(&c, "?", reply, sizeof(reply), STOP_REPLY_S),
			  "connection %d: no answer to '?' (closed by the stub right after "
			  "the previous client hung up?)", i + 1);
		cr_assert(reply[0] == 'T', "connection %d: reply '%s'", i + 1, reply);
		if (i + 1 < RECONNECTS)
			rsp_close(&c);   /* and at once the next connect */
	}
	kill_through_gdb(&c, &vmm);
}

Test(liveness, gdb_answers_a_step_of_a_halted_vcpu, .timeout = 30)
{
	struct child vmm;
	struct rsp c;
	char reply[MAX_REPLY];
	int port = start_gdb(&vmm, "--smp", "2", G("liveness_halt_cpu1.elf"), NULL);

	rsp_attach(&c, port);
	rsp_send(&c, "c");
	sleep_ms(GUEST_SETTLE_MS);   /* vCPU 1 has halted for good, vCPU 0 spins */
	rsp_send_raw(&c, CTRL_C);
	cr_assert(rsp_reply(&c, reply, sizeof(reply), STOP_REPLY_S), "no stop after Ctrl-C");
	cr_assert(strncmp(reply, "T02", 3) == 0, "stop reply '%s'", reply);
	cr_assert(rsp_ask(&c, "vCont;s:2", reply, sizeof(reply), STOP_REPLY_S),
		  "no reply within %g s to a step of the halted vCPU 1", STOP_REPLY_S);
	cr_assert(reply[0] == 'T' || reply[0] == 'E', "reply '%s'", reply);
	kill_through_gdb(&c, &vmm);
}

/* ---- --irqchip runs every vCPU ---------------------------------------------- */

Test(liveness, irqchip_runs_every_vcpu, .timeout = 30)
{
	struct run_result r;

	run_vmm(&r, NULL, RUN_BOUND_S, "--irqchip", "--smp", SMP_CPUS, "--timeout", "5",
		G("liveness_smp_ids.elf"), NULL);
	cr_assert_not(r.timed_out, "kvm-vmm hung");
	for (int id = 0; id < atoi(SMP_CPUS); id++) {
		char line[32];

		snprintf(line, sizeof(line), "vcpu %d\n", id);
		cr_assert(strstr(r.out, line), "vCPU %d did not run; output: '%s'", id, r.out);
	}
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	run_free(&r);
}

/* ---- stepping over `in` --------------------------------------------------- */

#define REG_EAX 0               /* target.xml numbers, i386 layout */
#define REG_EIP 8
#define AL_MASK 0xff
#define LSR_IDLE 0x60           /* 16550 line status: transmitter empty, no input */
#define NEW_AL 'A'

/* Attach to liveness_step_in.elf and step twice: onto the `in`, then over
 * it. */
static int step_over_in(struct child *vmm, struct rsp *c, const char *guest)
{
	int port = start_gdb(vmm, guest, NULL);

	rsp_attach(c, port);
	rsp_expect(c, "s", "T05");
	cr_assert_eq(rsp_register(c, REG_EIP), guest_symbol(guest, "step_in"),
		     "the first step did not reach the `in`");
	rsp_expect(c, "s", "T05");
	return port;
}

Test(liveness, a_step_over_in_stops_after_it_with_its_result, .timeout = 30)
{
	const char *guest = G("liveness_step_in.elf");
	uint32_t after_in = guest_symbol(guest, "after_in");
	struct child vmm;
	struct rsp c;
	uint32_t pc;

	step_over_in(&vmm, &c, guest);
	pc = rsp_register(&c, REG_EIP);
	cr_assert_eq(pc, after_in, "after stepping over `in` the PC is 0x%x, not past it (0x%x)",
		     pc, after_in);
	cr_assert_eq(rsp_register(&c, REG_EAX) & AL_MASK, LSR_IDLE,
		     "AL does not hold what `in` read");
	kill_through_gdb(&c, &vmm);
}

Test(liveness, al_written_after_a_step_over_in_is_kept, .timeout = 30)
{
	struct child vmm;
	struct rsp c;
	struct run_result r;
	char packet[32];
	const char want[] = { NEW_AL, '\n', '\0' };   /* the guest prints AL */

	step_over_in(&vmm, &c, G("liveness_step_in.elf"));
	snprintf(packet, sizeof(packet), "P%x=%02x000000", REG_EAX, NEW_AL);
	rsp_expect(&c, packet, "OK");
	rsp_expect(&c, "c", "W00");
	rsp_close(&c);
	child_wait(&vmm, RUN_BOUND_S, &r);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_str_eq(r.out, want, "the guest printed '%s', not the AL gdb wrote", r.out);
	run_free(&r);
}

/* ---- watchpoints ----------------------------------------------------------- */

/* Does this host's KVM fire data watchpoints in real mode (the probe
 * kvm-vmm itself runs)? Then a write is reported on the vCPU that made it. */
static bool host_has_data_watchpoints(void)
{
	char err[VMM_ERR_LEN];
	const struct host_caps *caps = probe_host(false, err);

	cr_assert_not_null(caps, "host probe: %s", err);
	return caps->hw_watch[MODE_REAL] == PROBE_YES;
}

/* liveness_watch.asm writes one byte at field + offset on its last vCPU.
 * Watch `len` bytes from field + watch_at, let it write at write_at:
 * the write must stop the guest, on that last vCPU (thread number `smp`).
 * Debug registers watch 1, 2, 4 or 8 aligned bytes, so other lengths and
 * misaligned watches need more than one register, or emulation (what the
 * stub does where the host's data breakpoints do not fire). */
static void expect_watch_fires(const char *smp, uint32_t watch_at, uint32_t len,
			       uint32_t write_at)
{
	const char *guest = G("liveness_watch.elf");
	uint32_t field = guest_symbol(guest, "field");
	uint32_t offset = guest_symbol(guest, "offset");
	char packet[64], reply[MAX_REPLY], thread[32];
	struct child vmm;
	struct rsp c;
	int port = start_gdb(&vmm, "--smp", smp, guest, NULL);

	rsp_attach(&c, port);
	/* offset is a little-endian 16-bit word */
	snprintf(packet, sizeof(packet), "M%x,2:%02x%02x", offset, write_at & 0xff, write_at >> 8);
	rsp_expect(&c, packet, "OK");
	snprintf(packet, sizeof(packet), "Z2,%x,%x", field + watch_at, len);
	rsp_expect(&c, packet, "OK");
	cr_assert(rsp_ask(&c, "c", reply, sizeof(reply), RUN_BOUND_S), "no stop reply");
	cr_assert(strncmp(reply, "T05", 3) == 0 && strstr(reply, "watch:"),
		  "a %u-byte watch at field+%u missed the write at field+%u (--smp %s): '%s'", len,
		  watch_at, write_at, smp, reply);
	/* With one vCPU the writer is known. With several, where watchpoints
	 * are emulated (a single step, then a compare, on every vCPU), the
	 * vCPU that reports the write may be another one that stepped while
	 * it happened (docs/gdb.md): the write is seen, the thread may differ. */
	snprintf(thread, sizeof(thread), "thread:%x;", atoi(smp));
	if (atoi(smp) == 1 || host_has_data_watchpoints())
		cr_assert(strstr(reply, thread), "the watch fired on the wrong vCPU: '%s'", reply);
	kill_through_gdb(&c, &vmm);
}

Test(liveness, watch_of_3_bytes_fires_on_its_third_byte, .timeout = 30)
{
	expect_watch_fires("1", 0, 3, 2);
}

Test(liveness, watch_of_5_6_7_bytes_fires_on_its_last_byte, .timeout = 60)
{
	for (uint32_t len = 5; len <= 7; len++)
		expect_watch_fires("1", 0, len, len - 1);
}

Test(liveness, misaligned_watch_of_4_bytes_fires_on_its_last_byte, .timeout = 30)
{
	expect_watch_fires("1", 1, 4, 4);
}

Test(liveness, watch_fires_for_a_write_by_vcpu_1, .timeout = 30)
{
	expect_watch_fires("2", 0, 1, 0);
}

/* ---- seed guests read GETCHAR's byte back with `in` ------------------------ */

Test(liveness, seed_guest_reads_the_getchar_byte_with_in, .timeout = 30)
{
	struct run_result r;

	run_vmm(&r, "Q", RUN_BOUND_S, "--timeout", "5", "tests/guests/flat/seed_getchar.bin", NULL);
	cr_assert_not(r.timed_out, "kvm-vmm hung");
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_str_eq(r.out, "Q\n", "`in al, dx` after GETCHAR gave '%s' (0x%02x), not 'Q'",
			 r.out, (unsigned char)r.out[0]);
	run_free(&r);
}
