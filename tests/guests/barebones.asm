; barebones.asm - a Multiboot kernel in the manner of the OSDev "Bare Bones"
; one: loaded by the boot loader (kvm-vmm's -kernel, like QEMU's), it writes
; a line straight into the VGA text buffer at 0xB8000, moves the cursor
; through the CRT controller and halts. No option asks for the screen: it
; is printed because the kernel wrote to it. tests/test_pc.c.
bits 32
section .text.start
global _start

MB_MAGIC    equ 0x1BADB002
MB_FLAGS    equ 0x3                   ; page-align modules, memory info
VGA_TEXT    equ 0xB8000
ATTR        equ 0x07                  ; light grey on black
CRTC_INDEX  equ 0x3D4
CRTC_DATA   equ 0x3D5

mb_header:
	dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
_start:
	mov esi, message
	mov edi, VGA_TEXT
	mov ah, ATTR
.next:
	lodsb
	test al, al
	jz .cursor
	stosw
	jmp .next
.cursor:
	mov dx, CRTC_INDEX                ; cursor after the text: row 0
	mov al, 0x0F
	out dx, al
	mov dx, CRTC_DATA
	mov al, message_len
	out dx, al
	cli
.halt:
	hlt
	jmp .halt

message: db "Hello, kernel World!"
message_len equ $ - message
	db 0
