; liveness_step_in.asm - a gdb test steps over the `in` at step_in (it
; reads the UART line status), may write a new AL, and continues: the
; guest prints AL as a character and a newline, then exits with 0.
%include "abi.inc"
bits 16
section .text
global _start, step_in, after_in
_start:
        mov dx, PORT_COM1_LSR
step_in:
        in al, dx
after_in:
        out PORT_DEBUGCON, al
        PUTC 10
        EXIT 0
