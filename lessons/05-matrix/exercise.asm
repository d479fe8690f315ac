; exercise.asm - lesson 05 exercise: multiply a 3x3 matrix by a vector,
; result = matrix x vector. Fill in the "; TODO:" below, then grade it:
;     make check LESSON=05
;
; Goal (what the grader checks):
;   1. at the label `done`, the words result[0..2] hold
;      result[i] = matrix[i][0]*vector[0] + matrix[i][1]*vector[1]
;                + matrix[i][2]*vector[2]          (that is 11, 29, 47);
;   2. the guest prints them on one line: "11 29 47" and a newline.

%include "abi.inc"

%define N       3               ; a 3x3 matrix, a 3-vector
%define ELEM    2               ; bytes per element (a word)
%define ROW     (N * ELEM)      ; bytes per matrix row
%define NEWLINE 10

bits 16
section .text
global _start
_start:
        xor di, di              ; di = i * ELEM: the offset of result[i]
        xor bp, bp              ; bp = i * ROW: the offset of row i
row:
        xor cx, cx              ; cx = the sum for result[i]
        ; TODO: add matrix[i][k] * vector[k] to cx, for k = 0, 1, 2.
        ;       Row i starts at [matrix + bp] and vector[k] is at
        ;       [vector + k * ELEM]. One way: lea si, [matrix + bp] and
        ;       mov bx, vector, then N times: mov ax, [si] / mul word [bx]
        ;       (dx:ax = ax * [bx]; dx is 0 here) / add cx, ax /
        ;       add si, ELEM / add bx, ELEM.
        mov [result + di], cx   ; result[i] = the sum
        add di, ELEM
        add bp, ROW
        cmp di, N * ELEM
        jb row
done:                           ; the grader reads `result` here, through gdb

        ; print result[0], result[1], result[2] separated by spaces
        xor di, di
print:
        movzx eax, word [result + di]
        PUTNUM eax
        add di, ELEM
        cmp di, N * ELEM
        je .last
        PUTC ' '
        jmp print
.last:
        PUTC NEWLINE
        EXIT 0

section .rodata
matrix: dw 1, 2, 3              ; row 0
        dw 4, 5, 6              ; row 1
        dw 7, 8, 9              ; row 2
vector: dw 3, 1, 2

section .bss
result: resw N
