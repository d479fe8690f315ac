; hostile_void64.asm - a long-mode guest that jumps to 2 GiB: identity-
; mapped by the VMM's page tables but far above guest RAM, so the fetch
; reaches unbacked physical memory. The VMM must end the guest with a
; one-line reason and status 1.
%include "abi.inc"

%define VOID 0x80000000                 ; mapped (first 4 GiB), not RAM

bits 64
section .text
global _start
_start:
        PRINT "jumping into the void", 10
        mov rax, VOID
        jmp rax
        EXIT 99                         ; never reached
