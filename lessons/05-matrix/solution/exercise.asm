; exercise.asm - lesson 05 exercise, reference solution: result = matrix x
; vector for a 3x3 matrix of words, printed as "11 29 47".

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
        lea si, [matrix + bp]   ; si -> matrix[i][0]
        mov bx, vector          ; bx -> vector[0]
dot:
        mov ax, [si]            ; matrix[i][k]
        mul word [bx]           ; dx:ax = matrix[i][k] * vector[k]
        add cx, ax
        add si, ELEM            ; k = k + 1 along the row
        add bx, ELEM            ; and along the vector
        cmp bx, vector + N * ELEM
        jb dot
        mov [result + di], cx   ; result[i] = the sum
        add di, ELEM
        add bp, ROW
        cmp di, N * ELEM
        jb row
done:                           ; result = 11, 29, 47 here

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
