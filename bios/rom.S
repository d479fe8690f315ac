/* rom.S - the BIOS ROM (bios/bios.asm, assembled by make into BIOS_BIN)
 * inside kvm-vmm: bios.c copies bios_rom..bios_rom_end to 0xF0000. */
	.section .rodata
	.balign 16
	.globl bios_rom, bios_rom_end
bios_rom:
	.incbin BIOS_BIN
bios_rom_end:
	.section .note.GNU-stack, "", @progbits
