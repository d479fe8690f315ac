; exercise.asm - lesson 04 exercise: print one times table, one entry per
; line, and keep the products in memory. Fill in every "; TODO:" below,
; then grade it: make check LESSON=04
;
; Goal (what the grader checks):
;   1. the guest prints exactly the 7 times table from 7 x 1 to 7 x 10,
;      one line each: "7 x 1 = 7" ... "7 x 10 = 70" (exercise-expected.txt);
;   2. at the label `done`, the byte array `products` holds the ten
;      products in order: products[0] = 7 ... products[9] = 70.

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
        ; TODO: print one line "7 x CX = PRODUCT" and a newline. PUTNUM takes
        ;       a 32-bit value (movzx eax, cx); PRINT " x " prints text; the
        ;       product comes from mul: mov ax, TABLE / mul cx (dx:ax = ax * cx).
        ; TODO: store the product's low byte in products[cx - 1]. In 16-bit
        ;       code only bx, si, di and bp can index memory: mov bx, cx,
        ;       then mov [products + bx - 1], al.
        inc cx
        cmp cx, LAST_FACTOR
        jbe entry
done:                           ; the grader reads `products` here, through gdb
        EXIT 0

section .bss
products: resb LAST_FACTOR      ; products[i] = TABLE * (i + 1)
