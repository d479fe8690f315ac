; wrong_base.asm - lesson 08 with base bits 16-23 of gdt_window wrong (0x30,
; not 0x20): the grader must explain the accessed bit it shows as 0x93.

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
        mov ax, WINDOW_SEL              ; fs = the window: its base is 2 MiB
        mov fs, ax

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
        dq 0x00CF92300000FFFF           ; 0x18: data, base 0x00200000: byte 4 holds base bits 16-23
gdt_end:

gdt_descriptor:
        dw gdt_end - gdt - 1
        dd gdt
