# lesson.mk - lesson 13's extra guests: smp1.elf and smp2.elf are smp.asm
# built for one and two CPUs (they %include it). Their format and load
# address are lesson.conf's, like every guest of the folder.
SMP_DIR := lessons/13-smp
# nasm -MD does not list files found through -I.
$(SMP_DIR)/smp1.o $(SMP_DIR)/smp2.o: $(SMP_DIR)/smp.asm
