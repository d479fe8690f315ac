; spin.asm - prints one line, then spins forever with interrupts off:
; only --timeout (status 124) ends it.
%include "abi.inc"
bits 16
section .text
global _start, spin
_start:
        PRINT "spinning", 10
        cli
spin:   jmp spin
