; paging.asm - lesson 09: our own page tables. Build a four-level table
; (PML4 -> PDPT -> PD -> PT, 4 KiB pages) that identity-maps the first 2 MiB
; and maps the same memory again at 0xC0000000, load it into CR3, show one
; byte through both addresses, then touch an unmapped address: the page
; fault handler prints CR2 and the error code and ends the guest.
; A 64-bit guest: kvm-vmm starts it in long mode, where paging is always on
; (see README.md for why this lesson does not use 32-bit paging).

%include "abi.inc"

%define STACK_TOP       0x7c00
%define NEWLINE         10

; Page-table entry bits (the same at every level).
%define PTE_PRESENT     0x001           ; P: the entry is valid
%define PTE_WRITABLE    0x002           ; R/W: writes allowed
%define PTE_FLAGS       (PTE_PRESENT | PTE_WRITABLE)

%define PAGE_SIZE       0x1000          ; 4 KiB
%define ENTRIES         512             ; 8-byte entries in a 4 KiB table
%define ENTRY_SIZE      8

; Which PDPT entry an address uses: bits 30-38 (9 bits per level above
; the 12-bit offset in the page: PT 12-20, PD 21-29, PDPT 30-38, PML4 39-47).
%define PDPT_SHIFT      30
%define INDEX_MASK      0x1FF

%define ALIAS_BASE      0xC0000000      ; the alias: 3 GiB, PDPT entry 3
%define ALIAS_PDPT_INDEX ((ALIAS_BASE >> PDPT_SHIFT) & INDEX_MASK)
%define UNMAPPED_ADDR   0x00201234      ; just past the 2 MiB we map

; Error code bits of a page fault.
%define PF_PRESENT      0x1             ; 0: page not present, 1: protection
%define PF_WRITE        0x2             ; 0: read, 1: write

; A 64-bit interrupt gate: present, DPL 0, type 0xE (interrupt gate).
%define GATE_INTERRUPT  0x8E
%define GATE_SIZE       16
; Where the fields of a 16-byte gate are (byte offsets).
%define GATE_OFFSET_LOW  0              ; handler address bits 0-15
%define GATE_SELECTOR    2              ; code segment selector
%define GATE_IST         4              ; interrupt stack table slot (0: none)
%define GATE_TYPE        5              ; present, DPL, gate type
%define GATE_OFFSET_MID  6              ; handler address bits 16-31
%define GATE_OFFSET_HIGH 8              ; handler address bits 32-63
%define VECTOR_PF       14              ; the page-fault exception
%define IDT_ENTRIES     32              ; the exceptions

bits 64
section .text
global _start
_start:
        mov rsp, STACK_TOP
        PRINT "kvm-vmm's page tables: cr3 = "
        mov rax, cr3
        call print_hex
        PUTC NEWLINE

        call build_page_tables
        call install_page_fault_handler

        mov rax, pml4
        mov cr3, rax                    ; from here on, our tables translate every address
switched:
        mov rax, cr3                    ; read it back
        PRINT "our page tables:       cr3 = "
        call print_hex
        PUTC NEWLINE

        ; One physical page, two virtual addresses.
        mov rsi, greeting               ; identity: virtual = physical
        call print_string_at
        mov rsi, ALIAS_BASE + greeting  ; the same byte, 3 GiB higher
        call print_string_at
        mov byte [rsi], 'j'             ; write through the alias...
written:
        mov rax, rsi
        PRINT "wrote 'j' at "
        call print_hex
        PUTC NEWLINE
        mov rsi, greeting
        call print_string_at            ; ...and read it through the identity map

        PRINT "touching "
        mov eax, UNMAPPED_ADDR
        call print_hex
        PUTC NEWLINE
fault_here:
        mov byte [UNMAPPED_ADDR], 1     ; no PD entry: a page fault
        PRINT "not reached", NEWLINE
        EXIT 1

; build_page_tables - PML4[0] -> PDPT; PDPT[0] and PDPT[3] -> the same PD;
; PD[0] -> PT; PT[i] -> physical page i. So 0..2 MiB and 0xC0000000..
; 0xC0200000 both translate to physical 0..2 MiB. The tables are in .bss:
; zero, i.e. "not present", except what we fill in.
build_page_tables:
        mov rdi, pt
        mov eax, PTE_FLAGS              ; physical page 0, present, writable
        mov ecx, ENTRIES
.next_page:
        mov [rdi], rax
        add rdi, ENTRY_SIZE
        add rax, PAGE_SIZE              ; the next physical page
        loop .next_page

        mov rax, pt + PTE_FLAGS         ; the tables are page-aligned: + sets the low bits
        mov [pd], rax                   ; PD[0]: 0..2 MiB
        mov rax, pd + PTE_FLAGS
        mov [pdpt], rax                 ; PDPT[0]: 0..1 GiB
        mov [pdpt + ALIAS_PDPT_INDEX * ENTRY_SIZE], rax ; PDPT[3]: 3..4 GiB, the same PD
        mov rax, pdpt + PTE_FLAGS
        mov [pml4], rax                 ; PML4[0]: 0..512 GiB
        ret

; install_page_fault_handler - IDT entry 14 -> page_fault, then lidt.
install_page_fault_handler:
        mov rdi, idt + VECTOR_PF * GATE_SIZE
        mov rax, page_fault
        mov [rdi + GATE_OFFSET_LOW], ax
        mov word [rdi + GATE_SELECTOR], cs ; the code segment we run in
        mov byte [rdi + GATE_IST], 0     ; no interrupt stack table
        mov byte [rdi + GATE_TYPE], GATE_INTERRUPT
        shr rax, 16
        mov [rdi + GATE_OFFSET_MID], ax
        shr rax, 16
        mov [rdi + GATE_OFFSET_HIGH], eax
        lidt [idt_descriptor]
        ret

; page_fault - the CPU comes here on #PF, with the faulting address in CR2
; and an error code on the stack (then RIP, CS, RFLAGS, RSP, SS). We print
; them and end the guest: no return, so no iretq.
page_fault:
        mov rax, cr2                    ; the address that faulted
        mov rbx, [rsp]                  ; the error code the CPU pushed
        PRINT "page fault: cr2 = "
        call print_hex
        PRINT ", error code "
        PUTNUM ebx
        test ebx, PF_PRESENT
        jnz .protection
        PRINT " (page not present"
        jmp .access
.protection:
        PRINT " (protection violation"
.access:
        test ebx, PF_WRITE
        jnz .write
        PRINT ", read)", NEWLINE
        EXIT 0
.write:
        PRINT ", write)", NEWLINE
        EXIT 0

; print_string_at - print "through ADDRESS: text" for the line at rsi.
print_string_at:
        push rsi
        PRINT "through "
        mov rax, rsi
        call print_hex
        PRINT ": "
.next:
        lodsb                           ; al = [rsi], rsi + 1
        out PORT_DEBUGCON, al
        cmp al, NEWLINE
        jne .next
        pop rsi
        ret

; print_hex - print eax as 0x and eight hexadecimal digits.
%define HEX_DIGITS      8               ; 4 bits each: 32 bits
%define NIBBLE_BITS     4
%define NIBBLE_MASK     0xF
print_hex:
        push rax
        push rbx
        push rcx
        PRINT "0x"
        mov ecx, HEX_DIGITS             ; most significant first
.digit:
        rol eax, NIBBLE_BITS            ; the top nibble becomes the bottom one
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

section .data
greeting:       db "hello", NEWLINE

section .bss
alignb PAGE_SIZE                        ; every table is one 4 KiB-aligned page
pml4:   resb PAGE_SIZE
pdpt:   resb PAGE_SIZE
pd:     resb PAGE_SIZE
pt:     resb PAGE_SIZE
idt:    resb IDT_ENTRIES * GATE_SIZE
