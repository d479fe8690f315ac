; bios_call.asm - prints through the BIOS (int 0x10, teletype output), as a
; boot sector written for a PC would; kvm-vmm runs it without a BIOS.
bits 16
BIOS_VIDEO equ 0x10
TELETYPE equ 0x0e
section .text
global _start
_start:
        mov ah, TELETYPE
        mov al, 'A'
        int BIOS_VIDEO
        hlt
