; screen.asm - a boot sector that draws a known VGA text screen: teletype
; lines that scroll the screen, a window scrolled up and one scrolled down
; (int 10h AH=06h/07h), characters written straight into the buffer at
; 0xB8000, the cursor moved through the CRT controller (0x3D4/0x3D5), and
; a vertical retrace awaited at the input status port (0x3DA).
; tests/test_pc.c compares its final screen with the expected text and
; with QEMU's; "END" at the top right is written last.
bits 16
cpu 386
org 0x7c00

LINES      equ 30
VGA_SEG    equ 0xb800
CRTC_INDEX equ 0x3d4
CRTC_DATA  equ 0x3d5
CURSOR_HI  equ 0x0e
CURSOR_LO  equ 0x0f
STATUS     equ 0x3da              ; input status 1
STATUS_VRETRACE equ 0x08
END_AT     equ (0 * 80 + 77) * 2

	jmp boot
%include "pc.inc"

boot:
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7c00
	mov ax, 0x0003
	int 0x10
	mov cx, 1                     ; "line 01" .. "line 30", 30 without CR LF
.line:
	mov si, text
	call tty
	mov ax, cx
	aam                           ; AH = tens, AL = units
	add ax, '00'
	push ax
	mov al, ah
	call tty_char
	pop ax
	call tty_char
	cmp cx, LINES
	je .lines_done
	mov al, 13
	call tty_char
	mov al, 10
	call tty_char
	inc cx
	jmp .line
.lines_done:
	mov ax, 0x0602                ; rows 2-4, columns 5-16 up by 2
	mov bh, 0x1e
	mov cx, 0x0205
	mov dx, 0x0410
	int 0x10
	mov ax, 0x0701                ; rows 10-12 down by 1
	mov bh, 0x07
	mov cx, 0x0a00
	mov dx, 0x0c4f
	int 0x10
	mov ax, VGA_SEG               ; "direct" at row 20, column 40
	mov es, ax
	mov di, (20 * 80 + 40) * 2
	mov si, direct
	mov ah, 0x4f
.direct:
	lodsb
	test al, al
	jz .direct_done
	stosw
	jmp .direct
.direct_done:
	mov bx, 23 * 80 + 10          ; cursor to row 23, column 10
	mov dx, CRTC_INDEX
	mov al, CURSOR_HI
	mov ah, bh
	out dx, ax
	mov al, CURSOR_LO
	mov ah, bl
	out dx, ax
	mov al, CURSOR_HI             ; read it back
	out dx, al
	mov dx, CRTC_DATA
	in al, dx
	mov ah, al
	mov dx, CRTC_INDEX
	mov al, CURSOR_LO
	out dx, al
	mov dx, CRTC_DATA
	in al, dx
	PRINT "cursor="
	call hex16
	call newline
	mov dx, STATUS                ; a vertical retrace starts, and ends
.retrace_off:
	in al, dx
	test al, STATUS_VRETRACE
	jnz .retrace_off
.retrace_on:
	in al, dx
	test al, STATUS_VRETRACE
	jz .retrace_on
.retrace_end:
	in al, dx
	test al, STATUS_VRETRACE
	jnz .retrace_end
	PRINT "retrace seen"
	call newline
	mov dword [es:END_AT], 0x0f4e0f45   ; "EN"
	mov word [es:END_AT + 4], 0x0f44    ; "D"
	cli
.halt:
	hlt
	jmp .halt

; tty: the NUL-terminated string at DS:SI by int 10h teletype
tty:
	lodsb
	test al, al
	jz .done
	call tty_char
	jmp tty
.done:
	ret

tty_char:
	push bx
	mov ah, 0x0e
	xor bx, bx
	int 0x10
	pop bx
	ret

text: db "line ", 0
direct: db "direct", 0

	times 510 - ($ - $$) db 0
	dw 0xaa55
