; counter.asm - lesson 02: count from 0 to 9 and print the digits through
; a serial port, the 16550 UART at COM1 (0x3F8), the way classic OS code
; talks to a terminal: wait until the transmitter is ready, then send.

%include "abi.inc"

%define FIRST_DIGIT '0'
%define LAST_DIGIT  '9'
%define NEWLINE     10

bits 16                         ; real mode, as the CPU starts
section .text
global _start
_start:
        mov bl, FIRST_DIGIT     ; bl = the character to print next
count:
        mov al, bl
        call uart_putc
        inc bl                  ; '0' + 1 = '1': digits are consecutive in ASCII
        cmp bl, LAST_DIGIT
        jbe count               ; until we have printed '9'
        mov al, NEWLINE
        call uart_putc
        hlt                     ; nothing can wake the CPU: the VM ends

; uart_putc - send the byte in al through COM1. Keeps every register.
uart_putc:
        push dx
        push ax
        mov dx, PORT_COM1_LSR   ; the line status register
wait_ready:
        in al, dx               ; one VM exit: kvm-vmm answers for the UART
        test al, LSR_THR_EMPTY  ; may we write the next byte?
        jz wait_ready           ; not yet: ask again
        pop ax                  ; al = our byte again
        mov dx, PORT_COM1       ; the transmit holding register
        out dx, al              ; one VM exit: the byte goes to the console
        pop dx
        ret
