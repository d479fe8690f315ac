; hostile_pagetables.asm - a long-mode guest that overwrites the page
; tables the VMM built for it (vmm/layout.h: 0x1000-0x7000) with all ones
; (every entry present, with reserved bits set), reloads CR3 and jumps into
; the void. The next instruction fetch cannot be translated and there is
; no IDT: a triple fault, which the VMM must report (status 1) without
; tripping over the garbage when it walks the tables for its report.
; hostile_pagetables_far.asm fills them with entries that point far past
; guest RAM instead.
%include "abi.inc"

%define TABLES_START 0x1000             ; LAYOUT_PML4
%define TABLES_END 0x7000               ; LAYOUT_PAGING_END
%ifndef ENTRY_PATTERN
%define ENTRY_PATTERN -1                ; present, writable, reserved bits set
%endif
%define VOID 0x0000deadbeef0000         ; canonical, never mapped

bits 64
section .text
global _start
_start:
        PRINT "smashing the page tables", 10
        mov rdi, TABLES_START
        mov rcx, (TABLES_END - TABLES_START) / 8
        mov rax, ENTRY_PATTERN
        rep stosq
        mov rax, cr3                    ; flush the TLB: only the garbage is left
        mov cr3, rax
        mov rax, VOID
        jmp rax
        EXIT 99                         ; never reached
