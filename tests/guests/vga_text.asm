; vga_text.asm - a guest that is no disk boot (an ELF at 0x7C00) writing
; straight into the VGA text buffer at 0xB8000 and moving the cursor
; through the CRT controller, as a kernel does: its screen is printed at
; the end without any option. tests/test_pc.c.
bits 16
section .text.start
global _start
_start:
	mov ax, 0xb800
	mov es, ax
	xor di, di
	mov si, message
	mov ah, 0x07
.next:
	lodsb
	test al, al
	jz .done
	stosw
	jmp .next
.done:
	mov dx, 0x3d4                 ; cursor after the text
	mov ax, 0x000e
	out dx, ax
	mov ax, (message_len << 8) | 0x0f
	out dx, ax
	mov al, 'k'
	out 0xe9, al
	mov al, 10
	out 0xe9, al
	mov al, 0
	out 0xf4, al

message: db "Hello, VGA"
message_len equ $ - message
	db 0
