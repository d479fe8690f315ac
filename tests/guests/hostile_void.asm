; hostile_void.asm - a protected-mode guest (paging off) that jumps to an
; address above its RAM, where nothing is backed: the instruction fetch
; cannot be served, and the VMM must end the guest with a one-line reason
; and status 1.
%include "abi.inc"

%define VOID 0x04000000                 ; 64 MiB: above the default 16 MiB

bits 32
section .text
global _start
_start:
        PRINT "jumping into the void", 10
        mov eax, VOID
        jmp eax
        EXIT 99                         ; never reached
