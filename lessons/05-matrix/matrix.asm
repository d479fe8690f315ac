; matrix.asm - lesson 05: multiply two 8x8 integer matrices, C = A x B, and
; print C as 8 rows of 8 right-aligned numbers. The inputs are made by
; formulas (so the test can rebuild them), kept as 16-bit words in memory:
;     A[i][j] = 8i + j + 1              (1, 2, 3 ... 64 in reading order)
;     B[i][j] = ((i + j + i*j) mod 8) + 1
;     C[i][j] = sum over k of A[i][k] * B[k][j]
; Shows arrays in memory, addressing modes and a triple loop.

%include "abi.inc"

%define N           8           ; matrices are N x N
%define ELEM        2           ; bytes per element (a word)
%define ROW         (N * ELEM)  ; bytes per row
%define B_MOD_MASK  7           ; x mod 8 = x and 7 (8 is a power of two)
%define FIELD_WIDTH 6           ; each number is printed right-aligned in 6 columns
%define RADIX       10
%define NEWLINE     10

bits 16
section .text
global _start
_start:
        cld

; ---- 1. fill A and B ---------------------------------------------------
        mov di, 0               ; di = byte offset of element [i][j]
        xor cx, cx              ; ch = i, cl = j
fill:
        ; A[i][j] = 8i + j + 1: the element's index in the array, plus one
        mov ax, di
        shr ax, 1               ; byte offset / ELEM = index 8i + j
        inc ax
        mov [mat_a + di], ax
        ; B[i][j] = ((i + j + i*j) and 7) + 1
        mov al, ch
        mul cl                  ; ax = i * j
        movzx dx, ch
        add ax, dx              ; + i
        movzx dx, cl
        add ax, dx              ; + j
        and ax, B_MOD_MASK
        inc ax
        mov [mat_b + di], ax
        add di, ELEM
        inc cl                  ; next column
        cmp cl, N
        jb fill
        xor cl, cl              ; next row
        inc ch
        cmp ch, N
        jb fill

; ---- 2. C = A x B -------------------------------------------------------
; For each row i and column j: walk row i of A (si += ELEM) and column j of
; B (bx += ROW) together, adding the products.
        xor di, di              ; di = offset of C[i][j]
        mov bp, 0               ; bp = offset of row i (i * ROW)
row_loop:
        xor dx, dx              ; dx = j * ELEM
col_loop:
        lea si, [mat_a + bp]    ; si -> A[i][0]
        mov bx, mat_b
        add bx, dx              ; bx -> B[0][j]
        xor cx, cx              ; cx = the running sum
        push dx
        mov dx, N               ; k counts down N terms
dot:
        mov ax, [si]            ; A[i][k]
        push dx
        mul word [bx]           ; dx:ax = A[i][k] * B[k][j]; fits in ax
        pop dx
        add cx, ax
        add si, ELEM            ; next k along the row of A
        add bx, ROW             ; next k down the column of B
        dec dx
        jnz dot
        pop dx
        mov [mat_c + di], cx    ; C[i][j]
        add di, ELEM
        add dx, ELEM
        cmp dx, ROW
        jb col_loop
        add bp, ROW
        cmp bp, N * ROW
        jb row_loop

; ---- 3. print C ------------------------------------------------------------
        mov si, mat_c
        mov cx, N               ; rows left
print_row:
        push cx
        mov cx, N               ; numbers left in this row
print_elem:
        lodsw                   ; ax = [si], si += 2
        call print_padded
        loop print_elem
        mov al, NEWLINE
        out PORT_DEBUGCON, al
        pop cx
        loop print_row
        EXIT 0

; print_padded - print ax in decimal, right-aligned in FIELD_WIDTH columns
; (spaces first). Keeps every register.
print_padded:
        pusha
        mov di, field_end       ; build the digits right to left
        mov bx, RADIX
.divide:
        xor dx, dx
        div bx                  ; ax = ax / 10, dx = the last digit
        add dl, '0'
        dec di
        mov [di], dl
        test ax, ax
        jnz .divide
.pad:
        cmp di, field           ; fill the rest of the field with spaces
        je .send
        dec di
        mov byte [di], ' '
        jmp .pad
.send:
        mov si, field
        mov cx, FIELD_WIDTH
.next:
        lodsb
        out PORT_DEBUGCON, al   ; one exit per character, spaces included
        loop .next
        popa
        ret

section .bss
mat_a:  resw N * N
mat_b:  resw N * N
mat_c:  resw N * N
field:  resb FIELD_WIDTH
field_end:
