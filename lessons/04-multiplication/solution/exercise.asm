; exercise.asm - lesson 04 exercise, reference solution: the 7 times table,
; "7 x 1 = 7" to "7 x 10 = 70", one line each, products kept in memory.

%include "abi.inc"

%define TABLE       7           ; the left factor
%define LAST_FACTOR 10          ; the right factor goes 1 .. LAST_FACTOR
%define NEWLINE     10

bits 16
section .text
global _start
_start:
        mov cx, 1               ; cx = the right factor
entry:
        PUTNUM TABLE            ; "7"
        PRINT " x "             ; "7 x "
        movzx eax, cx
        PUTNUM eax              ; "7 x 3"
        PRINT " = "             ; "7 x 3 = "
        mov ax, TABLE
        mul cx                  ; dx:ax = 7 * cx (dx is 0: the products are small)
        movzx eax, ax
        PUTNUM eax              ; "7 x 3 = 21"
        PUTC NEWLINE
        mov bx, cx
        mov [products + bx - 1], al
        inc cx
        cmp cx, LAST_FACTOR
        jbe entry
done:                           ; products = 7, 14, ... 70 here
        EXIT 0

section .bss
products: resb LAST_FACTOR      ; products[i] = TABLE * (i + 1)
