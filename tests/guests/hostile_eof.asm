; hostile_eof.asm - a real-mode guest that keeps reading after the end of
; its input: GETCHAR returns the input bytes, then HC_ERROR every time
; (EOF_READS times, never blocking), and the UART then shows no data ready
; and reads 0. Echoes the input between brackets; exits with 0 when all
; passed, else with the number of the failed check.
%include "abi.inc"

%define EOF_READS 1000
%define UART_RBR PORT_COM1

bits 16
section .text
global _start
_start:
        mov si, 1                       ; check number
        PUTC '['
.echo:  HYPERCALL HC_GETCHAR            ; 1: the input, then the end
        cmp eax, HC_ERROR
        je .eof
        mov ebx, eax
        HYPERCALL HC_PUTCHAR
        jmp .echo
.eof:   PUTC ']'
        inc si
        mov cx, EOF_READS               ; 2: end of input stays the end
.again: push cx
        HYPERCALL HC_GETCHAR
        pop cx
        cmp eax, HC_ERROR
        jne fail
        loop .again
        inc si
        mov dx, PORT_COM1_LSR           ; 3: the UART has nothing either
        in al, dx
        test al, LSR_DATA_READY
        jnz fail
        inc si
        mov dx, UART_RBR                ; 4: and reads 0
        in al, dx
        test al, al
        jnz fail
        PRINT 10
        EXIT 0
fail:
        mov ax, si
        out PORT_EXIT, al
        hlt
