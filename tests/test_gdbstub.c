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
	fake_init(&f, GDB_ARCH_I386, "i386", 2);
	conn = fake_connect(&f);
}

static void teardown(void)
{
	gdb_conn_free(conn);
	fake_fini(&f);
}

TestSuite(gdbstub_rsp, .init = setup, .fini = teardown);

Test(gdbstub_rsp, unknown_packet_gets_ack_and_empty_reply)
{
	cr_assert(feed_str(conn, "$vMustReplyEmpty#3a"));
	expect_output(&f, "+$#00");
	cr_assert(feed_str(conn, "$qOffsets#4b"));
	expect_output(&f, "+$#00");
}

Test(gdbstub_rsp, literal_replies)
{
	feed_str(conn, "$qSymbol::#5b");
	expect_output(&f, "+$OK#9a");
	feed_str(conn, "$m0,zz#00");
	expect_output(&f, "-"); /* wrong checksum: not even parsed */
	feed_packet(conn, "mzz,1");
	expect_output(&f, "+$E01#a6");
}

Test(gdbstub_rsp, checksum_accepts_upper_case_hex)
{
	feed_str(conn, "$vMustReplyEmpty#3A");
	expect_output(&f, "+$#00");
}

Test(gdbstub_rsp, bad_checksum_gets_nak_and_no_dispatch)
{
	feed_str(conn, "$g#00");
	expect_output(&f, "-");
	feed_str(conn, "$g#zz");
	expect_output(&f, "-");
}

Test(gdbstub_rsp, nak_retransmits_last_reply)
{
	feed_packet(conn, "qC");
	expect_reply(&f, "QC1");
	feed_str(conn, "-");
	expect_packet(&f, "QC1");
	feed_str(conn, "-");
	expect_packet(&f, "QC1");
	feed_str(conn, "+"); /* a plain ack needs nothing */
	expect_output(&f, "");
}

Test(gdbstub_rsp, nak_before_any_reply_sends_nothing)
{
	feed_str(conn, "-");
	expect_output(&f, "");
}

Test(gdbstub_rsp, no_ack_mode)
{
	feed_packet(conn, "QStartNoAckMode");
	expect_reply(&f, "OK"); /* this one is still acknowledged */
	feed_packet(conn, "qC");
	expect_packet(&f, "QC1");
	feed_str(conn, "-"); /* no retransmission without acks */
	expect_output(&f, "");
	feed_str(conn, "$qC#00"); /* bad checksum: dropped silently */
	expect_output(&f, "");
}

Test(gdbstub_rsp, byte_by_byte_feeding)
{
	const char *in = "+$qC#b4";

	for (size_t i = 0; in[i]; i++)
		cr_assert(gdb_conn_feed(conn, in + i, 1));
	expect_reply(&f, "QC1");
}

Test(gdbstub_rsp, several_packets_in_one_feed)
{
	feed_str(conn, "$qC#b4$qsThreadInfo#c8");
	cr_assert_str_eq(fake_output(&f), "+$QC1#c5+$l#6c");
}

Test(gdbstub_rsp, run_length_decoding)
{
	/* "a*!" is 'a' and 33 - 29 = 4 more: "aaaaa"; then "bbb". */
	feed_packet(conn, "M10,4:a*!bbb");
	expect_reply(&f, "OK");
	cr_assert_eq(f.mem[0x10], 0xaa);
	cr_assert_eq(f.mem[0x11], 0xaa);
	cr_assert_eq(f.mem[0x12], 0xab);
	cr_assert_eq(f.mem[0x13], 0xbb);
}

Test(gdbstub_rsp, run_length_without_previous_byte_is_an_error)
{
	feed_packet(conn, "*!");
	expect_reply(&f, "E01");
	feed_packet(conn, "qC*"); /* '*' then '#': no count */
	expect_reply(&f, "E01");
	feed_packet(conn, "qC");
	expect_reply(&f, "QC1");
}

Test(gdbstub_rsp, oversize_packet_is_discarded_with_an_error)
{
	size_t len = GDB_PACKET_SIZE + 100;
	char *big = malloc(len);

	cr_assert(big);
	memset(big, 'm', len);
	cr_assert(feed_packet_len(conn, big, len));
	expect_reply(&f, "E02");
	/* Still in sync: the next packet works. */
	feed_packet(conn, "qC");
	expect_reply(&f, "QC1");
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
	cr_assert(feed_packet_len(conn, payload, n));
	expect_reply(&f, "E02");
}

Test(gdbstub_rsp, packet_of_exactly_max_size_is_accepted)
{
	char *big = malloc(GDB_PACKET_SIZE);

	cr_assert(big);
	memset(big, 'v', GDB_PACKET_SIZE);
	feed_packet_len(conn, big, GDB_PACKET_SIZE);
	expect_reply(&f, ""); /* dispatched: an unknown packet */
	free(big);
}

Test(gdbstub_rsp, dollar_restarts_a_packet)
{
	feed_str(conn, "$qSymb$qC#b4");
	expect_reply(&f, "QC1");
	feed_str(conn, "$qC#$qC#b4");
	expect_reply(&f, "QC1");
}

Test(gdbstub_rsp, noise_between_packets_is_ignored)
{
	feed_str(conn, "hello\r\n#00\x7f");
	expect_output(&f, "");
	feed_packet(conn, "qC");
	expect_reply(&f, "QC1");
}

Test(gdbstub_rsp, interrupt_only_while_running)
{
	feed_str(conn, "\x03");
	cr_assert_eq(f.interrupts, 0);
	expect_output(&f, "");

	feed_packet(conn, "c");
	expect_output(&f, "+");
	cr_assert(gdb_conn_running(conn));
	feed_str(conn, "\x03");
	cr_assert_eq(f.interrupts, 1);
	expect_output(&f, "");
}

Test(gdbstub_rsp, interrupt_byte_inside_a_packet_is_data)
{
	feed_packet(conn, "c");
	fake_clear(&f);
	/* 0x03 within a packet is payload (here, X data), not Ctrl-C. But
	 * packets are ignored while running, so only the ack comes back. */
	feed_packet_len(conn, "X0,1:\x03", 6);
	expect_output(&f, "+");
	cr_assert_eq(f.interrupts, 0);
	cr_assert_eq(f.mem_writes, 0);
}

Test(gdbstub_rsp, packets_while_running_are_acked_and_ignored)
{
	feed_packet(conn, "c");
	fake_clear(&f);
	feed_packet(conn, "g");
	feed_packet(conn, "M0,1:ff");
	feed_packet(conn, "D");
	expect_output(&f, "+++");
	cr_assert_eq(f.mem[0], 0);
	cr_assert_eq(f.detaches, 0);
	cr_assert(gdb_conn_running(conn));
}

Test(gdbstub_rsp, nak_while_running_sends_nothing_stale)
{
	feed_packet(conn, "qC");
	feed_packet(conn, "c");
	fake_clear(&f);
	feed_str(conn, "-");
	expect_output(&f, "");
}

Test(gdbstub_rsp, detach_ends_the_session)
{
	cr_assert_not(feed_str(conn, "$D#44$qC#b4"));
	expect_reply(&f, "OK"); /* and nothing for the qC after it */
	cr_assert_eq(f.detaches, 1);
	cr_assert_not(feed_packet(conn, "qC"));
	expect_output(&f, "");
}

Test(gdbstub_rsp, detach_with_pid)
{
	cr_assert_not(feed_packet(conn, "D;1"));
	expect_reply(&f, "OK");
	cr_assert_eq(f.detaches, 1);
}

Test(gdbstub_rsp, kill_ends_the_session_without_reply)
{
	cr_assert_not(feed_packet(conn, "k"));
	expect_output(&f, "+");
	cr_assert_eq(f.kills, 1);
}

Test(gdbstub_rsp, write_failure_ends_the_session)
{
	f.fail_write = true;
	cr_assert_not(feed_packet(conn, "qC"));
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
			conn = fake_connect(&f);
		}
		if (gdb_conn_running(conn)) {
			struct gdb_stop stop = { GDB_STOP_SIGNAL, 0, 5, GDB_REASON_NONE, 0, 0 };
			gdb_conn_stopped(conn, &stop);
		}
		fake_clear(&f);
	}
	/* Still working afterwards. */
	gdb_conn_free(conn);
	conn = fake_connect(&f);
	feed_packet(conn, "qC");
	expect_reply(&f, "QC1");
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
		if (!feed_packet_len(conn, payload, n)) {
			gdb_conn_free(conn);
			conn = fake_connect(&f);
		}
		if (gdb_conn_running(conn)) {
			struct gdb_stop stop = { GDB_STOP_SIGNAL, (int)(next_random(&state) % 4) - 1,
						 (int)(next_random(&state) % 300), GDB_REASON_WATCH,
						 next_random(&state), 0 };
			gdb_conn_stopped(conn, &stop);
		}
		if (strchr(fake_output(&f), '$'))
			replies++;
		fake_clear(&f);
	}
	cr_assert_gt(replies, 15000); /* nearly every packet got a reply */
}
