# lesson.mk - how lesson 14's C kernel is built: gcc compiles kernel.c and
# serial.c for 32-bit freestanding code, nasm assembles boot.asm (the
# Multiboot header), and ld links them with guest/guest.ld at lesson.conf's
# load_addr (1 MiB). The exercise (exercise.c, built by `make check`) links
# with the same boot.o and serial.o; its solution is built here.
C_KERNEL_DIR := lessons/14-c-kernel
EXTRA_GUESTS += $(C_KERNEL_DIR)/kernel.elf $(C_KERNEL_DIR)/solution/exercise.elf

# boot.asm is not a guest by itself (it calls kmain): keep it out of the
# Makefile's list of one-file guests.
GUEST_ASM := $(filter-out $(C_KERNEL_DIR)/boot.asm,$(GUEST_ASM))
GUEST_ELFS := $(filter-out $(C_KERNEL_DIR)/boot.elf,$(GUEST_ELFS))

# Freestanding: no C library, no start files, no host assumptions.
# -O0 keeps every variable where gdb can see it; -fcf-protection=none
# leaves out the endbr32 markers a kernel without CET has no use for.
KERNEL_CC := gcc
KERNEL_CFLAGS := -m32 -std=gnu11 -ffreestanding -fno-pic -fno-pie \
                 -fno-stack-protector -fno-asynchronous-unwind-tables \
                 -fcf-protection=none -mgeneral-regs-only -nostdlib \
                 -g -O0 -Wall -Wextra -Werror
C_KERNEL_HEADERS := $(wildcard $(C_KERNEL_DIR)/*.h)
C_KERNEL_LD = ld -m elf_i386 -n --build-id=none --no-warn-rwx-segments \
              --defsym=LOAD_ADDR=$(LOAD_ADDR) -T guest/guest.ld

$(C_KERNEL_DIR)/kernel.o $(C_KERNEL_DIR)/serial.o $(C_KERNEL_DIR)/solution/exercise.o: %.o: %.c $(C_KERNEL_HEADERS)
	$(call say,CC,$<)
	$(Q)$(KERNEL_CC) $(KERNEL_CFLAGS) -I$(C_KERNEL_DIR) -c -o $@ $<

$(C_KERNEL_DIR)/kernel.elf: $(C_KERNEL_DIR)/boot.o $(C_KERNEL_DIR)/kernel.o $(C_KERNEL_DIR)/serial.o guest/guest.ld
	$(call say,LD,$@)
	$(Q)$(C_KERNEL_LD) -o $@ $(filter %.o,$^)

$(C_KERNEL_DIR)/solution/exercise.elf: $(C_KERNEL_DIR)/boot.o $(C_KERNEL_DIR)/solution/exercise.o $(C_KERNEL_DIR)/serial.o guest/guest.ld
	$(call say,LD,$@)
	$(Q)$(C_KERNEL_LD) -o $@ $(filter %.o,$^)

# `make lessons/14-c-kernel/exercise.elf` builds the student's exercise.c.
$(C_KERNEL_DIR)/exercise.o: $(C_KERNEL_DIR)/exercise.c $(C_KERNEL_HEADERS)
	$(call say,CC,$<)
	$(Q)$(KERNEL_CC) $(KERNEL_CFLAGS) -I$(C_KERNEL_DIR) -c -o $@ $<

$(C_KERNEL_DIR)/exercise.elf: $(C_KERNEL_DIR)/boot.o $(C_KERNEL_DIR)/exercise.o $(C_KERNEL_DIR)/serial.o guest/guest.ld
	$(call say,LD,$@)
	$(Q)$(C_KERNEL_LD) -o $@ $(filter %.o,$^)

# The Makefile adds this only for the guests it knows (boot.asm was taken out).
$(C_KERNEL_DIR)/boot.o: guest/abi.inc
