; exercise.asm - lesson 06 exercise, reference solution: count the vowels
; of `text` in CX (19), print "vowels: 19".

%include "abi.inc"

%define CASE_BIT 0x20           ; 'A' | 0x20 = 'a': fold upper case onto lower
%define NEWLINE  10

bits 16
section .text
global _start
_start:
        cld                     ; lodsb moves si forward
        mov si, text            ; si walks the text
        xor cx, cx              ; cx = vowels found so far
next:
        lodsb                   ; al = [si], si = si + 1
        test al, al             ; the text ends with a 0 byte
        jz done
        or al, CASE_BIT         ; 'E' -> 'e'; a non-letter never becomes a vowel
        mov bx, vowel_list      ; is al one of a, e, i, o, u?
.check:
        cmp al, [bx]
        je .vowel
        inc bx
        cmp bx, vowel_list_end
        jb .check
        jmp next                ; not a vowel
.vowel:
        inc cx
        jmp next
done:                           ; cx = 19 here
        PRINT "vowels: "
        movzx eax, cx
        PUTNUM eax
        PUTC NEWLINE
        EXIT 0

section .rodata
text:       db "Every VM exit is a question the guest asks, and the VMM answers it.", 0
vowel_list: db "aeiou"
vowel_list_end:
