; smp2.asm - lesson 13's guest built for two CPUs: ./kvm-vmm --smp 2 lessons/13-smp/smp2.elf
%define NCPUS 2
%include "smp.asm"
