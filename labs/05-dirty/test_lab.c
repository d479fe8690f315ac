/*
 * test_lab.c - lab 05's grader: runs dirty.elf (one case per test, chosen
 * by its stdin) under the lab's kvm-vmm ($KVM_VMM) and compares the pages
 * the guest was told it wrote with the pages it did write.
 * `make check LAB=05` runs it against your lab.c.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

#define GUEST "labs/05-dirty/dirty.elf"
#define HC_ERROR_TEXT "4294967295\n"   /* HC_ERROR, as the guest prints EAX */

/* Run one case of dirty.elf; fail if kvm-vmm crashed or the guest did not
 * exit 0. */
static struct run_result run_case(const char *which)
{
	struct run_result r = run_guest_case(GUEST, which);

	cr_assert_eq(r.status, 0,
		     "case %s: kvm-vmm ended with status %d (above 128: killed by a signal; a"
		     " guest pointer used without a bounds check?)\nstderr:\n%s",
		     which, r.status, r.err);
	return r;
}

/* The guest printed `want`: "EAX: page page ..." lines, or HC_ERROR. */
static void expect_report(const char *which, const char *want, const char *why)
{
	struct run_result r = run_case(which);

	cr_expect_str_eq(r.out, want, "case %s: the guest printed\n%sexpected\n%s%s", which, r.out,
			 want, why);
	run_free(&r);
}

Test(lab05, written_pages_are_reported)
{
	expect_report("1", "4: 32 37 64 127\n",
		      "(EAX = how many pages, then their numbers in order). The guest wrote pages"
		      " 0x20, 0x25, 0x40 and 0x7F after DIRTY_START. Pages 32..63 are bits 32..63"
		      " of the bitmap's first 64-bit word: test them with 1ULL << bit (1 << bit is"
		      " an int, 32 bits). No pages at all: is KVM_MEM_LOG_DIRTY_PAGES set on slot 0,"
		      " and the bitmap read with KVM_GET_DIRTY_LOG?");
}

Test(lab05, the_stack_is_a_written_page)
{
	expect_report("2", "2: 7 48\n",
		      "page 0x30 was written by a subroutine, and the `call` pushed its return"
		      " address just below 0x7C00, in page 7: report every page of the log");
}

Test(lab05, start_forgets_earlier_writes)
{
	expect_report("3", "1: 33\n",
		      "the guest wrote page 0x20, called DIRTY_START again, then wrote page 0x21:"
		      " START must empty the log. Setting KVM_MEM_LOG_DIRTY_PAGES on a slot that"
		      " already has it changes nothing; read the log once (KVM_GET_DIRTY_LOG) and"
		      " throw it away");
}

Test(lab05, report_empties_the_log)
{
	expect_report("4", "1: 32\n1: 7\n",
		      "two reports: KVM_GET_DIRTY_LOG hands the log over and empties it, so the"
		      " second report has only what the guest wrote in between: its stack (page 7,"
		      " printing the first report). The buffer kvm-vmm filled (page 0x10) is not in"
		      " it: KVM does not see the VMM's own writes to guest memory");
}

Test(lab05, small_buffer_is_not_overrun)
{
	expect_report("5", "4: 32 33\ncanary intact\n",
		      "4 pages were written into a buffer of ECX = 2 entries: EAX is still 4, but"
		      " only 2 entries may be written; the dword after them belongs to the guest");
}

Test(lab05, buffer_past_ram_is_refused)
{
	expect_report("6", HC_ERROR_TEXT,
		      "EBX = 0xFFFFF000 is far above the guest's RAM: refuse the buffer with"
		      " HC_ERROR (check it with vm_range_ok())");
}

Test(lab05, buffer_size_does_not_wrap)
{
	expect_report("7", HC_ERROR_TEXT,
		      "ECX = 0x40000001 entries of 4 bytes: 0x100000004 bytes, more than the RAM."
		      " In 32 bits ECX * 4 wraps to 4: compute the size in 64 bits");
}

Test(lab05, report_without_start_is_refused)
{
	expect_report("8", HC_ERROR_TEXT,
		      "DIRTY_REPORT before any DIRTY_START: the slot keeps no log, KVM_GET_DIRTY_LOG"
		      " fails (ENOENT), and the guest gets HC_ERROR");
}
