; liveness_lsr_poll.asm - waits WAIT_NS (TIME hypercall, no input
; involved), then reads the UART line status register POLLS times, prints
; "polled" and exits with 0. Run beside a guest blocked in GETCHAR, it
; must finish: asking whether input is ready never waits for input.
%include "abi.inc"
%define WAIT_NS 200000000               ; 0.2 s: the other guest is waiting by then
%define POLLS 100
bits 16
section .text
global _start
_start:
        HYPERCALL HC_TIME
        add eax, WAIT_NS                ; the low 32 bits are enough for 0.2 s:
        mov esi, eax                    ; compare the difference, which wraps
.wait:  HYPERCALL HC_TIME
        sub eax, esi
        js .wait                        ; now - deadline < 0: not yet
        mov cx, POLLS
        mov dx, PORT_COM1_LSR
.poll:  in al, dx
        loop .poll
        PRINT "polled", 10
        EXIT 0
