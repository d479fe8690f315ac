/*
 * test_paging.c - unit tests of the software page walk (vmm/paging.c) on
 * page tables built in a buffer: translation, copies that cross pages
 * mapped to frames far apart, all-or-nothing writes, and range merging.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "x86/bits.h"
#include "x86/x86.h"

#define RAM (1 << 20)
#define PML4 0x1000
#define PDPT 0x2000
#define PD 0x3000
#define PT 0x4000
#define LINEAR 0x400000       /* PD entry 2, PT entries 0 and 1 */
#define FRAME_A 0x10000
#define FRAME_B 0x30000       /* not next to FRAME_A: the copy must split */

static uint8_t *mem;
static struct paging_regs regs = { CR0_PE | CR0_PG, PML4, CR4_PAE, EFER_LME | EFER_LMA };

static void put(uint64_t at, uint64_t entry)
{
	memcpy(mem + at, &entry, sizeof(entry));
}

static void setup(void)
{
	mem = calloc(1, RAM);
	/* Upper levels allow user access, so each page's own bit decides. */
	put(PML4, PDPT | PTE_P | PTE_RW | PTE_US);
	put(PDPT, PD | PTE_P | PTE_RW | PTE_US);
	put(PD + 2 * 8, PT | PTE_P | PTE_RW | PTE_US);
	put(PT + 0 * 8, FRAME_A | PTE_P | PTE_RW);
	put(PT + 1 * 8, FRAME_B | PTE_P | PTE_RW | PTE_US);
}

static void teardown(void)
{
	free(mem);
}

TestSuite(paging, .init = setup, .fini = teardown);

Test(paging, translate_4_level)
{
	uint64_t phys, size;

	cr_assert_eq(paging_mode_of(&regs), PAGING_4LEVEL);
	cr_assert_eq(paging_translate(&regs, mem, RAM, LINEAR + 0x123, &phys, &size, NULL), 0);
	cr_assert_eq(phys, FRAME_A + 0x123);
	cr_assert_eq(size, PAGE_SIZE);
	cr_assert_eq(paging_translate(&regs, mem, RAM, LINEAR + PAGE_SIZE, &phys, NULL, NULL), 0);
	cr_assert_eq(phys, FRAME_B);
	cr_assert_eq(paging_translate(&regs, mem, RAM, LINEAR + 2 * PAGE_SIZE, &phys, &size, NULL), -1);
	cr_assert_eq(size, PAGE_SIZE, "the span of the missing PT entry");
}

Test(paging, copies_cross_page_boundaries)
{
	char in[8] = "ABCDEFGH", out[8];

	cr_assert_eq(paging_write(&regs, mem, RAM, LINEAR + PAGE_SIZE - 4, in, 8), 0);
	cr_assert(memcmp(mem + FRAME_A + PAGE_SIZE - 4, "ABCD", 4) == 0);
	cr_assert(memcmp(mem + FRAME_B, "EFGH", 4) == 0);
	cr_assert_eq(paging_read(&regs, mem, RAM, LINEAR + PAGE_SIZE - 4, out, 8), 0);
	cr_assert(memcmp(out, in, 8) == 0);
}

Test(paging, writes_are_all_or_nothing)
{
	char in[8] = "ABCDEFGH", out[8];

	/* The second page of this range (LINEAR + 2 pages) is not mapped. */
	cr_assert_eq(paging_write(&regs, mem, RAM, LINEAR + 2 * PAGE_SIZE - 4, in, 8), -1);
	cr_assert(memcmp(mem + FRAME_B + PAGE_SIZE - 4, "\0\0\0\0", 4) == 0, "wrote part of it");
	cr_assert_eq(paging_read(&regs, mem, RAM, LINEAR + 2 * PAGE_SIZE - 4, out, 8), -1);
}

Test(paging, frames_outside_ram_are_refused)
{
	uint8_t b;

	put(PT + 0 * 8, (uint64_t)(RAM + PAGE_SIZE) | PTE_P);
	cr_assert_eq(paging_read(&regs, mem, RAM, LINEAR, &b, 1), -1);
	put(PD + 2 * 8, (uint64_t)(RAM * 4) | PTE_P);   /* the table itself is outside */
	cr_assert_eq(paging_read(&regs, mem, RAM, LINEAR, &b, 1), -1);
}

struct ranges {
	int n;
	uint64_t linear[4], size[4], flags[4];
};

static int collect(void *arg, uint64_t linear, uint64_t phys, uint64_t size, uint64_t flags)
{
	struct ranges *r = arg;

	(void)phys;
	if (r->n < 4) {
		r->linear[r->n] = linear;
		r->size[r->n] = size;
		r->flags[r->n] = flags;
	}
	r->n++;
	return 0;
}

Test(paging, walk_lists_each_mapping)
{
	struct ranges r = { 0 };

	/* Two pages, not contiguous in physical memory, one for the kernel
	 * and one for user code: two ranges. */
	cr_assert(paging_walk(&regs, mem, RAM, collect, &r));
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.linear[0], LINEAR);
	cr_assert_eq(r.size[0], PAGE_SIZE);
	cr_assert_eq(r.flags[0] & PTE_US, 0);
	cr_assert_eq(r.flags[1] & PTE_US, PTE_US);
}
