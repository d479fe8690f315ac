; hostile_flood.asm - a protected-mode guest that floods the console. It
; reads one byte N from stdin (a digit; end of input counts as 0), then
; writes N MiB through the WRITE hypercall (one exit per MiB), FLOOD_OUTS
; bytes with `rep outsb` and FLOOD_OUTS bytes with single `out`s to port
; 0xE9, and exits with 0. Every line is LINE_LEN bytes, ending in '\n', so
; the test can count and check them. The VMM's memory must not grow with N.
%include "abi.inc"

%define BUFFER 0x200000                 ; 1 MiB of lines, in guest RAM
%define MIB 0x100000
%define LINE_LEN 64
%define FLOOD_OUTS 16384                ; bytes by rep outsb, and by out

bits 32
section .text
global _start
_start:
        mov edi, BUFFER                 ; one line: a..z a..z ... '\n'
        mov ecx, LINE_LEN - 1
        mov al, 'a'
.char:  stosb
        inc al
        cmp al, 'z'
        jbe .same
        mov al, 'a'
.same:  loop .char
        mov al, 10
        stosb
        mov esi, BUFFER                 ; copied forward over the whole MiB:
        mov ecx, (MIB - LINE_LEN) / 4   ; one instruction, even when emulated
        cld
        rep movsd

        HYPERCALL HC_GETCHAR            ; N
        cmp eax, HC_ERROR
        je .no_input
        sub eax, '0'
        jmp .have_n
.no_input:
        xor eax, eax
.have_n:
        mov esi, eax
.mib:   test esi, esi
        jz .outs
        mov ebx, BUFFER
        mov ecx, MIB
        HYPERCALL HC_WRITE
        cmp eax, MIB
        jne .fail
        dec esi
        jmp .mib

.outs:  mov esi, BUFFER                 ; rep outsb: a string of port writes
        mov ecx, FLOOD_OUTS
        mov dx, PORT_DEBUGCON
        cld
        rep outsb
        mov esi, BUFFER                 ; and the same one `out` at a time
        mov ecx, FLOOD_OUTS
.one:   lodsb
        out PORT_DEBUGCON, al
        loop .one
        EXIT 0
.fail:  EXIT 1
