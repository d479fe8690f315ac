; liveness_watch.asm - the watchpoint target. The last vCPU (DI = SI - 1)
; writes WATCH_VALUE into the byte field + [offset] and exits with 0;
; other vCPUs halt for good. A gdb test sets `offset` and a watchpoint on
; some bytes of `field`, then continues: the write must stop the guest.
%include "abi.inc"
%define WATCH_VALUE 0x5A
bits 16
section .text
global _start, field, offset
_start:
        mov ax, si
        dec ax
        cmp di, ax
        jne .halt
        mov bx, [offset]
        mov byte [field + bx], WATCH_VALUE
        EXIT 0
.halt:  cli
        hlt
        align 16
offset: dw 0
        align 16
field:  times 16 db 0
