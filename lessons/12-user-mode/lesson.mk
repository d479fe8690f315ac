# lesson.mk - lesson 12's extra guest: usermode-verbose.elf is usermode.asm
# built with VERBOSE, which also prints how fast the loop runs in ring 3 and
# in ring 0. Its format and load address are lesson.conf's, like every guest
# of the folder.
USERMODE_DIR := lessons/12-user-mode

EXTRA_GUESTS += $(USERMODE_DIR)/usermode-verbose.elf
$(USERMODE_DIR)/usermode-verbose.o: $(USERMODE_DIR)/usermode.asm guest/abi.inc
	$(call say,NASM,$@)
	$(Q)nasm -f $(NASM_FORMAT) -DVERBOSE -g -F dwarf -Iguest/ -I$(USERMODE_DIR)/ -o $@ $<
