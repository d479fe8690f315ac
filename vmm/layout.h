/*
 * layout.h - every guest-physical address the VMM itself uses.
 *
 * Guest RAM starts at physical address 0. The VMM writes into it only what
 * the chosen start-up mode needs (descriptor tables and page tables for
 * --mode protected/long, the Multiboot information for Multiboot guests),
 * always in the low 64 KiB described here; a guest image that overlaps
 * what its mode needs is refused at load time.
 *
 *   0x00000  real-mode interrupt vector table (the guest's own)
 *   0x00400  BIOS data area (--disk: filled by the BIOS and kvm-vmm)
 *   0x00500  GDT written for --mode protected and --mode long
 *   0x01000  long mode: PML4, PDPT and four page directories
 *   0x07000  Multiboot information structure, memory map, strings
 *   0x07c00  initial stack top in every mode (grows down); also where
 *            real-mode lessons are linked, like a BIOS boot sector
 *   0x9fc00  extended BIOS data area (--disk: reserved in the memory map)
 *   0xb8000  VGA text screen, 80x25 cells of character + attribute bytes
 *   0xf0000  --disk: the BIOS ROM (bios/bios.asm), reset vector at 0xffff0
 *   0x100000 where protected/long-mode lessons and Multiboot kernels live
 *
 * Above the most RAM a guest can have (LAYOUT_MEM_MAX, 3 GiB) and below
 * 4 GiB is the 32-bit MMIO hole: no memory slot, so every access there is
 * a KVM_EXIT_MMIO.
 *   0xd0000000 lab 03's MMIO device (labs/03-mmio), one 4 KiB page
 */
#ifndef VMM_LAYOUT_H
#define VMM_LAYOUT_H

#define LAYOUT_IVT 0x0ULL
#define LAYOUT_GDT 0x500ULL
#define LAYOUT_GDT_ENTRIES 4 /* null, code32, data, code64 */
#define LAYOUT_PML4 0x1000ULL
#define LAYOUT_PDPT 0x2000ULL
#define LAYOUT_PD 0x3000ULL /* four directories of 2 MiB pages: 4 GiB */
#define LAYOUT_PD_COUNT 4
#define LAYOUT_PAGING_END 0x7000ULL
#define LAYOUT_MB_INFO 0x7000ULL
#define LAYOUT_MB_INFO_END 0x7800ULL
#define LAYOUT_STACK_TOP 0x7c00ULL
#define LAYOUT_KERNEL_BASE 0x100000ULL
#define LAYOUT_REAL_MODE_LIMIT 0x100000ULL /* real mode addresses below 1 MiB */
#define LAYOUT_LOW_MEM_END 0x9fc00ULL     /* conventional memory a PC reports */

/* The PC of --disk (vmm/pc/bios.c, vga.c). */
#define LAYOUT_BDA 0x400ULL               /* BIOS data area, 256 bytes */
#define LAYOUT_BOOT_SECTOR 0x7c00ULL      /* where the BIOS loads sector 0 */
#define LAYOUT_EBDA LAYOUT_LOW_MEM_END    /* extended BIOS data area ... */
#define LAYOUT_EBDA_END 0xa0000ULL        /* ... to the VGA memory window */
#define LAYOUT_VGA_TEXT 0xb8000ULL        /* text mode pages, 4 KiB each */
#define LAYOUT_VGA_TEXT_END 0xc0000ULL
#define LAYOUT_BIOS_ROM 0xf0000ULL        /* 64 KiB, segment 0xf000 */
#define LAYOUT_BIOS_ROM_SIZE 0x10000ULL
#define LAYOUT_RESET_VECTOR 0xffff0ULL    /* F000:FFF0, the first instruction */

/* Lab 03's device (labs/03-mmio): in the MMIO hole, below the
 * interrupt controllers of --irqchip (0xfec00000 and up). */
#define LAYOUT_LAB_MMIO 0xd0000000ULL
#define LAYOUT_LAB_MMIO_SIZE 0x1000ULL

/* GDT selectors for the segments the VMM sets up. */
#define LAYOUT_SEL_CODE32 0x08
#define LAYOUT_SEL_DATA 0x10
#define LAYOUT_SEL_CODE64 0x18

/* Guest RAM size limits for --mem. */
#define LAYOUT_MEM_MIN (64ULL << 10)  /* must hold the tables above */
#define LAYOUT_MEM_MAX (3ULL << 30)   /* stays below the 32-bit MMIO hole */
#define LAYOUT_MEM_DEFAULT (16ULL << 20)

#endif
