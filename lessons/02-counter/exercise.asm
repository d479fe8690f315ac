; exercise.asm - lesson 02 exercise: count down from 9 to 0 through the
; UART. Fill in every "; TODO:" below, then grade it: make check LESSON=02
;
; Goal (what the grader checks):
;   1. the guest prints exactly "9876543210" and a newline, through COM1;
;   2. at the label `done`, the word `printed` holds how many digits were
;      printed (10).

%include "abi.inc"

%define NEWLINE 10

bits 16                         ; real mode, as the CPU starts
section .text
global _start
_start:
        mov bl, '0'             ; TODO: start at '9' instead: bl = the next digit
count:
        mov al, bl
        call uart_putc
        ; TODO: count the digit: add one to the word at [printed]
        ;       (inc word [printed]).
        ; TODO: step down to the next digit and jump back to `count` while it
        ;       is still a digit: dec bl, then cmp bl, '0' and jae count.
        mov al, NEWLINE
        call uart_putc
done:                           ; the grader reads `printed` here, through gdb
        hlt

; uart_putc - send the byte in al through COM1, as in counter.asm.
; Keeps every register.
uart_putc:
        push dx
        push ax
        mov dx, PORT_COM1_LSR   ; the line status register
.wait:
        in al, dx
        test al, LSR_THR_EMPTY  ; may we write the next byte?
        jz .wait
        pop ax
        mov dx, PORT_COM1       ; the transmit holding register
        out dx, al
        pop dx
        ret

section .data
printed: dw 0                   ; how many digits were printed
