/*
 * kernel.c - lesson 15: the kernel that the boot sector (boot.asm) loads
 * from the disk to 0x1000 and calls in 32-bit protected mode. The BIOS's
 * int 10h is 16-bit real-mode code and of no use here: the kernel writes
 * characters and their colours straight into the VGA text buffer at
 * 0xB8000, and moves the blinking cursor with the CRT controller's
 * registers at ports 0x3D4/0x3D5, as the kernels of OS tutorials do.
 */
#include <stdint.h>

#include "vga.h"

#define MESSAGE_ROW 3 /* below the boot sector's two lines */

/* Where the CRT controller's cursor is once the kernel is done (gdb: p cursor). */
int cursor;

/* Write text from cell `offset` on, each character with `attribute`;
 * returns the offset of the cell after the last character. */
static int print_at(const char *text, int offset, uint8_t attribute)
{
	while (*text) {
		VGA_TEXT[offset] = (uint16_t)(*text | attribute << ATTRIBUTE_SHIFT);
		text++;
		offset++;
	}
	return offset;
}

/* Move the cursor to cell `offset`: its high byte into CRTC register 0Eh,
 * its low byte into register 0Fh. */
static void set_cursor(int offset)
{
	outb(CRTC_INDEX, CRTC_CURSOR_HIGH);
	outb(CRTC_DATA, (uint8_t)(offset >> BYTE_BITS));
	outb(CRTC_INDEX, CRTC_CURSOR_LOW);
	outb(CRTC_DATA, (uint8_t)offset);
}

void kernel_main(void)
{
	int offset = cell_at(MESSAGE_ROW, 0);

	offset = print_at("Hello from the C kernel", offset, ATTR_WHITE_ON_BLUE);
	offset = print_at(" in 32-bit protected mode", offset, ATTR_YELLOW_ON_BLACK);
	set_cursor(offset);
	cursor = get_cursor();
}
