; exercise.asm - lesson 03 exercise: compute one Fibonacci number, F(N),
; with a loop. Fill in the "; TODO:" below, then grade it:
;     make check LESSON=03
;
; Goal (what the grader checks):
;   1. at the label `done`, EAX holds F(24) = 46368;
;   2. the guest prints it, "46368" and a newline, and exits with code 0.
; F(0) = 0, F(1) = 1, F(n+2) = F(n) + F(n+1).

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
        ; TODO: step forward cx times: (eax, ebx) = (ebx, eax + ebx).
        ;       Use edx as the spare register (mov edx, eax / add edx, ebx /
        ;       mov eax, ebx / mov ebx, edx) and the `loop` instruction,
        ;       which decrements cx and jumps back while cx is not 0.
done:                           ; eax = F(N) here: the grader reads it with gdb
        PUTNUM eax              ; print it in decimal (guest/abi.inc)
        PUTC NEWLINE
        EXIT 0
