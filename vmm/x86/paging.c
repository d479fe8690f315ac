/*
 * paging.c - software page-table walks for the three x86 paging modes
 * (32-bit, PAE, 4-level), reading the tables from guest RAM, and guest
 * memory by linear address on top of them. Every table
 * address is checked against the RAM size: the tables are guest data.
 */
#include <string.h>

#include "vmm.h"
#include "x86/bits.h"
#include "x86/x86.h"

struct paging_regs paging_regs_of(const struct kvm_sregs *s)
{
	return (struct paging_regs){ s->cr0, s->cr3, s->cr4, s->efer };
}

enum paging_mode paging_mode_of(const struct paging_regs *r)
{
	if (!(r->cr0 & CR0_PG))
		return PAGING_NONE;
	if (r->efer & EFER_LMA)
		return PAGING_4LEVEL;
	if (r->cr4 & CR4_PAE)
		return PAGING_PAE;
	return PAGING_32;
}

const char *paging_mode_name(enum paging_mode m)
{
	switch (m) {
	case PAGING_NONE: return "paging off";
	case PAGING_32: return "32-bit paging";
	case PAGING_PAE: return "PAE paging";
	case PAGING_4LEVEL: return "4-level paging";
	}
	return "?";
}

/* Read a table entry of `size` bytes at physical address pa; false if the
 * entry does not lie in RAM. */
static bool read_entry(const uint8_t *mem, uint64_t mem_size, uint64_t pa, int size,
		       uint64_t *out)
{
	uint32_t e32;

	if (pa > mem_size || (uint64_t)size > mem_size - pa)
		return false;
	if (size == 4) {
		memcpy(&e32, mem + pa, 4);
		*out = e32;
	} else {
		memcpy(out, mem + pa, 8);
	}
	return true;
}

/* One level of a walk: how to index it and whether large pages end it. */
struct level {
	int shift;      /* address bits this level translates start here */
	int index_bits;
	bool large_ok;  /* PS in this entry maps a large page */
};

static const struct level levels_32[] = { { 22, 10, true }, { 12, 10, false } };
static const struct level levels_pae[] = { { 30, 2, false }, { 21, 9, true }, { 12, 9, false } };
static const struct level levels_4[] = {
	{ 39, 9, false }, { 30, 9, true }, { 21, 9, true }, { 12, 9, false },
};

#define PERM_FLAGS (PTE_RW | PTE_US | PTE_NX)

int paging_translate(const struct paging_regs *r, const uint8_t *mem, uint64_t mem_size,
		     uint64_t linear, uint64_t *phys, uint64_t *page_size, uint64_t *flags)
{
	enum paging_mode m = paging_mode_of(r);
	const struct level *lv;
	int nlevels, esize = 8;
	uint64_t table, entry = 0, perms = PTE_RW | PTE_US;

	switch (m) {
	case PAGING_NONE:
		*phys = (r->cr0 & CR0_PE) ? (uint32_t)linear : linear;
		if (page_size)
			*page_size = PAGE_SIZE;
		if (flags)
			*flags = PTE_RW | PTE_US;
		return 0;
	case PAGING_32:
		lv = levels_32; nlevels = 2; esize = 4;
		table = r->cr3 & PTE32_ADDR_MASK;
		linear = (uint32_t)linear;
		break;
	case PAGING_PAE:
		lv = levels_pae; nlevels = 3;
		table = r->cr3 & 0xffffffe0ULL;   /* the PDPT is 32-byte aligned */
		linear = (uint32_t)linear;
		break;
	default:
		lv = levels_4; nlevels = 4;
		table = r->cr3 & PTE_ADDR_MASK;
		break;
	}
	for (int i = 0; i < nlevels; i++) {
		uint64_t index = (linear >> lv[i].shift) & ((1ULL << lv[i].index_bits) - 1);
		uint64_t mask = esize == 4 ? PTE32_ADDR_MASK : PTE_ADDR_MASK;
		bool pdpt_pae = (m == PAGING_PAE && i == 0);

		if (!read_entry(mem, mem_size, table + index * esize, esize, &entry) ||
		    !(entry & PTE_P)) {
			if (page_size)   /* the span this missing entry would map */
				*page_size = 1ULL << lv[i].shift;
			return -1;
		}
		if (!pdpt_pae) {   /* PAE PDPTEs carry no permission bits */
			perms &= entry | ~(PTE_RW | PTE_US);
			perms |= entry & PTE_NX;
		}
		if (i < nlevels - 1 && lv[i].large_ok && (entry & PTE_PS) &&
		    (m != PAGING_32 || (r->cr4 & CR4_PSE))) {
			uint64_t size = 1ULL << lv[i].shift;
			uint64_t base = entry & mask & ~(size - 1);

			if (m == PAGING_32)   /* PSE-36: bits 13..20 are address 32..39 */
				base |= ((entry >> 13) & 0xff) << 32;
			*phys = base | (linear & (size - 1));
			if (page_size)
				*page_size = size;
			if (flags)
				*flags = perms & PERM_FLAGS;
			return 0;
		}
		table = entry & mask;
	}
	*phys = table | (linear & (PAGE_SIZE - 1));
	if (page_size)
		*page_size = PAGE_SIZE;
	if (flags)
		*flags = perms & PERM_FLAGS;
	return 0;
}

/* Walk [addr, addr+len) a page at a time; copy each piece between guest
 * RAM and buf when `to_guest` is 0 (read) or 1 (write), or only check
 * that it is mapped when `buf` is NULL. */
static int copy_linear(const struct paging_regs *r, uint8_t *mem, uint64_t mem_size,
		       uint64_t addr, uint8_t *buf, size_t len, bool to_guest)
{
	while (len > 0) {
		uint64_t phys, chunk = PAGE_SIZE - (addr & (PAGE_SIZE - 1));

		if (chunk > len)
			chunk = len;
		if (paging_translate(r, mem, mem_size, addr, &phys, NULL, NULL) < 0 ||
		    phys > mem_size || chunk > mem_size - phys)
			return -1;
		if (buf && to_guest)
			memcpy(mem + phys, buf, chunk);
		else if (buf)
			memcpy(buf, mem + phys, chunk);
		if (buf)
			buf += chunk;
		addr += chunk;
		len -= chunk;
	}
	return 0;
}

int paging_read(const struct paging_regs *r, const uint8_t *mem, uint64_t mem_size,
		uint64_t addr, void *buf, size_t len)
{
	/* copy_linear only writes guest RAM when to_guest is set */
	return copy_linear(r, (uint8_t *)mem, mem_size, addr, buf, len, false);
}

int paging_write(const struct paging_regs *r, uint8_t *mem, uint64_t mem_size,
		 uint64_t addr, const void *buf, size_t len)
{
	/* Check the whole range first: a write is all or nothing. */
	if (copy_linear(r, mem, mem_size, addr, NULL, len, true) < 0)
		return -1;
	return copy_linear(r, mem, mem_size, addr, (uint8_t *)buf, len, true);
}

/* Merges runs of pages into ranges before handing them to the visitor. */
struct run {
	paging_visit_fn fn;
	void *arg;
	bool open;
	uint64_t linear, phys, size, flags;
	int stop;
	unsigned steps;
	bool truncated;
};

static void run_add(struct run *run, uint64_t linear, uint64_t phys, uint64_t size,
		    uint64_t flags)
{
	if (run->open && run->linear + run->size == linear && run->phys + run->size == phys &&
	    run->flags == flags) {
		run->size += size;
		return;
	}
	if (run->open && !run->stop)
		run->stop = run->fn(run->arg, run->linear, run->phys, run->size, run->flags);
	run->open = true;
	run->linear = linear;
	run->phys = phys;
	run->size = size;
	run->flags = flags;
}

/* A guest can fill memory with tables mapping millions of 4 KiB pages:
 * a walk looks at this many mappings at most, then says it stopped. */
#define WALK_BUDGET (1u << 20)

/* Visit [va, end): mapped pages one mapping at a time, unmapped holes
 * one missing table entry at a time. */
static void walk_range(const struct paging_regs *r, const uint8_t *mem, uint64_t mem_size,
		       uint64_t va, uint64_t end, struct run *run)
{
	while (va < end && !run->stop) {
		if (++run->steps > WALK_BUDGET) {
			run->truncated = true;
			return;
		}
		uint64_t phys, size = PAGE_SIZE, flags;

		if (paging_translate(r, mem, mem_size, va, &phys, &size, &flags) == 0)
			run_add(run, va, phys, size, flags);
		va = (va & ~(size - 1)) + size;
		if (va == 0)
			break;   /* wrapped past the top of the address space */
	}
}

#define LOW_HALF_END (1ULL << 47)
#define HIGH_HALF_START 0xffff800000000000ULL

bool paging_walk(const struct paging_regs *r, const uint8_t *mem, uint64_t mem_size,
		 paging_visit_fn fn, void *arg)
{
	enum paging_mode m = paging_mode_of(r);
	struct run run = { .fn = fn, .arg = arg };

	if (m == PAGING_NONE) {
		fn(arg, 0, 0, mem_size, PTE_RW | PTE_US);
		return true;
	}
	if (m == PAGING_4LEVEL) {
		walk_range(r, mem, mem_size, 0, LOW_HALF_END, &run);
		walk_range(r, mem, mem_size, HIGH_HALF_START, UINT64_MAX, &run);
	} else {
		walk_range(r, mem, mem_size, 0, 1ULL << 32, &run);
	}
	if (run.open && !run.stop)
		fn(arg, run.linear, run.phys, run.size, run.flags);
	return !run.truncated;
}

int x86_read_linear(const struct vm *vm, const struct kvm_sregs *s, uint64_t addr, void *buf,
		    size_t len)
{
	struct paging_regs pr = paging_regs_of(s);

	return paging_read(&pr, vm->mem, vm->mem_size, addr, buf, len);
}

int x86_write_linear(struct vm *vm, const struct kvm_sregs *s, uint64_t addr, const void *buf,
		     size_t len)
{
	struct paging_regs pr = paging_regs_of(s);

	return paging_write(&pr, vm->mem, vm->mem_size, addr, buf, len);
}
