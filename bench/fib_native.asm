; fib_native.asm - the compute kernel of bench/fib.inc as an object file
; for the native program bench/compute_native.c: the same instructions the
; guest runs, callable from C as uint64_t fib_asm(uint64_t n).
bits 64
section .text
global fib_asm
%include "fib.inc"

section .note.GNU-stack noalloc noexec nowrite progbits
