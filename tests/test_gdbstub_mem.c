/*
 * test_gdbstub_mem.c - unit tests of the memory packets (m, M, X with its
 * binary escapes) and of breakpoints and watchpoints (Z, z).
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

TestSuite(gdbstub_mem, .init = setup, .fini = teardown);

Test(gdbstub_mem, m_reads_hex)
{
	static const uint8_t bytes[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x7d };

	memcpy(f.mem + 0x100, bytes, sizeof(bytes));
	rsp_feed_packet(conn, "m100,6");
	rsp_expect_reply(&f, "deadbeef007d");
	rsp_feed_packet(conn, "m0100,1"); /* leading zeros */
	rsp_expect_reply(&f, "de");
	rsp_feed_packet(conn, "M100,1:AB"); /* upper-case hex accepted */
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.mem[0x100], 0xab);
}

Test(gdbstub_mem, m_returns_the_readable_start)
{
	f.mem[FAKE_MEM_SIZE - 2] = 0x12;
	f.mem[FAKE_MEM_SIZE - 1] = 0x34;
	/* The last two bytes of RAM, then unmapped memory: a short reply. */
	rsp_feed_packet(conn, "mfffe,4");
	rsp_expect_reply(&f, "1234");
	rsp_feed_packet(conn, "m10000,4");
	rsp_expect_reply(&f, "E03");
	rsp_feed_packet(conn, "mffffffffffffffff,1");
	rsp_expect_reply(&f, "E03");
}

Test(gdbstub_mem, m_bad_arguments)
{
	rsp_feed_packet(conn, "m100");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "m,4");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "m100,");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "m100,4x");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "mffffffffffffffff,2"); /* wraps past 2^64 */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "m0,2001"); /* reply would not fit a packet */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "m0,0");
	rsp_expect_reply(&f, "");
}

Test(gdbstub_mem, m_largest_read)
{
	char packet[32];

	snprintf(packet, sizeof(packet), "m0,%x", GDB_PACKET_SIZE / 2);
	rsp_feed_packet(conn, packet);
	const char *out = gdbfake_output(&f);
	cr_assert_eq(strlen(out), 1 + 1 + GDB_PACKET_SIZE + 3);
}

Test(gdbstub_mem, M_writes_hex)
{
	rsp_feed_packet(conn, "M200,3:0a0b0c");
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.mem[0x200], 0x0a);
	cr_assert_eq(f.mem[0x202], 0x0c);
	rsp_feed_packet(conn, "M200,0:");
	rsp_expect_reply(&f, "OK");
}

Test(gdbstub_mem, M_errors)
{
	rsp_feed_packet(conn, "M200,3:0a0b"); /* fewer bytes than said */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "M200,1:0a0b"); /* more */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "M200,1:0g");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "M200,1");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "M10000,1:00"); /* unmapped */
	rsp_expect_reply(&f, "E03");
	cr_assert_eq(f.mem[0x200], 0);
}

Test(gdbstub_mem, X_unescapes_binary_data)
{
	/* '}' '#' '$' '*' escaped as '}' + (byte ^ 0x20); NUL and 0x03 raw. */
	static const char packet[] = "X300,6:}]}\x03}\x04}\x0a\x00\x03";

	rsp_feed_packet_len(conn, packet, sizeof(packet) - 1);
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.mem[0x300], '}');
	cr_assert_eq(f.mem[0x301], '#');
	cr_assert_eq(f.mem[0x302], '$');
	cr_assert_eq(f.mem[0x303], '*');
	cr_assert_eq(f.mem[0x304], 0x00);
	cr_assert_eq(f.mem[0x305], 0x03);
}

Test(gdbstub_mem, X_zero_length_is_a_probe)
{
	rsp_feed_packet(conn, "X0,0:");
	rsp_expect_reply(&f, "OK");
	/* Even for an unmapped address: nothing is written. */
	rsp_feed_packet(conn, "Xffffff00,0:");
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.mem_writes, 0);
}

Test(gdbstub_mem, X_errors)
{
	rsp_feed_packet(conn, "X300,2:a"); /* fewer bytes than said */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "X300,1:ab"); /* more */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "X300,1:}"); /* dangling escape */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "X300,1");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "X10000,1:a"); /* unmapped */
	rsp_expect_reply(&f, "E03");
	cr_assert_eq(f.mem[0x300], 0);
}

Test(gdbstub_mem, memory_follows_Hg)
{
	rsp_feed_packet(conn, "Hg2");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "m0,1");
	rsp_expect_reply(&f, "00");
}

Test(gdbstub_mem, Z_and_z_call_the_target)
{
	rsp_feed_packet(conn, "Z0,1010,1");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "Z1,2020,1");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "Z2,3000,4");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "Z3,3004,2");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "Z4,3008,8");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "z2,3000,4");
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.bp_count, 6);
	cr_assert(f.bp_log[0].insert && f.bp_log[0].type == GDB_BP_SOFTWARE &&
		  f.bp_log[0].addr == 0x1010 && f.bp_log[0].len == 1);
	cr_assert(f.bp_log[1].type == GDB_BP_HARDWARE && f.bp_log[1].addr == 0x2020);
	cr_assert(f.bp_log[2].type == GDB_WP_WRITE && f.bp_log[2].len == 4);
	cr_assert(f.bp_log[3].type == GDB_WP_READ && f.bp_log[3].len == 2);
	cr_assert(f.bp_log[4].type == GDB_WP_ACCESS && f.bp_log[4].len == 8);
	cr_assert(!f.bp_log[5].insert && f.bp_log[5].type == GDB_WP_WRITE &&
		  f.bp_log[5].addr == 0x3000);
}

Test(gdbstub_mem, Z_conditions_are_ignored)
{
	rsp_feed_packet(conn, "Z0,1010,1;X3,220027");
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.bp_count, 1);
}

Test(gdbstub_mem, Z_unknown_type_is_unsupported)
{
	rsp_feed_packet(conn, "Z5,1010,1");
	rsp_expect_reply(&f, "");
	cr_assert_eq(f.bp_count, 0);
}

Test(gdbstub_mem, Z_errors)
{
	rsp_feed_packet(conn, "Z0,1010");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "Z0");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "Z0,xyz,1");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "Z0,1010,1junk");
	rsp_expect_reply(&f, "E01");
	f.fail_bp = true;
	rsp_feed_packet(conn, "Z0,1010,1");
	rsp_expect_reply(&f, "E03");
	rsp_feed_packet(conn, "z0,1010,1");
	rsp_expect_reply(&f, "E03");
}

Test(gdbstub_mem, Z_a_kind_the_target_cannot_do_gets_the_empty_reply)
{
	/* gdb reads the empty reply as "not supported" (and says so), where
	 * an error would read as "too many hardware watchpoints". */
	f.unsupported_bp = true;
	rsp_feed_packet(conn, "Z3,1010,4");
	rsp_expect_reply(&f, "");
	rsp_feed_packet(conn, "Z4,1010,4");
	rsp_expect_reply(&f, "");
}
