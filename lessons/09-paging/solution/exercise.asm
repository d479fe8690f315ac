; exercise.asm - lesson 09 exercise, reference solution: map the virtual
; page at 1 GiB (0x40000000) to the physical page at 3 MiB (0x300000) with
; three new entries: PDPT[1] -> pd_high, pd_high[0] -> pt_high,
; pt_high[0] -> 0x300000.

%include "abi.inc"

%define STACK_TOP       0x7c00
%define NEWLINE         10

%define PTE_PRESENT     0x001           ; P: the entry is valid
%define PTE_WRITABLE    0x002           ; R/W: writes allowed
%define PTE_FLAGS       (PTE_PRESENT | PTE_WRITABLE)
%define PAGE_SIZE       0x1000
%define ENTRIES         512
%define ENTRY_SIZE      8

%define WINDOW_VIRT     0x40000000      ; 1 GiB: PML4[0], PDPT[1], PD[0], PT[0]
%define WINDOW_PHYS     0x00300000      ; 3 MiB: outside our 2 MiB identity map
%define MAGIC           0x600DF00D      ; what the program leaves at WINDOW_PHYS
%define WINDOW_PDPT_INDEX 1

%define GATE_INTERRUPT  0x8E
%define GATE_SIZE       16
; Where the fields of a 16-byte gate are (byte offsets).
%define GATE_OFFSET_LOW  0              ; handler address bits 0-15
%define GATE_SELECTOR    2              ; code segment selector
%define GATE_IST         4              ; interrupt stack table slot (0: none)
%define GATE_TYPE        5              ; present, DPL, gate type
%define GATE_OFFSET_MID  6              ; handler address bits 16-31
%define GATE_OFFSET_HIGH 8              ; handler address bits 32-63
%define VECTOR_PF       14
%define IDT_ENTRIES     32
%define PAGE_FAULT_EXIT 14              ; the exit code after a page fault

bits 64
section .text
global _start
_start:
        mov rsp, STACK_TOP
        ; kvm-vmm's own tables still map all 4 GiB one to one: leave MAGIC
        ; at the physical address, for the window to find.
        mov dword [WINDOW_PHYS], MAGIC

        ; The identity map of the first 2 MiB, as in the lesson.
        mov rdi, pt
        mov eax, PTE_FLAGS
        mov ecx, ENTRIES
.next_page:
        mov [rdi], rax
        add rdi, ENTRY_SIZE
        add rax, PAGE_SIZE
        loop .next_page
        mov rax, pt + PTE_FLAGS
        mov [pd], rax
        mov rax, pd + PTE_FLAGS
        mov [pdpt], rax
        mov rax, pdpt + PTE_FLAGS
        mov [pml4], rax

        ; The window: one more path down the tree, for WINDOW_VIRT.
        mov rax, pd_high + PTE_FLAGS
        mov [pdpt + WINDOW_PDPT_INDEX * ENTRY_SIZE], rax ; PDPT[1]: 1..2 GiB
        mov rax, pt_high + PTE_FLAGS
        mov [pd_high], rax              ; pd_high[0]: 1 GiB .. 1 GiB + 2 MiB
        mov rax, WINDOW_PHYS + PTE_FLAGS
        mov [pt_high], rax              ; pt_high[0]: the page at 1 GiB -> 3 MiB

        call install_page_fault_handler
        mov rax, pml4
        mov cr3, rax

        mov eax, [WINDOW_VIRT]          ; through the window
done:                                   ; eax = MAGIC here
        PRINT "through 0x40000000: "
        call print_hex
        PUTC NEWLINE
        EXIT 0

install_page_fault_handler:
        mov rdi, idt + VECTOR_PF * GATE_SIZE
        mov rax, page_fault
        mov [rdi + GATE_OFFSET_LOW], ax
        mov word [rdi + GATE_SELECTOR], cs
        mov byte [rdi + GATE_IST], 0
        mov byte [rdi + GATE_TYPE], GATE_INTERRUPT
        shr rax, 16
        mov [rdi + GATE_OFFSET_MID], ax
        shr rax, 16
        mov [rdi + GATE_OFFSET_HIGH], eax
        lidt [idt_descriptor]
        ret

; page_fault - print the faulting address and end the guest with code 14.
page_fault:
        mov rax, cr2
        PRINT "page fault at "
        call print_hex
        PUTC NEWLINE
        EXIT PAGE_FAULT_EXIT

; print_hex - print eax as 0x and eight hexadecimal digits.
%define HEX_DIGITS      8               ; 4 bits each: 32 bits
%define NIBBLE_BITS     4
%define NIBBLE_MASK     0xF
print_hex:
        push rax
        push rbx
        push rcx
        PRINT "0x"
        mov ecx, HEX_DIGITS
.digit:
        rol eax, NIBBLE_BITS
        mov ebx, eax
        and ebx, NIBBLE_MASK
        mov bl, [hex_digits + rbx]
        PUTC bl
        loop .digit
        pop rcx
        pop rbx
        pop rax
        ret

section .rodata
hex_digits:     db "0123456789abcdef"
idt_descriptor:
        dw IDT_ENTRIES * GATE_SIZE - 1
        dq idt

section .bss
alignb PAGE_SIZE
pml4:    resb PAGE_SIZE
pdpt:    resb PAGE_SIZE
pd:      resb PAGE_SIZE
pt:      resb PAGE_SIZE
pd_high: resb PAGE_SIZE                 ; the window's page directory
pt_high: resb PAGE_SIZE                 ; the window's page table
idt:     resb IDT_ENTRIES * GATE_SIZE
