; halt_irqchip.asm - with --irqchip, `hlt` waits inside KVM for an
; interrupt; with interrupts disabled none can come, so kvm-vmm must still
; notice and end the guest with status 0 instead of hanging.
%include "abi.inc"
bits 16
section .text
global _start
_start:
        PRINT "halting with interrupts off", 10
        cli
        hlt
