/*
 * test_lab.c - lab 03's grader: runs box.elf (one case per test, chosen by
 * its stdin) under the lab's kvm-vmm ($KVM_VMM) and compares each line the
 * guest printed, one MMIO access per line, with what the MMIO box must
 * answer. `make check LAB=03` runs it against your lab.c.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define GUEST "labs/03-mmio/box.elf"

/* One line the guest must print, and what to tell the student if not. */
struct expected_line {
	const char *text;
	const char *hint;
};

/* The length of the line at s, without its newline. */
static int line_len(const char *s)
{
	return (int)strcspn(s, "\n");
}

/* Run case `which` of box.elf; expect status 0 and exactly the lines of
 * want (n of them), in order. */
static void expect_case(const char *which, const struct expected_line *want, size_t n)
{
	struct run_result r;
	const char *out;

	r = run_guest_case(GUEST, which);
	cr_assert_eq(r.status, 0, "case %s: kvm-vmm ended with status %d\nstdout:\n%s\nstderr:\n%s",
		     which, r.status, r.out, r.err);
	out = r.out;
	for (size_t i = 0; i < n; i++) {
		int len = (int)strlen(want[i].text);

		cr_assert(strncmp(out, want[i].text, len) == 0 && out[len] == '\n',
			  "the guest printed \"%.*s\", expected \"%s\": %s\nall it printed:\n%s",
			  line_len(out), out, want[i].text, want[i].hint, r.out);
		out += len + 1;
	}
	cr_expect_eq(*out, '\0', "the guest printed more than expected: \"%s\"", out);
	run_free(&r);
}

#define EXPECT_CASE(which, lines) expect_case(which, lines, sizeof(lines) / sizeof(lines[0]))

Test(lab03, id_register_by_size)
{
	static const struct expected_line lines[] = {
		{ "id dword 6D6D696F", "a 4-byte read of ID (offset 0x00) at 0xD0000000 must give"
				       " 0x6D6D696F, data[0] = 0x6F the lowest byte. All F: lab_mmio()"
				       " returned false, or is not called for that address?" },
		{ "id word+0 696F", "a 2-byte read at ID + 0: the low half of ID, bits 15..0" },
		{ "id word+2 6D6D", "a 2-byte read at ID + 2 (phys_addr 0xD0000002, len 2): bits"
				    " 31..16 of ID. The address says where in the register the"
				    " access starts" },
		{ "id byte+3 6D", "a 1-byte read at ID + 3: bits 31..24 of ID" },
	};

	EXPECT_CASE("1", lines);
}

Test(lab03, scratch_reads_by_size)
{
	static const struct expected_line lines[] = {
		{ "scratch qword 1122334455667788",
		  "the guest wrote 0x1122334455667788 to SCRATCH (offset 0x08) in one 8-byte"
		  " store and read it back in one 8-byte load. A mask of the low len bytes"
		  " written (1 << (len * 8)) - 1 is undefined for len = 8" },
		{ "scratch dword+4 11223344", "a 4-byte read at SCRATCH + 4: bits 63..32" },
		{ "scratch word+2 5566", "a 2-byte read at SCRATCH + 2: bits 31..16" },
		{ "scratch byte+7 11", "a 1-byte read at SCRATCH + 7: bits 63..56" },
	};

	EXPECT_CASE("2", lines);
}

Test(lab03, scratch_writes_change_only_their_bytes)
{
	static const struct expected_line lines[] = {
		{ "after byte+1  112233445566AA88",
		  "SCRATCH held 0x1122334455667788, the guest wrote the byte 0xAA at SCRATCH + 1:"
		  " only bits 15..8 may change" },
		{ "after word+4  1122BBCC5566AA88",
		  "then 0xBBCC, 2 bytes at SCRATCH + 4: only bits 47..32 may change" },
		{ "after dword+0 1122BBCCDDEEFF00",
		  "then 0xDDEEFF00, 4 bytes at SCRATCH + 0: only bits 31..0 may change" },
	};

	EXPECT_CASE("3", lines);
}

Test(lab03, out_prints_and_counts)
{
	static const struct expected_line lines[] = {
		{ "count 0", "COUNT (offset 0x14, 4 bytes) before any byte was written to OUT" },
		{ "hello, mmio", "the guest wrote \"hello, mmio\" and a newline to OUT (offset 0x10),"
				 " one byte at a time: each byte goes to the guest's console"
				 " (console_write(cpu->vm, ...))" },
		{ "count 12", "COUNT after 12 bytes written to OUT" },
	};

	EXPECT_CASE("4", lines);
}

Test(lab03, nothing_where_no_register_is)
{
	static const struct expected_line lines[] = {
		{ "unused FFFFFFFF", "a read at offset 0x20, where the box has no register: return"
				     " false, and the guest reads all ones" },
		{ "id after write 6D6D696F", "the guest wrote 0 to ID: it is read-only, the write"
					     " changes nothing" },
		{ "count after write 00000000", "the guest wrote 1000 to COUNT: it is read-only,"
						" the write changes nothing" },
		{ "next page FFFFFFFF", "a read at 0xD0001000, the page after the box: not the"
					" box's (check the whole address, not just its low bits)" },
	};

	EXPECT_CASE("5", lines);
}
