; multiboot_aout.asm - seed for the loader fuzzer: a flat Multiboot v1
; kernel whose header carries the address fields (the "a.out kludge"):
; load it at 1 MiB, with a bss after it, and start at _start.
%include "abi.inc"

%define MB_MAGIC 0x1BADB002
%define MB_FLAGS 0x00010000             ; the address fields are valid
%define BASE 0x100000
%define BSS_SIZE 0x1000

bits 32
org BASE
mb_header:
        dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
        dd mb_header                    ; header_addr
        dd BASE                         ; load_addr
        dd image_end                    ; load_end_addr
        dd image_end + BSS_SIZE         ; bss_end_addr
        dd _start                       ; entry_addr
_start:
        PRINT "MB", 10
        EXIT 0
image_end:
