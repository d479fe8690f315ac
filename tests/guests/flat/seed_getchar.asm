; seed_getchar.asm - a flat binary in the style the original runner took:
; real mode, linked at 0. GETCHAR is hypercall 2 on port 0x500, and the
; seed's guests then read the byte with `in al, dx` from the same port.
; It echoes that byte with PUTCHAR (hypercall 1, BL = the character),
; then a newline, and halts.
bits 16
org 0
        mov dx, 0x500                   ; the hypercall port
        mov al, 2                       ; hypercall 2: GETCHAR
        out dx, al
        in al, dx                       ; the byte it delivered
        mov bl, al
        mov al, 1                       ; hypercall 1: PUTCHAR
        out dx, al
        mov bl, 10
        out dx, al
        hlt
