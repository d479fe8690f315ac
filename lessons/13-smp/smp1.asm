; smp1.asm - lesson 13's guest built for one CPU: ./kvm-vmm lessons/13-smp/smp1.elf
; (the same program as smp.asm; one CPU finds every lock free).
%define NCPUS 1
%include "smp.asm"
