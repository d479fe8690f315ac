; kernel32.asm - a 32-bit protected-mode kernel in miniature (ring 0, run
; with --mode protected --irqchip): an IDT whose gates it calls with
; `int 0x30`, `int3` and `into`, and through which the PIT (IRQ 0) and the
; keyboard (IRQ 1) interrupt it; every handler returns with `iretd`. On
; hosts that emulate ring-0 code, KVM gives up on `int N` and `iretd` here
; and kvm-vmm carries them out (vmm/x86/complete.c). tests/test_pc.c.
bits 32
section .text.start
global _start

SEL_CODE    equ 0x08              ; kvm-vmm's flat code segment (vmm/layout.h)
GATE_INT32  equ 0x8E              ; present, DPL 0, 32-bit interrupt gate
GATE_TRAP32 equ 0x8F              ; ... trap gate (IF stays as it was)
IRQ_BASE    equ 0x20              ; the PICs' vectors: IRQ 0 at 0x20
PIT_HZ_DIV  equ 11932             ; 100 Hz
TICKS       equ 5
FLAGS_OF    equ 0x800

; GATE vector, handler, type
%macro GATE 3
	mov eax, %2
	mov [idt + (%1) * 8], ax
	mov word [idt + (%1) * 8 + 2], SEL_CODE
	mov byte [idt + (%1) * 8 + 5], %3
	shr eax, 16
	mov [idt + (%1) * 8 + 6], ax
%endmacro

%macro PUTS 1
	mov esi, %1
	call puts
%endmacro

_start:
	GATE 3, on_int3, GATE_TRAP32
	GATE 4, on_into, GATE_TRAP32
	GATE 0x30, on_int30, GATE_INT32
	GATE IRQ_BASE, on_timer, GATE_INT32
	GATE IRQ_BASE + 1, on_key, GATE_INT32
	lidt [idtr]

	mov eax, 0x1234
	int 0x30                      ; the handler doubles EAX
	cmp eax, 0x2468
	jne fail
	int3
	pushfd                        ; into with OF clear: nothing happens
	and dword [esp], ~FLAGS_OF
	popfd
	into
	pushfd                        ; into with OF set: vector 4
	or dword [esp], FLAGS_OF
	popfd
	into

	mov al, 0x11                  ; PICs: IRQ 0-7 at 0x20, 8-15 at 0x28
	out 0x20, al
	out 0xa0, al
	mov al, IRQ_BASE
	out 0x21, al
	mov al, IRQ_BASE + 8
	out 0xa1, al
	mov al, 4
	out 0x21, al
	mov al, 2
	out 0xa1, al
	mov al, 1
	out 0x21, al
	out 0xa1, al
	mov al, 0xfc                  ; only the timer and the keyboard
	out 0x21, al
	mov al, 0xff
	out 0xa1, al
	mov al, 0x34                  ; PIT channel 0, rate generator
	out 0x43, al
	mov ax, PIT_HZ_DIV
	out 0x40, al
	mov al, ah
	out 0x40, al
	mov al, 0xae                  ; keyboard on
	out 0x64, al
	sti
.wait:
	hlt
	cmp dword [ticks], TICKS
	jb .wait
	cmp byte [key], 0
	je .wait
	cli
	PUTS msg_ticks
	mov al, [key]
	out 0xe9, al
	mov al, 10
	out 0xe9, al
	mov al, 0
	out 0xf4, al

fail:
	PUTS msg_fail
	mov al, 1
	out 0xf4, al

on_int30:
	PUTS msg_int30
	add eax, eax
	iretd
on_int3:
	PUTS msg_int3
	iretd
on_into:
	PUTS msg_into
	iretd
on_timer:
	push eax
	inc dword [ticks]
	mov al, 0x20
	out 0x20, al
	pop eax
	iretd
on_key:
	push eax
	in al, 0x60
	cmp byte [key], 0
	jne .seen
	mov [key], al                 ; the first key
.seen:
	mov al, 0x20
	out 0x20, al
	pop eax
	iretd

; puts: the NUL-terminated string at ESI on port 0xE9
puts:
	push eax
.next:
	lodsb
	test al, al
	jz .done
	out 0xe9, al
	jmp .next
.done:
	pop eax
	ret

msg_int30: db "int 0x30 handled", 10, 0
msg_int3:  db "int3 handled", 10, 0
msg_into:  db "into handled", 10, 0
msg_ticks: db "5 timer interrupts; first key: ", 0
msg_fail:  db "int 0x30 did not return EAX doubled", 10, 0
ticks: dd 0
key: db 0

align 8
idt: times 256 * 8 db 0
idtr:
	dw 256 * 8 - 1
	dd idt
