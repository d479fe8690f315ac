; reverse.asm - the guest of tests/test_reverse.c and of the reverse
; debugging benchmark: it reads three bytes of stdin with GETCHAR and
; echoes each (input that a replay must give back, output that a replay
; must not print twice), asks for the TIME (a value that differs from run
; to run), writes `marker` once, then counts LOOPS times with one store to
; `counter` per round (4 instructions a round), and exits with code 0.
%include "abi.inc"

%ifndef LOOPS
  %define LOOPS 3000
%endif

bits 16
section .text
global _start, read_input, got_byte, after_input, after_time, count, done
_start:
        mov si, 3                       ; bytes to read
read_input:
        HYPERCALL HC_GETCHAR            ; EAX = the next byte of stdin
got_byte:
        mov [last_byte], al
        mov bl, al
        HYPERCALL HC_PUTCHAR            ; echo it
        dec si
        jnz read_input
after_input:
        HYPERCALL HC_TIME               ; EDX:EAX = nanoseconds
        mov [time_low], eax
after_time:
        mov word [marker], 1
        xor ax, ax
        mov ecx, LOOPS
count:
        inc ax
        mov [counter], ax
        dec ecx
        jnz count
done:
        PUTC 10
        EXIT 0

section .data
global marker, counter, last_byte, time_low
marker:    dw 0
counter:   dw 0
last_byte: db 0
time_low:  dd 0
