; tss32.asm - lab 06's first guest, for `monitor tss`: starts in real mode
; (no TSS at all), switches to 32-bit protected mode (a TSS may exist, but
; TR is still 0), then fills in a 32-bit TSS and loads TR with `ltr`. The
; grader stops it with gdb at each step:
;   _start           real mode                  -> no TSS
;   protected_entry  protected mode, TR = 0     -> no TSS yet
;   task_loaded      TR = TSS_SEL               -> the TSS, decoded
; Then it prints one line and exits 0.

%include "abi.inc"

%define CR0_PE          0x00000001      ; CR0 bit 0: protection enable
%define STACK_TOP       0x7c00
%define NEWLINE         10

; The TSS, at a fixed address: its descriptor is then a constant.
%define TSS_BASE        0x20000
%define TSS32_SIZE      104             ; a 32-bit TSS without an I/O bitmap
%define TSS32_ESP0      4               ; offsets of its fields
%define TSS32_SS0       8
%define TSS32_ESP1      12
%define TSS32_SS1       16
%define TSS32_IOMAP     102             ; offset of the I/O bitmap: past the limit, none
; What the kernel would switch to on an interrupt from ring 3 (ESP0:SS0),
; and from ring 2 (ESP1:SS1): values the grader knows.
%define KERNEL_STACK    0x9000
%define RING1_STACK     0x8800
%define DATA_SEL        (gdt_data - gdt)        ; 0x10
%define CODE_SEL        (gdt_code - gdt)        ; 0x08
%define TSS_SEL         (gdt_tss - gdt)         ; 0x20
%define RING1_DATA_SEL  (DATA_SEL | 1)          ; RPL 1

; A TSS descriptor (a system descriptor: S = 0) for base TSS_BASE, limit
; TSS32_SIZE - 1 (bytes, G = 0), present, DPL 0.
%define TSS_TYPE_AVAIL  0x9             ; an available 32-bit TSS (ltr marks it busy: 0xB)
%define DESC_P          0x8000          ; in the high dword: present
%define TSS_DESC_LOW    ((TSS_BASE & 0xFFFF) << 16 | (TSS32_SIZE - 1))
%define TSS_DESC_HIGH   ((TSS_BASE & 0xFF000000) | DESC_P | TSS_TYPE_AVAIL << 8 | (TSS_BASE >> 16) & 0xFF)

bits 16
section .text
global _start
_start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, STACK_TOP
        lgdt [gdt_descriptor]
        mov eax, cr0
        or eax, CR0_PE
        mov cr0, eax
        jmp CODE_SEL:protected_entry

bits 32
protected_entry:                        ; protected mode; TR = 0
        mov ax, DATA_SEL
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, STACK_TOP
        mov dword [TSS_BASE + TSS32_ESP0], KERNEL_STACK
        mov word [TSS_BASE + TSS32_SS0], DATA_SEL
        mov dword [TSS_BASE + TSS32_ESP1], RING1_STACK
        mov word [TSS_BASE + TSS32_SS1], RING1_DATA_SEL
        mov word [TSS_BASE + TSS32_IOMAP], TSS32_SIZE
        mov ax, TSS_SEL
        ltr ax
task_loaded:                            ; TR = TSS_SEL
        PRINT "TR loaded", NEWLINE
        EXIT 0

section .rodata
align 8
gdt:
        dq 0                            ; 0x00: the null descriptor
gdt_code:
        dq 0x00CF9A000000FFFF           ; 0x08: code, base 0, 4 GiB, 32-bit
gdt_data:
        dq 0x00CF92000000FFFF           ; 0x10: data, base 0, 4 GiB, 32-bit
        dq 0                            ; 0x18: not used
gdt_tss:
        dd TSS_DESC_LOW, TSS_DESC_HIGH  ; 0x20: the TSS
gdt_end:

gdt_descriptor:
        dw gdt_end - gdt - 1
        dd gdt
