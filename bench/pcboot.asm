; pcboot.asm - the disk image of `make bench` row 7: a boot sector that
; writes one character on the screen with int 10h and exits at once, so
; that a run measures a PC boot (BIOS, boot sector, first character)
; under kvm-vmm --disk and under QEMU with its own BIOS. The character also
; goes to port 0xE9, the output both sides check; the exit is port 0xF4.
bits 16
org 0x7c00
	mov ax, 0x0e42                ; teletype 'B'
	xor bx, bx
	int 0x10
	mov al, 'B'
	out 0xe9, al
	mov al, 10
	out 0xe9, al
	mov al, 0
	out 0xf4, al
.halt:
	hlt
	jmp .halt

	times 510 - ($ - $$) db 0
	dw 0xaa55
