; hostile_mmio.asm - a protected-mode guest (paging off) that reads and
; writes physical addresses where nothing is: above its RAM, and in the
; 32-bit hole where a PC has its APIC and firmware. Every read must return
; all ones, every write must vanish, and the guest must go on. Prints one
; letter per check; exits with 0 when all passed, else with the number of
; the failed check.
%include "abi.inc"

%define UNBACKED 0x10000000             ; 256 MiB: above any RAM used here
%define HOLE 0xfee00000                 ; where a local APIC would be
%define ALL_ONES 0xffffffff
%define COPY_DWORDS 16
%define BUFFER 0x180000                 ; scratch RAM for the string copy

bits 32
section .text
global _start
_start:
        mov esi, 1                      ; check number
        mov eax, [UNBACKED]             ; 1: a dword read
        cmp eax, ALL_ONES
        jne fail
        PUTC 'r'
        inc esi
        mov dword [UNBACKED], 0x12345678 ; 2: a write vanishes
        mov eax, [UNBACKED]
        cmp eax, ALL_ONES
        jne fail
        PUTC 'w'
        inc esi
        movzx eax, word [UNBACKED + 2]  ; 3: a word read
        cmp eax, 0xffff
        jne fail
        movzx eax, byte [UNBACKED + 7]  ; ... and a byte read
        cmp eax, 0xff
        jne fail
        PUTC 'b'
        inc esi
        mov dword [HOLE + 0x80], 0      ; 4: the APIC hole, with no APIC
        mov eax, [HOLE + 0x20]
        cmp eax, ALL_ONES
        jne fail
        PUTC 'h'
        inc esi
        push esi                        ; 5: a string copy from MMIO to RAM
        mov esi, UNBACKED
        mov edi, BUFFER
        mov ecx, COPY_DWORDS
        cld
        rep movsd
        pop esi
        mov edi, BUFFER
        mov ecx, COPY_DWORDS
        mov eax, ALL_ONES
        repe scasd
        jne fail
        PUTC 's'
        inc esi
        mov edi, UNBACKED               ; 6: a string store to MMIO
        mov ecx, COPY_DWORDS
        xor eax, eax
        rep stosd
        mov eax, [UNBACKED + 4]
        cmp eax, ALL_ONES
        jne fail
        PUTC 't'
        PRINT 10
        EXIT 0
fail:
        PRINT " FAIL", 10
        mov eax, esi
        out PORT_EXIT, al
        hlt
