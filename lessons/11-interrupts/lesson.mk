# lesson.mk - lesson 11 is a 64-bit guest at 1 MiB and needs interrupt
# hardware: kvm-vmm's --irqchip (KVM's PIC and PIT, the PS/2 keyboard).
lessons/11-interrupts/interrupts.elf: NASM_FORMAT := elf64
lessons/11-interrupts/interrupts.elf: LOAD_ADDR := 0x100000
ARGS.11-interrupts := --irqchip
