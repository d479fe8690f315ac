; stray_halt.asm - writes a hlt past the end of the program and jumps to it:
; the VMM must say the CPU left the program (deterministically).
%include "abi.inc"
bits 16
OUTSIDE equ 0x8000              ; well past this program's last byte
HLT_OPCODE equ 0xf4
section .text
global _start
_start:
        mov byte [OUTSIDE], HLT_OPCODE
        jmp 0:OUTSIDE
