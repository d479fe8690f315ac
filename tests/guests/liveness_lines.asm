; liveness_lines.asm - a protected-mode guest (--mode protected) that
; writes LINES lines of LINE_LEN bytes ("0123456789abcde\n") in one WRITE
; hypercall, then exits with 0. A test reads them slowly and counts
; them: none may be lost.
%include "abi.inc"
%define BUFFER 0x200000                 ; the lines, in guest RAM
%define LINES 20000
%define LINE_LEN 16
bits 32
section .text
global _start
_start:
        mov edi, BUFFER                 ; the first line: 0..9 a..e '\n'
        mov esi, line
        mov ecx, LINE_LEN
        cld
        rep movsb
        mov esi, BUFFER                 ; copied forward over the rest: one
        mov ecx, (LINES - 1) * LINE_LEN / 4 ; instruction, even when emulated
        rep movsd
        mov ebx, BUFFER
        mov ecx, LINES * LINE_LEN
        HYPERCALL HC_WRITE
        cmp eax, LINES * LINE_LEN
        jne .fail
        EXIT 0
.fail:  EXIT 1
line:   db "0123456789abcde", 10
