; exercise.asm - lesson 08 exercise: a segment that does not start at 0.
; The switch to protected mode is done for you. Fill in the "; TODO:" below,
; then grade it:
;     make check LESSON=08
;
; Goal (what the grader checks):
;   1. the GDT has a fourth descriptor, gdt_window (selector 0x18): a 32-bit
;      read/write data segment like gdt_data, but whose BASE is 0x00200000
;      (2 MiB); same limit (0xFFFFF units of 4 KiB), same flags;
;   2. at the label `done`, FS holds that selector, 0x18;
;   3. so the dword stored at fs:0 lands at linear address 0x200000, and the
;      guest prints "fs:0 is linear 0x200000: 1234567890" and exits with 0.
; The descriptors are written as raw quadwords here: README.md, "A
; descriptor, byte by byte", shows where the base bits go.

%include "abi.inc"

%define CR0_PE          0x00000001      ; CR0 bit 0: protection enable
%define STACK_TOP       0x7c00
%define WINDOW_BASE     0x00200000      ; where the window segment starts (2 MiB)
%define MAGIC           1234567890      ; stored through fs:0
%define NEWLINE         10

; Selectors: the byte offset of a descriptor in the GDT (index * 8).
%define CODE_SEL        (gdt_code - gdt)        ; 0x08
%define DATA_SEL        (gdt_data - gdt)        ; 0x10
%define WINDOW_SEL      (gdt_window - gdt)      ; 0x18

bits 16
section .text
global _start
_start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, STACK_TOP
        lgdt [gdt_descriptor]
        mov eax, cr0
        or eax, CR0_PE
        mov cr0, eax
        jmp CODE_SEL:protected_entry

bits 32
protected_entry:
        mov ax, DATA_SEL
        mov ds, ax
        mov es, ax
        mov gs, ax
        mov ss, ax
        mov esp, STACK_TOP
        ; TODO: load fs with WINDOW_SEL (through ax: a segment register
        ;       cannot be loaded with an immediate). Fill in gdt_window
        ;       first: a selector whose descriptor is all zeros is a
        ;       fault, and with no IDT the CPU shuts down (triple fault).

        mov dword [fs:0], MAGIC         ; offset 0 in the window segment...
        mov eax, [WINDOW_BASE]          ; ...is linear 0x200000 in the flat one
done:                                   ; fs = 0x18, eax = MAGIC here
        PRINT "fs:0 is linear 0x200000: "
        PUTNUM eax
        PUTC NEWLINE
        EXIT 0

section .rodata
align 8
gdt:
        dq 0                            ; 0x00: the null descriptor
gdt_code:
        dq 0x00CF9A000000FFFF           ; 0x08: code, base 0, limit 0xFFFFF pages, 32-bit
gdt_data:
        dq 0x00CF92000000FFFF           ; 0x10: data, base 0, limit 0xFFFFF pages, 32-bit
gdt_window:
        dq 0                            ; TODO: 0x18: data like gdt_data, base 0x00200000
gdt_end:

gdt_descriptor:
        dw gdt_end - gdt - 1
        dd gdt
