; exercise.asm - lesson 12 exercise: add a system call to the kernel and
; make it from ring 3. Fill in every "; TODO:" below, then grade it:
;     make check LESSON=12
; Try it by hand: make lessons/12-user-mode/exercise.elf, then
;     ./kvm-vmm lessons/12-user-mode/exercise.elf
;
; Goal (what the grader checks):
;   1. the user program computes 1*1 + 2*2 + ... + 1000*1000 = 333833500
;      in ring 3;
;   2. it hands the sum to the kernel with a new system call, SYS_REPORT
;      (number 2, the value in RDI), made with `int 0x80`; at the label
;      `sys_report` RDI holds the sum;
;   3. sys_report keeps the value in the kernel variable `reported`, prints
;      "kernel: the program reported 333833500" and returns 0 in RAX;
;   4. the program exits with code 0 (given), as exercise-expected.txt shows.
;
; The kernel part is lesson 12's, shortened: int 0x80 only (no syscall).
; The ring-3 part is at user_main. Remember: gdb cannot stop in ring 3 on
; this host, but it can stop at any kernel label, such as sys_report.

%include "abi.inc"

%define KERNEL_CS       0x08            ; GDT[1]: 64-bit code, DPL 0
%define KERNEL_DS       0x10            ; GDT[2]: data, DPL 0
%define USER_DS         (0x18 | 3)      ; GDT[3]: data, DPL 3
%define USER_CS         (0x20 | 3)      ; GDT[4]: 64-bit code, DPL 3
%define TSS_SEL         0x28            ; GDT[5..6]: the TSS descriptor
%define RPL_MASK        3

%define DESC_WRITABLE   (1 << 41)
%define DESC_CODE       (1 << 43)
%define DESC_S          (1 << 44)
%define DESC_DPL3       (3 << 45)
%define DESC_P          (1 << 47)
%define DESC_L          (1 << 53)
%define CODE64          (DESC_P | DESC_S | DESC_CODE | DESC_WRITABLE | DESC_L)
%define DATA64          (DESC_P | DESC_S | DESC_WRITABLE)
%define DESC_TYPE_SHIFT 40
%define TSS_TYPE_AVAIL  0x9
%define TSS_SIZE        104
%define TSS_RSP0        4
%define TSS_IOMAP       102

%define IDT_ENTRIES     256
%define GATE_SIZE       16
%define GATE_KERNEL     0x8E            ; interrupt gate, DPL 0
%define GATE_USER       0xEE            ; interrupt gate, DPL 3
%define VEC_UD          6
%define VEC_GP          13
%define VEC_PF          14
%define VEC_SYSCALL     0x80
%define INT80_BYTES     0x80CD          ; `int 0x80` in memory: CD 80
%define INT80_LENGTH    2

%define PTE_P           1
%define PTE_RW          2
%define PTE_US          4
%define PAGE_SIZE       4096
%define PAGE_SHIFT      12
%define PT_ENTRIES      512
%define RFLAGS_FIXED    0x002

%define SYS_EXIT        0               ; rdi = exit code
%define SYS_WRITE       1               ; rdi = buffer, rsi = length
%define SYS_REPORT      2               ; rdi = a value for the kernel
%define ENOSYS          -38
%define EFAULT          -14

%define KERNEL_STACK_SIZE 4096
%define USER_STACK_SIZE 4096
%define SQUARES_N       1000            ; 1*1 + ... + SQUARES_N*SQUARES_N
%define NEWLINE         10

bits 64
section .text
global _start
_start:
        mov rsp, kernel_stack_top
        ; The TSS descriptor: the TSS's address, in pieces.
        mov rax, tss
        movzx ebx, ax
        shl rbx, 16                     ; base 15..0 -> bits 31..16
        mov rcx, rax
        shr rcx, 16
        movzx ecx, cl
        shl rcx, 32                     ; base 23..16 -> bits 39..32
        or rbx, rcx
        mov rcx, rax
        shr rcx, 24
        movzx ecx, cl
        shl rcx, 56                     ; base 31..24 -> bits 63..56
        or rbx, rcx
        or rbx, TSS_SIZE - 1
        mov rcx, DESC_P | (TSS_TYPE_AVAIL << DESC_TYPE_SHIFT)
        or rbx, rcx
        mov [gdt_tss], rbx
        shr rax, 32
        mov [gdt_tss + 8], rax
        lgdt [gdt_pointer]
        push KERNEL_CS
        lea rax, [rel .new_cs]
        push rax
        retfq
.new_cs:
        mov ax, KERNEL_DS
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov rax, kernel_stack_top
        mov [tss + TSS_RSP0], rax       ; the stack for ring 3 -> ring 0
        mov word [tss + TSS_IOMAP], TSS_SIZE
        mov ax, TSS_SEL
        ltr ax

        mov edx, GATE_KERNEL            ; the IDT
        mov edi, VEC_UD
        mov rsi, fault_ud
        call set_gate
        mov edi, VEC_GP
        mov rsi, fault_gp
        call set_gate
        mov edi, VEC_PF
        mov rsi, fault_pf
        call set_gate
        mov edx, GATE_USER
        mov edi, VEC_SYSCALL
        mov rsi, int80_entry
        call set_gate
        lidt [idt_pointer]

        mov rdi, page_table             ; page tables: user bit on user pages
        mov eax, PAGE_SIZE | PTE_P | PTE_RW
        mov ecx, 1
.map:   mov [rdi + rcx * 8], rax
        add rax, PAGE_SIZE
        inc ecx
        cmp ecx, PT_ENTRIES
        jb .map
        mov rax, user_begin
.user:  mov rcx, rax
        shr rcx, PAGE_SHIFT
        or qword [rdi + rcx * 8], PTE_US
        add rax, PAGE_SIZE
        cmp rax, user_end
        jb .user
        mov rax, page_table + (PTE_P | PTE_RW | PTE_US)
        mov [page_directory], rax
        mov rax, page_directory + (PTE_P | PTE_RW | PTE_US)
        mov [page_dir_pointers], rax
        mov rax, page_dir_pointers + (PTE_P | PTE_RW | PTE_US)
        mov [page_map_level4], rax
        mov rax, page_map_level4
        mov cr3, rax

        PRINT "kernel: entering ring 3", NEWLINE
        push USER_DS                    ; SS
        push user_stack_top             ; RSP
        push RFLAGS_FIXED               ; RFLAGS
        push USER_CS                    ; CS
        push user_main                  ; RIP
        iretq

set_gate:                               ; IDT entry edi: handler rsi, type dl
        push rax
        push rdi
        shl rdi, 4
        add rdi, idt
        mov rax, rsi
        mov [rdi], ax
        mov word [rdi + 2], KERNEL_CS
        mov byte [rdi + 4], 0
        mov [rdi + 5], dl
        shr rax, 16
        mov [rdi + 6], ax
        shr rax, 16
        mov [rdi + 8], eax
        mov dword [rdi + 12], 0
        pop rdi
        pop rax
        ret

; int 0x80 (and, on this host, a #UD at an `int 0x80`: see fault_ud).
int80_entry:
        push rcx
        push r11
        call dispatch
        pop r11
        pop rcx
        iretq

; dispatch - system call number rax, arguments rdi and rsi; result in rax.
dispatch:
        cmp rax, SYS_EXIT
        je sys_exit
        cmp rax, SYS_WRITE
        je sys_write
        cmp rax, SYS_REPORT
        je sys_report
        mov rax, ENOSYS
        ret

sys_write:                              ; write(buffer, length), user pages only
        mov rax, rdi
        cmp rax, user_begin
        jb .bad
        add rax, rsi
        jc .bad
        cmp rax, user_end
        ja .bad
        push rbx
        push rcx
        push rdx
        mov rbx, rdi
        mov rcx, rsi
        HYPERCALL HC_WRITE              ; eax = bytes written
        pop rdx
        pop rcx
        pop rbx
        ret
.bad:   mov rax, EFAULT
        ret

sys_report:                             ; the grader reads rdi here, through gdb
        ; TODO: keep the value: store rdi in the kernel variable `reported`
        ;       (a quadword: mov [reported], rdi), print
        ;       "kernel: the program reported " with PRINT, then the value
        ;       with PUTNUM edi and a NEWLINE, and return 0: xor eax, eax.
        mov rax, ENOSYS                 ; replace this line
        ret

sys_exit:
        PRINT "kernel: the program exited with code "
        PUTNUM edi
        PUTC NEWLINE
done:                                   ; the grader reads `reported` here
        mov eax, edi
        EXIT al

; This host delivers `int 0x80` from ring 3 as #UD at the instruction
; (README: "What differs on bare metal"); we carry on as the CPU would.
fault_ud:
        test qword [rsp + 8], RPL_MASK
        jz .fault
        push rax
        mov rax, [rsp + 8]
        cmp word [rax], INT80_BYTES
        pop rax
        jne .fault
        add qword [rsp], INT80_LENGTH
        jmp int80_entry
.fault: push 0
        mov ebx, VEC_UD
        jmp user_fault
fault_pf:
        mov ebx, VEC_PF
        jmp user_fault
fault_gp:
        mov ebx, VEC_GP
user_fault:                             ; error code, RIP, CS, RFLAGS, RSP, SS
        PRINT "kernel: exception "
        PUTNUM ebx
        PRINT " in the program; it is stopped", NEWLINE
        EXIT 1

; === ring 3: from user_begin to user_end ===================================
section .text.user progbits alloc exec write align=4096
user_begin:
user_main:
        mov eax, SYS_WRITE              ; a system call: write(hello, length)
        lea rdi, [rel hello]
        mov esi, hello_len
        int VEC_SYSCALL

        xor ebx, ebx                    ; rbx = the sum of the squares
        mov ecx, 1                      ; rcx = 1, 2, ..., SQUARES_N
        ; TODO: the loop: add rcx * rcx to rbx for rcx = 1 .. SQUARES_N.
        ;       (mov rax, rcx / imul rax, rcx / add rbx, rax / inc rcx /
        ;       cmp rcx, SQUARES_N / jbe back to the mov.)

        ; TODO: report the sum to the kernel: the number SYS_REPORT in eax,
        ;       the value in rdi (mov rdi, rbx), then int VEC_SYSCALL --
        ;       like the write call above.

        mov eax, SYS_EXIT               ; exit(0)
        xor edi, edi
        int VEC_SYSCALL
        ud2                             ; never reached

hello:  db "user: hello from ring 3", NEWLINE
hello_len equ $ - hello

        align PAGE_SIZE
user_stack:
        times USER_STACK_SIZE db 0
user_stack_top:
user_end:

; === kernel data ============================================================
section .data
align 16
gdt:
        dq 0
        dq CODE64                       ; 0x08 kernel code
        dq DATA64                       ; 0x10 kernel data
        dq DATA64 | DESC_DPL3           ; 0x18 user data
        dq CODE64 | DESC_DPL3           ; 0x20 user code
gdt_tss:
        dq 0, 0                         ; 0x28 the TSS
gdt_end:
gdt_pointer:
        dw gdt_end - gdt - 1
        dq gdt
idt_pointer:
        dw IDT_ENTRIES * GATE_SIZE - 1
        dq idt

section .bss
alignb PAGE_SIZE
page_map_level4:    resq PT_ENTRIES
page_dir_pointers:  resq PT_ENTRIES
page_directory:     resq PT_ENTRIES
page_table:         resq PT_ENTRIES
idt:                resb IDT_ENTRIES * GATE_SIZE
kernel_stack:       resb KERNEL_STACK_SIZE
kernel_stack_top:
tss:                resb TSS_SIZE
alignb 8
reported:           resq 1              ; what the program reported (SYS_REPORT)
