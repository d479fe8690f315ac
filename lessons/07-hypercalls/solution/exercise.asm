; exercise.asm - lesson 07 exercise, reference solution: sum the decimal
; numbers on stdin (GETCHAR), print the sum (PUTNUM, PUTCHAR), exit with
; the count of numbers (EXIT).

%include "abi.inc"

%define RADIX   10
%define NEWLINE 10

bits 16
section .text
global _start
_start:
        xor esi, esi            ; esi = the sum so far
        xor edi, edi            ; edi = the number being read
        xor ebp, ebp            ; ebp = how many numbers were read
        xor cl, cl              ; cl = 1 while we are inside a number
next_char:
        HYPERCALL HC_GETCHAR    ; eax = the next byte of stdin, HC_ERROR at the end
        cmp eax, HC_ERROR
        je end_of_input
        cmp al, '0'             ; a digit?
        jb separator
        cmp al, '9'
        ja separator
        imul edi, edi, RADIX    ; one more digit: edi = edi * 10 + digit
        sub al, '0'
        movzx eax, al
        add edi, eax
        mov cl, 1               ; we are inside a number
        jmp next_char
separator:                      ; a space, a newline, ...: a number may end here
        call end_number
        jmp next_char
end_of_input:
        call end_number         ; the last number may have no newline after it
done:                           ; esi = 149, ebp = 4 here
        mov ebx, esi
        HYPERCALL HC_PUTNUM     ; "149"
        mov bl, NEWLINE
        HYPERCALL HC_PUTCHAR
        mov ebx, ebp
        HYPERCALL HC_EXIT       ; exit code 4; does not return
        hlt

; end_number - if a number was being read, it is complete: add it to the sum.
end_number:
        test cl, cl
        jz .none
        add esi, edi
        inc ebp
        xor edi, edi            ; the next number starts from 0
        xor cl, cl
.none:
        ret
