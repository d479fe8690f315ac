; tss64.asm - lab 06's second guest, for `monitor tss` in long mode: run
; with --mode long (kvm-vmm's GDT and page tables, 64-bit code), it loads a
; GDT of its own with a 16-byte TSS descriptor, fills in a 64-bit TSS and
; loads TR with `ltr`. The grader stops it with gdb at task_loaded. Then it
; prints one line and exits 0.
; Like a kernel's, its TSS lives at a linear address that is not its
; physical one: it maps linear 1 GiB to physical 0 in kvm-vmm's page
; tables first, and the TSS at physical 0x20000 is linear 0x40020000.
; (Linked as a 32-bit ELF like every lab guest: gdb shows it as i386 code,
; but its breakpoints and `monitor` work.)

%include "abi.inc"

%define NEWLINE         10

; The TSS, at a fixed address: its descriptor is then a constant.
%define TSS_PHYS        0x20000
%define ALIAS_LINEAR    0x40000000      ; linear 1 GiB ...
%define ALIAS_PHYS      0x0             ; ... maps physical 0 (one 2 MiB page)
%define TSS_BASE        (ALIAS_LINEAR + TSS_PHYS)       ; linear, as TR holds it
; kvm-vmm's page tables for --mode long (vmm/layout.h): four page
; directories of 2 MiB pages from 0x3000; the second maps linear 1..2 GiB.
%define PD_SECOND_GIB   0x4000
%define PTE_P           0x1
%define PTE_RW          0x2
%define PTE_PS          0x80            ; a 2 MiB page
%define TSS64_SIZE      104             ; a 64-bit TSS without an I/O bitmap
%define TSS64_RSP0      4               ; offsets of its fields: RSP0..2 ...
%define TSS64_RSP2      20
%define TSS64_IST1      36              ; ... IST1..7 (8 bytes each) ...
%define TSS64_IST4      60
%define TSS64_IOMAP     102             ; ... and the I/O bitmap's offset
; The stacks the CPU would switch to: RSP0 for an interrupt from ring 3, a
; higher-half address as a kernel has it (never used here); IST1 and IST4
; for the interrupt gates that name them (a double fault, an NMI...).
%define KERNEL_STACK    0xFFFF800000090000
%define RING2_STACK     0x0000000000070000
%define IST1_STACK      0x0000000000088000
%define IST4_STACK      0x0000000000084000
%define TSS_SEL         (gdt_tss - gdt)         ; 0x20

; A 64-bit TSS descriptor: 16 bytes, base TSS_BASE (63..32 in the second
; quadword), limit TSS64_SIZE - 1, present, DPL 0.
%define TSS_TYPE_AVAIL  0x9             ; an available 64-bit TSS (ltr marks it busy: 0xB)
%define DESC_P          0x8000          ; in the high dword: present
%define TSS_DESC_LOW    ((TSS_BASE & 0xFFFF) << 16 | (TSS64_SIZE - 1))
%define TSS_DESC_HIGH   ((TSS_BASE & 0xFF000000) | DESC_P | TSS_TYPE_AVAIL << 8 | (TSS_BASE >> 16) & 0xFF)

bits 64
section .text
global _start
_start:
        lgdt [gdt_descriptor]           ; the same code and data as kvm-vmm's GDT
        mov qword [PD_SECOND_GIB], ALIAS_PHYS | PTE_P | PTE_RW | PTE_PS
        mov rax, cr3                    ; forget the old translation of 1 GiB
        mov cr3, rax
        mov rax, KERNEL_STACK
        mov [TSS_BASE + TSS64_RSP0], rax
        mov rax, RING2_STACK
        mov [TSS_BASE + TSS64_RSP2], rax
        mov rax, IST1_STACK
        mov [TSS_BASE + TSS64_IST1], rax
        mov rax, IST4_STACK
        mov [TSS_BASE + TSS64_IST4], rax
        mov word [TSS_BASE + TSS64_IOMAP], TSS64_SIZE
        mov ax, TSS_SEL
        ltr ax
task_loaded:                            ; TR = TSS_SEL
        PRINT "TR loaded", NEWLINE
        EXIT 0

section .rodata
align 8
gdt:                                    ; kvm-vmm's four descriptors (vmm/layout.h) ...
        dq 0                            ; 0x00: the null descriptor
        dq 0x00CF9A000000FFFF           ; 0x08: code, 32-bit
        dq 0x00CF92000000FFFF           ; 0x10: data
        dq 0x00AF9A000000FFFF           ; 0x18: code, 64-bit (CS now)
gdt_tss:                                ; ... and the TSS
        dd TSS_DESC_LOW, TSS_DESC_HIGH  ; 0x20: base 31..0, limit, type
        dd 0, 0                         ; 0x28: base 63..32, reserved
gdt_end:

gdt_descriptor:
        dw gdt_end - gdt - 1
        dd gdt, 0                       ; base: 8 bytes in 64-bit mode
