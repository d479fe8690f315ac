# hostile.mk - how the hostile test guests (tests/test_hostile.c) are built:
# the protected and long-mode ones live at 1 MiB (vmm/layout.h:
# LAYOUT_KERNEL_BASE); the long-mode ones are ELF64.
HOSTILE_AT_1M := pagetables pagetables_far void void64 mmio flood hcptr spin64
$(foreach g,$(HOSTILE_AT_1M),$(eval tests/guests/hostile_$(g).elf: LOAD_ADDR := 0x100000))
tests/guests/hostile_pagetables.elf: NASM_FORMAT := elf64
tests/guests/hostile_pagetables_far.elf: NASM_FORMAT := elf64
tests/guests/hostile_void64.elf: NASM_FORMAT := elf64
tests/guests/hostile_spin64.elf: NASM_FORMAT := elf64
tests/guests/hostile_pagetables_far.o: tests/guests/hostile_pagetables.asm
