; box.asm - lab 03's guest: 64-bit code that talks to the MMIO box at
; 0xD0000000 (README.md) with loads and stores of 1, 2, 4 and 8 bytes, and
; prints what it read in hexadecimal. stdin's first character picks the case:
;   1  the ID register read whole, by halves and by one byte
;   2  SCRATCH written whole, then read by parts
;   3  SCRATCH written by parts: only the addressed bytes change
;   4  text written to OUT, one byte at a time, and COUNT read before and after
;   5  where there is no register: an unused offset, writes to read-only
;      registers, the page after the box
; kvm-vmm starts an ELF64 in long mode, with the first 4 GiB mapped one to
; one: the box's address is its guest-physical address.

%include "abi.inc"

%define BOX_BASE        0xD0000000      ; LAYOUT_LAB_MMIO (vmm/layout.h)
%define BOX_SIZE        0x1000          ; one page
%define BOX_ID          0x00            ; 4 bytes, read-only
%define BOX_SCRATCH     0x08            ; 8 bytes, read-write
%define BOX_OUT         0x10            ; 1 byte, write: print it
%define BOX_COUNT       0x14            ; 4 bytes, read-only: bytes written to OUT
%define BOX_UNUSED      0x20            ; no register here

%define SCRATCH_PATTERN 0x1122334455667788
%define NEWLINE         10
%define NIBBLE_BITS     4
%define NIBBLE_MASK     0x0F
%define DECIMAL_DIGITS  10

; Digits printed for an access of each size.
%define BYTE_DIGITS     2
%define WORD_DIGITS     4
%define DWORD_DIGITS    8
%define QWORD_DIGITS    16

; HEX n - print the low n hexadecimal digits of rax and a newline.
%macro HEX 1
        mov ecx, %1
        call print_hex
%endmacro

bits 64
section .text
global _start
_start:
        mov rbx, BOX_BASE               ; rbx: the box, in every case
        HYPERCALL HC_GETCHAR            ; al = which case
        cmp al, '1'
        je case_id
        cmp al, '2'
        je case_scratch_read
        cmp al, '3'
        je case_scratch_write
        cmp al, '4'
        je case_out
        cmp al, '5'
        je case_nothing
        EXIT 1                          ; no such case

case_id:
        PRINT "id dword "
        mov eax, [rbx + BOX_ID]
        HEX DWORD_DIGITS
        PRINT "id word+0 "
        movzx eax, word [rbx + BOX_ID]
        HEX WORD_DIGITS
        PRINT "id word+2 "
        movzx eax, word [rbx + BOX_ID + 2]
        HEX WORD_DIGITS
        PRINT "id byte+3 "
        movzx eax, byte [rbx + BOX_ID + 3]
        HEX BYTE_DIGITS
        jmp done

case_scratch_read:
        mov rax, SCRATCH_PATTERN
        mov [rbx + BOX_SCRATCH], rax
        PRINT "scratch qword "
        mov rax, [rbx + BOX_SCRATCH]
        HEX QWORD_DIGITS
        PRINT "scratch dword+4 "
        mov eax, [rbx + BOX_SCRATCH + 4]
        HEX DWORD_DIGITS
        PRINT "scratch word+2 "
        movzx eax, word [rbx + BOX_SCRATCH + 2]
        HEX WORD_DIGITS
        PRINT "scratch byte+7 "
        movzx eax, byte [rbx + BOX_SCRATCH + 7]
        HEX BYTE_DIGITS
        jmp done

case_scratch_write:
        mov rax, SCRATCH_PATTERN
        mov [rbx + BOX_SCRATCH], rax
        mov byte [rbx + BOX_SCRATCH + 1], 0xAA
        PRINT "after byte+1  "
        mov rax, [rbx + BOX_SCRATCH]
        HEX QWORD_DIGITS
        mov word [rbx + BOX_SCRATCH + 4], 0xBBCC
        PRINT "after word+4  "
        mov rax, [rbx + BOX_SCRATCH]
        HEX QWORD_DIGITS
        mov dword [rbx + BOX_SCRATCH], 0xDDEEFF00
        PRINT "after dword+0 "
        mov rax, [rbx + BOX_SCRATCH]
        HEX QWORD_DIGITS
        jmp done

case_out:
        PRINT "count "
        mov eax, [rbx + BOX_COUNT]
        PUTNUM eax
        PUTC NEWLINE
        lea rsi, [rel text]
        mov ecx, text_len
.next:  lodsb
        mov [rbx + BOX_OUT], al         ; one byte: the box prints it
        dec ecx
        jnz .next
        PRINT "count "
        mov eax, [rbx + BOX_COUNT]
        PUTNUM eax
        PUTC NEWLINE
        jmp done

case_nothing:
        PRINT "unused "
        mov eax, [rbx + BOX_UNUSED]
        HEX DWORD_DIGITS
        mov dword [rbx + BOX_ID], 0     ; read-only: ignored
        PRINT "id after write "
        mov eax, [rbx + BOX_ID]
        HEX DWORD_DIGITS
        mov dword [rbx + BOX_COUNT], 1000       ; read-only: ignored
        PRINT "count after write "
        mov eax, [rbx + BOX_COUNT]
        HEX DWORD_DIGITS
        PRINT "next page "
        mov eax, [rbx + BOX_SIZE + BOX_ID]      ; not the box any more
        HEX DWORD_DIGITS
done:
        EXIT 0
        hlt

; print_hex - the low ecx hexadecimal digits of rax, most significant
; first, then a newline.
print_hex:
        push rdx
        mov rdx, rax
        shl ecx, 2                      ; ecx = bits to print
.digit: sub ecx, NIBBLE_BITS
        mov rax, rdx
        shr rax, cl
        and al, NIBBLE_MASK
        cmp al, DECIMAL_DIGITS
        jb .decimal
        add al, 'A' - '0' - DECIMAL_DIGITS
.decimal:
        add al, '0'
        out PORT_DEBUGCON, al
        test ecx, ecx
        jnz .digit
        mov al, NEWLINE
        out PORT_DEBUGCON, al
        pop rdx
        ret

section .rodata
text:   db "hello, mmio", NEWLINE
text_len equ $ - text
