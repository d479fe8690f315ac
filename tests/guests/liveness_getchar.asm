; liveness_getchar.asm - waits for one byte of stdin (GETCHAR hypercall),
; prints "got X" (or "got EOF" at end of input) and exits with 0. With
; stdin open and empty it blocks in the VMM: the liveness tests use it to
; see that other guests, the gdb stub and --timeout still get their turn.
%include "abi.inc"
bits 16
section .text
global _start
_start:
        HYPERCALL HC_GETCHAR
        cmp eax, HC_ERROR
        je .eof
        PRINT "got "
        PUTC al
        PUTC 10
        EXIT 0
.eof:   PRINT "got EOF", 10
        EXIT 0
