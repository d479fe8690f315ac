; protected.asm - lesson 08: start in 16-bit real mode and switch the CPU to
; 32-bit protected mode ourselves: describe flat segments in a GDT, load it
; with lgdt, set CR0.PE, far-jump into a 32-bit code segment, reload the data
; segment registers, then print from 32-bit code and use an address that
; real mode cannot reach.

%include "abi.inc"

%define CR0_PE          0x00000001      ; CR0 bit 0: protection enable
%define STACK_TOP       0x7c00          ; the stack grows down from below our code
%define HIGH_ADDR       0x00200000      ; 2 MiB: beyond real mode's 1 MiB + 64 KiB
%define HIGH_VALUE      305419896       ; 0x12345678, stored there and read back
%define NEWLINE         10

; The access byte of a descriptor: what kind of segment, who may use it.
%define ACC_PRESENT     0x80            ; P: the descriptor is valid
%define ACC_DPL0        0x00            ; DPL 0: kernel privilege (bits 5-6)
%define ACC_SEGMENT     0x10            ; S: a code/data segment, not a system one
%define ACC_CODE        0x08            ; executable
%define ACC_READ        0x02            ; code: may also be read
%define ACC_WRITE       0x02            ; data: may also be written
%define ACC_CODE_RX      (ACC_PRESENT | ACC_DPL0 | ACC_SEGMENT | ACC_CODE | ACC_READ)
%define ACC_DATA_RW      (ACC_PRESENT | ACC_DPL0 | ACC_SEGMENT | ACC_WRITE)

; The flags nibble of a descriptor.
%define FLAG_GRAN_4K    0x8             ; G: the limit counts 4 KiB pages
%define FLAG_32BIT      0x4             ; D/B: 32-bit code and stack
%define FLAG_FLAT       (FLAG_GRAN_4K | FLAG_32BIT)

%define FLAT_BASE       0
%define FLAT_LIMIT      0xFFFFF         ; 0xFFFFF pages of 4 KiB: all 4 GiB

; GDT_ENTRY base, limit, access, flags - one 8-byte segment descriptor.
; The 32-bit base and 20-bit limit are scattered over the 8 bytes, because
; the 80386 grew them out of the 80286's 6-byte descriptor.
%macro GDT_ENTRY 4
        dw (%2) & 0xFFFF                ; limit bits 0-15
        dw (%1) & 0xFFFF                ; base bits 0-15
        db ((%1) >> 16) & 0xFF          ; base bits 16-23
        db (%3)                         ; access byte
        db (((%2) >> 16) & 0x0F) | ((%4) << 4) ; limit bits 16-19, flags
        db ((%1) >> 24) & 0xFF          ; base bits 24-31
%endmacro

; Selectors: the byte offset of a descriptor in the GDT (index * 8).
%define CODE_SEL        (gdt_code - gdt)        ; 0x08
%define DATA_SEL        (gdt_data - gdt)        ; 0x10

bits 16
section .text
global _start
_start:
        cli                             ; no interrupts: the real-mode IVT is no use in protected mode
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, STACK_TOP
        PRINT "real mode: 16-bit code, cs = "
        mov ax, cs
        movzx eax, ax
        PUTNUM eax
        PUTC NEWLINE

        lgdt [gdt_descriptor]           ; GDTR = base and limit of our table
        mov eax, cr0
        or eax, CR0_PE
        mov cr0, eax                    ; protected mode, but CS still holds real-mode values
far_jump:
        jmp CODE_SEL:protected_entry    ; load CS from the GDT: now 32-bit code

bits 32
protected_entry:
        mov ax, DATA_SEL                ; every data segment register gets the flat data segment
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, STACK_TOP
        PRINT "protected mode: 32-bit code, cs = "
        mov ax, cs
        movzx eax, ax
        PUTNUM eax
        PRINT ", ds = "
        mov ax, ds
        movzx eax, ax
        PUTNUM eax
        PUTC NEWLINE

        mov dword [HIGH_ADDR], HIGH_VALUE ; a plain 32-bit address, no segment arithmetic
read_back:
        mov ebx, [HIGH_ADDR]
        PRINT "a dword at 2 MiB, out of real mode's reach: "
        PUTNUM ebx
        PUTC NEWLINE
done:
        EXIT 0

section .rodata
align 8
gdt:                                    ; the Global Descriptor Table
        dq 0                            ; entry 0 must be the null descriptor
gdt_code:
        GDT_ENTRY FLAT_BASE, FLAT_LIMIT, ACC_CODE_RX, FLAG_FLAT
gdt_data:
        GDT_ENTRY FLAT_BASE, FLAT_LIMIT, ACC_DATA_RW, FLAG_FLAT
gdt_end:

gdt_descriptor:                         ; what lgdt reads: size - 1, then the address
        dw gdt_end - gdt - 1
        dd gdt
