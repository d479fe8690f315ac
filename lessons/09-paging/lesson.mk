# lesson.mk - how lesson 09's guests are built: 64-bit ELF at 1 MiB
# (vmm/layout.h: LAYOUT_KERNEL_BASE), which kvm-vmm starts in long mode.
# The exercise and its solution are built the same way (and so is the
# exercise in checks.sh: NASM_FORMAT and LOAD_ADDR).
lessons/09-paging/paging.elf lessons/09-paging/exercise.elf \
lessons/09-paging/solution/exercise.elf: NASM_FORMAT := elf64
lessons/09-paging/paging.elf lessons/09-paging/exercise.elf \
lessons/09-paging/solution/exercise.elf: LOAD_ADDR := 0x100000
