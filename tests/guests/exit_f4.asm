; exit_f4.asm - ends through the exit port 0xF4 with code 7, without a
; newline after its output (the VMM must still print the partial line).
%include "abi.inc"
bits 16
section .text
global _start
_start:
        PRINT "bye"
        EXIT 7
