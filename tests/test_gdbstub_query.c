/*
 * test_gdbstub_query.c - unit tests of the q packets: qSupported, thread
 * lists and names, qAttached, qSymbol, monitor commands (qRcmd) and the
 * empty reply to what is not supported.
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
	gdbfake_init(&f, GDB_ARCH_AMD64, "i386:x86-64", 3);
	conn = gdbfake_connect(&f);
}

static void teardown(void)
{
	gdb_conn_free(conn);
	gdbfake_fini(&f);
}

TestSuite(gdbstub_query, .init = setup, .fini = teardown);

static void send_rcmd(const char *cmd)
{
	char packet[512] = "qRcmd,";

	rsp_hex_text(cmd, packet + strlen(packet));
	rsp_feed_packet(conn, packet);
}

Test(gdbstub_query, qsupported)
{
	rsp_feed_packet(conn, "qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;"
			  "fork-events+;vContSupported+;xmlRegisters=i386");
	rsp_expect_output(&f, "+$PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;"
			  "swbreak+;hwbreak+;vContSupported+#ba");
	rsp_feed_packet(conn, "qSupported");
	rsp_expect_reply(&f, "PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;"
			 "swbreak+;hwbreak+;vContSupported+");
	rsp_feed_packet(conn, "qSupportedX");
	rsp_expect_reply(&f, "E01");
}

Test(gdbstub_query, thread_list)
{
	rsp_feed_packet(conn, "qfThreadInfo");
	rsp_expect_reply(&f, "m1,2,3");
	rsp_feed_packet(conn, "qsThreadInfo");
	rsp_expect_reply(&f, "l");
}

Test(gdbstub_query, thread_list_hex_ids)
{
	struct fake big;

	gdbfake_init(&big, GDB_ARCH_I386, "i386", 17);
	struct gdb_conn *c = gdbfake_connect(&big);
	rsp_feed_packet(c, "qfThreadInfo");
	rsp_expect_reply(&big, "m1,2,3,4,5,6,7,8,9,a,b,c,d,e,f,10,11");
	gdb_conn_free(c);
	gdbfake_fini(&big);
}

Test(gdbstub_query, current_thread)
{
	rsp_feed_packet(conn, "qC");
	rsp_expect_reply(&f, "QC1");
	rsp_feed_packet(conn, "qCRC:0,4"); /* not qC */
	rsp_expect_reply(&f, "");
}

Test(gdbstub_query, thread_extra_info)
{
	char want[64];

	rsp_feed_packet(conn, "qThreadExtraInfo,2");
	rsp_expect_reply(&f, rsp_hex_text("vCPU 1 (fake)", want));
	rsp_feed_packet(conn, "qThreadExtraInfo,4");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "qThreadExtraInfo,0");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "qThreadExtraInfo,");
	rsp_expect_reply(&f, "E01");
}

Test(gdbstub_query, thread_extra_info_default_text)
{
	char want[64];

	f.target.thread_info = NULL;
	rsp_feed_packet(conn, "qThreadExtraInfo,3");
	rsp_expect_reply(&f, rsp_hex_text("vCPU 2", want));
}

Test(gdbstub_query, attached_symbol_and_unsupported)
{
	/* "1": gdb attached to a guest that was running; quitting detaches. */
	rsp_feed_packet(conn, "qAttached");
	rsp_expect_reply(&f, "1");
	rsp_feed_packet(conn, "qAttached:1");
	rsp_expect_reply(&f, "1");
	rsp_feed_packet(conn, "qSymbol::");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "qOffsets");
	rsp_expect_reply(&f, "");
	rsp_feed_packet(conn, "qTStatus");
	rsp_expect_reply(&f, "");
	rsp_feed_packet(conn, "vMustReplyEmpty");
	rsp_expect_reply(&f, "");
	rsp_feed_packet(conn, "vKill;1");
	rsp_expect_reply(&f, "");
	rsp_feed_packet(conn, "");
	rsp_expect_reply(&f, "");
}

Test(gdbstub_query, monitor_command_output_then_ok)
{
	char hex[64];
	char want[256];

	send_rcmd("hello");
	cr_assert_str_eq(f.last_monitor, "hello");
	/* "+" then "$O<hex>#cs" then "$OK#9a". */
	snprintf(want, sizeof(want), "O%s", rsp_hex_text("hello, world\n", hex));
	const char *out = gdbfake_output(&f);
	cr_assert_eq(out[0], '+');
	cr_assert(strncmp(out + 2, want, strlen(want)) == 0, "%s", out);
	cr_assert(strcmp(out + strlen(out) - strlen("$OK#9a"), "$OK#9a") == 0, "%s", out);
	gdbfake_clear(&f);
	send_rcmd("quiet");
	rsp_expect_reply(&f, "OK");
}

Test(gdbstub_query, unknown_monitor_command_shows_text_then_error)
{
	char hex[128];
	char want[256];
	char framed[300];

	send_rcmd("bogus");
	snprintf(want, sizeof(want), "O%s", rsp_hex_text("unknown command: bogus\n", hex));
	rsp_frame(want, strlen(want), framed, sizeof(framed));
	char expected[400];
	snprintf(expected, sizeof(expected), "+%s$E01#a6", framed);
	rsp_expect_output(&f, expected);
}

Test(gdbstub_query, large_monitor_output_is_split)
{
	send_rcmd("big");
	const char *out = gdbfake_output(&f);
	int packets = 0;
	size_t text = 0;

	for (const char *p = strstr(out, "$O"); p; p = strstr(p + 1, "$O")) {
		const char *end = strchr(p, '#');
		cr_assert(end);
		cr_assert_leq((size_t)(end - p - 1), GDB_PACKET_SIZE);
		text += (size_t)(end - p - 2) / 2;
		packets++;
	}
	cr_assert_gt(packets, 1);
	cr_assert_eq(text, 65535); /* the whole output buffer but its NUL */
	cr_assert(strcmp(out + strlen(out) - strlen("$OK#9a"), "$OK#9a") == 0);
}

Test(gdbstub_query, monitor_bad_hex_or_no_monitor)
{
	rsp_feed_packet(conn, "qRcmd,6");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "qRcmd,zz");
	rsp_expect_reply(&f, "E01");
	f.target.monitor = NULL;
	send_rcmd("hello");
	rsp_expect_reply(&f, "E01");
}
