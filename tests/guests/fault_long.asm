; fault_long.asm - a 64-bit guest that dies: it loads an empty IDT and
; executes ud2, so the #UD has no handler, nor has the #DF after it: a
; triple fault. The VMM must report it and exit with status 1.
bits 64
section .text
global _start
_start:
        lidt [rel empty_idt]
        ud2
section .rodata
empty_idt:
        dw 0                            ; limit 0: no entries
        dq 0
