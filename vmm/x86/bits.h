/*
 * bits.h - names for the x86 architectural bits the VMM touches: control
 * registers, MSR numbers, EFER, RFLAGS, segment descriptors, page-table entries and
 * debug registers. Every bit the code uses has a name here.
 */
#ifndef VMM_X86_BITS_H
#define VMM_X86_BITS_H

#include <stdint.h>

#define BIT(n) (1ULL << (n))

/* CR0 */
#define CR0_PE BIT(0)  /* protection enable: protected mode */
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31) /* paging */

/* CR4 */
#define CR4_PSE BIT(4) /* 4 MiB pages in 32-bit paging */
#define CR4_PAE BIT(5) /* physical address extension: 64-bit entries */

/* Model-specific registers the VMM reads or writes (EFER, FS.base and
 * GS.base come with KVM's sregs). */
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_PAT 0x277
#define MSR_STAR 0xC0000081    /* syscall: segment selectors */
#define MSR_LSTAR 0xC0000082   /* syscall: 64-bit entry point */
#define MSR_CSTAR 0xC0000083   /* syscall: compatibility-mode entry point */
#define MSR_SFMASK 0xC0000084  /* syscall: RFLAGS bits cleared */
#define MSR_KERNEL_GS_BASE 0xC0000102 /* what `swapgs` exchanges with GS.base */

/* EFER (MSR 0xC0000080) */
#define EFER_LME BIT(8)  /* long mode enable */
#define EFER_LMA BIT(10) /* long mode active */

/* RFLAGS */
#define RFLAGS_FIXED BIT(1) /* always 1 */
#define RFLAGS_TF BIT(8)  /* trap flag: single-step */
#define RFLAGS_IF BIT(9)  /* interrupts enabled */
#define RFLAGS_OF BIT(11) /* overflow: `into` traps when set */
#define RFLAGS_NT BIT(14) /* nested task: iret would switch tasks */
#define RFLAGS_RF BIT(16) /* resume: no instruction breakpoint on the next one */
#define RFLAGS_VM BIT(17) /* virtual-8086 mode */
#define RFLAGS_IOPL_SHIFT 12

/* Segment descriptor type field (struct kvm_segment.type). */
#define SEG_TYPE_ACCESSED 0x1
#define SEG_TYPE_RW 0x2       /* data: writable; code: readable */
#define SEG_TYPE_CODE 0x8
#define SEG_TYPE_CODE_XR (SEG_TYPE_CODE | SEG_TYPE_RW | SEG_TYPE_ACCESSED) /* 0xB */
#define SEG_TYPE_DATA_RW (SEG_TYPE_RW | SEG_TYPE_ACCESSED)                 /* 0x3 */

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
#define PTE_PS BIT(7)  /* large page (in a PDE or PDPTE) */
#define PTE_NX BIT(63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ULL /* 64-bit entry: next table */
#define PTE32_ADDR_MASK 0xFFFFF000U          /* 32-bit entry: next table */

#define PAGE_SIZE 0x1000ULL
#define PT_ENTRIES_64 512      /* entries of a table with 8-byte entries */
#define LARGE_PAGE_2M 0x200000ULL
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
#define DR6_B(slot) BIT(slot) /* slot 0..3 hit */
#define DR6_BS BIT(14)        /* single-step */
#define DR_SLOTS 4            /* DR0-DR3 hold addresses */
#define DR_CONTROL 7          /* index of DR7 in kvm_guest_debug.arch.debugreg */

/* Exception vectors. */
#define X86_DB 1  /* debug */
#define X86_BP 3  /* int3 breakpoint */

#endif
