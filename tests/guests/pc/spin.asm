; spin.asm - a boot sector that writes a line with int 10h (and on the
; console) and then spins
; forever (`jmp $`, as tutorials end): only --timeout or a signal ends it,
; and the final screen must still be printed. tests/test_pc.c.
bits 16
org 0x7c00
	mov si, message
.next:
	lodsb
	test al, al
	jz .console
	mov ah, 0x0e
	int 0x10
	jmp .next
.console:                             ; then the same line on port 0xE9:
	mov si, message               ; the sign that the screen is written
.byte:
	lodsb
	test al, al
	jz .spin
	out 0xe9, al
	jmp .byte
.spin:
	jmp .spin

message: db "spinning", 10, 0

	times 510 - ($ - $$) db 0
	dw 0xaa55
