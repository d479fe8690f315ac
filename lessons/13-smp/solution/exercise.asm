; exercise.asm - lesson 13 exercise, reference solution: an xchg spinlock,
; and `lock xadd` on a counter to find the CPU that finishes last.
;
; Every CPU adds its number plus one (1, 2, 3 or 4) to the shared `sum`,
; ADD_K times, inside the spinlock. Goal (what the grader checks):
;   1. spin_lock and spin_unlock work, so no addition is lost: at the label
;      `done`, `sum` is ADD_K x (1 + 2 + 3 + 4) = 5000;
;   2. the last CPU to finish, and only that one, reaches `done`: it finds
;      out with `lock xadd` on `finished`, which leaves the old value,
;      NCPUS - 1 = 3, in RAX;
;   3. it prints "sum: 5000" and exits with code 0 (exercise-expected.txt).

%include "abi.inc"

%define NCPUS           4               ; run with --smp 4
%define ADD_K           500             ; additions per CPU
%define STACK_SIZE      4096
%define STACK_SHIFT     12
%define UNLOCKED        0
%define LOCKED          1
%define NEWLINE         10

bits 64
section .text
global _start
_start:
        lea rax, [rdi + 1]              ; a stack per CPU, before any push
        shl rax, STACK_SHIFT
        add rax, stacks
        mov rsp, rax
        lea rbx, [rdi + 1]              ; rbx = what this CPU adds: 1 .. NCPUS

        mov ecx, ADD_K
.add:   call spin_lock
        mov rax, [sum]                  ; read, add, write: three steps that
        add rax, rbx                    ; another CPU must not come between
        mov [sum], rax
        call spin_unlock
        dec ecx
        jnz .add

        mov eax, 1
        lock xadd [finished], rax       ; rax = how many had finished before us
        cmp rax, NCPUS - 1
        jne park                        ; others are still adding
done:                                   ; only the last CPU gets here
        PRINT "sum: "
        PUTNUM dword [sum]
        PUTC NEWLINE
        EXIT 0

park:                                   ; nothing left to do: stop this CPU
        cli
        hlt
        jmp park

; spin_lock - wait until lock_word is ours.
spin_lock:
.try:   mov eax, LOCKED
        xchg eax, [lock_word]           ; atomic: take it, see who had it
        cmp eax, UNLOCKED
        je .taken
        pause                           ; someone else has it: wait a little
        jmp .try
.taken: ret

; spin_unlock - give lock_word back.
spin_unlock:
        mov dword [lock_word], UNLOCKED
        ret

section .data
align 8
sum:            dq 0                    ; the shared sum
finished:       dq 0                    ; CPUs that are done adding
lock_word:      dd UNLOCKED

section .bss
alignb STACK_SIZE
stacks:         resb NCPUS * STACK_SIZE
