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

tests/guests/barebones.elf: LOAD_ADDR := 0x100000
