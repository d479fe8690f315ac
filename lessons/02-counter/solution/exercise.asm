; exercise.asm - lesson 02 exercise, reference solution: print "9876543210"
; through the UART, counting the digits in the word `printed`.

%include "abi.inc"

%define NEWLINE 10

bits 16
section .text
global _start
_start:
        mov bl, '9'             ; bl = the next digit
count:
        mov al, bl
        call uart_putc
        inc word [printed]      ; one more digit printed
        dec bl                  ; '9' - 1 = '8', ... '0' - 1 = '/'
        cmp bl, '0'
        jae count               ; until we have printed '0'
        mov al, NEWLINE
        call uart_putc
done:                           ; printed = 10 here
        hlt

; uart_putc - send the byte in al through COM1. Keeps every register.
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
