; liveness_mb_lowmem.asm - a Multiboot kernel that checks the memory it is
; told about against RAM_SIZE, the --mem its test gives (64 KiB): the
; lower-memory size and every available region of the memory map must lie
; inside it. It prints what it found ("lower N upper N" and one line
; "region ADDR LEN" per available region, in decimal) and exits with 0 if
; all fits, EXIT_TOO_MUCH if something lies beyond RAM, EXIT_NO_INFO if
; the information it needs is missing.
%include "abi.inc"
%define RAM_SIZE 0x10000
%define EXIT_TOO_MUCH 3
%define EXIT_NO_INFO 4
; Multiboot v1 (specification 0.6.96, sections 3.1 and 3.3)
%define MB_MAGIC 0x1BADB002
%define MB_FLAGS 0x2                    ; bit 1: give us the memory information
%define MB_BOOT_MAGIC 0x2BADB002        ; in EAX at entry
%define MBI_MEMORY 0x1                  ; info flags: mem_lower, mem_upper valid
%define MBI_MMAP 0x40                   ;             mmap_length, mmap_addr valid
%define MBI_FLAGS 0
%define MBI_MEM_LOWER 4                 ; KiB below 1 MiB
%define MBI_MEM_UPPER 8                 ; KiB above 1 MiB
%define MBI_MMAP_LENGTH 44
%define MBI_MMAP_ADDR 48
%define MMAP_SIZE 0                     ; an entry: size of the rest, then
%define MMAP_ADDR 4                     ; 64-bit base, 64-bit length, type
%define MMAP_LEN 12
%define MMAP_TYPE 20
%define MMAP_AVAILABLE 1
%define KIB_SHIFT 10

bits 32
section .text.start
        align 4
        dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

section .text
global _start
_start:
        cmp eax, MB_BOOT_MAGIC
        jne .no_info
        mov ebp, ebx                    ; EBP = the information structure
        test dword [ebp + MBI_FLAGS], MBI_MEMORY
        jz .no_info
        test dword [ebp + MBI_FLAGS], MBI_MMAP
        jz .no_info
        xor edi, edi                    ; EDI = 1 once something is too much
        PRINT "lower "
        mov eax, [ebp + MBI_MEM_LOWER]
        PUTNUM eax
        PRINT " upper "
        PUTNUM dword [ebp + MBI_MEM_UPPER]
        PUTC 10
        shl eax, KIB_SHIFT
        cmp eax, RAM_SIZE
        jbe .lower_ok
        mov edi, 1
.lower_ok:
        cmp dword [ebp + MBI_MEM_UPPER], 0
        je .upper_ok
        mov edi, 1
.upper_ok:
        mov esi, [ebp + MBI_MMAP_ADDR]  ; walk the memory map
        mov ecx, [ebp + MBI_MMAP_LENGTH]
        add ecx, esi                    ; ECX = its end
.entry: cmp esi, ecx
        jae .done
        cmp dword [esi + MMAP_TYPE], MMAP_AVAILABLE
        jne .next
        mov eax, [esi + MMAP_LEN]
        or eax, [esi + MMAP_LEN + 4]
        jz .next                        ; an empty region offers nothing
        PRINT "region "
        PUTNUM dword [esi + MMAP_ADDR]
        PUTC ' '
        PUTNUM dword [esi + MMAP_LEN]
        PUTC 10
        cmp dword [esi + MMAP_ADDR + 4], 0
        jne .too_much
        cmp dword [esi + MMAP_LEN + 4], 0
        jne .too_much
        mov eax, [esi + MMAP_ADDR]
        add eax, [esi + MMAP_LEN]
        jc .too_much
        cmp eax, RAM_SIZE
        jbe .next
.too_much:
        mov edi, 1
.next:  mov eax, [esi + MMAP_SIZE]
        lea esi, [esi + eax + 4]
        jmp .entry
.done:  test edi, edi
        jnz .fail
        EXIT 0
.fail:  EXIT EXIT_TOO_MUCH
.no_info:
        PRINT "no memory information", 10
        EXIT EXIT_NO_INFO
