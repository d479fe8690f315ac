; endless.asm - lesson 01 that loops forever at its first instruction: the
; grader must say so within seconds.

%include "abi.inc"

bits 16
section .text
global _start
_start:
        jmp $                   ; an endless loop before done
        mov si, message         ; si walks the string
        xor ecx, ecx            ; ecx counts the bytes printed
next_char:
        mov al, [si]            ; al = the next byte
        test al, al             ; the string ends with a 0 byte
        jz done
        out PORT_DEBUGCON, al   ; print it
        inc ecx                 ; one more byte printed
        inc si
        jmp next_char
done:                           ; ecx = 27 here
        mov al, 3
        out PORT_EXIT, al       ; kvm-vmm exits with status 3
        hlt                     ; never reached

section .rodata
message: db "Hello from my first guest!", 10, 0
