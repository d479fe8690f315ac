# lesson.mk - how lesson 10's guests are built and run: a 64-bit ELF (gdb
# then uses the x86-64 registers) linked at 0x7c00 like a boot sector, and
# started in real mode, which kvm-vmm would not choose for an ELF64 by itself.
# The exercise and its solution are built the same way (and so is the
# exercise in checks.sh: NASM_FORMAT, LOAD_ADDR and ARGS).
lessons/10-long-mode/longmode.elf lessons/10-long-mode/exercise.elf \
lessons/10-long-mode/solution/exercise.elf: NASM_FORMAT := elf64
ARGS.10-long-mode := --mode real
