; kernel_entry.asm - where the boot sector jumps (0x1000, the start of
; kernel.bin): call the C kernel and return to the boot sector.
bits 32
section .text.start
global _start
extern kernel_main
_start:
	call kernel_main
	ret
