/*
 * paging.h - translate guest linear addresses to physical ones by walking
 * the guest's own page tables in guest RAM, as the MMU would (KVM_TRANSLATE
 * does not work on every host). Used by the gdb stub and the fault dump.
 */
#ifndef VMM_PAGING_H
#define VMM_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The registers that decide how an address is translated. */
struct paging_regs {
	uint64_t cr0, cr3, cr4, efer;
};

enum paging_mode {
	PAGING_NONE,  /* CR0.PG clear: linear = physical */
	PAGING_32,    /* 2-level 32-bit paging (4 KiB, and 4 MiB with CR4.PSE) */
	PAGING_PAE,   /* 3-level PAE paging */
	PAGING_4LEVEL /* 4-level long-mode paging */
};

enum paging_mode paging_mode_of(const struct paging_regs *r);
const char *paging_mode_name(enum paging_mode m);

/*
 * Translate `linear` to *phys using the page tables in mem[0..mem_size).
 * Returns 0, or -1 when the address is not mapped (or a table lies outside
 * RAM). If page_size is not NULL it receives the size of the mapping page
 * (on failure: the span that the missing entry would have mapped) and
 * flags the entry's permission bits (PTE_RW, PTE_US, PTE_NX).
 */
int paging_translate(const struct paging_regs *r, const uint8_t *mem, uint64_t mem_size,
		     uint64_t linear, uint64_t *phys, uint64_t *page_size, uint64_t *flags);

/* Copy len bytes from linear address addr to buf, or from buf to addr,
 * page by page through the page tables. Returns 0, or -1 if any byte is
 * unmapped or outside RAM; paging_write then has written nothing. */
int paging_read(const struct paging_regs *r, const uint8_t *mem, uint64_t mem_size,
		uint64_t addr, void *buf, size_t len);
int paging_write(const struct paging_regs *r, uint8_t *mem, uint64_t mem_size,
		 uint64_t addr, const void *buf, size_t len);

/* Call fn for every mapped range, merging neighbours that map
 * contiguously with the same flags. Stops early if fn returns non-zero.
 * Returns false if it gave up after too many mappings (a guest can build
 * tables that would take minutes to walk). */
typedef int (*paging_visit_fn)(void *arg, uint64_t linear, uint64_t phys, uint64_t size,
			       uint64_t flags);
bool paging_walk(const struct paging_regs *r, const uint8_t *mem, uint64_t mem_size,
		 paging_visit_fn fn, void *arg);

#endif
