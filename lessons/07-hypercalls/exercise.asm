; exercise.asm - lesson 07 exercise: add up the numbers on stdin with
; hypercalls. Fill in every "; TODO:" below, then grade it:
;     make check LESSON=07
; Try it by hand: make lessons/07-hypercalls/exercise.elf, then
;     ./kvm-vmm lessons/07-hypercalls/exercise.elf < lessons/07-hypercalls/exercise-input.txt
;
; Goal (what the grader checks, with exercise-input.txt on stdin: the
; numbers 12, 7, 30 and 100, separated by spaces and newlines):
;   1. at the label `done`, ESI holds their sum (149);
;   2. the guest prints the sum with the PUTNUM hypercall, then a newline
;      with PUTCHAR: "149";
;   3. it ends with the EXIT hypercall, its exit code being how many numbers
;      it read (4).

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
        ; TODO: one more digit: edi = edi * RADIX + (al - '0').
        ;       imul edi, edi, RADIX multiplies; sub al, '0' and
        ;       movzx eax, al give the digit's value in eax.
        mov cl, 1               ; we are inside a number
        jmp next_char
separator:                      ; a space, a newline, ...: a number may end here
        call end_number
        jmp next_char
end_of_input:
        call end_number         ; the last number may have no newline after it
done:                           ; the grader reads esi here, through gdb
        ; TODO: print the sum: ebx = esi, then HYPERCALL HC_PUTNUM; then a
        ;       newline: bl = NEWLINE, HYPERCALL HC_PUTCHAR.
        ; TODO: exit with the count as exit code: bl = the count (ebp),
        ;       HYPERCALL HC_EXIT (it does not return).
        hlt

; end_number - if a number was being read, it is complete: add it to the sum.
end_number:
        test cl, cl
        jz .none
        ; TODO: add the number (edi) to the sum (esi), and count it (ebp).
        xor edi, edi            ; the next number starts from 0
        xor cl, cl
.none:
        ret
