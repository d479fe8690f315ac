; exercise.asm - lesson 10 exercise, reference solution: the three register
; settings long mode needs before paging is turned on (CR4.PAE, CR3,
; EFER.LME), checked by preflight, then the jump into 64-bit code.

%include "abi.inc"

%define STACK_TOP       0x7c00
%define NEWLINE         10

%define CR0_PE          0x00000001      ; CR0 bit 0: protection enable
%define CR0_PG          0x80000000      ; CR0 bit 31: paging
%define CR4_PAE         0x00000020      ; CR4 bit 5: 64-bit page-table entries
%define MSR_EFER        0xC0000080      ; the extended feature enable register
%define EFER_LME        0x00000100      ; bit 8: long mode enable
%define EFER_LMA        0x00000400      ; bit 10: long mode active (set by the CPU)
%define EFER_LME_BIT    8
%define EFER_LMA_BIT    10

%define PTE_PRESENT     0x001
%define PTE_WRITABLE    0x002
%define PTE_LARGE       0x080           ; PS: in a PD entry, a 2 MiB page
%define PTE_FLAGS       (PTE_PRESENT | PTE_WRITABLE)
%define PAGE_SIZE       0x1000

%define CODE64_SEL      (gdt_code64 - gdt)      ; 0x08
%define DATA_SEL        (gdt_data - gdt)        ; 0x10
%define PREFLIGHT_FAILED 3              ; exit code when preflight finds a gap

bits 16
section .text
global _start
_start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, STACK_TOP

        ; Page tables: the first 2 MiB, one large page (PML4 -> PDPT -> PD).
        mov eax, pdpt + PTE_FLAGS
        mov [pml4], eax
        mov eax, pd + PTE_FLAGS
        mov [pdpt], eax
        mov dword [pd], PTE_FLAGS | PTE_LARGE   ; physical 0, 2 MiB

        mov eax, cr4
        or eax, CR4_PAE                 ; 1. 64-bit page-table entries
        mov cr4, eax
        mov eax, pml4
        mov cr3, eax                    ; 2. where the tables start
        mov ecx, MSR_EFER
        rdmsr
        or eax, EFER_LME                ; 3. long mode enable
        wrmsr

        call preflight                  ; returns only if 1-3 are done
        lgdt [gdt_descriptor]
        mov eax, cr0
        or eax, CR0_PG | CR0_PE
        mov cr0, eax
        jmp CODE64_SEL:long_entry

; preflight - check what the CPU needs before paging comes on in long mode;
; print what is missing and end the guest (exit code 3), rather than let
; the CPU fail in a way that is hard to see.
preflight:
        mov eax, cr4
        test eax, CR4_PAE
        jnz .cr3
        PRINT "preflight: CR4.PAE is not set", NEWLINE
        EXIT PREFLIGHT_FAILED
.cr3:
        mov eax, cr3
        cmp eax, pml4
        je .efer
        PRINT "preflight: CR3 does not hold the address of pml4", NEWLINE
        EXIT PREFLIGHT_FAILED
.efer:
        mov ecx, MSR_EFER
        rdmsr
        test eax, EFER_LME
        jnz .ready
        PRINT "preflight: EFER.LME is not set", NEWLINE
        EXIT PREFLIGHT_FAILED
.ready:
        ret

bits 64
long_entry:
        mov ax, DATA_SEL
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov rsp, STACK_TOP
        mov ecx, MSR_EFER
        rdmsr
        and eax, EFER_LME | EFER_LMA    ; both set in long mode: rax = 0x500
done:
        PRINT "long mode: EFER.LME = "
        bt eax, EFER_LME_BIT
        setc bl
        movzx ebx, bl
        PUTNUM ebx
        PRINT ", EFER.LMA = "
        bt eax, EFER_LMA_BIT
        setc bl
        movzx ebx, bl
        PUTNUM ebx
        PUTC NEWLINE
        EXIT 0

section .rodata
align 8
gdt:
        dq 0                            ; 0x00: null
gdt_code64:
        dq 0x00AF9A000000FFFF           ; 0x08: code, L = 1 (flags 0xA): 64-bit
gdt_data:
        dq 0x00CF92000000FFFF           ; 0x10: data
gdt_end:

gdt_descriptor:
        dw gdt_end - gdt - 1
        dd gdt

section .bss
alignb PAGE_SIZE
pml4:   resb PAGE_SIZE
pdpt:   resb PAGE_SIZE
pd:     resb PAGE_SIZE
