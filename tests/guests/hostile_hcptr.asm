; hostile_hcptr.asm - a protected-mode guest, run with --mem 2M, that hands
; the WRITE hypercall ranges that wrap around 4 GiB, start or end past its
; RAM, or are absurdly long, and an unknown hypercall number: each must get
; HC_ERROR and leave the guest running. Ranges that touch the last byte of
; RAM exactly must still work. Prints one letter per check; exits with 100
; when all passed, else with the number of the failed check.
%include "abi.inc"

%define RAM_SIZE 0x200000               ; --mem 2M
%define DONE 100

; CHECK_WRITE address, length, expected EAX
%macro CHECK_WRITE 3
        inc esi
        mov ebx, %1
        mov ecx, %2
        HYPERCALL HC_WRITE
        cmp eax, %3
        jne fail
%endmacro

bits 32
section .text
global _start
_start:
        xor esi, esi                    ; check number
        mov byte [RAM_SIZE - 1], 10     ; the last byte of RAM: a newline
        CHECK_WRITE 0xffffffff, 1, HC_ERROR            ; 1: starts past RAM, at the top
        CHECK_WRITE 0xfffffff0, 0x20, HC_ERROR         ; 2: wraps around 4 GiB
        CHECK_WRITE RAM_SIZE - 1, 2, HC_ERROR          ; 3: ends one byte past RAM
        CHECK_WRITE text, 0xffffffff, HC_ERROR         ; 4: 4 GiB long
        CHECK_WRITE RAM_SIZE, 1, HC_ERROR              ; 5: starts just past RAM
        CHECK_WRITE 0x10, 0xfffffff0, HC_ERROR         ; 6: ends exactly at 4 GiB
        CHECK_WRITE RAM_SIZE, 0, 0                     ; 7: empty, at the end: fine
        CHECK_WRITE text, text_len, text_len           ; 8: a good one
        CHECK_WRITE RAM_SIZE - 1, 1, 1                 ; 9: the last byte
        inc esi                                        ; 10: an unknown hypercall
        HYPERCALL 0xee
        cmp eax, HC_ERROR
        jne fail
        EXIT DONE
fail:
        mov eax, esi
        out PORT_EXIT, al
        hlt

section .rodata
text:   db "in range"
text_len equ $ - text
