; longmode.asm - lesson 10: from 16-bit real mode straight to 64-bit long
; mode, by ourselves: PAE page tables (PML4 -> PDPT -> PD with 2 MiB pages,
; an identity map of the first 1 GiB), CR4.PAE, CR3, EFER.LME through wrmsr,
; a GDT with a 64-bit code segment, CR0.PG and CR0.PE at once, and a far
; jump into 64-bit code, which prints and computes 20! in a 64-bit register.
; Built as a 64-bit ELF (gdb then uses the x86-64 registers), linked at
; 0x7c00 and started by kvm-vmm in real mode (lesson.conf: --mode real).

%include "abi.inc"

%define STACK_TOP       0x7c00
%define NEWLINE         10

%define CR0_PE          0x00000001      ; CR0 bit 0: protection enable
%define CR0_PG          0x80000000      ; CR0 bit 31: paging
%define CR4_PAE         0x00000020      ; CR4 bit 5: 64-bit page-table entries
%define MSR_EFER        0xC0000080      ; the extended feature enable register
%define EFER_LME        0x00000100      ; bit 8: long mode enable
%define EFER_LMA        0x00000400      ; bit 10: long mode active (set by the CPU)

; Page-table entry bits.
%define PTE_PRESENT     0x001
%define PTE_WRITABLE    0x002
%define PTE_LARGE       0x080           ; PS: in a PD entry, a 2 MiB page
%define PTE_FLAGS       (PTE_PRESENT | PTE_WRITABLE)
%define PAGE_SIZE       0x1000
%define LARGE_PAGE_SIZE 0x200000        ; 2 MiB
%define ENTRIES         512             ; entries per table: 512 x 2 MiB = 1 GiB
%define ENTRY_SIZE      8

; Descriptor bits (lesson 08), and the one that is new: L.
%define ACC_CODE        0x9A            ; present, DPL 0, code, readable
%define ACC_DATA        0x92            ; present, DPL 0, data, writable
%define FLAG_GRAN_4K    0x8             ; G: the limit counts 4 KiB pages
%define FLAG_32BIT      0x4             ; D/B: must be 0 in a 64-bit code segment
%define FLAG_LONG       0x2             ; L: 64-bit code

%macro GDT_ENTRY 4                      ; base, limit, access, flags
        dw (%2) & 0xFFFF
        dw (%1) & 0xFFFF
        db ((%1) >> 16) & 0xFF
        db (%3)
        db (((%2) >> 16) & 0x0F) | ((%4) << 4)
        db ((%1) >> 24) & 0xFF
%endmacro

%define CODE64_SEL      (gdt_code64 - gdt)      ; 0x08
%define DATA_SEL        (gdt_data - gdt)        ; 0x10

%define FACTORIAL_N     20              ; 20! is the largest factorial below 2^63

bits 16
section .text
global _start
_start:
        cli                             ; no IDT for 64-bit mode yet: no interrupts
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, STACK_TOP
        PRINT "real mode: 16-bit code, cs = "
        mov ax, cs
        movzx eax, ax
        PUTNUM eax
        PUTC NEWLINE

        call build_page_tables

        mov eax, cr4
        or eax, CR4_PAE                 ; 1. PAE: the 8-byte entry format long mode needs
        mov cr4, eax
        mov eax, pml4
        mov cr3, eax                    ; 2. the top of our page tables
        mov ecx, MSR_EFER
        rdmsr                           ; edx:eax = EFER
        or eax, EFER_LME                ; 3. long mode enable...
        wrmsr                           ;    ...takes effect when paging is turned on
        lgdt [gdt_descriptor]           ; 4. a GDT with a 64-bit code segment
        mov eax, cr0
        or eax, CR0_PG | CR0_PE         ; 5. protection and paging at once:
        mov cr0, eax                    ;    long mode is active (EFER.LMA = 1), CS still 16-bit
far_jump:
        jmp CODE64_SEL:long_entry       ; 6. load a CS with L = 1: 64-bit code

; build_page_tables - PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = the 2 MiB page
; at i * 2 MiB: virtual = physical for the first 1 GiB. 16-bit code using
; 32-bit registers; the tables are below 64 KiB, so ds = 0 reaches them.
build_page_tables:
        mov eax, pdpt + PTE_FLAGS       ; the tables are page-aligned: + sets the low bits
        mov [pml4], eax
        mov eax, pd + PTE_FLAGS
        mov [pdpt], eax
        mov edi, pd
        mov eax, PTE_FLAGS | PTE_LARGE  ; physical 0, a 2 MiB page
        mov cx, ENTRIES
.next:
        mov [di], eax                   ; low half; the high half stays 0 (.bss)
        add di, ENTRY_SIZE
        add eax, LARGE_PAGE_SIZE
        loop .next
        ret

bits 64
long_entry:
        mov ax, DATA_SEL                ; data segments: base and limit are ignored in
        mov ds, ax                      ; 64-bit mode, but SS must hold a valid one
        mov es, ax
        mov ss, ax
        mov rsp, STACK_TOP
        PRINT "long mode: 64-bit code, cs = "
        mov ax, cs
        movzx eax, ax
        PUTNUM eax
        PUTC NEWLINE

        mov ecx, MSR_EFER
        rdmsr
        PRINT "EFER.LMA = "
        test eax, EFER_LMA              ; set by the CPU when paging came on with LME
        setnz al
        movzx eax, al
        PUTNUM eax
        PUTC NEWLINE

        PRINT "20! = "
        mov eax, 1                      ; rax = 1 (writing eax clears bits 32-63)
        mov r8d, 1                      ; r8: one of the eight new registers
.multiply:
        imul rax, r8                    ; a 64-bit product
        inc r8
        cmp r8, FACTORIAL_N
        jbe .multiply
factorial_done:                         ; rax = 20! here
        call print_u64
        PUTC NEWLINE
done:
        EXIT 0

; print_u64 - print rax as an unsigned 64-bit decimal number (PUTNUM in
; guest/abi.inc handles 32 bits only).
%define RADIX           10
print_u64:
        push rax
        push rcx
        push rdx
        push rbx
        mov ebx, RADIX
        xor ecx, ecx                    ; digits pushed
.divide:
        xor edx, edx
        div rbx                         ; rax = rdx:rax / 10, rdx = the last digit
        push rdx
        inc ecx
        test rax, rax
        jnz .divide
.print:
        pop rax
        add al, '0'
        out PORT_DEBUGCON, al
        loop .print
        pop rbx
        pop rdx
        pop rcx
        pop rax
        ret

section .rodata
align 8
gdt:
        dq 0                            ; 0x00: null
gdt_code64:
        GDT_ENTRY 0, 0xFFFFF, ACC_CODE, FLAG_GRAN_4K | FLAG_LONG        ; 0x08: 64-bit code
gdt_data:
        GDT_ENTRY 0, 0xFFFFF, ACC_DATA, FLAG_GRAN_4K | FLAG_32BIT       ; 0x10: data
gdt_end:

gdt_descriptor:                         ; size - 1, then the address (16-bit lgdt uses 24 bits of it)
        dw gdt_end - gdt - 1
        dd gdt

section .bss
alignb PAGE_SIZE
pml4:   resb PAGE_SIZE
pdpt:   resb PAGE_SIZE
pd:     resb PAGE_SIZE
