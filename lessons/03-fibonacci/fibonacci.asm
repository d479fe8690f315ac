; fibonacci.asm - lesson 03: print the Fibonacci numbers F(0) to F(30), one
; per line, with a decimal-print routine of our own. Shows the stack
; (call/ret), division, and 32-bit registers used from 16-bit real mode.

%include "abi.inc"

%define LAST_N      30          ; print F(0) .. F(LAST_N)
%define STACK_TOP   0x7c00      ; the stack grows down from below our code
%define RADIX       10
%define NEWLINE     10
%define MAX_DIGITS  10          ; 2^32 - 1 = 4294967295 has 10 digits

bits 16
section .text
global _start
_start:
        xor ax, ax
        mov ss, ax              ; the stack segment: ss:sp = 0:0x7c00
        mov sp, STACK_TOP       ; (kvm-vmm already did this; a BIOS may not)
        cld

        xor eax, eax            ; eax = F(n), starting with F(0) = 0
        mov ebx, 1              ; ebx = F(n+1)
        mov cx, LAST_N + 1      ; how many numbers to print
next_number:
        call print_decimal      ; prints eax, keeps every register
        mov edx, eax
        add edx, ebx            ; edx = F(n+2) = F(n) + F(n+1)
        mov eax, ebx            ; step forward: (F(n), F(n+1)) = (F(n+1), F(n+2))
        mov ebx, edx
        loop next_number        ; cx = cx - 1; jump while cx != 0
        EXIT 0                  ; port 0xF4: end the guest with exit code 0

; print_decimal - print eax as an unsigned decimal number and a newline.
; Division by 10 gives the digits right to left, so we store them from the
; end of a buffer backwards, then send the buffer from the first digit on.
print_decimal:
        push eax
        push ecx
        push edx
        push si
        mov si, digits_end      ; one past the last digit
        mov ecx, RADIX
.divide:
        xor edx, edx            ; div divides the 64-bit edx:eax
        div ecx                 ; eax = quotient, edx = remainder 0..9
        add dl, '0'             ; the remainder as an ASCII digit
        dec si
        mov [si], dl
        test eax, eax           ; more digits left?
        jnz .divide
.print:
        lodsb                   ; al = [si], si = si + 1
        out PORT_DEBUGCON, al   ; one VM exit per character
        cmp si, digits_end
        jne .print
        mov al, NEWLINE
        out PORT_DEBUGCON, al
        pop si
        pop edx
        pop ecx
        pop eax
        ret

section .bss
digits: resb MAX_DIGITS         ; room for the digits of the largest number
digits_end:
