# lesson.mk - how lesson 13's guests are built and run: 64-bit ELF at 1 MiB,
# started in long mode on four vCPUs. smp1.elf and smp2.elf are smp.asm
# built for one and two CPUs (they %include it).
SMP_DIR := lessons/13-smp
GUEST.13-smp := smp.elf
ARGS.13-smp := --smp 4
SMP_ELFS := $(addprefix $(SMP_DIR)/,smp.elf smp1.elf smp2.elf exercise.elf solution/exercise.elf)
$(SMP_ELFS): NASM_FORMAT := elf64
$(SMP_ELFS): LOAD_ADDR := 0x100000
# nasm -MD does not list files found through -I.
$(SMP_DIR)/smp1.o $(SMP_DIR)/smp2.o: $(SMP_DIR)/smp.asm
