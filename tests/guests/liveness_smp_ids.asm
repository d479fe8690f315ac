; liveness_smp_ids.asm - every vCPU writes one line "vcpu N" (N from DI,
; the vCPU number kvm-vmm passes) with a single WRITE hypercall, so lines
; of different vCPUs never mix, then halts with interrupts off.
%include "abi.inc"
%define MSG_LEN 8
%define MAX_CPUS 4
bits 16
section .text
global _start
_start:
        cmp di, MAX_CPUS
        jae .halt
        movzx ebx, di                   ; EBX = lines + DI * MSG_LEN
        shl ebx, 3
        add ebx, lines
        mov ecx, MSG_LEN - 1
        HYPERCALL HC_WRITE
.halt:  cli
        hlt
lines:  db "vcpu 0", 10, 0
        db "vcpu 1", 10, 0
        db "vcpu 2", 10, 0
        db "vcpu 3", 10, 0
