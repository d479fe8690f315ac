; steps.asm - the guest the debugging benchmark single-steps: a real-mode
; loop of three instructions, run STEP_LOOPS times (far more instructions
; than gdb steps through), then an exit with code 0 through port 0xF4.
; Linked at 0x7c00, so it also runs under QEMU behind bench/boot.asm.
%include "abi.inc"

%define STEP_LOOPS 10000

bits 16
section .text
global _start
_start:
        xor ax, ax
        mov cx, STEP_LOOPS
count:
        inc ax
        dec cx
        jnz count
        EXIT 0
