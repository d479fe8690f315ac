; interrupts.asm - lesson 11: interrupts in 64-bit long mode. We build an
; IDT, catch two exceptions and return from them (#DE: divide by zero,
; #PF: a page that is not mapped), then program the 8259 PIC and the 8254
; PIT so the timer interrupts us 100 times a second, and read keys that
; arrive as IRQ 1 from the keyboard controller (kvm-vmm feeds it stdin).
; Run with --irqchip (see lesson.conf): KVM then emulates the PIC and PIT.

%include "abi.inc"

%define CODE64_SEL      0x18            ; kvm-vmm's 64-bit code segment (vmm/layout.h)
%define GATE_INTERRUPT  0x8E            ; present, DPL 0, 64-bit interrupt gate
%define IDT_ENTRIES     48              ; exceptions 0-31, IRQs 32-47

%define VEC_DE          0               ; divide error
%define VEC_PF          14              ; page fault (pushes an error code)
%define VEC_TIMER       32              ; IRQ 0 after remapping the PIC
%define VEC_KEYBOARD    33              ; IRQ 1

%define PIC1_CMD        0x20            ; master 8259
%define PIC1_DATA       0x21
%define PIC2_CMD        0xA0            ; slave 8259
%define PIC2_DATA       0xA1
%define ICW1_INIT       0x11            ; initialise, edge-triggered, ICW4 follows
%define ICW4_8086       0x01
%define PIC_EOI         0x20            ; end of interrupt
%define PIC1_MASK       0xFC            ; only IRQ 0 (timer) and IRQ 1 (keyboard)
%define PIC2_MASK       0xFF

%define PIT_CMD         0x43
%define PIT_CH0         0x40
%define PIT_CH0_RATE    0x34            ; channel 0, low then high byte, mode 2
%define PIT_HZ          1193182         ; the PIT's input clock
%define TICK_HZ         100
%define KBD_DATA        0x60            ; the keyboard controller's data port
%define KBD_CMD         0x64            ; ... and its command port
%define KBD_ENABLE      0xAE            ; command: enable the keyboard

%define TICKS_TO_COUNT  10
%define KEY_WAIT_TICKS  300             ; give up on keys after 3 s
%define KEYS_MAX        64
%define UNMAPPED        0x100000000     ; kvm-vmm maps 4 GiB: this is past it

bits 64
section .text
global _start
_start:
        call idt_setup
        lidt [idt_ptr]

; --- exceptions that return -------------------------------------------------
        PRINT "dividing by zero...", 10
        xor edx, edx
        mov eax, 1
        xor ecx, ecx
divide:
        div ecx                         ; #DE: the handler skips this instruction
        PRINT "back after #DE", 10

        PRINT "reading unmapped memory...", 10
        mov rbx, UNMAPPED
touch:
        mov al, [rbx]                   ; #PF: the handler resumes at after_pf
after_pf:
        PRINT "back after #PF", 10

; --- hardware interrupts ----------------------------------------------------
        call pic_setup
        call pit_setup
        sti                             ; from here on, IRQs arrive
        mov al, KBD_ENABLE              ; and now keys may come too
        out KBD_CMD, al
wait_ticks:
        hlt                             ; sleep until the next interrupt
        cmp dword [ticks], TICKS_TO_COUNT
        jb wait_ticks
        PRINT "counted 10 timer ticks", 10

        mov dword [ticks], 0
wait_keys:
        cmp byte [line_done], 0         ; the keyboard handler saw a newline
        jne keys_done
        cmp dword [ticks], KEY_WAIT_TICKS
        jae keys_done
        hlt
        jmp wait_keys
keys_done:
        cli
        PRINT "keys: "
        mov ebx, keys
        mov ecx, [nkeys]
        HYPERCALL HC_WRITE              ; the whole line in one exit
        PRINT 10
done:
        EXIT 0

; --- the IDT ----------------------------------------------------------------
; set_gate: vector in edi, handler address in rsi.
set_gate:
        shl rdi, 4                      ; 16 bytes per 64-bit gate
        add rdi, idt
        mov [rdi], si                   ; offset 15..0
        mov word [rdi + 2], CODE64_SEL
        mov byte [rdi + 4], 0           ; no interrupt stack table
        mov byte [rdi + 5], GATE_INTERRUPT
        shr rsi, 16
        mov [rdi + 6], si               ; offset 31..16
        shr rsi, 16
        mov [rdi + 8], esi              ; offset 63..32
        mov dword [rdi + 12], 0
        ret

idt_setup:
        mov edi, VEC_DE
        mov rsi, de_handler
        call set_gate
        mov edi, VEC_PF
        mov rsi, pf_handler
        call set_gate
        mov edi, VEC_TIMER
        mov rsi, timer_handler
        call set_gate
        mov edi, VEC_KEYBOARD
        mov rsi, keyboard_handler
        call set_gate
        ret

; --- exception handlers -----------------------------------------------------
; The CPU pushed SS, RSP, RFLAGS, CS, RIP (and for #PF an error code).
de_handler:
        PRINT "  #DE caught: skipping the div", 10
        add qword [rsp], 2              ; saved RIP += length of `div ecx`
        iretq

pf_handler:
        push rax
        PRINT "  #PF caught: CR2 = "
        mov rax, cr2                    ; the address that faulted
        shr rax, 32                     ; (print it as high:low halves)
        PUTNUM eax
        PUTC ':'
        mov rax, cr2
        PUTNUM eax
        PUTC 10
        pop rax
        add rsp, 8                      ; drop the error code
        mov qword [rsp], after_pf       ; resume after the faulting load
        iretq

; --- interrupt handlers -----------------------------------------------------
timer_handler:
        inc dword [ticks]
        push rax
        mov al, PIC_EOI                 ; tell the PIC we are done with IRQ 0
        out PIC1_CMD, al
        pop rax
        iretq

keyboard_handler:
        push rax
        push rbx
        in al, KBD_DATA                 ; the key (kvm-vmm sends ASCII)
        cmp al, 10
        jne .store
        mov byte [line_done], 1
        jmp .eoi
.store: mov ebx, [nkeys]
        cmp ebx, KEYS_MAX
        jae .eoi
        mov [keys + rbx], al
        inc dword [nkeys]
.eoi:   mov al, PIC_EOI
        out PIC1_CMD, al
        pop rbx
        pop rax
        iretq

; --- programming the PIC and the PIT ----------------------------------------
pic_setup:
        mov al, ICW1_INIT
        out PIC1_CMD, al
        out PIC2_CMD, al
        mov al, VEC_TIMER               ; ICW2: master IRQs start at vector 32
        out PIC1_DATA, al
        mov al, VEC_TIMER + 8           ; slave IRQs at 40
        out PIC2_DATA, al
        mov al, 4                       ; ICW3: slave on IRQ 2
        out PIC1_DATA, al
        mov al, 2                       ; ICW3: slave identity
        out PIC2_DATA, al
        mov al, ICW4_8086
        out PIC1_DATA, al
        out PIC2_DATA, al
        mov al, PIC1_MASK
        out PIC1_DATA, al
        mov al, PIC2_MASK
        out PIC2_DATA, al
        ret

pit_setup:
        mov al, PIT_CH0_RATE
        out PIT_CMD, al
        mov ax, PIT_HZ / TICK_HZ        ; divisor: 11931
        out PIT_CH0, al
        mov al, ah
        out PIT_CH0, al
        ret

section .data
idt_ptr:
        dw IDT_ENTRIES * 16 - 1
        dq idt

section .bss
alignb 16
idt:    resb IDT_ENTRIES * 16
global ticks, nkeys, keys, line_done
ticks:  resd 1
nkeys:  resd 1
line_done: resb 1
keys:   resb KEYS_MAX
