; isolation_check.asm - memory isolation test, the checker: fills a buffer
; of its own with CHECK_PATTERN and sums its own code, prints "check:
; pattern written", then waits for one byte of stdin (the test sends it once
; the other guest has overwritten all of its RAM; end of input also goes on)
; and verifies both: "check: OK" and exit 0, or "check: LEAK" and exit 1.
; Run with: --mode protected --mem 2M (linked at 1 MiB, see guests.mk).

%include "abi.inc"

%define CHECK_PATTERN   0x600DF00D
%define BUFFER_DWORDS   0x4000      ; 64 KiB
%define DWORD_SIZE      4
%define EXIT_OK         0
%define EXIT_LEAK       1

bits 32
section .text
global _start
_start:
        cld
        call code_sum
        mov [sum_before], eax
        mov eax, CHECK_PATTERN
        mov edi, buffer
        mov ecx, BUFFER_DWORDS
        rep stosd
        PRINT "check: pattern written", 10

        HYPERCALL HC_GETCHAR    ; wait for the go (any byte, or end of input)

        mov eax, CHECK_PATTERN
        mov edi, buffer
        mov ecx, BUFFER_DWORDS
        repe scasd              ; compare while equal
        jne .leak               ; stopped early: a dword changed
        call code_sum
        cmp eax, [sum_before]
        jne .leak
        PRINT "check: OK", 10
        EXIT EXIT_OK
.leak:
        PRINT "check: LEAK", 10
        EXIT EXIT_LEAK

; code_sum - eax = the sum of the dwords of our code, _start to code_end.
code_sum:
        push esi
        push ecx
        xor eax, eax
        mov esi, _start
        mov ecx, (code_end - _start) / DWORD_SIZE
.add:
        add eax, [esi]
        add esi, DWORD_SIZE
        loop .add
        pop ecx
        pop esi
        ret
        align DWORD_SIZE
code_end:

section .bss
        alignb DWORD_SIZE
sum_before: resd 1
buffer: resd BUFFER_DWORDS
