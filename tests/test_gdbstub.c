/*
 * test_gdbstub.c - unit tests of the RSP framing layer against the fake
 * target: acks and checksums, retransmission, no-ack mode, run-length
 * decoding, oversize packets, Ctrl-C, session end, and a fuzz run.
 */
#include <criterion/criterion.h>
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

Test(gdbstub_rsp, fuzz_never_crashes)
{
	uint32_t state = 12345;
	char buf[512];

	for (int round = 0; round < 2000; round++) {
		size_t n = next_random(&state) % sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = random_byte(&state);
		if (!gdb_conn_feed(conn, buf, n)) {
			/* Random D or k with a valid checksum: start over. */
			gdb_conn_free(conn);
			conn = gdbfake_connect(&f);
		}
		if (gdb_conn_running(conn)) {
			struct gdb_stop stop = { GDB_STOP_SIGNAL, 0, 5, GDB_REASON_NONE, 0, 0 };
			gdb_conn_stopped(conn, &stop);
		}
		gdbfake_clear(&f);
	}
	/* Still working afterwards. */
	gdb_conn_free(conn);
	conn = gdbfake_connect(&f);
	rsp_feed_packet(conn, "qC");
	rsp_expect_reply(&f, "QC1");
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
