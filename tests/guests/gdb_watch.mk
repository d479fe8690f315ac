# gdb_watch.mk - the watchpoint test guest is a long-mode one: ELF64 at
# 1 MiB (vmm/layout.h: LAYOUT_KERNEL_BASE).
tests/guests/gdb_watch.elf: LOAD_ADDR := 0x100000
tests/guests/gdb_watch.elf: NASM_FORMAT := elf64
