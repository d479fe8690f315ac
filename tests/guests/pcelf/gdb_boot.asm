; gdb_boot.asm - a boot sector with symbols, for a gdb session on a disk
; boot: pc.mk links it at 0x7C00 (gdb_boot.elf, for gdb's symbol-file) and
; copies its bytes into a disk image (gdb_boot.img). It greets through
; int 10h, counts to 3 in `counter`, and halts. tests/test_pc.c drives it.
bits 16
global _start, greet, count_loop, counter

section .text
_start:
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7c00
greet:
	mov si, message
.next:
	lodsb
	test al, al
	jz count
	mov ah, 0x0e
	int 0x10
	jmp .next
count:
	mov word [counter], 0
count_loop:
	inc word [counter]
	cmp word [counter], 3
	jb count_loop
	mov al, [counter]
	out 0xf4, al                  ; exit status 3

message: db "booted under gdb", 0
counter: dw 0

	times 510 - ($ - $$) db 0
	dw 0xaa55
