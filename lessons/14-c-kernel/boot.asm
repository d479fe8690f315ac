; boot.asm - lesson 14: the little assembly a C kernel cannot do without.
; The Multiboot header makes kvm-vmm (or GRUB, or qemu -kernel) recognise
; the file as a kernel and start it in 32-bit protected mode, paging off,
; with EAX = the Multiboot magic and EBX = the address of the Multiboot
; information. C needs a stack before its first call: we give it one, call
; kmain(magic, info), and hand kmain's return value to port 0xF4 as the
; exit code, the way a C library's start-up code passes main's to exit().

%include "abi.inc"

%define MB_HEADER_MAGIC 0x1BADB002      ; Multiboot v1: "this is a kernel"
%define MB_PAGE_ALIGN   (1 << 0)        ; modules on page boundaries
%define MB_MEMORY_INFO  (1 << 1)        ; please fill in the memory fields
%define MB_FLAGS        (MB_PAGE_ALIGN | MB_MEMORY_INFO)
%define MB_CHECKSUM     (-(MB_HEADER_MAGIC + MB_FLAGS))  ; the three add up to 0
%define STACK_SIZE      16384
%define STACK_ALIGN     16              ; the i386 C ABI: 16 bytes at a call
%define ARGS_SIZE       8               ; two 4-byte arguments

bits 32
; progbits alloc exec: code, so nasm writes its line numbers (gdb: list _start)
section .text.start progbits alloc exec nowrite align=4   ; first in the image (guest/guest.ld)
align 4
multiboot_header:                       ; must lie in the first 8 KiB of the file
        dd MB_HEADER_MAGIC
        dd MB_FLAGS
        dd MB_CHECKSUM

global _start
extern kmain
_start:
        mov esp, stack_top              ; a stack for C (kvm-vmm's 0x7C00 would do,
                                        ; but a kernel should own its stack)
        sub esp, STACK_ALIGN - ARGS_SIZE        ; 16-byte aligned at the call
        push ebx                        ; kmain(magic, info): arguments are
        push eax                        ; pushed last to first (cdecl)
        call kmain
        out PORT_EXIT, al               ; kmain's return value: the exit code
.halt:  cli                             ; (only if nothing listens on 0xF4)
        hlt
        jmp .halt

; The stack needs no execute permission (gcc's objects say so; ld wants
; every object to).
section .note.GNU-stack noalloc noexec nowrite progbits

section .bss
alignb STACK_ALIGN
stack:  resb STACK_SIZE
stack_top:
