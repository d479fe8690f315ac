; compute.asm - the compute benchmark guest: fib(FIB_N) with the kernel of
; fib.inc, run in ring 0 (RING=0) or in ring 3 (RING=3) of 64-bit long
; mode; prints the result and exits with code 0 through port 0xF4.
;
; It starts in real mode at 0x7c00, like lesson 01, and switches to long
; mode by itself, so the very same image runs under kvm-vmm (default real
; mode) and under QEMU behind bench/boot.asm. It builds its own page
; tables (the first 2 MiB identity-mapped with the user bit set, so ring 3
; may use them) and its own GDT with ring-0 and ring-3 segments. Ring 3 is
; entered with iretq and IOPL = 3, so that ring-3 code may still use `out`
; for its output and its exit; it never needs to come back to ring 0.
;
; Build: nasm -DRING=0|3 -DFIB_N=n (nasm -f elf32; linked at 0x7c00).
%include "abi.inc"

%ifndef RING
  %define RING 3
%endif
%ifndef FIB_N
  %define FIB_N 30
%endif

%define PML4_ADDR       0x1000          ; page tables: below the image, which
%define PDPT_ADDR       0x2000          ; is where lesson guests' stacks grow
%define PD_ADDR         0x3000          ; from; 0x4000-0x7bff stays stack
%define TABLES_DWORDS   (3 * 4096 / 4)
%define KERNEL_STACK    0x7c00          ; as kvm-vmm sets it for every mode
%define USER_STACK      0x90000         ; ring 3: free conventional memory

%define PTE_P           (1 << 0)
%define PTE_RW          (1 << 1)
%define PTE_US          (1 << 2)        ; user (ring 3) may access
%define PTE_PS          (1 << 7)        ; 2 MiB page
%define CR0_PE          (1 << 0)
%define CR0_PG          (1 << 31)
%define CR4_PAE         (1 << 5)
%define MSR_EFER        0xC0000080
%define EFER_LME        (1 << 8)
%define RFLAGS_FIXED    (1 << 1)
%define RFLAGS_IOPL3    (3 << 12)       ; ring 3 may use in/out

; GDT selectors (see gdt below); ring-3 selectors carry RPL 3.
%define SEL_CODE0       0x08
%define SEL_DATA0       0x10
%define SEL_CODE3       (0x18 | 3)
%define SEL_DATA3       (0x20 | 3)

bits 16
section .text
global _start
_start:
        cli
        ; Page tables: PML4[0] -> PDPT[0] -> PD[0] = one 2 MiB page at 0.
        xor eax, eax
        mov es, ax
        mov edi, PML4_ADDR
        mov ecx, TABLES_DWORDS
        cld
        rep stosd
        mov dword [PML4_ADDR], PDPT_ADDR | PTE_P | PTE_RW | PTE_US
        mov dword [PDPT_ADDR], PD_ADDR | PTE_P | PTE_RW | PTE_US
        mov dword [PD_ADDR], 0 | PTE_P | PTE_RW | PTE_US | PTE_PS
        ; Long mode straight from real mode: PAE, CR3, EFER.LME, then
        ; protection and paging together, then a far jump to 64-bit code.
        lgdt [gdtr]
        mov eax, CR4_PAE
        mov cr4, eax
        mov eax, PML4_ADDR
        mov cr3, eax
        mov ecx, MSR_EFER
        rdmsr
        or eax, EFER_LME
        wrmsr
        mov eax, cr0
        or eax, CR0_PE | CR0_PG
        mov cr0, eax
        jmp dword SEL_CODE0:long_mode

bits 64
long_mode:
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov rsp, KERNEL_STACK
%if RING == 3
        push SEL_DATA3                  ; iretq frame: SS, RSP, RFLAGS, CS, RIP
        push USER_STACK
        push RFLAGS_FIXED | RFLAGS_IOPL3
        push SEL_CODE3
        push work
        iretq
%endif

work:                                   ; in ring RING from here on
        mov edi, FIB_N
        call fib_asm
        PUTNUM eax
        PUTC 10
        EXIT 0

%include "fib.inc"

section .rodata
; Segment descriptors from their bits; in long mode base and limit are
; ignored, so only these matter.
%define DESC_TYPE_CODE  (0xA << 40)     ; code: execute/read
%define DESC_TYPE_DATA  (0x2 << 40)     ; data: read/write
%define DESC_S          (1 << 44)       ; code or data (not a system segment)
%define DESC_DPL3       (3 << 45)       ; privilege level 3
%define DESC_P          (1 << 47)       ; present
%define DESC_L          (1 << 53)       ; 64-bit code
align 8
gdt:
        dq 0
        dq DESC_P | DESC_S | DESC_TYPE_CODE | DESC_L                  ; SEL_CODE0
        dq DESC_P | DESC_S | DESC_TYPE_DATA                           ; SEL_DATA0
        dq DESC_P | DESC_S | DESC_TYPE_CODE | DESC_L | DESC_DPL3      ; SEL_CODE3
        dq DESC_P | DESC_S | DESC_TYPE_DATA | DESC_DPL3               ; SEL_DATA3
gdt_end:
gdtr:
        dw gdt_end - gdt - 1
        dd gdt
