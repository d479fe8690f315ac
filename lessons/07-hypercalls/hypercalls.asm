; hypercalls.asm - lesson 07: every hypercall of kvm-vmm's port 0x500.
; A hypercall is one `out` to PORT_HYPERCALL with the call number in AL and
; arguments in EBX, ECX, EDX; kvm-vmm does the work during that single VM
; exit and puts the result in EAX. Uses PUTNUM, WRITE, TIME, GETCHAR (echoing
; stdin in upper case until end of input), PUTCHAR and EXIT with code 7.
; These ports are kvm-vmm's own: this guest does not run under QEMU.

%include "abi.inc"

%define EXIT_CODE   7           ; what `echo $?` shows after the run
%define BIG_NUMBER  0xFFFFFFFF  ; the largest unsigned 32-bit number
%define OUTSIDE_RAM 0xFFFF0000  ; an address no guest has RAM at (--mem < 3G)
%define BAD_CALL    99          ; no hypercall has this number
%define LINE_MAX    256         ; longest input line kept before echoing
%define CASE_BIT    0x20        ; 'a' - 'A'
%define NEWLINE     10

; WRITE_TEXT label - print the bytes from label to label_end with one WRITE.
%macro WRITE_TEXT 1
        mov ebx, %1             ; guest physical address (ds = 0: same as the offset)
        mov ecx, %1_end - %1    ; length in bytes
        HYPERCALL HC_WRITE      ; eax = bytes written
%endmacro

bits 16
section .text
global _start
_start:
        cld
        mov di, time_start
        call time_now           ; TIME: remember when we started

; ---- PUTNUM: a number in decimal, printed by the VMM ------------------------
        WRITE_TEXT msg_putnum
        mov ebx, BIG_NUMBER
        HYPERCALL HC_PUTNUM
        call newline

; ---- WRITE: a whole buffer in one exit; bad pointers are refused ------------
        WRITE_TEXT msg_write
        mov esi, eax            ; eax = what WRITE returned: the byte count
        WRITE_TEXT msg_returned
        mov ebx, esi
        HYPERCALL HC_PUTNUM
        call newline

        mov ebx, OUTSIDE_RAM    ; not inside this guest's memory:
        mov ecx, 1
        HYPERCALL HC_WRITE      ; kvm-vmm checks and answers HC_ERROR
        mov esi, eax
        WRITE_TEXT msg_outside
        mov ebx, esi
        HYPERCALL HC_PUTNUM
        call newline

; ---- an unknown number: the guest goes on, EAX = HC_ERROR -------------------
        HYPERCALL BAD_CALL
        mov esi, eax
        WRITE_TEXT msg_unknown
        mov ebx, esi
        HYPERCALL HC_PUTNUM
        call newline

; ---- GETCHAR + PUTCHAR: echo stdin in upper case ------------------------------
; We collect a line before echoing it: the console prints whole lines, and
; GETCHAR flushes a half-printed line before it waits for input.
        WRITE_TEXT msg_echo
        xor ebp, ebp            ; ebp = bytes read in all
read_line:
        mov di, line            ; di = where the next byte of this line goes
read_char:
        HYPERCALL HC_GETCHAR    ; eax = next byte of stdin, or HC_ERROR at the end
        cmp eax, HC_ERROR
        je end_of_input
        inc ebp
        cmp al, 'a'             ; upper-case a..z, keep everything else
        jb .store
        cmp al, 'z'
        ja .store
        sub al, CASE_BIT
.store:
        stosb                   ; [di] = al, di = di + 1
        cmp al, NEWLINE
        je .echo
        cmp di, line_end
        jne read_char
.echo:
        call echo_line          ; a full line (or a full buffer)
        jmp read_line
end_of_input:
        cmp di, line            ; a last line without its newline?
        je .summary
        mov al, NEWLINE
        stosb
        call echo_line
.summary:
        WRITE_TEXT msg_read
        mov ebx, ebp
        HYPERCALL HC_PUTNUM
        WRITE_TEXT msg_bytes

; ---- TIME: nanoseconds of the host's monotonic clock in EDX:EAX ---------------
        mov di, time_end
        call time_now
        mov eax, [time_end]     ; elapsed = end - start, a 64-bit subtraction
        mov edx, [time_end + 4]
        sub eax, [time_start]
        sbb edx, [time_start + 4]   ; borrow from the low half
        jc .backwards
        or eax, edx
        jz .backwards           ; zero: the clock did not move
        WRITE_TEXT msg_time_ok
        jmp .exit
.backwards:
        WRITE_TEXT msg_time_bad

; ---- EXIT: the end, with a code of our choice -----------------------------------
.exit:
        WRITE_TEXT msg_exit
        mov bl, EXIT_CODE
        HYPERCALL HC_EXIT       ; does not return

; time_now - store the TIME hypercall's EDX:EAX as a 64-bit value at [di].
; Written out by hand: HYPERCALL keeps DX, which would hide half the result.
time_now:
        push edx
        mov dx, PORT_HYPERCALL
        mov al, HC_TIME
        out dx, al              ; one exit; EDX:EAX = nanoseconds
        mov [di], eax
        mov [di + 4], edx
        pop edx
        ret

; echo_line - PUTCHAR every byte from line up to di. Keeps di.
echo_line:
        mov si, line
.next:
        cmp si, di
        je .done
        movzx ebx, byte [si]
        HYPERCALL HC_PUTCHAR    ; one exit per character
        inc si
        jmp .next
.done:
        ret

; newline - PUTCHAR a line feed.
newline:
        mov bl, NEWLINE
        HYPERCALL HC_PUTCHAR
        ret

section .rodata
msg_putnum:     db "PUTNUM (3) prints a number in decimal: "
msg_putnum_end:
msg_write:      db "WRITE (4) sends this whole line from guest memory in one exit.", NEWLINE
msg_write_end:
msg_returned:   db "WRITE returned "
msg_returned_end:
msg_outside:    db "WRITE outside guest RAM returned "
msg_outside_end:
msg_unknown:    db "hypercall 99 (there is none) returned "
msg_unknown_end:
msg_echo:       db "GETCHAR (2) reads stdin, PUTCHAR (1) echoes it in upper case:", NEWLINE
msg_echo_end:
msg_read:       db "end of input after "
msg_read_end:
msg_bytes:      db " bytes", NEWLINE
msg_bytes_end:
msg_time_ok:    db "TIME (5): the host clock moved forward while we ran", NEWLINE
msg_time_ok_end:
msg_time_bad:   db "TIME (5): the host clock did not move forward!", NEWLINE
msg_time_bad_end:
msg_exit:       db "EXIT (0) with code 7", NEWLINE
msg_exit_end:

section .bss
time_start:     resq 1
time_end:       resq 1
line:           resb LINE_MAX
line_end:
