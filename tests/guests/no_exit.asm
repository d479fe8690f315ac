; no_exit.asm - prints one character and then has no hlt and no EXIT: the
; CPU runs past the end of the program (a student's most common mistake).
%include "abi.inc"
bits 16
section .text
global _start
_start:
        mov al, 'A'
        out PORT_DEBUGCON, al
