; exercise.asm - lesson 13 exercise: a spinlock and "who finished last" on
; four CPUs. Fill in every "; TODO:" below, then grade it:
;     make check LESSON=13
; Try it by hand: make lessons/13-smp/exercise.elf, then
;     ./kvm-vmm --smp 4 lessons/13-smp/exercise.elf
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

        ; TODO: find out whether this CPU is the last to finish: put 1 in
        ;       rax, then `lock xadd [finished], rax` adds it to `finished`
        ;       and leaves the old value in rax. If rax is not NCPUS - 1,
        ;       another CPU is still adding: jmp park. Otherwise fall
        ;       through to done (keep rax as it is: the grader reads it).
        jmp park                        ; replace this line
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
        ; TODO: swap LOCKED into lock_word with `xchg eax, [lock_word]`
        ;       (eax = LOCKED first; xchg with memory is always atomic). The
        ;       old value in eax is UNLOCKED: the lock is ours, ret. It is
        ;       LOCKED: another CPU holds it; `pause` and try again.
        ;       You may change eax: the caller does not keep anything there.
        ret

; spin_unlock - give lock_word back.
spin_unlock:
        ; TODO: store UNLOCKED in lock_word (a plain dword mov is enough on x86).
        ret

section .data
align 8
sum:            dq 0                    ; the shared sum
finished:       dq 0                    ; CPUs that are done adding
lock_word:      dd UNLOCKED

section .bss
alignb STACK_SIZE
stacks:         resb NCPUS * STACK_SIZE
