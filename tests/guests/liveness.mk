# liveness.mk - how the liveness test guests (tests/test_liveness.c) are
# built: the line flood is a protected-mode guest (run with --mode
# protected) at 1 MiB (vmm/layout.h: LAYOUT_KERNEL_BASE); the Multiboot
# kernel lives at 32 KiB, so that it fits in --mem 64K, above the
# Multiboot information kvm-vmm writes.
tests/guests/liveness_lines.elf: LOAD_ADDR := 0x100000
tests/guests/liveness_mb_lowmem.elf: LOAD_ADDR := 0x8000
