; multiboot_elf.asm - seed for the loader fuzzer: a Multiboot v1 kernel in
; an ELF32 file (the header in its first 8 KiB, no address fields), as
; GRUB-style kernels are built. It prints "MB" and exits.
%include "abi.inc"

%define MB_MAGIC 0x1BADB002
%define MB_FLAGS 0x3                    ; page-align modules, memory info

bits 32
section .text
global _start
mb_header:
        dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
_start:
        PRINT "MB", 10
        EXIT 0
