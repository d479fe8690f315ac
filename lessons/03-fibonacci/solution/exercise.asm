; exercise.asm - lesson 03 exercise, reference solution: F(24) computed
; iteratively, left in EAX at `done`, printed in decimal.

%include "abi.inc"

%define N       24              ; which Fibonacci number (at least 1)
%define NEWLINE 10

bits 16
section .text
global _start
_start:
        xor eax, eax            ; eax = F(0)
        mov ebx, 1              ; ebx = F(1)
        mov cx, N               ; cx = how many steps forward to take
step:
        mov edx, eax
        add edx, ebx            ; edx = F(n) + F(n+1) = F(n+2)
        mov eax, ebx            ; (eax, ebx) = (F(n+1), F(n+2))
        mov ebx, edx
        loop step               ; after N steps, eax = F(N)
done:                           ; eax = 46368 here
        PUTNUM eax
        PUTC NEWLINE
        EXIT 0
