# modes.mk - how the per-mode test guests are built: protected and long-mode
# guests live at 1 MiB (vmm/layout.h: LAYOUT_KERNEL_BASE); long is ELF64.
tests/guests/ports_pm.elf: LOAD_ADDR := 0x100000
tests/guests/ports_long.elf: LOAD_ADDR := 0x100000
tests/guests/ports_long.elf: NASM_FORMAT := elf64
tests/guests/fault_long.elf: LOAD_ADDR := 0x100000
tests/guests/fault_long.elf: NASM_FORMAT := elf64
tests/guests/gdb_long.elf: LOAD_ADDR := 0x100000
tests/guests/gdb_long.elf: NASM_FORMAT := elf64
