; gdb_watch.asm - the guest of the watchpoint and breakpoint tests
; (tests/test_gdb_watch.c) and of the debugger rows of the benchmarks, in
; 64-bit long mode: a `rep stosb` that fills a 13-byte buffer, then a loop
; of TICKS rounds that spins about a thousand instructions, passes six
; labels (six breakpoints, more than the four debug registers) and adds
; one to `ticks`; at the end it reads `ticks` and exits with it (50),
; from code on a page of its own.
bits 64
%include "abi.inc"

%define BUFFER_LEN 13
%define TICKS 50
%define SPIN 500                ; dec + jnz: 1000 instructions a round

section .text align=4096
global _start, rep_store, after_rep, tick, mark0, mark1, mark2, mark3, mark4, mark5
global bump, after_bump, read_ticks, after_read
_start:
        mov rdi, buffer
        mov al, 'x'
        mov ecx, BUFFER_LEN
rep_store:
        rep stosb                       ; one instruction writes all 13 bytes
after_rep:
        mov ebx, TICKS
tick:
        mov ecx, SPIN
spin:   dec ecx
        jnz spin
mark0:  nop
mark1:  nop
mark2:  nop
mark3:  nop
mark4:  nop
mark5:  nop
bump:
        inc dword [ticks]               ; the write a watchpoint reports
after_bump:
        dec ebx
        jnz tick
read_ticks:
        mov eax, [ticks]                ; the read an rwatch reports
after_read:
        jmp far_exit

; Code on a page of its own (a read watchpoint there meets code).
        align 4096, db 0x90
global far_exit
far_exit:
        EXIT al

; The watched data has a page of its own: no code shares it.
section .data align=4096
global buffer, ticks
buffer: times BUFFER_LEN db 0
ticks:  dd 0
