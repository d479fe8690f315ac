/*
 * test_gdbstub.c - unit tests of the RSP framing layer against the fake
 * target: acks and checksums, retransmission, no-ack mode, run-length
 * decoding, oversize packets, Ctrl-C, session end, and a fuzz run.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_gdbstub_fake.h"

static struct fake f;
static struct gdb_conn *conn;

static void setup(void)
{
	gdbfake_init(&f, GDB_ARCH_I386, "i386", 2);
	conn = gdbfake_connect(&f);
}

static void teardown(void)
{
	gdb_conn_free(conn);
	gdbfake_fini(&f);
}

TestSuite(gdbstub_rsp, .init = setup, .fini = teardown);

Test(gdbstub_rsp, unknown_packet_gets_ack_and_empty_reply)
{
	cr_assert(rsp_feed_str(conn, "$vMustReplyEmpty#3a"));
	rsp_expect_output(&f, "+$#00");
	cr_assert(rsp_feed_str(conn, "$qOffsets#4b"));
	rsp_expect_output(&f, "+$#00");
}

Test(gdbstub_rsp, literal_replies)
{
	rsp_feed_str(conn, "$qSymbol::#5b");
	rsp_expect_output(&f, "+$OK#9a");
	rsp_feed_str(conn, "$m0,zz#00");
	rsp_expect_output(&f, "-"); /* wrong checksum: not even parsed */
	rsp_feed_packet(conn, "mzz,1");
	rsp_expect_output(&f, "+$E01#a6");
}

Test(gdbstub_rsp, checksum_accepts_upper_case_hex)
{
	rsp_feed_str(conn, "$vMustReplyEmpty#3A");
	rsp_expect_output(&f, "+$#00");
}

Test(gdbstub_rsp, bad_checksum_gets_nak_and_no_dispatch)
{
	rsp_feed_str(conn, "$g#00");
	rsp_expect_output(&f, "-");
	rsp_feed_str(conn, "$g#zz");
	rsp_expect_output(&f, "-");
}

Test(gdbstub_rsp, nak_retransmits_last_reply)
{
	rsp_feed_packet(conn, "qC");
	rsp_expect_reply(&f, "QC1");
	rsp_feed_str(conn, "-");
	rsp_expect_packet(&f, "QC1");
	rsp_feed_str(conn, "-");
	rsp_expect_packet(&f, "QC1");
	rsp_feed_str(conn, "+"); /* a plain ack needs nothing */
	rsp_expect_output(&f, "");
}

Test(gdbstub_rsp, nak_before_any_reply_sends_nothing)
{
	rsp_feed_str(conn, "-");
	rsp_expect_output(&f, "");
}

Test(gdbstub_rsp, no_ack_mode)
{
	rsp_feed_packet(conn, "QStartNoAckMode");
	rsp_expect_reply(&f, "OK"); /* this one is still acknowledged */
	rsp_feed_packet(conn, "qC");
	rsp_expect_packet(&f, "QC1");
	rsp_feed_str(conn, "-"); /* no retransmission without acks */
	rsp_expect_output(&f, "");
	rsp_feed_str(conn, "$qC#00"); /* bad checksum: dropped silently */
	rsp_expect_output(&f, "");
}

Test(gdbstub_rsp, byte_by_byte_feeding)
{
	const char *in = "+$qC#b4";

	for (size_t i = 0; in[i]; i++)
		cr_assert(gdb_conn_feed(conn, in + i, 1));
	rsp_expect_reply(&f, "QC1");
}

Test(gdbstub_rsp, several_packets_in_one_feed)
{
	rsp_feed_str(conn, "$qC#b4$qsThreadInfo#c8");
	cr_assert_str_eq(gdbfake_output(&f), "+$QC1#c5+$l#6c");
}

Test(gdbstub_rsp, run_length_decoding)
{
	/* "a*!" is 'a' and 33 - 29 = 4 more: "aaaaa"; then "bbb". */
	rsp_feed_packet(conn, "M10,4:a*!bbb");
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.mem[0x10], 0xaa);
	cr_assert_eq(f.mem[0x11], 0xaa);
	cr_assert_eq(f.mem[0x12], 0xab);
	cr_assert_eq(f.mem[0x13], 0xbb);
}

Test(gdbstub_rsp, run_length_without_previous_byte_is_an_error)
{
	rsp_feed_packet(conn, "*!");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "qC*"); /* '*' then '#': no count */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "qC");
	rsp_expect_reply(&f, "QC1");
}

Test(gdbstub_rsp, oversize_packet_is_discarded_with_an_error)
{
	size_t len = GDB_PACKET_SIZE + 100;
	char *big = malloc(len);

	cr_assert(big);
	memset(big, 'm', len);
	cr_assert(rsp_feed_packet_len(conn, big, len));
	rsp_expect_reply(&f, "E02");
	/* Still in sync: the next packet works. */
	rsp_feed_packet(conn, "qC");
	rsp_expect_reply(&f, "QC1");
	free(big);
}

Test(gdbstub_rsp, oversize_by_run_length_is_discarded)
{
	char payload[GDB_PACKET_SIZE];
	size_t n = 0;

	payload[n++] = 'x';
	while (n + 2 < sizeof(payload) - 1) { /* each "*~" adds 97 bytes */
		payload[n++] = '*';
		payload[n++] = '~';
	}
	cr_assert(rsp_feed_packet_len(conn, payload, n));
	rsp_expect_reply(&f, "E02");
}

Test(gdbstub_rsp, packet_of_exactly_max_size_is_accepted)
{
	char *big = malloc(GDB_PACKET_SIZE);

	cr_assert(big);
	memset(big, 'v', GDB_PACKET_SIZE);
	rsp_feed_packet_len(conn, big, GDB_PACKET_SIZE);
	rsp_expect_reply(&f, ""); /* dispatched: an unknown packet */
	free(big);
}

Test(gdbstub_rsp, dollar_restarts_a_packet)
{
	rsp_feed_str(conn, "$qSymb$qC#b4");
	rsp_expect_reply(&f, "QC1");
	rsp_feed_str(conn, "$qC#$qC#b4");
	rsp_expect_reply(&f, "QC1");
}

Test(gdbstub_rsp, noise_between_packets_is_ignored)
{
	rsp_feed_str(conn, "hello\r\n#00\x7f");
	rsp_expect_output(&f, "");
	rsp_feed_packet(conn, "qC");
	rsp_expect_reply(&f, "QC1");
}

Test(gdbstub_rsp, interrupt_only_while_running)
{
	rsp_feed_str(conn, "\x03");
	cr_assert_eq(f.interrupts, 0);
	rsp_expect_output(&f, "");

	rsp_feed_packet(conn, "c");
	rsp_expect_output(&f, "+");
	cr_assert(gdb_conn_running(conn));
	rsp_feed_str(conn, "\x03");
	cr_assert_eq(f.interrupts, 1);
	rsp_expect_output(&f, "");
}

Test(gdbstub_rsp, interrupt_byte_inside_a_packet_is_data)
{
	rsp_feed_packet(conn, "c");
	gdbfake_clear(&f);
	/* 0x03 within a packet is payload (here, X data), not Ctrl-C. But
	 * packets are ignored while running, so only the ack comes back. */
	rsp_feed_packet_len(conn, "X0,1:\x03", 6);
	rsp_expect_output(&f, "+");
	cr_assert_eq(f.interrupts, 0);
	cr_assert_eq(f.mem_writes, 0);
}

Test(gdbstub_rsp, packets_while_running_are_acked_and_ignored)
{
	rsp_feed_packet(conn, "c");
	gdbfake_clear(&f);
	rsp_feed_packet(conn, "g");
	rsp_feed_packet(conn, "M0,1:ff");
	rsp_feed_packet(conn, "D");
	rsp_expect_output(&f, "+++");
	cr_assert_eq(f.mem[0], 0);
	cr_assert_eq(f.detaches, 0);
	cr_assert(gdb_conn_running(conn));
}

Test(gdbstub_rsp, nak_while_running_sends_nothing_stale)
{
	rsp_feed_packet(conn, "qC");
	rsp_feed_packet(conn, "c");
	gdbfake_clear(&f);
	rsp_feed_str(conn, "-");
	rsp_expect_output(&f, "");
}

Test(gdbstub_rsp, detach_ends_the_session)
{
	cr_assert_not(rsp_feed_str(conn, "$D#44$qC#b4"));
	rsp_expect_reply(&f, "OK"); /* and nothing for the qC after it */
	cr_assert_eq(f.detaches, 1);
	cr_assert_not(rsp_feed_packet(conn, "qC"));
	rsp_expect_output(&f, "");
}

Test(gdbstub_rsp, detach_with_pid)
{
	cr_assert_not(rsp_feed_packet(conn, "D;1"));
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.detaches, 1);
}

Test(gdbstub_rsp, kill_ends_the_session_without_reply)
{
	cr_assert_not(rsp_feed_packet(conn, "k"));
	rsp_expect_output(&f, "+");
	cr_assert_eq(f.kills, 1);
}

Test(gdbstub_rsp, write_failure_ends_the_session)
{
	f.fail_write = true;
	cr_assert_not(rsp_feed_packet(conn, "qC"));
}

Test(gdbstub_rsp, conn_new_rejects_unusable_targets)
{
	struct gdb_target t = f.target;

	t.ncpus = 0;
	cr_assert_null(gdb_conn_new(&t));
	t.ncpus = 1;
	t.write = NULL;
	cr_assert_null(gdb_conn_new(&t));
	cr_assert_null(gdb_conn_new(NULL));
	gdb_conn_free(NULL);
}

/* xorshift: the same "random" bytes on every run. */
static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* Random bytes, biased toward the framing characters and packet letters. */
static char random_byte(uint32_t *state)
{
	static const char interesting[] = "$#*}+-\x03:;,=0123456789abcdefmMXgGpPZzcsvHqTDk?";
	uint32_t r = next_random(state);

	if (r % 3 == 0)
		return (char)(r >> 8);
	return interesting[(r >> 8) % (sizeof(interesting) - 1)];
}

/* The stub's output `out` (len bytes) is nothing but acks ('+', '-') and
 * whole packets "$payload#cs" with the right checksum; returns how many
 * packets had a payload (an empty one is the reply to what the stub does
 * not know). */
static int count_well_formed_replies(const char *out, size_t len)
{
	size_t i = 0;
	int replies = 0;

	while (i < len) {
		const char *hash;
		unsigned sum = 0, want;

		if (out[i] == '+' || out[i] == '-') {
			i++;
			continue;
		}
		cr_assert_eq(out[i], '$', "the stub wrote '%.*s' outside a packet",
			     (int)(len - i), out + i);
		hash = memchr(out + i, '#', len - i);
		cr_assert(hash && (size_t)(hash - out) + 3 <= len,
			  "a packet without its checksum: '%.*s'", (int)(len - i), out + i);
		for (const char *p = out + i + 1; p < hash; p++)
			sum += (unsigned char)*p;
		cr_assert_eq(sscanf(hash + 1, "%2x", &want), 1, "checksum '%.2s'", hash + 1);
		cr_assert_eq(sum & 0xff, want, "wrong checksum on '%.*s'",
			     (int)(hash + 3 - (out + i)), out + i);
		replies += hash > out + i + 1;
		i = (size_t)(hash - out) + 3;
	}
	return replies;
}

/* The reply to the last packet: its payload must be `payload`, with or
 * without the ack before it (the fuzz may have turned acks off). */
static void expect_reply_maybe_acked(struct fake *fk, const char *payload)
{
	char want[64];
	const char *out = gdbfake_output(fk);

	rsp_frame(payload, strlen(payload), want, sizeof(want));
	if (*out == '+')
		out++;
	cr_assert_str_eq(out, want);
	gdbfake_clear(fk);
}

#define FUZZ_ROUNDS 2000
#define FUZZ_FRAME_ONE_IN 8      /* how often a well-framed packet comes next */
#define FUZZ_FRAME_MAX 48        /* its longest payload */
#define FUZZ_MIN_REPLIES 1000    /* non-empty replies the input provokes: 2659 */
#define CANARY_ADDR "100"
#define CANARY_HEX "deadbeef"
#define CANARY_ADDR_N 0x100

/* A packet of the same biased random bytes with its right checksum (the
 * bytes may still break its frame: a '$', a '#', a '}' at the end). */
static size_t random_frame(uint32_t *state, char *buf, size_t size)
{
	size_t len = next_random(state) % FUZZ_FRAME_MAX, n = 0;
	uint8_t sum = 0;

	if (len + 5 > size) /* "$", the payload, "#cs" and the NUL snprintf writes */
		return 0;
	buf[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		buf[n] = random_byte(state);
		sum = (uint8_t)(sum + (uint8_t)buf[n++]);
	}
	snprintf(buf + n, 4, "#%02x", sum);
	return n + 3;
}

/* Random bytes, biased toward the framing characters and packet letters,
 * with well-framed random packets among them, fed in random chunks: every
 * byte the stub writes back is an ack or a well-formed packet, the input
 * reaches the dispatcher, and afterwards the same connection, in whatever
 * state the fuzz left it, writes and reads memory exactly. (A crash or a
 * sanitizer report ends the test process: Criterion reports a failure.) */
Test(gdbstub_rsp, fuzz_never_crashes)
{
	uint32_t state = 12345;
	char buf[512];
	int replies = 0;

	for (int round = 0; round < FUZZ_ROUNDS; round++) {
		size_t want = next_random(&state) % sizeof(buf), n = 0;

		while (n < want) {
			if (next_random(&state) % FUZZ_FRAME_ONE_IN == 0)
				n += random_frame(&state, buf + n, sizeof(buf) - n);
			else
				buf[n++] = random_byte(&state);
		}
		if (!gdb_conn_feed(conn, buf, n)) {
			/* Random D or k with a valid checksum: start over. */
			gdb_conn_free(conn);
			conn = gdbfake_connect(&f);
		}
		if (gdb_conn_running(conn)) {
			struct gdb_stop stop = { GDB_STOP_SIGNAL, 0, 5, GDB_REASON_NONE, 0, 0 };
			gdb_conn_stopped(conn, &stop);
		}
		replies += count_well_formed_replies(f.out, f.out_len);
		gdbfake_clear(&f);
	}
	cr_log_info("fuzz: %d non-empty replies", replies);
	cr_assert_geq(replies, FUZZ_MIN_REPLIES, "only %d replies with a payload", replies);
	cr_assert_not(gdb_conn_running(conn));

	/* The same connection: an empty packet ends whatever was half-read
	 * (a '$' restarts a packet, or the two bytes complete a checksum). */
	rsp_feed_str(conn, "$#00");
	count_well_formed_replies(f.out, f.out_len);
	gdbfake_clear(&f);
	cr_assert(rsp_feed_packet(conn, "M" CANARY_ADDR ",4:" CANARY_HEX));
	expect_reply_maybe_acked(&f, "OK");
	cr_assert_eq(f.mem[CANARY_ADDR_N], 0xde);
	cr_assert_eq(f.mem[CANARY_ADDR_N + 3], 0xef);
	cr_assert(rsp_feed_packet(conn, "m" CANARY_ADDR ",4"));
	expect_reply_maybe_acked(&f, CANARY_HEX);
}

/* Packet-shaped random payloads: a known packet name, then random
 * arguments, framed with a correct checksum so that every one of them
 * reaches the dispatcher. */
static size_t random_packet(uint32_t *state, char *buf, size_t size)
{
	static const char *const names[] = {
		"?", "g", "G", "p", "P", "m", "M", "X", "c", "s", "C", "S", "vCont?",
		"vCont;", "Z", "z", "H", "T", "qSupported:", "qXfer:features:read:target.xml:",
		"qfThreadInfo", "qsThreadInfo", "qC", "qThreadExtraInfo,", "qAttached",
		"qRcmd,", "qSymbol:", "vMustReplyEmpty", "QStartNoAckMode",
	};
	const char *name = names[next_random(state) % (sizeof(names) / sizeof(names[0]))];
	size_t n = strlen(name);
	size_t extra = next_random(state) % 40;

	memcpy(buf, name, n);
	for (size_t i = 0; i < extra && n < size; i++) {
		char c = random_byte(state);
		if (c != '$' && c != '#' && c != '*') /* keep the frame intact */
			buf[n++] = c;
	}
	return n;
}

Test(gdbstub_rsp, fuzz_dispatch_with_valid_frames)
{
	uint32_t state = 777;
	char payload[128];
	int replies = 0;

	for (int round = 0; round < 20000; round++) {
		size_t n = random_packet(&state, payload, sizeof(payload));
		if (!rsp_feed_packet_len(conn, payload, n)) {
			gdb_conn_free(conn);
			conn = gdbfake_connect(&f);
		}
		if (gdb_conn_running(conn)) {
			struct gdb_stop stop = { GDB_STOP_SIGNAL, (int)(next_random(&state) % 4) - 1,
						 (int)(next_random(&state) % 300), GDB_REASON_WATCH,
						 next_random(&state), 0 };
			gdb_conn_stopped(conn, &stop);
		}
		if (strchr(gdbfake_output(&f), '$'))
			replies++;
		gdbfake_clear(&f);
	}
	cr_assert_gt(replies, 15000); /* nearly every packet got a reply */
}
