; hello.asm - lesson 01: the smallest useful guest. The CPU starts in real
; mode; we send each byte of a string to I/O port 0xE9, which kvm-vmm
; turns into console output, then stop the CPU with hlt.

%include "abi.inc"

bits 16                         ; real mode: 16-bit code, like a CPU after reset
section .text
global _start
_start:
        mov si, message         ; si walks the string (ds = 0: linear = offset)
next_char:
        mov al, [si]            ; al = the next byte
        test al, al             ; the string ends with a 0 byte
        jz done
        out PORT_DEBUGCON, al   ; one VM exit: kvm-vmm prints the byte
        inc si
        jmp next_char
done:
        hlt                     ; halt: no interrupts can wake us, so the VM ends

section .rodata
message: db "Hello, KVM!", 10, 0
