/*
 * test_hostile_gdb.c - hostile gdb clients on raw sockets: random bytes,
 * thousands of well-framed packets with random arguments, bad checksums,
 * a 10 MB packet, memory reads and writes past RAM or wrapping around, G
 * of the wrong length, Z of absurd kinds, thousands of breakpoints,
 * hang-ups in mid-packet, a second client while one is attached; and the
 * stub listens on the loopback address only. The guest is
 * tests/guests/spin.elf (a closed connection is a detach: the guest runs
 * on); each test ends with a real gdb that must still be served and find
 * the guest spinning where it should, then kills it; kvm-vmm must end
 * with no crash or sanitizer report.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define SPIN "tests/guests/spin.elf"
#define SPIN_PC "$1 = 1"        /* $pc == spin: its `jmp spin` */
#define SPIN_OUT "spinning\n"
#define SPIN_RAM_END 0x1000000  /* default --mem 16M */
#define SCRATCH 0x9000          /* RAM the spinning guest never uses */
#define STATUS_KILLED 137
#define REPLY_TIMEOUT_S 20.0
#define MAX_REPLY (1 << 16)
#define BIG_PACKET (10 << 20)   /* the 10 MB packet */
#define RANDOM_BYTES (256 << 10)
#define RANDOM_REPLIES_MAX 1000
#define MANY_BREAKPOINTS 3000
#define MANY_BP_BASE 0x10000
#define FUZZ_PACKETS 3000
#define FUZZ_ARG_MAX 24
#define FUZZ_CODE "m7c00,40"    /* the spinning guest's code */

/* ---- a raw client ------------------------------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int connect_to(uint32_t addr_be, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0);
	a.sin_addr.s_addr = addr_be;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int connect_raw(int port)
{
	int fd = connect_to(htonl(INADDR_LOOPBACK), port);

	cr_assert(fd >= 0, "connect to 127.0.0.1:%d: %s", port, strerror(errno));
	return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		cr_assert(n > 0, "send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

static void send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

static uint8_t checksum(const char *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + (uint8_t)p[i]);
	return sum;
}

/* Send $payload#cs. */
static void send_packet(int fd, const char *payload)
{
	size_t len = strlen(payload);
	char *buf = malloc(len + 5);
	char tail[4];

	cr_assert(buf);
	buf[0] = '$';
	memcpy(buf + 1, payload, len);
	snprintf(tail, sizeof(tail), "#%02x", checksum(payload, len));
	memcpy(buf + 1 + len, tail, 3);
	send_all(fd, buf, len + 4);
	free(buf);
}

/* Bytes received but not yet consumed, per connection. */
struct rx {
	int fd;
	char buf[MAX_REPLY];
	size_t len;
};

/* Read more into rx; false at end of stream or when timeout_s passes. */
static bool rx_more(struct rx *rx, double timeout_s)
{
	struct pollfd p = { .fd = rx->fd, .events = POLLIN };
	ssize_t n;

	if (rx->len == sizeof(rx->buf))
		return false;
	if (poll(&p, 1, (int)(timeout_s * 1000)) <= 0)
		return false;
	n = recv(rx->fd, rx->buf + rx->len, sizeof(rx->buf) - rx->len, 0);
	if (n <= 0)
		return false;
	rx->len += (size_t)n;
	return true;
}

static void rx_consume(struct rx *rx, size_t n)
{
	memmove(rx->buf, rx->buf + n, rx->len - n);
	rx->len -= n;
}

/* The next reply packet's payload (acks before it are skipped), checked
 * and NUL-terminated into out. */
static void next_reply(struct rx *rx, char *out, size_t size)
{
	double deadline = now() + REPLY_TIMEOUT_S;

	for (;;) {
		size_t start = 0;

		while (start < rx->len && (rx->buf[start] == '+' || rx->buf[start] == '-'))
			start++;
		if (start < rx->len) {
			char *hash;

			cr_assert_eq(rx->buf[start], '$', "not a packet: '%.*s'",
				     (int)(rx->len - start), rx->buf + start);
			hash = memchr(rx->buf + start, '#', rx->len - start);
			if (hash && (size_t)(hash - rx->buf) + 3 <= rx->len) {
				size_t len = (size_t)(hash - rx->buf) - start - 1;
				char cs[3];

				cr_assert_lt(len, size);
				memcpy(out, rx->buf + start + 1, len);
				out[len] = '\0';
				snprintf(cs, sizeof(cs), "%02x", checksum(out, len));
				cr_assert(memcmp(hash + 1, cs, 2) == 0, "bad checksum on '%s'", out);
				rx_consume(rx, (size_t)(hash - rx->buf) + 3);
				return;
			}
		}
		cr_assert(rx_more(rx, deadline - now()), "no reply from the stub (have '%.*s')",
			  (int)rx->len, rx->buf);
	}
}

/* Hang up, and wait until the stub has closed its end too: it has then
 * dropped this client, and the next connection will be served. */
static void hang_up(int fd)
{
	double deadline = now() + REPLY_TIMEOUT_S;
	char buf[4096];

	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		cr_assert(poll(&p, 1, (int)((deadline - now()) * 1000)) > 0,
			  "the stub kept a connection open after the client hung up");
		if (recv(fd, buf, sizeof(buf), 0) <= 0)
			break;
	}
	close(fd);
}

/* Send a packet and check its reply is exactly `want`. */
static void expect(struct rx *rx, const char *payload, const char *want)
{
	char reply[MAX_REPLY];

	send_packet(rx->fd, payload);
	next_reply(rx, reply, sizeof(reply));
	cr_assert_str_eq(reply, want, "reply to '%.40s'", payload);
}

/* Send a packet and return its reply in out. */
static void ask(struct rx *rx, const char *payload, char *out, size_t size)
{
	send_packet(rx->fd, payload);
	next_reply(rx, out, size);
}

/* Connect, and wait until the stub serves us (the guest is stopped). */
static void attach(struct rx *rx, int port)
{
	char reply[MAX_REPLY];

	rx->fd = connect_raw(port);
	rx->len = 0;
	ask(rx, "?", reply, sizeof(reply));
	cr_assert(strncmp(reply, "T05", 3) == 0 || strncmp(reply, "T02", 3) == 0, "%s", reply);
}

/* ---- kvm-vmm and a real gdb ---------------------------------------------------- */

static int start_spin(struct child *vmm)
{
	int port = child_start_gdb(vmm, SPIN, NULL);

	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm->err_buf);
	return port;
}

/* Wait until the guest has printed its line (it then spins): read
 * kvm-vmm's stdout directly, up to the line. */
static void wait_spinning(struct child *vmm)
{
	char out[sizeof(SPIN_OUT)];
	size_t len = 0;
	double deadline = now() + REPLY_TIMEOUT_S;

	while (len < strlen(SPIN_OUT)) {
		struct pollfd p = { .fd = vmm->out_fd, .events = POLLIN };
		ssize_t n;

		cr_assert(poll(&p, 1, (int)((deadline - now()) * 1000)) > 0,
			  "the guest did not run on after the client left");
		n = read(vmm->out_fd, out + len, strlen(SPIN_OUT) - len);
		cr_assert_gt(n, 0);
		len += (size_t)n;
	}
	out[len] = '\0';
	cr_assert_str_eq(out, SPIN_OUT);
}

/* The end of every test: the guest ran on when the hostile client left;
 * a real gdb is served, finds the guest in its loop, and kills it. */
static void finish_with_real_gdb(struct child *vmm, int port)
{
	char target[64];
	struct run_result g, v;
	char *argv[] = { "gdb", "-batch", "-nx", SPIN, "-ex", target, "-ex", "p $pc == spin",
			 "-ex", "kill", NULL };

	wait_spinning(vmm);
	snprintf(target, sizeof(target), "target remote :%d", port);
	cr_assert_eq(run_argv(&g, argv, NULL, 60), 0);
	cr_assert_not(g.timed_out, "gdb hung: %s %s", g.out, g.err);
	cr_assert(strstr(g.out, SPIN_PC), "the guest is not where it should be:\n%s\n%s", g.out,
		  g.err);
	child_wait(vmm, 30, &v);
	cr_assert_not(v.timed_out, "kvm-vmm did not end: %s", v.err);
	assert_no_crash_report(v.err, "kvm-vmm");
	cr_assert_eq(v.status, STATUS_KILLED, "%s", v.err);
	cr_assert_str_eq(v.out, "", "more output than the one line");
	run_free(&g);
	run_free(&v);
}

/* ---- the tests ------------------------------------------------------------------ */

Test(hostile_gdb, random_bytes, .timeout = 180)
{
	struct child vmm;
	struct rx *rx = calloc(1, sizeof(*rx));
	int port = start_spin(&vmm);
	char *junk = malloc(RANDOM_BYTES);
	char reply[MAX_REPLY];
	uint64_t x = 0x9e3779b97f4a7c15ULL; /* xorshift64: the same bytes every run */

	cr_assert(rx && junk);
	for (size_t i = 0; i < RANDOM_BYTES; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		junk[i] = (char)(x >> 32);
	}
	attach(rx, port);
	send_all(rx->fd, junk, RANDOM_BYTES);
	/* Whatever state that left, '$' starts a new packet: after the
	 * replies to whatever the noise happened to frame, ours comes. */
	send_packet(rx->fd, "mffff,1");
	for (int i = 0;; i++) {
		next_reply(rx, reply, sizeof(reply));
		if (strcmp(reply, "00") == 0)
			break;
		cr_assert_lt(i, RANDOM_REPLIES_MAX, "no reply to the packet after the noise");
	}
	hang_up(rx->fd);
	/* The same bytes on a connection that never said anything first. */
	rx->fd = connect_raw(port);
	send_all(rx->fd, junk, RANDOM_BYTES);
	hang_up(rx->fd);
	free(junk);
	free(rx);
	finish_with_real_gdb(&vmm, port);
}

/* Packets that look at the guest but neither resume, kill, detach nor
 * change it: after any number of them, registers and memory read the same. */
static const char *const looking_packets[] = {
	"?", "g", "p", "m", "x", "H", "Hg", "Hc", "T", "qC", "qfThreadInfo", "qsThreadInfo",
	"qThreadExtraInfo,", "qAttached", "qAttached:", "qSupported:", "qSymbol:", "qOffsets",
	"qXfer:features:read:target.xml:", "qXfer:threads:read::", "vMustReplyEmpty", "vCont?",
	"qRcmd,",
};

/* What the monitor knows, and what it does not, for qRcmd. */
static const char *const monitor_words[] = {
	"info sregs", "info registers", "info gdt", "info idt", "info pagetable", "info tlb",
	"exits", "help", "", "info", "bogus", "info sregs extra",
};

static uint32_t fuzz_next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* One looking packet with random arguments (no '$', '#', '*' or '}': the
 * frame stays whole, so each packet gets its reply). */
static void random_looking_packet(uint32_t *x, char *out, size_t size)
{
	static const char args[] = "0123456789abcdefABCDEF,:;=-xlmp.";
	const char *name = looking_packets[fuzz_next(x) % (sizeof(looking_packets) /
							    sizeof(looking_packets[0]))];
	size_t n = (size_t)snprintf(out, size, "%s", name);

	if (strcmp(name, "qRcmd,") == 0 && fuzz_next(x) % 2) {
		const char *w = monitor_words[fuzz_next(x) % (sizeof(monitor_words) /
							     sizeof(monitor_words[0]))];

		for (; *w && n + 3 < size; w++)
			n += (size_t)snprintf(out + n, size - n, "%02x", (unsigned char)*w);
		return;
	}
	for (size_t i = fuzz_next(x) % FUZZ_ARG_MAX; i > 0 && n + 1 < size; i--)
		out[n++] = args[fuzz_next(x) % (sizeof(args) - 1)];
	out[n] = '\0';
}

/* Console output from the monitor: "O" and hex digits (not "OK"). */
static bool is_console_output(const char *reply)
{
	return reply[0] == 'O' && reply[1] && strspn(reply + 1, "0123456789abcdef") ==
							 strlen(reply + 1);
}

/* Thousands of well-framed packets with random arguments against the real
 * stub and target: each gets a well-formed reply; afterwards the stub
 * answers with exactly what it answered before (registers, the guest's
 * code), writes and reads memory exactly, and a real gdb finds the guest
 * spinning where it was, with no crash report from kvm-vmm. */
Test(hostile_gdb, packet_fuzz_then_exact_answers, .timeout = 180)
{
	struct child vmm;
	struct rx *rx = calloc(1, sizeof(*rx));
	int port = start_spin(&vmm);
	char *regs = malloc(MAX_REPLY), *code = malloc(MAX_REPLY), *reply = malloc(MAX_REPLY);
	char packet[128];
	uint32_t x = 2463534242u; /* xorshift32: the same packets every run */
	int console = 0;

	cr_assert(rx && regs && code && reply);
	attach(rx, port);
	ask(rx, "g", regs, MAX_REPLY);
	ask(rx, FUZZ_CODE, code, MAX_REPLY);
	cr_assert_gt(strlen(regs), 0);
	cr_assert_eq(strlen(code), 2 * 0x40, "%s", code);
	for (int i = 0; i < FUZZ_PACKETS; i++) {
		random_looking_packet(&x, packet, sizeof(packet));
		send_packet(rx->fd, packet);
		do {
			next_reply(rx, reply, MAX_REPLY);
			console += is_console_output(reply);
		} while (is_console_output(reply));
	}
	cr_log_info("packet fuzz: %d console packets", console);
	cr_assert_gt(console, 0, "no monitor command ever answered");
	/* Nothing was resumed or written: the same answers as before. */
	expect(rx, "Hg1", "OK");
	expect(rx, "g", regs);
	expect(rx, FUZZ_CODE, code);
	snprintf(packet, sizeof(packet), "M%x,4:deadbeef", SCRATCH);
	expect(rx, packet, "OK");
	snprintf(packet, sizeof(packet), "m%x,4", SCRATCH);
	expect(rx, packet, "deadbeef");
	hang_up(rx->fd);
	free(regs);
	free(code);
	free(reply);
	free(rx);
	finish_with_real_gdb(&vmm, port);
}

Test(hostile_gdb, bad_checksums, .timeout = 120)
{
	struct child vmm;
	struct rx *rx = calloc(1, sizeof(*rx));
	int port = start_spin(&vmm);
	char reply[MAX_REPLY];

	cr_assert(rx);
	attach(rx, port);
	/* Wrong sum, non-hex digits, a packet cut short by the next '$':
	 * each gets '-' or is dropped, never a reply. */
	send_str(rx->fd, "$g#00$g#zz$g#6");
	send_packet(rx->fd, "mffff,1");
	next_reply(rx, reply, sizeof(reply));
	cr_assert_str_eq(reply, "00");
	cr_assert_eq(memchr(rx->buf, '$', rx->len), NULL, "more replies than packets");
	/* A '-' from the client makes the stub send its last reply again. */
	send_str(rx->fd, "-");
	next_reply(rx, reply, sizeof(reply));
	cr_assert_str_eq(reply, "00");
	close(rx->fd);
	free(rx);
	finish_with_real_gdb(&vmm, port);
}

Test(hostile_gdb, a_ten_megabyte_packet, .timeout = 180)
{
	struct child vmm;
	struct rx *rx = calloc(1, sizeof(*rx));
	int port = start_spin(&vmm);
	char *big = malloc(BIG_PACKET + 5);
	char tail[4];

	cr_assert(rx && big);
	attach(rx, port);
	big[0] = '$';
	memset(big + 1, 'm', BIG_PACKET);
	snprintf(tail, sizeof(tail), "#%02x", checksum(big + 1, BIG_PACKET));
	memcpy(big + 1 + BIG_PACKET, tail, 3);
	send_all(rx->fd, big, BIG_PACKET + 4);
	next_reply(rx, big, MAX_REPLY);
	cr_assert_str_eq(big, "E02");
	expect(rx, "mffff,1", "00");
	/* Run-length encoding that expands past the packet size. */
	strcpy(big, "$A");
	for (int i = 0; i < 1000; i++)
		strcat(big, "*~");
	snprintf(tail, sizeof(tail), "#%02x", checksum(big + 1, strlen(big + 1)));
	strcat(big, tail);
	send_str(rx->fd, big);
	next_reply(rx, big, MAX_REPLY);
	cr_assert_str_eq(big, "E02");
	expect(rx, "mffff,1", "00");
	close(rx->fd);
	free(big);
	free(rx);
	finish_with_real_gdb(&vmm, port);
}

Test(hostile_gdb, memory_past_ram_and_wrapping, .timeout = 120)
{
	struct child vmm;
	struct rx *rx = calloc(1, sizeof(*rx));
	int port = start_spin(&vmm);
	char packet[64];

	cr_assert(rx);
	attach(rx, port);
	snprintf(packet, sizeof(packet), "m%x,4", SPIN_RAM_END);
	expect(rx, packet, "E03");                        /* starts at the end of RAM */
	snprintf(packet, sizeof(packet), "m%x,10", SPIN_RAM_END - 1);
	expect(rx, packet, "00");                         /* what is readable of it */
	expect(rx, "mffffffffffffffff,2", "E01");         /* wraps around 2^64 */
	expect(rx, "mfffffffffffffff0,10", "E03");        /* the top 16 bytes */
	expect(rx, "m0,ffffffffffffffff", "E01");         /* absurdly long */
	expect(rx, "m10000000000000000,1", "E01");        /* 65-bit address */
	expect(rx, "m7c00", "E01");                       /* no length */
	snprintf(packet, sizeof(packet), "M%x,2:abcd", SPIN_RAM_END);
	expect(rx, packet, "E03");
	snprintf(packet, sizeof(packet), "M%x,2:abcd", SPIN_RAM_END - 1);
	expect(rx, packet, "E03");                        /* all or nothing... */
	snprintf(packet, sizeof(packet), "m%x,1", SPIN_RAM_END - 1);
	expect(rx, packet, "00");                         /* ...so nothing */
	expect(rx, "Mffffffffffffffff,2:abcd", "E01");
	expect(rx, "M9000,4:ab", "E01");                  /* data shorter than length */
	expect(rx, "M9000,1:abcd", "E01");                /* longer */
	expect(rx, "M9000,2:zzzz", "E01");                /* not hex */
	snprintf(packet, sizeof(packet), "X%x,1:A", SPIN_RAM_END);
	expect(rx, packet, "E03");
	expect(rx, "Xffffffffffffffff,2:AB", "E01");
	expect(rx, "X9000,1:}", "E01");                   /* dangling escape */
	/* And memory in RAM still works. */
	snprintf(packet, sizeof(packet), "M%x,4:deadbeef", SCRATCH);
	expect(rx, packet, "OK");
	snprintf(packet, sizeof(packet), "m%x,4", SCRATCH);
	expect(rx, packet, "deadbeef");
	close(rx->fd);
	free(rx);
	finish_with_real_gdb(&vmm, port);
}

Test(hostile_gdb, registers_of_the_wrong_length, .timeout = 120)
{
	struct child vmm;
	struct rx *rx = calloc(1, sizeof(*rx));
	int port = start_spin(&vmm);
	char *regs = malloc(MAX_REPLY), *bad = malloc(MAX_REPLY + 8);
	size_t len;

	cr_assert(rx && regs && bad);
	attach(rx, port);
	ask(rx, "g", regs, MAX_REPLY);
	len = strlen(regs);
	cr_assert_gt(len, 0);
	cr_assert_eq(len % 2, 0);
	expect(rx, "G", "E01");
	expect(rx, "G00", "E01");
	snprintf(bad, MAX_REPLY + 8, "G%.*s", (int)len - 2, regs);   /* a byte short */
	expect(rx, bad, "E01");
	snprintf(bad, MAX_REPLY + 8, "G%s00", regs);                 /* a byte long */
	expect(rx, bad, "E01");
	snprintf(bad, MAX_REPLY + 8, "G%s", regs);
	bad[len / 2] = 'x';                                          /* not hex */
	expect(rx, bad, "E01");
	expect(rx, "p", "E01");
	expect(rx, "pffffffff", "E01");
	expect(rx, "P0=00", "E01");
	expect(rx, "Pffffffffffffffff=00000000", "E01");
	/* The right length writes the same registers back. */
	snprintf(bad, MAX_REPLY + 8, "G%s", regs);
	expect(rx, bad, "OK");
	ask(rx, "g", bad, MAX_REPLY);
	cr_assert_str_eq(bad, regs);
	close(rx->fd);
	free(regs);
	free(bad);
	free(rx);
	finish_with_real_gdb(&vmm, port);
}

Test(hostile_gdb, breakpoints_of_absurd_kinds, .timeout = 120)
{
	struct child vmm;
	struct rx *rx = calloc(1, sizeof(*rx));
	int port = start_spin(&vmm);
	char reply[MAX_REPLY];

	cr_assert(rx);
	attach(rx, port);
	expect(rx, "Z5,7c00,1", "");                      /* no such type: unsupported */
	expect(rx, "Zffffffffffffffff,7c00,1", "");
	expect(rx, "Z0,7c00", "E01");                     /* malformed */
	expect(rx, "Z0,,1", "E01");
	expect(rx, "Z", "E01");
	expect(rx, "Z0,7c00,1;X", "OK");                  /* conditions are ignored */
	expect(rx, "z0,7c00,1", "OK");
	expect(rx, "Z0,7c00,ffffffffffffffff", "OK");     /* the kind means nothing here */
	expect(rx, "z0,7c00,ffffffffffffffff", "OK");
	expect(rx, "Z2,9000,ffffffff", "E03");            /* watch 4 GiB */
	expect(rx, "Z2,9000,0", "E03");                   /* watch nothing */
	/* A watchpoint on the last bytes of the address space is refused or
	 * accepted, never a crash; either way it can be removed. */
	ask(rx, "Z2,fffffffffffffffc,8", reply, sizeof(reply));
	cr_assert(strcmp(reply, "OK") == 0 || strcmp(reply, "E03") == 0, "%s", reply);
	if (strcmp(reply, "OK") == 0)
		expect(rx, "z2,fffffffffffffffc,8", "OK");
	expect(rx, "z0,1234,1", "E03");                   /* was never there */
	close(rx->fd);
	free(rx);
	finish_with_real_gdb(&vmm, port);
}

Test(hostile_gdb, thousands_of_breakpoints, .timeout = 180)
{
	struct child vmm;
	struct rx *rx = calloc(1, sizeof(*rx));
	int port = start_spin(&vmm);
	char packet[64], reply[MAX_REPLY];
	int inserted = 0, refused = 0, removed = 0;

	cr_assert(rx);
	attach(rx, port);
	for (int i = 0; i < MANY_BREAKPOINTS; i++) {
		snprintf(packet, sizeof(packet), "Z0,%x,1", MANY_BP_BASE + i);
		ask(rx, packet, reply, sizeof(reply));
		if (strcmp(reply, "OK") == 0) {
			cr_assert_eq(refused, 0, "breakpoint %d accepted after one was refused", i);
			inserted++;
		} else {
			cr_assert_str_eq(reply, "E03", "breakpoint %d", i);
			refused++;
		}
	}
	cr_assert_gt(inserted, 0);
	/* A full table still takes a breakpoint that is already in it. */
	snprintf(packet, sizeof(packet), "Z0,%x,1", MANY_BP_BASE);
	expect(rx, packet, "OK");
	for (int i = 0; i < MANY_BREAKPOINTS; i++) {
		snprintf(packet, sizeof(packet), "z0,%x,1", MANY_BP_BASE + i);
		ask(rx, packet, reply, sizeof(reply));
		removed += strcmp(reply, "OK") == 0;
	}
	cr_assert_eq(removed, inserted);
	/* Fill the table again and hang up: the detach removes them all, and
	 * the guest runs on (finish_with_real_gdb finds it spinning). */
	for (int i = 0; i < inserted; i++) {
		snprintf(packet, sizeof(packet), "Z0,%x,1", MANY_BP_BASE + i);
		expect(rx, packet, "OK");
	}
	close(rx->fd);
	free(rx);
	finish_with_real_gdb(&vmm, port);
}

Test(hostile_gdb, hang_up_in_mid_packet, .timeout = 180)
{
	static const char *const cuts[] = {
		"$m7c0",              /* in the payload */
		"$m7c00,4#",          /* before the checksum */
		"$m7c00,4#2",         /* between its digits */
		"$X9000,4:}",         /* after an escape */
		"$A*",                /* after a run-length marker */
		"$c#63",              /* after a continue: the guest runs */
		"$vCont;s:1#",        /* a step, unfinished */
		"+$qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386",
	};
	struct child vmm;
	int port = start_spin(&vmm);

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		int fd = connect_raw(port);

		send_str(fd, cuts[i]);
		hang_up(fd);
	}
	/* And one that hangs up while the stub is answering a large read. */
	{
		int fd = connect_raw(port);

		send_packet(fd, "m0,2000");
		send_packet(fd, "qXfer:features:read:target.xml:0,ffff");
		close(fd);
	}
	finish_with_real_gdb(&vmm, port);
}

Test(hostile_gdb, a_second_client_is_refused_and_the_first_goes_on, .timeout = 120)
{
	struct child vmm;
	struct rx *first = calloc(1, sizeof(*first)), *second = calloc(1, sizeof(*second));
	int port = start_spin(&vmm);

	cr_assert(first && second);
	attach(first, port);
	/* The second connection is accepted by the kernel, then closed by
	 * the stub without a byte. */
	second->fd = connect_raw(port);
	send_packet(second->fd, "?");
	cr_assert_not(rx_more(second, REPLY_TIMEOUT_S), "the second client got '%.*s'",
		      (int)second->len, second->buf);
	close(second->fd);
	/* The first one is still served, and the guest still stopped. */
	expect(first, "mffff,1", "00");
	expect(first, "qfThreadInfo", "m1");
	expect(first, "D", "OK");
	close(first->fd);
	free(first);
	free(second);
	finish_with_real_gdb(&vmm, port);
}

/* Is there a TCP socket listening on `port` in /proc/net/`table`? Stores
 * its local address, as the file writes it (hex), in addr. */
static bool listening(const char *table, int port, char *addr, size_t size)
{
	char path[64], line[512];
	FILE *f;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/net/%s", table);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char local[64];
		unsigned lport, state;

		if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", local, &lport,
			   &state) == 3 && (int)lport == port && state == 0x0A /* LISTEN */) {
			snprintf(addr, size, "%s", local);
			found = true;
		}
	}
	fclose(f);
	return found;
}

Test(hostile_gdb, listens_on_loopback_only, .timeout = 120)
{
	struct child vmm;
	int port = start_spin(&vmm);
	char addr[64];
	struct ifaddrs *ifs, *i;
	int others = 0;

	cr_assert(listening("tcp", port, addr, sizeof(addr)), "port %d is not in /proc/net/tcp",
		  port);
	cr_assert_str_eq(addr, "0100007F", "bound to %s, not 127.0.0.1", addr);
	cr_assert_not(listening("tcp6", port, addr, sizeof(addr)), "also bound to [%s]", addr);
	/* From this machine's other addresses, nobody answers. */
	cr_assert_eq(getifaddrs(&ifs), 0);
	for (i = ifs; i; i = i->ifa_next) {
		const struct sockaddr_in *sin = (const void *)i->ifa_addr;
		int fd;

		if (!sin || sin->sin_family != AF_INET ||
		    (ntohl(sin->sin_addr.s_addr) >> 24) == IN_LOOPBACKNET)
			continue;
		fd = connect_to(sin->sin_addr.s_addr, port);
		cr_assert_lt(fd, 0, "the stub answered on %s", inet_ntoa(sin->sin_addr));
		cr_assert_eq(errno, ECONNREFUSED, "%s: %s", inet_ntoa(sin->sin_addr),
			     strerror(errno));
		others++;
	}
	freeifaddrs(ifs);
	cr_log_info("refused on %d non-loopback address(es)", others);
	/* Let the guest run, as the other tests do, before the real gdb. */
	{
		struct rx *rx = calloc(1, sizeof(*rx));

		cr_assert(rx);
		attach(rx, port);
		expect(rx, "D", "OK");
		close(rx->fd);
		free(rx);
	}
	finish_with_real_gdb(&vmm, port);
}
