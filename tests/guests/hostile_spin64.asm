; hostile_spin64.asm - a long-mode vCPU that disables interrupts and spins
; forever: only --timeout ends it (status 124).
%include "abi.inc"

bits 64
section .text
global _start
_start:
        PRINT "spinning", 10
        cli
.forever:
        jmp .forever
