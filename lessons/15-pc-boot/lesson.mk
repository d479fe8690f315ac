# lesson.mk - how lesson 15's kernel is built: gcc compiles kernel.c for
# 32-bit freestanding code, nasm assembles kernel_entry.asm, and ld links
# them with guest/guest.ld at lesson.conf's load_addr (0x1000). The disk
# images (kernel.img: boot.asm's sector, then kernel.elf's bytes) come from
# the rules scripts/lessonconf.py writes into build/lessons.mk for a lesson
# with boot = disk. The exercise (exercise.c, built by `make check`) links
# with the same kernel_entry.o; its solution is built here.
PC_BOOT_DIR := lessons/15-pc-boot
EXTRA_GUESTS += $(PC_BOOT_DIR)/kernel.elf \
                $(patsubst %.c,%.elf,$(wildcard $(PC_BOOT_DIR)/solution/exercise.c))

# kernel_entry.asm is not a guest by itself (it calls kernel_main): keep it
# out of the Makefile's list of one-file guests. boot.asm stays one: boot.elf.
GUEST_ASM := $(filter-out $(PC_BOOT_DIR)/kernel_entry.asm,$(GUEST_ASM))
GUEST_ELFS := $(filter-out $(PC_BOOT_DIR)/kernel_entry.elf,$(GUEST_ELFS))

# Freestanding 32-bit code, -O0 for gdb (lesson 14's README explains each flag).
PC_BOOT_CFLAGS := -m32 -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
                  -fno-asynchronous-unwind-tables -fcf-protection=none -mgeneral-regs-only \
                  -nostdlib -g -O0 -Wall -Wextra -Werror
PC_BOOT_LD = ld -m elf_i386 -n --build-id=none --no-warn-rwx-segments \
             --defsym=LOAD_ADDR=$(LOAD_ADDR) -T guest/guest.ld

$(PC_BOOT_DIR)/kernel.o $(PC_BOOT_DIR)/exercise.o $(PC_BOOT_DIR)/solution/exercise.o: %.o: %.c $(PC_BOOT_DIR)/vga.h
	$(call say,CC,$<)
	$(Q)gcc $(PC_BOOT_CFLAGS) -I$(PC_BOOT_DIR) -c -o $@ $<

# `make lessons/15-pc-boot/exercise.img` builds the student's exercise.c and its image.
$(PC_BOOT_DIR)/kernel.elf $(PC_BOOT_DIR)/exercise.elf $(PC_BOOT_DIR)/solution/exercise.elf: %.elf: \
		$(PC_BOOT_DIR)/kernel_entry.o %.o guest/guest.ld
	$(call say,LD,$@)
	$(Q)$(PC_BOOT_LD) -o $@ $(filter %.o,$^)
