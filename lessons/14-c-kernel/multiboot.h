/*
 * multiboot.h - lesson 14: what a Multiboot v1 boot loader hands the
 * kernel (the Multiboot Specification 0.6.96, section 3.3): EAX holds
 * MULTIBOOT_BOOTLOADER_MAGIC and EBX the address of struct multiboot_info.
 * `flags` says which of its fields are valid.
 */
#ifndef MULTIBOOT_H
#define MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

#define MBI_MEMORY (1u << 0)          /* mem_lower, mem_upper */
#define MBI_CMDLINE (1u << 2)         /* cmdline */
#define MBI_MMAP (1u << 6)            /* mmap_length, mmap_addr */
#define MBI_BOOTLOADER_NAME (1u << 9) /* boot_loader_name */

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;               /* KiB of RAM below 1 MiB */
	uint32_t mem_upper;               /* KiB of RAM from 1 MiB up */
	uint32_t boot_device;
	uint32_t cmdline;                 /* physical address of a C string */
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;             /* bytes of memory map */
	uint32_t mmap_addr;               /* physical address of the first entry */
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;        /* physical address of a C string */
};

#define MMAP_AVAILABLE 1              /* RAM the kernel may use */

/* One memory-map entry. `size` counts the bytes after itself (20 here),
 * and may be larger in a newer loader: step with size + sizeof(size). */
struct multiboot_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

#endif
