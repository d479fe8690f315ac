; fault.asm - a boot sector that writes a line with int 10h and then
; triple-faults (an interrupt with an empty IVT limit): the guest ends with
; status 1 and the final screen must still be printed. tests/test_pc.c.
bits 16
org 0x7c00
	mov si, message
.next:
	lodsb
	test al, al
	jz .fault
	mov ah, 0x0e
	int 0x10
	jmp .next
.fault:
	lidt [empty_ivt]
	int 0x10

empty_ivt: dw 0
	dd 0
message: db "about to fault", 0

	times 510 - ($ - $$) db 0
	dw 0xaa55
