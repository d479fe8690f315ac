; services.asm - a boot disk that calls every BIOS service of docs/pc.md
; and prints what each returned on the console (port 0xE9); the final
; screen shows what int 10h wrote. Run as a floppy (--floppy: CHS reads
; cross from head 0 to head 1) and as a hard disk (--disk: the LBA
; extensions). Its stdin should be "ab\n". tests/test_pc.c checks it.
bits 16
cpu 386
org 0x7c00

CODE_SECTORS equ 7            ; LBA 1-7 hold the rest of the program
BUF          equ 0x9000       ; where the disk tests read to
DAP_SIZE     equ 16

	jmp boot
%include "pc.inc"

boot:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00
	sti
	mov [drive], dl
	mov ax, 0x0200 | CODE_SECTORS  ; read the program: CHS 0/0/2, 7 sectors
	mov cx, 0x0002
	xor dh, dh
	mov bx, 0x7e00
	int 0x13
	jc .failed
	jmp main
.failed:
	PRINT "cannot load the program"
	EXIT 3

drive: db 0

	times 510 - ($ - $$) db 0
	dw 0xaa55

main:
	PRINT "drive="
	mov al, [drive]
	call hex8
	call newline

	; ---- int 12h, 11h, 15h: memory and equipment
	int 0x12
	PRINT "int12 ax="
	call hex16
	call newline
	int 0x11
	PRINT "int11 ax="
	call hex16
	call newline
	mov ah, 0x88
	int 0x15
	PRINT "int15/88 ax="
	call hex16
	call newline
	mov ax, 0xe801
	int 0x15
	PRINT "int15/e801 ax="
	call hex16
	PRINT " bx="
	mov ax, bx
	call hex16
	call newline

	xor ebx, ebx                  ; E820: every entry
.e820:
	mov eax, 0xe820
	mov edx, 0x534d4150
	mov ecx, 20
	mov di, BUF
	int 0x15
	jc .e820_done
	PRINT "e820 "
	mov eax, [BUF]
	call hex32
	call space
	mov eax, [BUF + 8]
	call hex32
	call space
	mov eax, [BUF + 16]
	call hex8
	call newline
	test ebx, ebx
	jnz .e820
.e820_done:

	mov ax, 0x2401
	int 0x15
	PRINT "a20 enable: "
	call cf_ah
	mov ax, 0x2402
	int 0x15
	PRINT " status al="
	call hex8
	call newline

	mov ax, 0xc000                ; not supported here
	int 0x15
	PRINT "int15/c0: "
	call cf_ah
	call newline

	; ---- int 13h
	mov ah, 0x00
	mov dl, [drive]
	int 0x13
	PRINT "int13/00: "
	call cf_ah
	call newline
	push es                       ; 08h points ES:DI at a floppy's parameters
	mov ah, 0x08
	mov dl, [drive]
	int 0x13
	PRINT "int13/08: "
	call cf_ah
	PRINT " cx="
	mov ax, cx
	call hex16
	PRINT " dx="
	mov ax, dx
	call hex16
	PRINT " bl="
	mov al, bl
	call hex8
	PRINT " es:di="
	mov ax, es
	call hex16
	mov al, ':'
	out PORT_CONSOLE, al
	mov ax, di
	call hex16
	call newline
	pop es

	; sectors 16-19 by CHS: on a floppy (18 a track) it crosses to head 1
	mov ax, 0x0204
	mov cx, 0x0011                ; cylinder 0, sector 17
	mov dh, 0
	mov dl, [drive]
	mov bx, BUF
	int 0x13
	PRINT "chs 0/0/17 x4: "
	call cf_ah
	PRINT " al="
	call hex8
	call markers4
	; the last sectors and past the end of the image (21 sectors)
	mov ax, 0x0204
	mov cx, 0x0012                ; sector 18: LBA 17 on a hard disk
	mov dh, 0
	cmp byte [drive], 0x80
	jae .hd_lba19
	mov cx, 0x0002                ; floppy: cylinder 0, head 1, sector 2 = LBA 19
	mov dh, 1
	jmp .read_end
.hd_lba19:
	mov cx, 0x0014                ; hard disk: sector 20 = LBA 19
.read_end:
	mov dl, [drive]
	mov bx, BUF
	int 0x13
	PRINT "chs lba 19 x4: "
	call cf_ah
	call markers4

	mov ax, 0x0201                ; sector 0 does not exist
	mov cx, 0x0000
	xor dh, dh
	mov dl, [drive]
	mov bx, BUF
	int 0x13
	PRINT "sector 0: "
	call cf_ah
	call newline
	mov ax, 0x0201                ; nor does drive 0x81
	mov cx, 0x0001
	mov dx, 0x0081
	mov bx, BUF
	int 0x13
	PRINT "drive 81: "
	call cf_ah
	call newline

	; write LBA 20, read it back: the guest sees its write
	mov di, BUF
	mov cx, 512
	mov al, 'W'
	rep stosb
	mov ax, 0x0301
	mov cx, 0x0003                ; floppy: head 1, sector 3 = LBA 20
	mov dh, 1
	cmp byte [drive], 0x80
	jb .write
	mov cx, 0x0015                ; hard disk: sector 21 = LBA 20
	xor dh, dh
.write:
	mov dl, [drive]
	mov bx, BUF
	push cx
	push dx
	int 0x13
	PRINT "write lba 20: "
	call cf_ah
	mov byte [BUF], 0
	mov ax, 0x0201
	pop dx
	pop cx
	mov bx, BUF
	int 0x13
	PRINT " read back: "
	mov al, [BUF]
	call hex8
	call newline

	mov ah, 0x41
	mov bx, 0x55aa
	mov dl, [drive]
	int 0x13
	pushf
	PRINT "int13/41: "
	call cf_ah
	PRINT " bx="
	mov ax, bx
	call hex16
	call newline
	popf
	jc .no_lba
	mov si, dap
	mov ah, 0x42
	mov dl, [drive]
	int 0x13
	PRINT "int13/42 lba 18 x4: "
	call cf_ah
	call markers4
.no_lba:

	; ---- int 16h: the keys of stdin
	mov ah, 0x01
	int 0x16
	PRINT "peek: "
	call zf_ax
	mov cx, 3
.key:
	mov ah, 0x00
	int 0x16
	PRINT "key ax="
	call hex16
	call newline
	loop .key
	mov ah, 0x02
	int 0x16
	PRINT "shift al="
	call hex8
	call newline

	; ---- int 1Ah: the timer ticks (IRQ 0 through the PIC, int 08h)
	mov ah, 0x00
	int 0x1a
	mov bx, dx
.tick:
	hlt
	mov ah, 0x00
	int 0x1a
	cmp dx, bx
	je .tick
	PRINT "ticks advance"
	call newline

	; ---- int 10h
	mov ax, 0x0003
	int 0x10
	mov ah, 0x0f
	int 0x10
	PRINT "int10/0f ax="
	call hex16
	PRINT " bh="
	mov al, bh
	call hex8
	call newline
	mov si, hello
.tty:
	lodsb
	test al, al
	jz .tty_done
	mov ah, 0x0e
	int 0x10
	jmp .tty
.tty_done:
	mov ah, 0x02                  ; cursor to row 5, column 10
	xor bh, bh
	mov dx, 0x050a
	int 0x10
	mov ax, 0x0958                ; 'X' three times, white on blue
	mov bx, 0x001f
	mov cx, 3
	int 0x10
	mov ah, 0x08
	int 0x10
	PRINT "int10/08 ax="
	call hex16
	call newline
	mov ah, 0x03
	int 0x10
	PRINT "int10/03 dx="
	mov ax, dx
	call hex16
	PRINT " cx="
	mov ax, cx
	call hex16
	call newline
	mov dx, 0x3d4                 ; the CRTC's cursor location
	mov al, 0x0e
	out dx, al
	inc dx
	in al, dx
	mov ah, al
	dec dx
	mov al, 0x0f
	out dx, al
	inc dx
	in al, dx
	PRINT "crtc cursor="
	call hex16
	call newline
	mov ax, 0x0a59                ; 'Y' twice at the cursor, attribute kept
	mov cx, 2
	int 0x10
	mov ax, 0x1301                ; a string at row 7, cursor moved
	mov bx, 0x0007
	mov cx, string_len
	mov dx, 0x0700
	push ds
	pop es
	mov bp, string
	int 0x10
	mov ah, 0x03
	xor bh, bh
	int 0x10
	PRINT "after int10/13 dx="
	mov ax, dx
	call hex16
	call newline
	mov ax, 0x4f00                ; VESA: not here
	int 0x10
	PRINT "int10/4f: "
	call cf_ah
	call newline
	PRINT "done"
	call newline
	cli
	hlt

; markers4: the first word of the four sectors at BUF
markers4:
	push ax
	push bx
	mov bx, BUF
.next:
	call space
	mov ax, [bx]
	xchg al, ah
	call hex16
	add bx, 512
	cmp bx, BUF + 4 * 512
	jb .next
	call newline
	pop bx
	pop ax
	ret

; zf_ax: "zf=N ax=XXXX" after int 16h AH=01h
zf_ax:
	pushf
	PRINT "zf="
	popf
	push ax
	mov al, '0'
	jnz .zero
	mov al, '1'
.zero:
	out PORT_CONSOLE, al
	pop ax
	PRINT " ax="
	call hex16
	call newline
	ret

dap:
	db DAP_SIZE, 0
	dw 4                          ; sectors
	dw BUF, 0                     ; buffer offset, segment
	dq 18                         ; first LBA

hello: db "Hello from the BIOS", 13, 10, "second line", 0
string: db "int 10h AH=13h"
string_len equ $ - string

	MARKERS 16, 20
