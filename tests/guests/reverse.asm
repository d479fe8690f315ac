; reverse.asm - the guest of tests/test_reverse.c and of the reverse
; debugging benchmark: it reads three bytes of stdin with GETCHAR and
; echoes each (input that a replay must give back, output that a replay
; must not print twice), asks for the TIME (a value that differs from run
; to run), writes `marker` once, then counts LOOPS times with one store to
; `counter` per round (4 instructions a round), sets and clears `flag`,
; runs SETTLE rounds more and exits with code 0.
%include "abi.inc"

%ifndef LOOPS
  %define LOOPS 3000
%endif
%ifndef SETTLE
  %define SETTLE 1500                   ; rounds of 2 instructions after `flag`
%endif

bits 16
section .text
global _start, read_input, got_byte, after_input, after_time, count, flag_cleared, done
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
        ; `flag` changed and changed back at once, then SETTLE more rounds:
        ; its two ends in the recording hold the same value; going back
        ; from `done`, only KVM's dirty-page log says that stretch wrote it.
        mov word [flag], 1
flag_cleared:
        mov word [flag], 0
        mov ecx, SETTLE
settle:
        dec ecx
        jnz settle
done:
        PUTC 10
        EXIT 0

section .data
global marker, counter, flag, last_byte, time_low
marker:    dw 0
counter:   dw 0
flag:      dw 0
last_byte: db 0
time_low:  dd 0
