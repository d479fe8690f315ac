; kernel_entry.asm - lesson 15: the first bytes of the kernel. The boot
; sector loads the kernel to 0x1000 and calls 0x1000 in 32-bit protected
; mode; guest/guest.ld puts .text.start first, so this `call` is what runs
; there, whatever order gcc gives the C functions. When kernel_main returns,
; `ret` goes back to the boot sector, which ends the machine.
bits 32
section .text.start
global _start
extern kernel_main
_start:
	call kernel_main
	ret

; No executable stack: tells ld this object needs none (it would warn).
section .note.GNU-stack noalloc noexec nowrite progbits
