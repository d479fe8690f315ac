# pc.mk - the boot disks of tests/guests/pc/ (raw images, nasm -f bin) that
# tests/test_pc.c boots with --disk and --floppy, and the boot sector with
# symbols of tests/guests/pcelf/: an ELF linked at 0x7C00 for gdb, whose
# bytes make gdb_boot.img.
PC_DISKS := $(patsubst %.asm,%.img,$(wildcard tests/guests/pc/*.asm))
EXTRA_GUESTS += $(PC_DISKS) tests/guests/pcelf/gdb_boot.elf tests/guests/pcelf/gdb_boot.img

tests/guests/pc/%.img: tests/guests/pc/%.asm tests/guests/pc/pc.inc
	$(call say,NASM,$<)
	$(Q)nasm -f bin -Itests/guests/pc/ -o $@ $<

tests/guests/pcelf/gdb_boot.img: tests/guests/pcelf/gdb_boot.elf
	$(call say,OBJCOPY,$@)
	$(Q)objcopy -O binary $< $@

# A 32-bit kernel in miniature, at 1 MiB (vmm/layout.h: LAYOUT_KERNEL_BASE).
tests/guests/kernel32.elf: LOAD_ADDR := 0x100000

# A tutorial-style OS image: a boot sector that loads a C kernel linked at
# 0x1000 (tests/guests/pcos). kernel.elf gives gdb the kernel's symbols.
PCOS := tests/guests/pcos
EXTRA_GUESTS += $(PCOS)/os-image.img $(PCOS)/kernel.elf $(PCOS)/boot.img
PCOS_CFLAGS := -m32 -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
               -fno-asynchronous-unwind-tables -fcf-protection=none -mgeneral-regs-only \
               -nostdlib -g -O0 -Wall -Wextra -Werror

$(PCOS)/boot.img: $(PCOS)/boot.asm
	$(call say,NASM,$<)
	$(Q)nasm -f bin -o $@ $<

$(PCOS)/kernel_entry.o: $(PCOS)/kernel_entry.asm
	$(call say,NASM,$<)
	$(Q)nasm -f elf32 -g -F dwarf -o $@ $<

$(PCOS)/kernel.o: $(PCOS)/kernel.c
	$(call say,CC,$<)
	$(Q)gcc $(PCOS_CFLAGS) -c -o $@ $<

$(PCOS)/kernel.elf: $(PCOS)/kernel_entry.o $(PCOS)/kernel.o guest/guest.ld
	$(call say,LD,$@)
	$(Q)ld -m elf_i386 -n --build-id=none --no-warn-rwx-segments -z noexecstack --defsym=LOAD_ADDR=0x1000 \
	    -T guest/guest.ld -o $@ $(filter %.o,$^)

$(PCOS)/os-image.img: $(PCOS)/boot.img $(PCOS)/kernel.elf
	$(call say,IMG,$@)
	$(Q)objcopy -O binary $(PCOS)/kernel.elf $@.kernel && cat $(PCOS)/boot.img $@.kernel > $@ && \
	    rm -f $@.kernel
tests/guests/barebones.elf: LOAD_ADDR := 0x100000
