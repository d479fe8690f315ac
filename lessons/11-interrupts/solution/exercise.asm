; exercise.asm - lesson 11 exercise, reference solution: a #UD handler that
; counts and skips `ud2`, and a keyboard handler that acknowledges each key
; with an EOI so that the next one can come.

%include "abi.inc"

%define CODE64_SEL      0x18            ; kvm-vmm's 64-bit code segment (vmm/layout.h)
%define GATE_INTERRUPT  0x8E            ; present, DPL 0, 64-bit interrupt gate
%define IDT_ENTRIES     48              ; exceptions 0-31, IRQs 32-47

%define VEC_UD          6               ; invalid opcode
%define VEC_TIMER       32              ; IRQ 0 after remapping the PIC
%define VEC_KEYBOARD    33              ; IRQ 1

%define PIC1_CMD        0x20            ; master 8259
%define PIC1_DATA       0x21
%define PIC2_CMD        0xA0            ; slave 8259
%define PIC2_DATA       0xA1
%define ICW1_INIT       0x11            ; initialise, edge-triggered, ICW4 follows
%define ICW3_MASTER     4               ; the slave hangs on IRQ 2
%define ICW3_SLAVE      2               ; ... and knows it
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

%define UD_TIMES        3               ; how many ud2 the program executes
%define UD2_LEN         2               ; ud2 is the two bytes 0F 0B
%define KEY_WAIT_TICKS  100             ; give up on keys after 1 s
%define KEYS_MAX        64
%define NEWLINE         10

bits 64
section .text
global _start
_start:
        call idt_setup
        lidt [idt_ptr]

; --- part 1: an exception that returns --------------------------------------
        PRINT "executing ud2 3 times...", NEWLINE
        mov ecx, UD_TIMES
again:
        ud2                             ; #UD: ud_handler counts and skips it
        loop again
        PRINT "ud2 skipped "
        PUTNUM [ud_count]
        PRINT " times", NEWLINE

; --- part 2: keys on IRQ 1 --------------------------------------------------
        call pic_setup
        call pit_setup
        sti
        mov al, KBD_ENABLE              ; now keys may come
        out KBD_CMD, al
wait_keys:
        cmp byte [line_done], 0         ; the keyboard handler saw a newline
        jne keys_done
        cmp dword [ticks], KEY_WAIT_TICKS
        jae keys_done                   ; no newline within 1 s: stop waiting
        hlt                             ; sleep until the next interrupt
        jmp wait_keys
keys_done:
        cli
        PRINT "got "
        PUTNUM [nkeys]
        PRINT " keys: "
        mov ebx, keys
        mov ecx, [nkeys]
        HYPERCALL HC_WRITE              ; the keys, in one exit
        PUTC NEWLINE
done:                                   ; the grader reads ud_count and nkeys here
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
        mov edi, VEC_UD
        mov rsi, ud_handler
        call set_gate
        mov edi, VEC_TIMER
        mov rsi, timer_handler
        call set_gate
        mov edi, VEC_KEYBOARD
        mov rsi, keyboard_handler
        call set_gate
        ret

; --- handlers ---------------------------------------------------------------
; #UD pushes no error code: [rsp] is the saved RIP, the address of the ud2.
ud_handler:
        inc dword [ud_count]
        add qword [rsp], UD2_LEN        ; resume after the ud2
        iretq

timer_handler:
        inc dword [ticks]
        push rax
        mov al, PIC_EOI
        out PIC1_CMD, al
        pop rax
        iretq

keyboard_handler:
        push rax
        push rbx
        in al, KBD_DATA                 ; the key (kvm-vmm sends ASCII)
        cmp al, NEWLINE
        jne .store
        mov byte [line_done], 1
        jmp .eoi
.store: mov ebx, [nkeys]
        cmp ebx, KEYS_MAX
        jae .eoi
        mov [keys + rbx], al
        inc dword [nkeys]
.eoi:   mov al, PIC_EOI                 ; done with IRQ 1: the PIC may send
        out PIC1_CMD, al                ; the next key
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
        mov al, ICW3_MASTER
        out PIC1_DATA, al
        mov al, ICW3_SLAVE
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
global ud_count, ticks, nkeys, keys, line_done
ud_count: resd 1
ticks:  resd 1
nkeys:  resd 1
line_done: resb 1
keys:   resb KEYS_MAX
