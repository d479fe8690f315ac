; log.asm - lab 01's guest: calls the LOG hypercall (6) in the way stdin's
; first character asks, then prints what came back in EAX in decimal and
; exits. The grader runs one case per test:
;   1  a short string                        -> its length, and a log line
;   2  a string past the end of RAM          -> HC_ERROR
;   3  a range whose end wraps past 4 GiB    -> HC_ERROR
;   4  LOG_MAX + 1 bytes                     -> HC_ERROR
;   5  a string with control characters      -> its length, shown with dots
;   6  exactly LOG_MAX bytes                 -> LOG_MAX
;   7  hypercall 7, which nobody adds        -> HC_ERROR

%include "abi.inc"

%define HC_LOG          6
%define HC_UNKNOWN      7               ; a number no lab adds
%define LOG_MAX         256
%define NEWLINE         10
%define TAB             9
%define BELL            7
%define PAST_RAM        0xFFFFF000      ; far above the guest's RAM
%define WRAPS           0xFFFFFFF0      ; + WRAP_LEN wraps to 0x10 in 32 bits
%define WRAP_LEN        0x20
%define PAST_RAM_LEN    16

bits 16
section .text
global _start
_start:
        HYPERCALL HC_GETCHAR            ; al = which case
        cmp al, '1'
        je short_string
        cmp al, '2'
        je past_ram
        cmp al, '3'
        je wraps
        cmp al, '4'
        je too_long
        cmp al, '5'
        je control_chars
        cmp al, '6'
        je longest
        cmp al, '7'
        je unknown
        EXIT 1                          ; no such case

short_string:
        mov ebx, hello
        mov ecx, hello_len
        jmp call_log
past_ram:
        mov ebx, PAST_RAM
        mov ecx, PAST_RAM_LEN
        jmp call_log
wraps:
        mov ebx, WRAPS
        mov ecx, WRAP_LEN
        jmp call_log
too_long:
        mov ebx, filler
        mov ecx, LOG_MAX + 1
        jmp call_log
control_chars:
        mov ebx, controls
        mov ecx, controls_len
        jmp call_log
longest:
        mov ebx, filler
        mov ecx, LOG_MAX
        jmp call_log
unknown:
        mov ebx, hello
        mov ecx, hello_len
        HYPERCALL HC_UNKNOWN
        jmp print_result

call_log:
        HYPERCALL HC_LOG                ; eax = length, or HC_ERROR
print_result:
        PUTNUM eax
        PUTC NEWLINE
        EXIT 0
        hlt

hello:          db "hello from the guest"
hello_len       equ $ - hello
controls:       db "tab", TAB, "bell", BELL
controls_len    equ $ - controls
filler:         times LOG_MAX + 1 db 'x'
