; multiplication.asm - lesson 04: the times tables from 2 to 9, one table
; per line ("2x1=2 2x2=4 ... 2x9=18"). Two nested loops, the mul
; instruction, and the printing macros of guest/abi.inc (PUTC, PUTNUM).

%include "abi.inc"

%define FIRST_TABLE 2
%define LAST_TABLE  9
%define LAST_FACTOR 9
%define NEWLINE     10

bits 16
section .text
global _start
_start:
        mov bx, FIRST_TABLE     ; bx = which table (the left factor)
table:
        mov cx, 1               ; cx = the right factor, 1 .. LAST_FACTOR
entry:
        movzx eax, bx           ; PUTNUM takes a 32-bit value: widen bx
        PUTNUM eax              ; "2"
        PUTC 'x'                ; "2x"
        movzx eax, cx
        PUTNUM eax              ; "2x3"
        PUTC '='                ; "2x3="
        mov ax, bx
        mul cx                  ; dx:ax = ax * cx (dx is 0: products are small)
        movzx eax, ax
        PUTNUM eax              ; "2x3=6"
        cmp cx, LAST_FACTOR
        je end_of_table
        PUTC ' '                ; a space between entries, none after the last
        inc cx
        jmp entry
end_of_table:
        PUTC NEWLINE
        inc bx
        cmp bx, LAST_TABLE
        jbe table
        EXIT 0                  ; port 0xF4: exit code 0
