; watchloop.asm - the guest of the debugger benchmark (bench/debugger.py):
; ROUNDS rounds of a spin of about a thousand instructions, six labels in a
; row (six breakpoints, more than the four debug registers) and a write to
; `ticks`; then an exit with code 0 through port 0xF4. Real mode, linked
; at 0x7c00, so QEMU runs it too behind bench/boot.asm.
%include "abi.inc"

%define ROUNDS 300
%define SPIN 500                ; dec + jnz: 1000 instructions a round

bits 16
section .text
global _start, round, mark0, mark1, mark2, mark3, mark4, mark5, bump, after_bump
_start:
        mov bx, ROUNDS
round:
        mov cx, SPIN
spin:   dec cx
        jnz spin
mark0:  nop
mark1:  nop
mark2:  nop
mark3:  nop
mark4:  nop
mark5:  nop
bump:
        inc word [ticks]                ; the write the watchpoint sees
after_bump:
        dec bx
        jnz round
        EXIT 0

; The watched variable has a page of its own (0x8000): no code shares it.
section .data align=4096
global ticks
ticks:  dw 0
