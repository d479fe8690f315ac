; isolation_fill.asm - memory isolation test, the writer: waits a moment (so
; the other guest has written its pattern), then overwrites all of its own
; RAM outside its image with FILL_PATTERN, and says so. If guests shared
; memory, this would wipe the other guest's buffer and code.
; Run with: --mode protected --mem 2M (linked at 1 MiB, see guests.mk).

%include "abi.inc"

%define GUEST_RAM       0x200000    ; must match --mem 2M in the test
%define FILL_PATTERN    0xF1F1F1F1
%define DELAY_NS        100000000   ; 100 ms before filling
%define DWORD_SIZE      4
%define DWORD_SHIFT     2           ; log2(DWORD_SIZE)

bits 32
section .text
global _start
_start:
        cld
        call time_now
        mov esi, eax            ; esi = start time, low 32 bits (enough for 100 ms)
.wait:
        call time_now
        sub eax, esi
        cmp eax, DELAY_NS
        jb .wait

        PRINT "fill: start", 10
        mov eax, FILL_PATTERN
        xor edi, edi            ; from address 0 (the IVT, GDT, stack: all ours)
        mov ecx, _start
        shr ecx, DWORD_SHIFT    ; bytes / 4 = dwords
        rep stosd               ; up to our image
        mov edi, image_end
        mov ecx, GUEST_RAM
        sub ecx, edi
        shr ecx, DWORD_SHIFT
        rep stosd               ; from the end of our image to the end of RAM
        PRINT "fill: done, "
        PUTNUM (GUEST_RAM - (image_end - _start))
        PRINT " bytes", 10
        EXIT 0

; time_now - eax = low 32 bits of the TIME hypercall (EDX:EAX nanoseconds).
time_now:
        push edx
        mov dx, PORT_HYPERCALL
        mov al, HC_TIME
        out dx, al
        pop edx
        ret

        align DWORD_SIZE
image_end:
