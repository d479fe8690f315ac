; smp.asm - lesson 13: one guest, several CPUs sharing its memory
; (./kvm-vmm --smp 4). Every vCPU starts here at once, in long mode, with its
; number in RDI (docs/smp.md). Each one takes a stack of its own, answers a
; roll call, says hello in its turn, then adds 1 to two shared counters
; COUNT_K times each: once with an atomic `lock inc`, once inside a spinlock.
; The last CPU to finish (an atomic "finished" counter says which) checks
; that both counters are exactly NCPUS x COUNT_K and ends the guest.

%include "abi.inc"

%ifndef NCPUS
%define NCPUS           4               ; the CPUs this guest is built for: --smp 4
%endif
%define COUNT_K         2000            ; additions per CPU, per counter
%define STACK_SIZE      4096            ; per CPU
%define STACK_SHIFT     12              ; log2(STACK_SIZE)
%define CPUID_FEATURES  1               ; CPUID leaf 1: EBX[31:24] = APIC ID
%define APIC_ID_SHIFT   24
%define ROLL_CALL_NS    2000000000      ; how long CPU 0 waits for the others
%define ROLL_CALL_SPINS 100000          ; its rounds between two looks at the clock
%define UNLOCKED        0
%define LOCKED          1
%define EXIT_MISMATCH   1               ; a counter lost an update
%define EXIT_MISSING    2               ; fewer CPUs than NCPUS started
%define NEWLINE         10

bits 64
section .text
global _start
_start:
        ; Every vCPU starts with the same RSP: using it together would mix
        ; their return addresses. Take stack number RDI before any push.
        lea rax, [rdi + 1]
        shl rax, STACK_SHIFT
        add rax, stacks
        mov rsp, rax                    ; the top of this CPU's stack
        mov r15, rdi                    ; r15 = this CPU's number, from here on
        cmp r15, NCPUS
        jae park                        ; built for fewer CPUs than started

        ; The roll call: everyone counts itself in, then waits for the rest.
        lock inc qword [arrived]
        call wait_for_everyone

        ; Hello, one CPU at a time: CPU n waits until `turn` is n. Only the
        ; CPU whose turn it is writes `turn`, so a plain store passes it on.
.my_turn:
        pause                           ; a spin-wait hint to the CPU
        cmp [turn], r15
        jne .my_turn
        mov eax, CPUID_FEATURES
        cpuid                           ; ebx[31:24] = this CPU's APIC ID
        shr ebx, APIC_ID_SHIFT
        PRINT "cpu "
        PUTNUM r15d
        PRINT ": hello, APIC ID "
        PUTNUM ebx
        PUTC NEWLINE
        inc qword [turn]                ; the next CPU's turn

        ; Counter 1: `lock` makes the read-modify-write one indivisible step.
        mov ecx, COUNT_K
.atomic:
        lock inc qword [atomic_counter]
        dec ecx
        jnz .atomic

        ; Counter 2: a plain read, add and write, made safe by the lock:
        ; only one CPU at a time is between spin_lock and spin_unlock.
        mov ecx, COUNT_K
.locked:
        call spin_lock
        mov rax, [locked_counter]
        inc rax
        mov [locked_counter], rax
        call spin_unlock
        dec ecx
        jnz .locked

        ; Which CPU is last? xadd returns the old value: NCPUS - 1 means
        ; every other CPU had finished already.
        mov eax, 1
        lock xadd [finished], rax
        cmp rax, NCPUS - 1
        jne park                        ; not the last: nothing left to do
last_cpu:                               ; only the last CPU gets here
        mov rbx, NCPUS * COUNT_K        ; what both counters must say
        PRINT "atomic counter: "
        PUTNUM dword [atomic_counter]
        PRINT NEWLINE, "locked counter: "
        PUTNUM dword [locked_counter]
        PRINT NEWLINE, "expected:       "
        PUTNUM ebx
        PUTC NEWLINE
        cmp [atomic_counter], rbx
        jne .mismatch
        cmp [locked_counter], rbx
        jne .mismatch
        PRINT "both counters are exact", NEWLINE
        EXIT 0
.mismatch:
        PRINT "a counter lost updates", NEWLINE
        EXIT EXIT_MISMATCH

; park - a CPU with nothing left to do stops for good. The guest ends when
; the last CPU exits (or when every CPU has halted).
park:
        cli
        hlt
        jmp park

; spin_lock - take `lock_word`. xchg with memory is always atomic: it
; swaps in LOCKED and returns the old value; UNLOCKED means we got it.
; While another CPU holds it, spin reading (no writes, no bus locking).
spin_lock:
        push rax
.try:   mov eax, LOCKED
        xchg eax, [lock_word]
        cmp eax, UNLOCKED
        je .taken
.wait:  pause
        cmp dword [lock_word], UNLOCKED
        jne .wait
        jmp .try
.taken: pop rax
        ret

; spin_unlock - on x86 a plain store releases: earlier writes (the
; counter) become visible to the other CPUs before this one.
spin_unlock:
        mov dword [lock_word], UNLOCKED
        ret

; wait_for_everyone - spin until `arrived` is NCPUS. CPU 0 gives up after
; ROLL_CALL_NS (host time, TIME hypercall): the guest was started with
; fewer vCPUs than it was built for. It asks the time only once per
; ROLL_CALL_SPINS rounds: a hypercall is a VM exit, and the others have
; normally arrived long before the first batch of rounds is over.
wait_for_everyone:
        test r15, r15
        jnz .spin                       ; only CPU 0 keeps time
        HYPERCALL HC_TIME
        shl rdx, 32
        or rax, rdx
        mov rsi, rax                    ; rsi = when CPU 0 started waiting
.batch: mov ecx, ROLL_CALL_SPINS
.spin:  pause
        cmp qword [arrived], NCPUS
        je .all_here
        test r15, r15
        jnz .spin
        dec ecx
        jnz .spin
        HYPERCALL HC_TIME               ; CPU 0, after a batch of rounds
        shl rdx, 32
        or rax, rdx
        sub rax, rsi
        cmp rax, ROLL_CALL_NS
        jb .batch
        PRINT "only "
        PUTNUM dword [arrived]
        PRINT " of "
        PUTNUM NCPUS
        PRINT " CPUs started: run this guest with --smp "
        PUTNUM NCPUS
        PUTC NEWLINE
        EXIT EXIT_MISSING
.all_here:
        ret

section .data
align 8
arrived:        dq 0                    ; CPUs that have started
turn:           dq 0                    ; whose turn it is to say hello
atomic_counter: dq 0                    ; lock inc, COUNT_K per CPU
locked_counter: dq 0                    ; under lock_word, COUNT_K per CPU
finished:       dq 0                    ; CPUs that are done counting
lock_word:      dd UNLOCKED             ; the spinlock

section .bss
alignb STACK_SIZE
stacks:         resb NCPUS * STACK_SIZE ; CPU n's stack ends at stacks + (n+1) * STACK_SIZE
