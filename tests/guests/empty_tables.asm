; empty_tables.asm - run with --mode protected: loads a GDT of 128 null
; descriptors and an IDT with no present gate, then stops at tables_loaded,
; for `monitor info gdt` (a listing that is cut) and `monitor info idt`
; (no gates) to describe.
%include "abi.inc"
bits 32
GDT_ENTRIES equ 128
IDT_GATES equ 32
section .text
global _start
_start:
        lgdt [gdt_descriptor]
        lidt [idt_descriptor]
tables_loaded:
        EXIT 0

section .data
gdt_descriptor:
        dw GDT_ENTRIES * 8 - 1
        dd gdt
idt_descriptor:
        dw IDT_GATES * 8 - 1
        dd idt
section .bss
alignb 8
gdt:    resq GDT_ENTRIES
idt:    resq IDT_GATES
