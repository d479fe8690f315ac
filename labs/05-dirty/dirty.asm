; dirty.asm - lab 05's guest: asks kvm-vmm which pages it wrote. It starts
; tracking (hypercall DIRTY_START), writes to some pages, and asks for the
; report (DIRTY_REPORT), then prints what came back in EAX and the page
; numbers kvm-vmm put into its buffer: "4: 32 37 64 127", or just EAX when
; it is HC_ERROR ("4294967295"). stdin's first character picks the case:
;   1  pages 0x20, 0x25, 0x40, 0x7F                   -> 4: 32 37 64 127
;   2  page 0x30, written by a subroutine: `call`
;      pushes its return address below 0x7C00        -> 2: 7 48
;   3  page 0x20, START again, page 0x21              -> 1: 33
;   4  page 0x20, then two reports: between them
;      only printing the first one, with the stack    -> 1: 32, then 1: 7
;   5  pages 0x20..0x23 into a buffer of 2 entries,
;      then whether the dword after them is intact   -> 4: 32 33, canary intact
;   6  a buffer outside the guest's RAM               -> HC_ERROR
;   7  a buffer of 0x40000001 entries (x 4 bytes
;      wraps to 4 in 32 bits)                         -> HC_ERROR
;   8  a report without START                         -> HC_ERROR
; Between START and the first REPORT nothing else is written: no stack (no
; call, push or PUTNUM) but case 2's `call`; the buffer is kvm-vmm's to
; write. The case is chosen before START: HC_GETCHAR writes no memory.

%include "abi.inc"

%define HC_DIRTY_START  8
%define HC_DIRTY_REPORT 9

%define BUFFER          0x10000         ; the report's buffer (page 0x10) ...
%define BUFFER_SEG      0x1000          ; ... as a real-mode segment
%define CAPACITY        16              ; its entries, a dword each
%define SMALL_CAPACITY  2               ; case 5: fewer entries than pages
%define ENTRY_SIZE      4
%define CANARY          0xC0FFEE        ; case 5: the dword after the entries
%define PAST_RAM        0xFFFFF000      ; far above the guest's RAM
%define HUGE_CAPACITY   0x40000001      ; x ENTRY_SIZE = 0x100000004
%define NEWLINE         10
%define PARAGRAPHS_PER_PAGE 0x100       ; a real-mode segment counts 16 bytes

; REPORT - DIRTY_REPORT into BUFFER with ecx entries (no stack used), then
; print what came back.
%macro REPORT 0
        mov ebx, BUFFER
        HYPERCALL HC_DIRTY_REPORT       ; eax = pages written, or HC_ERROR
        call print_report
%endmacro

; TOUCH page - write one byte at the start of page `page` (below 1 MiB).
%macro TOUCH 1
        mov ax, (%1) * PARAGRAPHS_PER_PAGE
        mov es, ax
        mov byte [es:0], 1
%endmacro

bits 16
section .text
global _start
_start:
        HYPERCALL HC_GETCHAR            ; al = which case
        mov ecx, CAPACITY               ; the entries REPORT may fill
        cmp al, '1'
        je four_pages
        cmp al, '2'
        je stack_page
        cmp al, '3'
        je start_twice
        cmp al, '4'
        je two_reports
        cmp al, '5'
        je small_buffer
        cmp al, '6'
        je past_ram
        cmp al, '7'
        je huge_buffer
        cmp al, '8'
        je no_start
        EXIT 1                          ; no such case

four_pages:
        HYPERCALL HC_DIRTY_START
        TOUCH 0x20
        TOUCH 0x25
        TOUCH 0x40
        TOUCH 0x7F
        jmp report_and_exit

stack_page:
        HYPERCALL HC_DIRTY_START
        call touch_page_0x30            ; pushes the return address
        jmp report_and_exit

start_twice:
        HYPERCALL HC_DIRTY_START
        TOUCH 0x20
        HYPERCALL HC_DIRTY_START        ; forget page 0x20
        TOUCH 0x21
        jmp report_and_exit

two_reports:
        HYPERCALL HC_DIRTY_START
        TOUCH 0x20
        REPORT
        mov ecx, CAPACITY
        jmp report_and_exit             ; nothing written since but the stack

small_buffer:
        mov ax, BUFFER_SEG              ; before START: not in the report
        mov es, ax
        mov dword [es:SMALL_CAPACITY * ENTRY_SIZE], CANARY
        HYPERCALL HC_DIRTY_START
        TOUCH 0x20
        TOUCH 0x21
        TOUCH 0x22
        TOUCH 0x23
        mov ecx, SMALL_CAPACITY
        REPORT
        mov ax, BUFFER_SEG
        mov es, ax
        cmp dword [es:SMALL_CAPACITY * ENTRY_SIZE], CANARY
        jne .overwritten
        PRINT "canary intact", NEWLINE
        EXIT 0
.overwritten:
        PRINT "canary overwritten", NEWLINE
        EXIT 0

past_ram:
        HYPERCALL HC_DIRTY_START
        mov ebx, PAST_RAM
        HYPERCALL HC_DIRTY_REPORT
        jmp print_eax

huge_buffer:
        HYPERCALL HC_DIRTY_START
        mov ebx, BUFFER
        mov ecx, HUGE_CAPACITY
        HYPERCALL HC_DIRTY_REPORT
        jmp print_eax

no_start:
        TOUCH 0x20
        jmp report_and_exit

report_and_exit:
        REPORT
        EXIT 0

print_eax:
        PUTNUM eax
        PUTC NEWLINE
        EXIT 0

; touch_page_0x30 - case 2's write, in a subroutine.
touch_page_0x30:
        TOUCH 0x30
        ret

; print_report - print EAX, REPORT's result, and the entries kvm-vmm
; filled in BUFFER: min(EAX, ecx) of them.
print_report:
        PUTNUM eax
        cmp eax, HC_ERROR
        je .done
        PUTC ':'
        cmp eax, ecx
        jae .print                      ; ecx = entries to print
        mov ecx, eax
.print:
        mov ax, BUFFER_SEG
        mov es, ax
        xor si, si
.next:  jecxz .done
        PUTC ' '
        PUTNUM dword [es:si]
        add si, ENTRY_SIZE
        dec ecx
        jmp .next
.done:  PUTC NEWLINE
        ret
