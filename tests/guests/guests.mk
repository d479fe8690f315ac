# guests.mk - how tests/guests/ builds the memory isolation pair: both run
# in --mode protected, linked at 1 MiB (vmm/layout.h: LAYOUT_KERNEL_BASE).
tests/guests/isolation_fill.elf: LOAD_ADDR := 0x100000
tests/guests/isolation_check.elf: LOAD_ADDR := 0x100000
