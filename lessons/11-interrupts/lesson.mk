# lesson.mk - lesson 11 is a 64-bit guest at 1 MiB and needs interrupt
# hardware: kvm-vmm's --irqchip (KVM's PIC and PIT, the PS/2 keyboard).
# The exercise and its solution are built the same way.
INTERRUPTS_DIR := lessons/11-interrupts
INTERRUPTS_ELFS := $(INTERRUPTS_DIR)/interrupts.elf $(INTERRUPTS_DIR)/exercise.elf \
                   $(INTERRUPTS_DIR)/solution/exercise.elf
$(INTERRUPTS_ELFS): NASM_FORMAT := elf64
$(INTERRUPTS_ELFS): LOAD_ADDR := 0x100000
ARGS.11-interrupts := --irqchip
