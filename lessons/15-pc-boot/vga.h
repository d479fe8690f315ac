/*
 * vga.h - lesson 15: what a kernel needs to write on a PC's text screen
 * without the BIOS: the VGA text buffer at 0xB8000 (80x25 cells of a
 * character byte and an attribute byte), the CRT controller's ports that
 * hold the cursor, and port I/O from C (inline assembly: C has no in/out).
 */
#ifndef VGA_H
#define VGA_H

#include <stdint.h>

#define VGA_TEXT ((volatile uint16_t *)0xB8000) /* cell = character | attribute << 8 */
#define VGA_COLUMNS 80
#define VGA_ROWS 25
#define ATTRIBUTE_SHIFT 8                       /* the attribute is a cell's high byte */

/* Attribute bytes: background colour in bits 4-6, foreground in bits 0-3. */
#define ATTR_GREY_ON_BLACK 0x07                 /* what the BIOS clears the screen with */
#define ATTR_WHITE_ON_BLUE 0x1F
#define ATTR_WHITE_ON_GREEN 0x2F
#define ATTR_YELLOW_ON_BLACK 0x0E

/* The CRT controller: write a register's number to the index port, then
 * read or write its value at the data port. Registers 0Eh and 0Fh hold the
 * cursor's cell offset (row * 80 + column), high byte and low byte. */
#define CRTC_INDEX 0x3D4
#define CRTC_DATA 0x3D5
#define CRTC_CURSOR_HIGH 0x0E
#define CRTC_CURSOR_LOW 0x0F
#define BYTE_BITS 8

static inline void outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t value;

	__asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

/* The offset of the cell at (row, column) in VGA_TEXT. */
static inline int cell_at(int row, int column)
{
	return row * VGA_COLUMNS + column;
}

/* Where the CRT controller says the cursor is: its cell offset. */
static inline int get_cursor(void)
{
	int offset;

	outb(CRTC_INDEX, CRTC_CURSOR_HIGH);
	offset = inb(CRTC_DATA) << BYTE_BITS;
	outb(CRTC_INDEX, CRTC_CURSOR_LOW);
	return offset | inb(CRTC_DATA);
}

#endif
