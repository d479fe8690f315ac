; exercise.asm - lesson 01 exercise: print a line of your own and end the
; guest with an exit code. Fill in every "; TODO:" below, then grade it:
;     make check LESSON=01
;
; Goal (what the grader checks):
;   1. the guest prints exactly "Hello from my first guest!" and a newline;
;   2. at the label `done`, ECX holds how many bytes were printed (27);
;   3. kvm-vmm exits with status 3: the guest writes 3 to port 0xF4
;      (PORT_EXIT) instead of halting.

%include "abi.inc"

bits 16                         ; real mode, as in hello.asm
section .text
global _start
_start:
        mov si, message         ; si walks the string
        xor ecx, ecx            ; ecx counts the bytes printed
next_char:
        mov al, [si]            ; al = the next byte
        test al, al             ; the string ends with a 0 byte
        jz done
        out PORT_DEBUGCON, al   ; print it
        ; TODO: count the byte you just printed: add one to ecx.
        inc si
        jmp next_char
done:                           ; the grader reads ecx here, through gdb
        ; TODO: end with exit code 3: put 3 in al and write it to port
        ;       PORT_EXIT (out PORT_EXIT, al). The hlt below then never runs.
        hlt

section .rodata
; TODO: make this "Hello from my first guest!" followed by a newline (10).
message: db "Hello, KVM!", 10, 0
