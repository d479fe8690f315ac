/*
 * test_gdbstub_regs.c - unit tests of the register packets (g, G, p, P)
 * and of target.xml, for both layouts: byte order, register order and
 * numbering, truncation to 32 bits, and the qXfer chunked transfer.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_gdbstub_fake.h"

/* Register names in the order gdb must see them (= register numbers). */
static const char *const i386_names[] = {
	"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
	"cs", "ss", "ds", "es", "fs", "gs",
	"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7",
	"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "mxcsr",
	"fs_base", "gs_base", "k_gs_base", "cr0", "cr2", "cr3", "cr4", "cr8", "efer", NULL,
};

static const char *const amd64_names[] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags",
	"cs", "ss", "ds", "es", "fs", "gs",
	"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7",
	"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "mxcsr",
	"fs_base", "gs_base", "k_gs_base", "cr0", "cr2", "cr3", "cr4", "cr8", "efer", NULL,
};

/* Bytes of a whole g packet: i386 16*4 + 8*10 + 8*4 + 8*16 + 4 + 9*4. */
#define I386_G_BYTES 344
/* amd64: 17*8 + 7*4 + 8*10 + 8*4 + 16*16 + 4 + 9*8. */
#define AMD64_G_BYTES 608

static struct fake f;
static struct gdb_conn *conn;

static void start(enum gdb_arch arch, const char *xml_arch)
{
	gdbfake_init(&f, arch, xml_arch, 2);
	conn = gdbfake_connect(&f);
}

static void stop(void)
{
	gdb_conn_free(conn);
	gdbfake_fini(&f);
}

/* The reply payload of the output "+$payload#cs", copied into buf. */
static const char *payload_of(const char *out, char *buf, size_t size)
{
	cr_assert(strncmp(out, "+$", 2) == 0, "not a reply: %s", out);
	const char *hash = strrchr(out, '#');
	cr_assert(hash);
	size_t len = (size_t)(hash - out - 2);
	cr_assert(len < size);
	memcpy(buf, out + 2, len);
	buf[len] = '\0';
	return buf;
}

static void set_sample_regs(struct gdb_regs *r)
{
	for (int i = 0; i < 16; i++)
		r->gpr[i] = 0xa0a0a0a000000000ull | (uint64_t)(0x11111111u * (unsigned)(i + 1));
	r->rip = 0xffffffff12345678ull;
	r->rflags = 0x246;
	for (int i = 0; i < 6; i++)
		r->seg[i] = 0x10 + (uint64_t)i;
	r->cr0 = 0x80000011;
	r->k_gs_base = 0x6b;
	r->cr8 = 0x8;
	r->efer = 0x500;
	r->mxcsr = 0x1f80;
	r->st[7][0] = 0x5a;
	r->st[7][9] = 0x40;
	r->xmm[7][0] = 0x77;
	r->xmm[7][15] = 0x88;
}

Test(gdbstub_regs, i386_g_layout)
{
	char buf[4096];

	start(GDB_ARCH_I386, "i386");
	set_sample_regs(&f.regs[0]);
	rsp_feed_packet(conn, "g");
	const char *g = payload_of(gdbfake_output(&f), buf, sizeof(buf));

	cr_assert_eq(strlen(g), 2 * I386_G_BYTES);
	/* eax ecx edx ebx esp ebp esi edi: gpr[0] [2] [3] [1] [7] [6] [4] [5],
	 * low 32 bits, little-endian. */
	cr_assert(strncmp(g, "11111111" "33333333" "44444444" "22222222"
			     "88888888" "77777777" "55555555" "66666666", 64) == 0, "%s", g);
	cr_assert(strncmp(g + 64, "78563412" "46020000" "10000000" "11000000", 32) == 0, "%s", g);
	/* st7 ends the x87 stack: 16 regs * 8 digits + 7 * 20 digits. */
	cr_assert(strncmp(g + 128 + 140, "5a000000000000000040", 20) == 0, "%s", g);
	/* mxcsr after 32 regs (x87 included) and 8 xmm registers. */
	size_t mxcsr = 2 * (16 * 4 + 8 * 10 + 8 * 4 + 8 * 16);
	cr_assert(strncmp(g + mxcsr - 32, "77000000000000000000000000000088", 32) == 0, "%s", g);
	cr_assert(strncmp(g + mxcsr, "801f0000", 8) == 0, "%s", g);
	/* fs_base gs_base k_gs_base cr0 cr2 cr3 cr4 cr8 efer, 32 bits each. */
	cr_assert_str_eq(g + mxcsr + 8, "00000000" "00000000" "6b000000" "11000080" "00000000"
					 "00000000" "00000000" "08000000" "00050000");
	stop();
}

Test(gdbstub_regs, amd64_g_layout)
{
	char buf[4096];

	start(GDB_ARCH_AMD64, "i386:x86-64");
	set_sample_regs(&f.regs[0]);
	rsp_feed_packet(conn, "g");
	const char *g = payload_of(gdbfake_output(&f), buf, sizeof(buf));

	cr_assert_eq(strlen(g), 2 * AMD64_G_BYTES);
	cr_assert(strncmp(g, "11111111a0a0a0a0" "22222222a0a0a0a0", 32) == 0, "%s", g);
	/* rip after 16 registers of 8 bytes; eflags is 4 bytes. */
	cr_assert(strncmp(g + 256, "78563412ffffffff" "46020000" "10000000", 32) == 0, "%s", g);
	size_t mxcsr = 2 * (17 * 8 + 7 * 4 + 8 * 10 + 8 * 4 + 16 * 16);
	cr_assert(strncmp(g + mxcsr, "801f0000", 8) == 0, "%s", g);
	cr_assert_str_eq(g + mxcsr + 8,
			 "0000000000000000" "0000000000000000" "6b00000000000000"
			 "1100008000000000" "0000000000000000" "0000000000000000"
			 "0000000000000000" "0800000000000000" "0005000000000000");
	stop();
}

Test(gdbstub_regs, g_fails_when_target_fails)
{
	start(GDB_ARCH_I386, "i386");
	f.fail_regs = true;
	rsp_feed_packet(conn, "g");
	rsp_expect_reply(&f, "E03");
	stop();
}

Test(gdbstub_regs, p_reads_by_target_xml_number)
{
	start(GDB_ARCH_I386, "i386");
	set_sample_regs(&f.regs[0]);
	rsp_feed_packet(conn, "p3"); /* ebx */
	rsp_expect_reply(&f, "22222222");
	rsp_feed_packet(conn, "p8"); /* eip */
	rsp_expect_reply(&f, "78563412");
	rsp_feed_packet(conn, "p2b"); /* k_gs_base = 43 */
	rsp_expect_reply(&f, "6b000000");
	rsp_feed_packet(conn, "p2c"); /* cr0 = 44 */
	rsp_expect_reply(&f, "11000080");
	rsp_feed_packet(conn, "p30"); /* cr8 = 48 */
	rsp_expect_reply(&f, "08000000");
	rsp_feed_packet(conn, "p31"); /* efer, the last */
	rsp_expect_reply(&f, "00050000");
	rsp_feed_packet(conn, "p32"); /* one past the last */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "p");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "pxyz");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "p1,");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "pffffffffffffffffff"); /* more than 64 bits */
	rsp_expect_reply(&f, "E01");
	stop();
}

Test(gdbstub_regs, p_amd64_numbers)
{
	start(GDB_ARCH_AMD64, "i386:x86-64");
	set_sample_regs(&f.regs[0]);
	rsp_feed_packet(conn, "p10"); /* rip = 16 */
	rsp_expect_reply(&f, "78563412ffffffff");
	rsp_feed_packet(conn, "p11"); /* eflags = 17 */
	rsp_expect_reply(&f, "46020000");
	rsp_feed_packet(conn, "p3b"); /* k_gs_base = 59 */
	rsp_expect_reply(&f, "6b00000000000000");
	rsp_feed_packet(conn, "p3c"); /* cr0 = 60 */
	rsp_expect_reply(&f, "1100008000000000");
	rsp_feed_packet(conn, "p40"); /* cr8 = 64 */
	rsp_expect_reply(&f, "0800000000000000");
	rsp_feed_packet(conn, "p37"); /* xmm15 = 55 */
	rsp_expect_reply(&f, "00000000000000000000000000000000");
	rsp_feed_packet(conn, "p42"); /* one past efer, the last */
	rsp_expect_reply(&f, "E01");
	stop();
}

Test(gdbstub_regs, P_writes_one_register)
{
	start(GDB_ARCH_I386, "i386");
	f.regs[0].gpr[GDB_RCX] = 0xdeadbeef00000000ull;
	rsp_feed_packet(conn, "P1=44332211"); /* ecx */
	rsp_expect_reply(&f, "OK");
	/* The low half is replaced, the upper half kept. */
	cr_assert_eq(f.regs[0].gpr[GDB_RCX], 0xdeadbeef11223344ull);
	rsp_feed_packet(conn, "P8=00100000"); /* eip */
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.regs[0].rip, 0x1000);
	rsp_feed_packet(conn, "P10=0102030405060708090a"); /* st0 = 16 */
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.regs[0].st[0][9], 0x0a);
	stop();
}

Test(gdbstub_regs, P_errors)
{
	start(GDB_ARCH_I386, "i386");
	rsp_feed_packet(conn, "P1=4433"); /* too short */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "P1=4433221100"); /* too long */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "P1=zz332211"); /* not hex */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "P32=00000000"); /* no such register */
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "P1");
	rsp_expect_reply(&f, "E01");
	f.fail_regs = true;
	rsp_feed_packet(conn, "P1=44332211");
	rsp_expect_reply(&f, "E03");
	cr_assert_eq(f.regs_writes, 0);
	stop();
}

Test(gdbstub_regs, G_round_trip)
{
	char buf[4096];
	char packet[4096];

	start(GDB_ARCH_AMD64, "i386:x86-64");
	set_sample_regs(&f.regs[0]);
	struct gdb_regs saved = f.regs[0];
	rsp_feed_packet(conn, "g");
	snprintf(packet, sizeof(packet), "G%s", payload_of(gdbfake_output(&f), buf, sizeof(buf)));
	gdbfake_clear(&f);
	memset(&f.regs[0], 0, sizeof(f.regs[0]));
	rsp_feed_packet(conn, packet);
	rsp_expect_reply(&f, "OK");
	cr_assert(memcmp(&f.regs[0], &saved, sizeof(saved)) == 0);
	stop();
}

Test(gdbstub_regs, G_wrong_length_or_bad_hex)
{
	char packet[2 * I386_G_BYTES + 8];

	start(GDB_ARCH_I386, "i386");
	packet[0] = 'G';
	memset(packet + 1, '0', 2 * I386_G_BYTES);
	packet[1 + 2 * I386_G_BYTES] = '\0';
	rsp_feed_packet(conn, packet);
	rsp_expect_reply(&f, "OK");
	packet[2 * I386_G_BYTES] = '\0'; /* one digit short */
	rsp_feed_packet(conn, packet);
	rsp_expect_reply(&f, "E01");
	packet[2 * I386_G_BYTES - 1] = '\0'; /* one byte short */
	rsp_feed_packet(conn, packet);
	rsp_expect_reply(&f, "E01");
	memset(packet + 1, '0', 2 * I386_G_BYTES);
	packet[5] = 'x';
	packet[1 + 2 * I386_G_BYTES] = '\0';
	rsp_feed_packet(conn, packet);
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "G");
	rsp_expect_reply(&f, "E01");
	stop();
}

Test(gdbstub_regs, registers_follow_Hg)
{
	start(GDB_ARCH_I386, "i386");
	f.regs[1].gpr[GDB_RAX] = 0x2;
	rsp_feed_packet(conn, "Hg2");
	rsp_expect_reply(&f, "OK");
	rsp_feed_packet(conn, "p0");
	rsp_expect_reply(&f, "02000000");
	rsp_feed_packet(conn, "P0=03000000");
	rsp_expect_reply(&f, "OK");
	cr_assert_eq(f.regs[1].gpr[GDB_RAX], 3);
	cr_assert_eq(f.regs[0].gpr[GDB_RAX], 0);
	stop();
}

/* --- target.xml ------------------------------------------------------------------- */

static char *xml_of(enum gdb_arch arch, const char *xml_arch)
{
	size_t len = gdb_target_xml(arch, xml_arch, NULL, 0);
	char *xml = malloc(len + 1);

	cr_assert(xml);
	cr_assert_eq(gdb_target_xml(arch, xml_arch, xml, len + 1), len);
	cr_assert_eq(strlen(xml), len);
	return xml;
}

/* Check the <reg> names appear in exactly this order, and that their
 * sizes add up to the g packet. */
static void check_reg_order(const char *xml, const char *const *names, size_t g_bytes)
{
	const char *p = xml;
	size_t bits = 0;
	size_t i = 0;
	char want[64];

	for (; names[i]; i++) {
		p = strstr(p, "<reg name=\"");
		cr_assert_not_null(p, "register %s missing", names[i]);
		p += strlen("<reg name=\"");
		snprintf(want, sizeof(want), "%s\" bitsize=\"", names[i]);
		cr_assert(strncmp(p, want, strlen(want)) == 0, "expected %s at %.30s", names[i], p);
		bits += strtoul(p + strlen(want), NULL, 10);
	}
	cr_assert_null(strstr(p, "<reg "), "more registers than expected");
	cr_assert_eq(bits, 8 * g_bytes);
}

Test(gdbstub_regs, target_xml_i386)
{
	char *xml = xml_of(GDB_ARCH_I386, "i8086");

	const char *head = "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
			   "<target version=\"1.0\">\n<architecture>i8086</architecture>\n"
			   "<osabi>none</osabi>\n<feature name=\"org.gnu.gdb.i386.core\">\n";
	cr_assert(strncmp(xml, head, strlen(head)) == 0, "%s", xml);
	cr_assert_not_null(strstr(xml, "<reg name=\"eax\" bitsize=\"32\" type=\"int32\"/>\n"));
	cr_assert_not_null(strstr(xml, "<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/>\n"));
	cr_assert_not_null(strstr(xml, "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"));
	cr_assert_not_null(strstr(xml, "<reg name=\"fop\" bitsize=\"32\" type=\"int\" "
				       "group=\"float\"/>\n"));
	cr_assert_not_null(strstr(xml, "<feature name=\"org.gnu.gdb.i386.sse\">\n"));
	cr_assert_not_null(strstr(xml, "<reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\"/>\n"));
	cr_assert_not_null(strstr(xml, "<flags id=\"i386_eflags\" size=\"4\">\n"));
	cr_assert_not_null(strstr(xml, "<flags id=\"cr0_flags\" size=\"4\">\n"));
	cr_assert_not_null(strstr(xml, "<field name=\"PE\" start=\"0\" end=\"0\"/>\n"));
	cr_assert_not_null(strstr(xml, "<feature name=\"org.mini-kvm.system\">\n"));
	/* gdb 13 asserts on i386 + segments feature with the Linux OS ABI. */
	cr_assert_null(strstr(xml, "org.gnu.gdb.i386.segments"));
	cr_assert(strcmp(xml + strlen(xml) - strlen("</feature>\n</target>\n"),
			 "</feature>\n</target>\n") == 0);
	check_reg_order(xml, i386_names, I386_G_BYTES);
	free(xml);
}

Test(gdbstub_regs, target_xml_amd64)
{
	char *xml = xml_of(GDB_ARCH_AMD64, "i386:x86-64");

	cr_assert_not_null(strstr(xml, "<architecture>i386:x86-64</architecture>\n"));
	cr_assert_not_null(strstr(xml, "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"));
	cr_assert_not_null(strstr(xml, "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"));
	cr_assert_not_null(strstr(xml, "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"));
	cr_assert_not_null(strstr(xml, "<feature name=\"org.gnu.gdb.i386.segments\">\n"
				       "<reg name=\"fs_base\" bitsize=\"64\" type=\"int\"/>\n"));
	cr_assert_not_null(strstr(xml, "<flags id=\"efer_flags\" size=\"8\">\n"));
	cr_assert_not_null(strstr(xml, "<reg name=\"efer\" bitsize=\"64\" type=\"efer_flags\"/>\n"));
	check_reg_order(xml, amd64_names, AMD64_G_BYTES);
	free(xml);
}

Test(gdbstub_regs, target_xml_default_architecture)
{
	char *xml = xml_of(GDB_ARCH_AMD64, NULL);

	cr_assert_not_null(strstr(xml, "<architecture>i386:x86-64</architecture>"));
	free(xml);
	xml = xml_of(GDB_ARCH_I386, NULL);
	cr_assert_not_null(strstr(xml, "<architecture>i386</architecture>"));
	free(xml);
}

Test(gdbstub_regs, target_xml_truncates_like_snprintf)
{
	char small[16];
	size_t full = gdb_target_xml(GDB_ARCH_I386, "i386", NULL, 0);

	memset(small, 'x', sizeof(small));
	cr_assert_eq(gdb_target_xml(GDB_ARCH_I386, "i386", small, sizeof(small)), full);
	cr_assert_str_eq(small, "<?xml version=\"");
}

/* Read target.xml with qXfer in chunks of `chunk` bytes; returns it. */
static char *read_xml_by_qxfer(size_t chunk)
{
	size_t cap = 65536;
	char *xml = malloc(cap);
	size_t len = 0;
	char packet[64];

	cr_assert(xml);
	for (;;) {
		snprintf(packet, sizeof(packet), "qXfer:features:read:target.xml:%zx,%zx", len, chunk);
		gdbfake_clear(&f);
		rsp_feed_packet(conn, packet);
		const char *out = gdbfake_output(&f);
		cr_assert(strncmp(out, "+$", 2) == 0);
		char kind = out[2];
		cr_assert(kind == 'm' || kind == 'l', "%s", out);
		const char *end = strrchr(out, '#');
		size_t got = 0;
		for (const char *p = out + 3; p < end; p++, got++) {
			char c = *p;
			if (c == '}')
				c = (char)(*++p ^ 0x20);
			cr_assert(len < cap);
			xml[len++] = c;
		}
		cr_assert(got <= chunk);
		if (kind == 'l')
			break;
		cr_assert_eq(got, chunk, "an 'm' reply must be full here");
	}
	xml[len] = '\0';
	return xml;
}

Test(gdbstub_regs, qxfer_reads_target_xml_in_chunks)
{
	start(GDB_ARCH_I386, "i8086");
	char *want = xml_of(GDB_ARCH_I386, "i8086");
	char *got = read_xml_by_qxfer(100);
	cr_assert_str_eq(got, want);
	free(got);
	got = read_xml_by_qxfer(0x1000);
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
	stop();
}

Test(gdbstub_regs, qxfer_edges)
{
	char packet[64];

	start(GDB_ARCH_I386, "i386");
	size_t len = gdb_target_xml(GDB_ARCH_I386, "i386", NULL, 0);
	snprintf(packet, sizeof(packet), "qXfer:features:read:target.xml:%zx,10", len);
	rsp_feed_packet(conn, packet);
	rsp_expect_reply(&f, "l"); /* at the end: nothing more */
	snprintf(packet, sizeof(packet), "qXfer:features:read:target.xml:%zx,10", len + 100);
	rsp_feed_packet(conn, packet);
	rsp_expect_reply(&f, "l");
	snprintf(packet, sizeof(packet), "qXfer:features:read:target.xml:%zx,10", len - 3);
	rsp_feed_packet(conn, packet);
	rsp_expect_reply(&f, "lt>\n");
	rsp_feed_packet(conn, "qXfer:features:read:target.xml:0,5");
	rsp_expect_reply(&f, "m<?xml");
	rsp_feed_packet(conn, "qXfer:features:read:other.xml:0,5");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "qXfer:features:read:target.xml:0");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "qXfer:features:read:target.xml:0,0");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "qXfer:features:read:target.xml:zz,5");
	rsp_expect_reply(&f, "E01");
	rsp_feed_packet(conn, "qXfer:memory-map:read::0,5"); /* not supported */
	rsp_expect_reply(&f, "");
	stop();
}
