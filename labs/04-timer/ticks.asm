; ticks.asm - lab 04's guest: programs the lab's timer (ports 0x520-0x522,
; README.md) and counts its interrupts in a real-mode handler. stdin's
; first character picks the case:
;   1  TICKS_WANTED ticks of PERIOD_MS: "10 ticks in N ms"
;   2  the timer on while IF = 0: no tick may come; then sti, and the tick
;      that waited must come at once, before the guest makes an exit
;   3  a few ticks, then the timer off: no tick may come after
; Every other vector of the interrupt vector table leads to `stray`, which
; says so and exits with EXIT_STRAY. The guest never halts (without an
; interrupt controller a hlt would end it): it spins, and asks the host's
; clock (HC_TIME) how long it waited.

%include "abi.inc"

%define PORT_TIMER_CTRL   0x520         ; out, 1 byte: TIMER_ON or TIMER_OFF
%define PORT_TIMER_VECTOR 0x521         ; out, 1 byte: the vector of a tick
%define PORT_TIMER_PERIOD 0x522         ; out, 2 bytes: the period in ms
%define TIMER_OFF         0
%define TIMER_ON          1

%define TICK_VECTOR       0x40          ; where our handler is
%define PERIOD_MS         20
%define TICKS_WANTED      10
%define TICKS_BEFORE_STOP 3
%define QUIET_MS          200           ; how long to watch for ticks that must not come
%define SLOW_PERIOD_MS    300           ; case 2: one tick falls due at 300 ms,
%define SLOW_WAIT_MS      500           ; the guest enables interrupts at 500 ms,
%define SPINS_AFTER_STI   4096          ; and looks for it a while (a few ms at most)
%define GIVE_UP_MS        5000          ; ticks that never come
%define SPINS_PER_CHECK   1000          ; spins between two looks at the clock

%define IVT_ENTRIES       256
%define IVT_ENTRY_SIZE    4             ; offset, segment
%define NS_PER_MS         1000000
%define EXIT_STRAY        3
%define EXIT_NO_TICKS     4
%define NEWLINE           10

bits 16
section .text
global _start
_start:
        cli
        call ivt_setup
        HYPERCALL HC_GETCHAR            ; al = which case
        cmp al, '1'
        je case_ticks
        cmp al, '2'
        je case_interrupts_off
        cmp al, '3'
        je case_stop
        EXIT 1                          ; no such case

case_ticks:
        mov ax, PERIOD_MS
        call timer_start
        sti
        mov ebx, TICKS_WANTED
        call wait_ticks                 ; eax = ms it took
        cli
        call timer_stop
        PUTNUM dword TICKS_WANTED
        PRINT " ticks in "
        PUTNUM eax
        PRINT " ms", NEWLINE
        jmp done

case_interrupts_off:
        mov ax, SLOW_PERIOD_MS
        call timer_start                ; IF = 0 since _start
        mov ebx, SLOW_WAIT_MS
        call wait_ms                    ; a tick falls due, it may not come
        PRINT "ticks while IF=0: "
        PUTNUM dword [ticks]
        PUTC NEWLINE
        ; The tick that waited must come as soon as IF = 1, long before
        ; the next one falls due: with no exit of ours in between.
        mov ecx, SPINS_AFTER_STI
        sti
.spin:  cmp dword [ticks], 0
        jne .came
        dec ecx
        jnz .spin
.came:  mov eax, [ticks]
        cli
        call timer_stop
        PRINT "ticks right after sti: "
        PUTNUM eax
        PUTC NEWLINE
        jmp done

case_stop:
        mov ax, PERIOD_MS
        call timer_start
        sti
        mov ebx, TICKS_BEFORE_STOP
        call wait_ticks
        call timer_stop                 ; interrupts still enabled
        mov esi, [ticks]
        mov ebx, QUIET_MS
        call wait_ms
        mov eax, [ticks]
        sub eax, esi
        cli
        PRINT "ticks after stop: "
        PUTNUM eax
        PUTC NEWLINE
done:
        EXIT 0

; --- the timer --------------------------------------------------------------
; timer_start - the timer on, every ax ms, at TICK_VECTOR.
timer_start:
        push ax
        push dx
        mov dx, PORT_TIMER_PERIOD       ; a port above 0xFF: through dx
        out dx, ax                      ; 2 bytes
        mov al, TICK_VECTOR
        mov dx, PORT_TIMER_VECTOR
        out dx, al
        mov al, TIMER_ON
        mov dx, PORT_TIMER_CTRL
        out dx, al
        pop dx
        pop ax
        ret

timer_stop:
        push ax
        push dx
        mov al, TIMER_OFF
        mov dx, PORT_TIMER_CTRL
        out dx, al
        pop dx
        pop ax
        ret

; --- waiting ----------------------------------------------------------------
; now_ms - eax = the host's monotonic clock in ms (low 32 bits).
now_ms:
        push ebx
        push ecx
        push edx
        HYPERCALL HC_TIME               ; edx:eax = ns
        mov ebx, NS_PER_MS
        mov ecx, eax                    ; a 64-bit division in two steps:
        mov eax, edx
        xor edx, edx
        div ebx                         ; the high half first,
        mov eax, ecx
        div ebx                         ; then the remainder and the low half
        pop edx
        pop ecx
        pop ebx
        ret

; wait_ticks - spin until [ticks] >= ebx; eax = the ms it took. Gives up
; after GIVE_UP_MS with EXIT_NO_TICKS.
wait_ticks:
        push ecx
        push esi
        call now_ms
        mov esi, eax                    ; esi = start
.check: call now_ms
        sub eax, esi
        cmp eax, GIVE_UP_MS
        jae .give_up
        mov ecx, SPINS_PER_CHECK
.spin:  cmp [ticks], ebx                ; no exit here: the timer must kick us
        jae .done
        dec ecx
        jnz .spin
        jmp .check
.done:  call now_ms
        sub eax, esi
        pop esi
        pop ecx
        ret
.give_up:
        PRINT "only "
        PUTNUM dword [ticks]
        PRINT " ticks in "
        PUTNUM dword GIVE_UP_MS
        PRINT " ms", NEWLINE
        EXIT EXIT_NO_TICKS

; wait_ms - spin for ebx ms.
wait_ms:
        push esi
        call now_ms
        mov esi, eax
.again: call now_ms
        sub eax, esi
        cmp eax, ebx
        jb .again
        pop esi
        ret

; --- interrupts -------------------------------------------------------------
; ivt_setup - every vector to `stray`, TICK_VECTOR to `tick`.
ivt_setup:
        xor di, di                      ; es:di = the IVT at 0:0
        mov cx, IVT_ENTRIES
.entry: mov word [es:di], stray
        mov word [es:di + 2], 0         ; segment 0
        add di, IVT_ENTRY_SIZE
        loop .entry
        mov word [es:TICK_VECTOR * IVT_ENTRY_SIZE], tick
        ret

; tick - the timer's interrupt: count it.
tick:
        inc dword [cs:ticks]
        iret

; stray - any other vector: the timer raised the wrong one.
stray:
        PRINT "interrupt at a vector other than 0x40", NEWLINE
        EXIT EXIT_STRAY

section .data
ticks:  dd 0
