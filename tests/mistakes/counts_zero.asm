; counts_zero.asm - lesson 01 with two mistakes that hide each other: the
; message is one character short, and the loop counts the terminating 0,
; so ECX is 27 all the same. The grader must not give the count its points.

%include "abi.inc"

bits 16
section .text
global _start
_start:
        mov si, message         ; si walks the string
        xor ecx, ecx            ; ecx counts the bytes printed
next_char:
        mov al, [si]            ; al = the next byte
        inc ecx                 ; counts the 0 too: one too many
        test al, al             ; the string ends with a 0 byte
        jz done
        out PORT_DEBUGCON, al   ; print it
        inc si
        jmp next_char
done:                           ; ecx = 27 here
        mov al, 3
        out PORT_EXIT, al       ; kvm-vmm exits with status 3
        hlt                     ; never reached

section .rodata
message: db "Hello from my first guest", 10, 0
