/*
 * bits.h - names for the x86 architectural bits the VMM touches: control
 * registers, EFER, RFLAGS, segment descriptors, page-table entries and
 * debug registers. Every bit the code uses has a name here.
 */
#ifndef VMM_X86_BITS_H
#define VMM_X86_BITS_H

#include <stdint.h>

#define BIT(n) (1ULL << (n))

/* CR0 */
#define CR0_PE BIT(0)  /* protection enable: protected mode */
#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16) /* write protect in ring 0 */
#define CR0_AM BIT(18)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31) /* paging */

/* CR4 */
#define CR4_VME BIT(0)
#define CR4_PVI BIT(1)
#define CR4_TSD BIT(2)
#define CR4_DE BIT(3)
#define CR4_PSE BIT(4) /* 4 MiB pages in 32-bit paging */
#define CR4_PAE BIT(5) /* physical address extension: 64-bit entries */
#define CR4_MCE BIT(6)
#define CR4_PGE BIT(7)
#define CR4_PCE BIT(8)
#define CR4_OSFXSR BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_LA57 BIT(12)
#define CR4_FSGSBASE BIT(16)
#define CR4_OSXSAVE BIT(18)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)

/* EFER (MSR 0xC0000080) */
#define MSR_EFER 0xC0000080
#define EFER_SCE BIT(0)  /* syscall enable */
#define EFER_LME BIT(8)  /* long mode enable */
#define EFER_LMA BIT(10) /* long mode active */
#define EFER_NXE BIT(11) /* no-execute enable */

/* RFLAGS */
#define RFLAGS_CF BIT(0)
#define RFLAGS_FIXED BIT(1) /* always 1 */
#define RFLAGS_PF BIT(2)
#define RFLAGS_AF BIT(4)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_SF BIT(7)
#define RFLAGS_TF BIT(8)  /* trap flag: single-step */
#define RFLAGS_IF BIT(9)  /* interrupts enabled */
#define RFLAGS_DF BIT(10)
#define RFLAGS_OF BIT(11)
#define RFLAGS_IOPL_SHIFT 12
#define RFLAGS_RF BIT(16)
#define RFLAGS_VM BIT(17)

/* Segment descriptor type field (struct kvm_segment.type). */
#define SEG_TYPE_ACCESSED 0x1
#define SEG_TYPE_RW 0x2       /* data: writable; code: readable */
#define SEG_TYPE_CODE 0x8
#define SEG_TYPE_CODE_XR (SEG_TYPE_CODE | SEG_TYPE_RW | SEG_TYPE_ACCESSED) /* 0xB */
#define SEG_TYPE_DATA_RW (SEG_TYPE_RW | SEG_TYPE_ACCESSED)                 /* 0x3 */
#define SEG_TYPE_TSS_BUSY 0xB /* system segment: 32/64-bit busy TSS */
#define SEG_TYPE_LDT 0x2

/* Bits of an 8-byte GDT descriptor. */
#define DESC_TYPE_SHIFT 40
#define DESC_S BIT(44)        /* 1 = code/data, 0 = system */
#define DESC_DPL_SHIFT 45
#define DESC_P BIT(47)        /* present */
#define DESC_AVL BIT(52)
#define DESC_L BIT(53)        /* 64-bit code segment */
#define DESC_DB BIT(54)       /* 32-bit default operand size */
#define DESC_G BIT(55)        /* limit in 4 KiB units */

/* Page-table entries (all paging modes). */
#define PTE_P BIT(0)   /* present */
#define PTE_RW BIT(1)  /* writable */
#define PTE_US BIT(2)  /* user accessible */
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_A BIT(5)   /* accessed */
#define PTE_D BIT(6)   /* dirty */
#define PTE_PS BIT(7)  /* large page (in a PDE or PDPTE) */
#define PTE_G BIT(8)
#define PTE_NX BIT(63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ULL /* 64-bit entry: next table */
#define PTE32_ADDR_MASK 0xFFFFF000U          /* 32-bit entry: next table */

#define PAGE_SIZE 0x1000ULL
#define PT_ENTRIES_64 512      /* entries of a table with 8-byte entries */
#define LARGE_PAGE_2M 0x200000ULL
#define LARGE_PAGE_4M 0x400000ULL
#define HUGE_PAGE_1G 0x40000000ULL

/* Debug registers. DR7: enable bits and per-slot condition/length. */
#define DR7_L(slot) BIT((slot) * 2)       /* local enable of slot 0..3 */
#define DR7_RW_SHIFT(slot) (16 + (slot) * 4)
#define DR7_LEN_SHIFT(slot) (18 + (slot) * 4)
#define DR7_RW_EXEC 0x0  /* break on instruction execution */
#define DR7_RW_WRITE 0x1 /* break on data writes */
#define DR7_RW_ACCESS 0x3 /* break on data reads or writes */
#define DR7_LEN_1 0x0
#define DR7_LEN_2 0x1
#define DR7_LEN_8 0x2
#define DR7_LEN_4 0x3
#define DR7_GE BIT(9)
#define DR7_FIXED BIT(10) /* reads as 1 */
#define DR6_B(slot) BIT(slot) /* slot 0..3 hit */
#define DR6_BS BIT(14)        /* single-step */
#define DR_SLOTS 4            /* DR0-DR3 hold addresses */
#define DR_CONTROL 7          /* index of DR7 in kvm_guest_debug.arch.debugreg */

/* Exception vectors. */
#define X86_DE 0  /* divide error */
#define X86_DB 1  /* debug */
#define X86_BP 3  /* int3 breakpoint */
#define X86_UD 6  /* invalid opcode */
#define X86_DF 8  /* double fault */
#define X86_GP 13 /* general protection */
#define X86_PF 14 /* page fault */

#endif
