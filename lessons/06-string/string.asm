; string.asm - lesson 06: count how often each letter a-z occurs in a
; 1 KiB text embedded in the guest (text.txt, upper and lower case counted
; together), then print the 26 counts. Shows string instructions (lodsb),
; a table indexed by a computed offset, and embedding data with incbin.

%include "abi.inc"

%define LETTERS     26
%define CASE_BIT    0x20        ; 'A' = 0x41, 'a' = 0x61: they differ in bit 5 only
%define TEXT_SIZE   1024        ; text.txt is exactly 1 KiB
%define NEWLINE     10

bits 16
section .text
global _start
_start:
        cld                     ; lodsb moves si forward

; ---- 1. count ---------------------------------------------------------------
        mov si, text            ; si walks the text
        mov cx, text_len        ; cx = bytes left
count:
        lodsb                   ; al = [si], si = si + 1
        or al, CASE_BIT         ; fold 'A'..'Z' onto 'a'..'z'; no other byte
        cmp al, 'a'             ; lands in 'a'..'z' by this, so a range check
        jb not_a_letter         ; now finds exactly the letters
        cmp al, 'z'
        ja not_a_letter
        sub al, 'a'             ; al = 0 for a, 1 for b, ...
        movzx bx, al
        shl bx, 1               ; each count is a word: offset = 2 * index
        inc word [counts + bx]
        inc word [total]
not_a_letter:
        loop count              ; cx = cx - 1, again while cx != 0

; ---- 2. print "a: 59" ... "z: 9" ---------------------------------------------
        xor bx, bx              ; bx = letter index 0..25
print_count:
        mov al, bl
        add al, 'a'
        PUTC al                 ; the letter
        PRINT ": "
        push bx
        shl bx, 1
        movzx eax, word [counts + bx]
        pop bx
        PUTNUM eax              ; its count, in decimal
        PUTC NEWLINE
        inc bx
        cmp bx, LETTERS
        jb print_count

        movzx eax, word [total]
        PUTNUM eax
        PRINT " letters in "
        PUTNUM text_len
        PRINT " bytes", NEWLINE
        EXIT 0

section .rodata
text:   incbin "text.txt"       ; the file's bytes, as they are, into the image
text_len equ $ - text
        times TEXT_SIZE - text_len db 0  ; (fails to build if text.txt grows past 1 KiB)

section .bss
counts: resw LETTERS            ; counts[i] = occurrences of letter 'a' + i
total:  resw 1
