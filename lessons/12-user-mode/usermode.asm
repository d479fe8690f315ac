; usermode.asm - lesson 12: a tiny 64-bit kernel that runs a program in
; ring 3 (user mode). The kernel loads its own GDT (ring-3 segments and a
; TSS whose RSP0 is the kernel stack) and IDT, builds page tables in which
; only the user program's pages carry the user bit, and enters ring 3 with
; iretq. The program computes in ring 3 and asks the kernel for output and
; for its exit through system calls: `syscall` (back with sysretq) and
; `int 0x80` (back with iretq). Built with -DVERBOSE (lesson.mk:
; usermode-verbose.elf) it also says which way each system call came in and
; times the ring-3 loop against the same loop in ring 0.

%include "abi.inc"

; --- segment selectors: GDT index * 8 + requested privilege level (RPL) -----
%define KERNEL_CS       0x08            ; GDT[1]: 64-bit code, DPL 0
%define KERNEL_DS       0x10            ; GDT[2]: data, DPL 0
%define USER_DS         (0x18 | 3)      ; GDT[3]: data, DPL 3
%define USER_CS         (0x20 | 3)      ; GDT[4]: 64-bit code, DPL 3
%define TSS_SEL         0x28            ; GDT[5..6]: the 16-byte TSS descriptor
%define RPL_MASK        3               ; the low two bits of a selector

; --- descriptor bits (Intel SDM vol. 3, 3.4.5) -------------------------------
%define DESC_WRITABLE   (1 << 41)       ; data: writable; code: readable
%define DESC_CODE       (1 << 43)       ; executable
%define DESC_S          (1 << 44)       ; code/data, not a system descriptor
%define DESC_DPL3       (3 << 45)       ; usable from ring 3
%define DESC_P          (1 << 47)       ; present
%define DESC_L          (1 << 53)       ; 64-bit code
%define CODE64          (DESC_P | DESC_S | DESC_CODE | DESC_WRITABLE | DESC_L)
%define DATA64          (DESC_P | DESC_S | DESC_WRITABLE)
%define DESC_TYPE_SHIFT 40
%define TSS_TYPE_AVAIL  0x9             ; system descriptor: an available 64-bit TSS
%define TSS_SIZE        104             ; a 64-bit TSS without an I/O bitmap
%define TSS_RSP0        4               ; offset of RSP0 in the TSS
%define TSS_IOMAP       102             ; offset of the I/O map base

; --- IDT gates (SDM vol. 3, 6.14.1) ------------------------------------------
%define IDT_ENTRIES     256
%define GATE_SIZE       16
%define GATE_KERNEL     0x8E            ; present, DPL 0, 64-bit interrupt gate
%define GATE_USER       0xEE            ; the same with DPL 3: `int` from ring 3
%define VEC_DE          0               ; divide error
%define VEC_UD          6               ; invalid opcode
%define VEC_GP          13              ; general protection
%define VEC_PF          14              ; page fault
%define VEC_SYSCALL     0x80            ; int 0x80: the classic system call
%define INT80_BYTES     0x80CD          ; `int 0x80` in memory: CD 80
%define INT80_LENGTH    2
%define PF_USER         4               ; page-fault error code: from ring 3

; --- paging: 4 levels, the first 2 MiB in 4 KiB pages ------------------------
%define PTE_P           1               ; present
%define PTE_RW          2               ; writable
%define PTE_US          4               ; user: ring 3 may use the page
%define PAGE_SIZE       4096
%define PAGE_SHIFT      12
%define PT_ENTRIES      512

; --- syscall/sysret (SDM vol. 3, 5.8.8) --------------------------------------
%define MSR_EFER        0xC0000080
%define EFER_SCE        1               ; syscall/sysret enable
%define MSR_STAR        0xC0000081      ; the selectors syscall and sysret load
%define MSR_LSTAR       0xC0000082      ; where syscall enters the kernel
%define MSR_FMASK       0xC0000084      ; RFLAGS bits syscall clears
%define RFLAGS_FIXED    0x002           ; bit 1 is always set
%define RFLAGS_TF       0x100
%define RFLAGS_IF       0x200
%define RFLAGS_DF       0x400
; STAR[47:32]: syscall loads CS = KERNEL_CS and SS = KERNEL_CS + 8.
; STAR[63:48]: sysretq loads SS = this + 8 and CS = this + 16, with RPL 3.
%define STAR_SYSRET_BASE 0x10           ; -> SS = 0x18|3, CS = 0x20|3

; --- this kernel's system calls (Linux numbers them 60 exit, 1 write) --------
%define SYS_EXIT        0               ; rdi = exit code
%define SYS_WRITE       1               ; rdi = buffer, rsi = length
%define ENOSYS          -38             ; "no such system call", as in Linux
%define EFAULT          -14             ; "bad address"

%define KERNEL_STACK_SIZE 4096
%define USER_STACK_SIZE 4096
%define SUM_N           100000000       ; the ring-3 loop: 1 + 2 + ... + SUM_N
%define RING0_N         20000           ; the same loop in ring 0 (-DVERBOSE)
%define NS_PER_MS       1000000
%define HUNDREDTHS      100
%define NEWLINE         10

bits 64
section .text
global _start
_start:
        mov rsp, kernel_stack_top       ; our own stack, in our own memory

; --- the GDT: kvm-vmm's has no ring-3 segments and no TSS, so load ours ----
; The TSS descriptor holds the TSS's address in pieces; put them in place.
        mov rax, tss
        movzx ebx, ax                   ; base 15..0
        shl rbx, 16                     ;   -> descriptor bits 31..16
        mov rcx, rax
        shr rcx, 16
        movzx ecx, cl                   ; base 23..16
        shl rcx, 32                     ;   -> bits 39..32
        or rbx, rcx
        mov rcx, rax
        shr rcx, 24
        movzx ecx, cl                   ; base 31..24
        shl rcx, 56                     ;   -> bits 63..56
        or rbx, rcx
        or rbx, TSS_SIZE - 1            ; limit
        mov rcx, DESC_P | (TSS_TYPE_AVAIL << DESC_TYPE_SHIFT)
        or rbx, rcx
        mov [gdt_tss], rbx
        shr rax, 32
        mov [gdt_tss + 8], rax          ; base 63..32: the second quadword
        lgdt [gdt_pointer]
        push KERNEL_CS                  ; CS changes only by a far jump, call
        lea rax, [rel .new_cs]          ; or return: "return" to the next line
        push rax
        retfq
.new_cs:
        mov ax, KERNEL_DS
        mov ds, ax
        mov es, ax
        mov ss, ax
        ; RSP0: the stack the CPU switches to when an interrupt, exception
        ; or `int` takes it from ring 3 to ring 0.
        mov rax, kernel_stack_top
        mov [tss + TSS_RSP0], rax
        mov word [tss + TSS_IOMAP], TSS_SIZE    ; no I/O bitmap: no ports for ring 3
        mov ax, TSS_SEL
        ltr ax

; --- the IDT: the faults a user program may cause, and int 0x80 -----------
        mov edx, GATE_KERNEL
        mov edi, VEC_DE
        mov rsi, fault_de
        call set_gate
        mov edi, VEC_UD
        mov rsi, fault_ud
        call set_gate
        mov edi, VEC_GP
        mov rsi, fault_gp
        call set_gate
        mov edi, VEC_PF
        mov rsi, fault_pf
        call set_gate
        mov edx, GATE_USER              ; DPL 3, or `int 0x80` itself is a #GP
        mov edi, VEC_SYSCALL
        mov rsi, int80_entry
        call set_gate
        lidt [idt_pointer]

; --- page tables: the first 2 MiB in 4 KiB pages ---------------------------
; Every page is present and writable for the kernel; only the user program's
; pages get PTE_US. Page 0 stays absent, so a null pointer faults.
        mov rdi, page_table
        mov eax, PAGE_SIZE | PTE_P | PTE_RW     ; page 1 is the first we map
        mov ecx, 1
.map:   mov [rdi + rcx * 8], rax
        add rax, PAGE_SIZE
        inc ecx
        cmp ecx, PT_ENTRIES
        jb .map
        mov rax, user_begin
.user:  mov rcx, rax                    ; the page-table index of rax
        shr rcx, PAGE_SHIFT
        or qword [rdi + rcx * 8], PTE_US
        add rax, PAGE_SIZE
        cmp rax, user_end
        jb .user
        ; Every level needs PTE_US: ring 3 may use a page only when each
        ; entry on the way to it allows it.
        mov rax, page_table + (PTE_P | PTE_RW | PTE_US)
        mov [page_directory], rax
        mov rax, page_directory + (PTE_P | PTE_RW | PTE_US)
        mov [page_dir_pointers], rax
        mov rax, page_dir_pointers + (PTE_P | PTE_RW | PTE_US)
        mov [page_map_level4], rax
        mov rax, page_map_level4
        mov cr3, rax                    ; from here on our tables translate

; --- syscall: enable it in EFER; say where it enters and what it loads ----
        mov ecx, MSR_EFER
        rdmsr
        or eax, EFER_SCE
        wrmsr
        mov ecx, MSR_STAR
        xor eax, eax
        mov edx, (STAR_SYSRET_BASE << 16) | KERNEL_CS
        wrmsr
        mov ecx, MSR_LSTAR
        mov rax, syscall_entry
        mov rdx, rax
        shr rdx, 32
        wrmsr
        mov ecx, MSR_FMASK
        mov eax, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF
        xor edx, edx
        wrmsr

%ifdef VERBOSE
        call time_ring0_loop
%endif
        PRINT "kernel: GDT, TSS, IDT and page tables ready; entering ring 3", NEWLINE

; --- into ring 3: iretq pops RIP, CS, RFLAGS, RSP and SS ------------------
; CS.RPL = 3 makes it a return to ring 3. IOPL stays 0: `in`, `out`, `cli`
; and `hlt` are now forbidden to the program.
enter_user:
        push USER_DS                    ; SS
        push user_stack_top             ; RSP
        push RFLAGS_FIXED               ; RFLAGS: IOPL 0, interrupts off
        push USER_CS                    ; CS
        push user_main                  ; RIP
        iretq

; set_gate - IDT entry edi: handler rsi, type and DPL in dl.
set_gate:
        push rax
        push rdi
        shl rdi, 4                      ; GATE_SIZE bytes per entry
        add rdi, idt
        mov rax, rsi
        mov [rdi], ax                   ; offset 15..0
        mov word [rdi + 2], KERNEL_CS
        mov byte [rdi + 4], 0           ; no IST stack
        mov [rdi + 5], dl
        shr rax, 16
        mov [rdi + 6], ax               ; offset 31..16
        shr rax, 16
        mov [rdi + 8], eax              ; offset 63..32
        mov dword [rdi + 12], 0
        pop rdi
        pop rax
        ret

; === the ways into the kernel ===============================================

; syscall: the CPU put the user's RIP in RCX and RFLAGS in R11, loaded CS
; and SS from STAR and RIP from LSTAR -- and left RSP alone: we are in ring
; 0 on the user's stack, so first switch to the kernel's.
syscall_entry:
        mov [user_rsp], rsp
        mov rsp, kernel_stack_top
        push rcx                        ; the user's RIP
        push r11                        ; the user's RFLAGS
%ifdef VERBOSE
        mov qword [entry_path], path_syscall
%endif
        call dispatch
        pop r11
        pop rcx
        mov rsp, [user_rsp]
        o64 sysret                      ; RIP = RCX, RFLAGS = R11, ring 3

; int 0x80: the CPU switched to RSP0 from the TSS and pushed SS, RSP,
; RFLAGS, CS and RIP there; iretq pops them all.
int80_entry:
%ifdef VERBOSE
        mov qword [entry_path], path_int80
%endif
int80_common:
        push rcx
        push r11
        call dispatch
        pop r11
        pop rcx
        iretq

; dispatch - system call number rax, arguments rdi and rsi; result in rax.
dispatch:
        inc qword [syscall_count]
%ifdef VERBOSE
        call verbose_entry
%endif
        cmp rax, SYS_EXIT
        je sys_exit
        cmp rax, SYS_WRITE
        je sys_write
        mov rax, ENOSYS
        ret

; write(buffer, length). The kernel must not trust the pointer: it may name
; only the user's own pages, or a program could make the kernel print (or,
; with a read call, overwrite) the kernel's memory.
sys_write:
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
%ifdef VERBOSE
        call verbose_return
%endif
        ret
.bad:   mov rax, EFAULT
        ret

sys_exit:
        PRINT "kernel: the program exited with code "
        PUTNUM edi
        PRINT " after "
        PUTNUM dword [syscall_count]
        PRINT " system calls", NEWLINE
done:                                   ; the program has ended: we are in ring 0
        mov eax, edi
        EXIT al

; === faults: a program that misbehaves is stopped, not the machine ==========

; What this host does differently (README, "What differs on bare metal"):
; ring-3 code runs natively here, and two ways into the kernel do not arrive
; as the manual says. `int 0x80` raises #UD at the instruction, and
; `syscall` jumps to LSTAR but stays in ring 3, so fetching the kernel's
; code there is a #PF. Both handlers recognise their case and carry on as
; the CPU would have. On bare metal neither case ever happens.
fault_ud:
        test qword [rsp + 8], RPL_MASK  ; the CS pushed: from ring 3?
        jz .fault
        push rax
        mov rax, [rsp + 8]              ; the RIP pushed: the faulting instruction
        cmp word [rax], INT80_BYTES
        pop rax
        jne .fault
        add qword [rsp], INT80_LENGTH   ; return after the `int 0x80`
%ifdef VERBOSE
        mov qword [entry_path], path_int80_ud
%endif
        jmp int80_common                ; the same stack as the gate gives
.fault: push 0                          ; #UD pushes no error code: even out
        mov ebx, VEC_UD
        jmp user_fault

fault_pf:
        test qword [rsp], PF_USER       ; the error code: a fault in ring 3?
        jz .fault
        push rax
        mov rax, cr2                    ; the address that faulted
        cmp rax, syscall_entry          ; a `syscall` that stayed in ring 3
        pop rax
        jne .fault
        add rsp, 8                      ; drop the error code: an int 0x80 frame
        mov [rsp], rcx                  ; return where syscall would: RCX
%ifdef VERBOSE
        mov qword [entry_path], path_syscall_pf
%endif
        jmp int80_common
.fault: mov ebx, VEC_PF
        jmp user_fault

fault_de:
        push 0                          ; no error code
        mov ebx, VEC_DE
        jmp user_fault
fault_gp:
        mov ebx, VEC_GP
; The stack: error code, RIP, CS, RFLAGS, RSP, SS.
user_fault:
        PRINT "kernel: exception "
        PUTNUM ebx
        PRINT " at rip "
        mov rax, [rsp + 8]
        call print_hex
        PRINT ", error code "
        mov rax, [rsp]
        call print_hex
        PRINT "; the program is stopped", NEWLINE
        EXIT 1

; print_hex - rax as 0x and hex digits, without leading zeros.
print_hex:
        push rax
        push rcx
        push rdx
        PRINT "0x"
        mov rdx, rax
        mov ecx, 64
.skip:  sub ecx, 4                      ; find the first digit that is not 0
        jz .digit
        mov rax, rdx
        shr rax, cl
        test al, 0xF
        jz .skip
.digit: mov rax, rdx
        shr rax, cl
        and eax, 0xF
        mov al, [hex_digits + rax]
        out PORT_DEBUGCON, al
        sub ecx, 4
        jns .digit
        pop rdx
        pop rcx
        pop rax
        ret

%ifdef VERBOSE
; --- -DVERBOSE: which way each call came in, and how fast each ring is ----

; now_ns - rax = host time in ns (the TIME hypercall); keeps rdx.
now_ns:
        push rdx
        HYPERCALL HC_TIME
        shl rdx, 32
        or rax, rdx
        pop rdx
        ret

; verbose_entry: say how the call came in; after the loop, time ring 3.
verbose_entry:
        push rax
        call now_ns
        mov [time_entered], rax
        mov rax, [rsp]                  ; the system call number again
        PRINT "kernel: system call "
        PUTNUM eax
        PRINT " through "
        push rsi
        mov rsi, [entry_path]
        call print_string
        pop rsi
        PUTC NEWLINE
        cmp qword [syscall_count], 2    ; the call right after the loop
        jne .out
        PRINT "kernel: ring 3: "
        mov rax, [time_entered]
        sub rax, [time_returned]
        push rcx
        mov ecx, SUM_N
        call print_rate
        pop rcx
.out:   pop rax
        ret

verbose_return:
        push rax
        call now_ns
        mov [time_returned], rax
        pop rax
        ret

; The loop of user_main, RING0_N times in ring 0.
time_ring0_loop:
        call now_ns
        mov rsi, rax
        xor eax, eax
        mov rcx, RING0_N
.loop:  add rax, rcx
        dec rcx
        jnz .loop
        call now_ns
        sub rax, rsi
        PRINT "kernel: ring 0: "
        mov ecx, RING0_N
        call print_rate
        ret

; print_rate - "N iterations in T ms, X.YZ ns each" for rax ns, rcx iterations.
print_rate:
        push rax
        push rbx
        push rdx
        mov rbx, rax
        PUTNUM ecx
        PRINT " iterations in "
        xor edx, edx
        push rcx
        mov ecx, NS_PER_MS
        div rcx
        pop rcx
        PUTNUM eax
        PRINT " ms, "
        mov rax, rbx
        imul rax, rax, HUNDREDTHS       ; hundredths of a ns per iteration
        xor edx, edx
        div rcx
        xor edx, edx
        mov ebx, HUNDREDTHS
        div rbx                         ; rax = ns, rdx = hundredths
        PUTNUM eax
        PUTC '.'
        cmp edx, 10
        jae .two_digits
        PUTC '0'
.two_digits:
        PUTNUM edx
        PRINT " ns each", NEWLINE
        pop rdx
        pop rbx
        pop rax
        ret

; print_string - the zero-terminated string at rsi.
print_string:
        push rax
        push rsi
.next:  lodsb
        test al, al
        jz .end
        out PORT_DEBUGCON, al
        jmp .next
.end:   pop rsi
        pop rax
        ret
%endif

; === the user program: everything from user_begin to user_end is ring 3's ===
section .text.user progbits alloc exec write align=4096
user_begin:
user_main:
        mov eax, SYS_WRITE              ; write(hello, hello_len) by syscall
        lea rdi, [rel hello]
        mov esi, hello_len
        syscall

        xor eax, eax                    ; the loop: it runs at native speed
        mov rcx, SUM_N
.sum:   add rax, rcx
        dec rcx
        jnz .sum

        lea rdi, [rel sum_digits]       ; rax in decimal into the line
        call format_decimal             ; rdi = just after the digits
        mov byte [rdi], NEWLINE
        lea rsi, [rdi + 1]
        lea rdi, [rel sum_line]
        sub rsi, rdi                    ; the line's length
        mov eax, SYS_WRITE              ; write(sum_line, length) by int 0x80
        int VEC_SYSCALL

        mov eax, SYS_EXIT               ; exit(0) by syscall
        xor edi, edi
        syscall
        ud2                             ; never reached

; format_decimal - rax in decimal at rdi; rdi ends just after the digits.
format_decimal:
        push rax
        push rcx
        push rdx
        mov ecx, 10
        push 0                          ; a 0 marks the end of the digits
.divide:
        xor edx, edx
        div rcx                         ; rax = rax / 10, rdx = the last digit
        add dl, '0'
        push rdx
        test rax, rax
        jnz .divide
.store: pop rax                         ; the first digit comes off first
        test al, al
        jz .done
        stosb
        jmp .store
.done:  pop rdx
        pop rcx
        pop rax
        ret

hello:  db "user: hello from ring 3", NEWLINE
hello_len equ $ - hello
sum_line:
        db "user: 1 + 2 + ... + 100000000 = "   ; SUM_N
sum_digits:
        times 24 db 0                   ; the digits and a newline

        align PAGE_SIZE
user_stack:
        times USER_STACK_SIZE db 0
user_stack_top:
user_end:                               ; the end of the user's pages

; === kernel data ============================================================
section .data
align 16
gdt:
        dq 0                            ; the null descriptor
        dq CODE64                       ; 0x08 kernel code
        dq DATA64                       ; 0x10 kernel data
        dq DATA64 | DESC_DPL3           ; 0x18 user data
        dq CODE64 | DESC_DPL3           ; 0x20 user code
gdt_tss:
        dq 0, 0                         ; 0x28 the TSS (filled in at start)
gdt_end:
gdt_pointer:
        dw gdt_end - gdt - 1
        dq gdt
idt_pointer:
        dw IDT_ENTRIES * GATE_SIZE - 1
        dq idt
hex_digits:
        db "0123456789abcdef"
%ifdef VERBOSE
path_syscall:    db "syscall", 0
path_int80:      db "int 0x80", 0
path_int80_ud:   db "int 0x80 (arrived as #UD: this host)", 0
path_syscall_pf: db "syscall (arrived as #PF in ring 3: this host)", 0
%endif

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
user_rsp:           resq 1              ; the user's RSP during a syscall
syscall_count:      resq 1
%ifdef VERBOSE
entry_path:         resq 1              ; the name of the way in
time_entered:       resq 1
time_returned:      resq 1
%endif
