# lesson.mk - how lesson 12's guests are built: 64-bit ELF at 1 MiB, started
# in long mode; usermode-verbose.elf is the same source with VERBOSE, which
# also prints how fast the loop runs in ring 3 and in ring 0.
USERMODE_DIR := lessons/12-user-mode
GUEST.12-user-mode := usermode.elf
$(USERMODE_DIR)/usermode.elf $(USERMODE_DIR)/usermode-verbose.elf \
$(USERMODE_DIR)/exercise.elf $(USERMODE_DIR)/solution/exercise.elf: NASM_FORMAT := elf64
$(USERMODE_DIR)/usermode.elf $(USERMODE_DIR)/usermode-verbose.elf \
$(USERMODE_DIR)/exercise.elf $(USERMODE_DIR)/solution/exercise.elf: LOAD_ADDR := 0x100000

EXTRA_GUESTS += $(USERMODE_DIR)/usermode-verbose.elf
$(USERMODE_DIR)/usermode-verbose.o: $(USERMODE_DIR)/usermode.asm guest/abi.inc
	$(call say,NASM,$@)
	$(Q)nasm -f elf64 -DVERBOSE -g -F dwarf -Iguest/ -I$(USERMODE_DIR)/ -o $@ $<
