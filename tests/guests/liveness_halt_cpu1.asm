; liveness_halt_cpu1.asm - for --smp 2: vCPU 1 halts for good at once
; (cli; hlt) while vCPU 0 spins. gdb can then ask to step the halted one.
bits 16
section .text
global _start, spin, halt
_start:
        test di, di
        jnz halt
spin:   jmp spin
halt:   cli
        hlt
