/*
 * multiboot.h - the Multiboot v1 structures the loader and the CPU set-up
 * use: the header a kernel carries and the information it is handed.
 * See the Multiboot Specification 0.6.96, sections 3.1 and 3.3.
 */
#ifndef VMM_MULTIBOOT_H
#define VMM_MULTIBOOT_H

#include <stdint.h>

#define MB_HEADER_MAGIC 0x1BADB002U     /* in the kernel file */
#define MB_BOOTLOADER_MAGIC 0x2BADB002U /* in EAX at entry */
#define MB_SEARCH 8192                  /* header lies in the first 8 KiB */
#define MB_ALIGN 4
#define MB_HEADER_MIN 12             /* magic, flags, checksum */

/* Header flags. */
#define MB_FLAG_PAGE_ALIGN (1U << 0)
#define MB_FLAG_MEMORY_INFO (1U << 1)
#define MB_FLAG_VIDEO_MODE (1U << 2)
#define MB_FLAG_ADDRESSES (1U << 16)    /* the a.out kludge fields are valid */
#define MB_FLAG_REQUIRED 0xFFFFU        /* bits 0-15: the loader must refuse what it lacks */
#define MB_FLAGS_SUPPORTED (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO)

struct multiboot_header {
	uint32_t magic, flags, checksum;
	/* valid with MB_FLAG_ADDRESSES: */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

/* Information flags: which fields of struct multiboot_info are valid. */
#define MBI_MEMORY (1U << 0)
#define MBI_MMAP (1U << 6)
#define MBI_BOOTLOADER_NAME (1U << 9)

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;    /* KiB below 1 MiB, KiB above 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
};

#define MB_MMAP_AVAILABLE 1
#define MB_MMAP_ENTRY_SIZE 20           /* the size field: bytes after it */
struct multiboot_mmap_entry {
	uint32_t size;                    /* of the rest of this entry: 20 */
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

#endif
