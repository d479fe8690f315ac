; seed_hello.asm - a flat binary in the style the original runner took:
; real mode, linked at 0, PUTCHAR hypercalls with AL = 1 and BL = the
; character on port 0x500, then hlt. It must run unchanged.
bits 16
org 0
        mov dx, 0x500                   ; the hypercall port
        mov si, msg
next:   mov bl, [si]
        test bl, bl
        jz done
        mov al, 1                       ; hypercall 1: PUTCHAR
        out dx, al
        inc si
        jmp next
done:   hlt
msg:    db "Hello World!", 10, 0
