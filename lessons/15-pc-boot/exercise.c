/*
 * exercise.c - lesson 15 exercise: a kernel that writes a centred title on
 * the VGA text screen, in colour, and puts the cursor right after it.
 * Fill in every "TODO:" below, then grade it:
 *     make check LESSON=15
 * Try it by hand: make run LESSON=15 EXERCISE=1 (the boot sector, boot.asm,
 * loads it from the disk and calls it, as it does kernel.c).
 *
 * Goal (what the grader checks):
 *   1. TITLE on row TITLE_ROW, centred: it starts at column
 *      (VGA_COLUMNS - its length) / 2, which is 31;
 *   2. every character of it in ATTR_WHITE_ON_GREEN;
 *   3. the CRT controller's cursor on the cell right after its last
 *      character, when done() is called (the global `cursor` holds what the
 *      controller says, read back by get_cursor());
 *   4. the final screen is exercise-expected.txt, and the exit status 0.
 */
#include <stdint.h>

#include "vga.h"

#define TITLE "Booted by mini-kvm"
#define TITLE_ROW 12

/* Where the CRT controller's cursor is when done() is called. */
int cursor;

/* done - called once the kernel has written its title; the grader stops
 * here. noinline: it must stay a real function, with an address to break on. */
__attribute__((noinline)) void done(void)
{
}

/* The number of characters of text, before its terminating 0. */
static int text_length(const char *text)
{
	int length = 0;

	while (text[length])
		length++;
	return length;
}

/* Write text from (row, column) on, each character with `attribute`;
 * return the offset of the cell after the last character. */
static int print_at(int row, int column, const char *text, uint8_t attribute)
{
	int offset = cell_at(row, column);

	(void)text;        /* remove these two lines once you use text and attribute */
	(void)attribute;
	/* TODO: for each character of text, write the cell
	 *           VGA_TEXT[offset] = character | attribute << ATTRIBUTE_SHIFT;
	 *       and go to the next cell (offset + 1). */
	return offset;
}

/* Move the CRT controller's cursor to cell `offset`. */
static void set_cursor(int offset)
{
	(void)offset;      /* remove this line once you use offset */
	/* TODO: select register CRTC_CURSOR_HIGH (write its number to
	 *       CRTC_INDEX), write the offset's high byte to CRTC_DATA; then the
	 *       same for CRTC_CURSOR_LOW and the low byte. */
}

void kernel_main(void)
{
	int length = text_length(TITLE);
	int column = 0;    /* TODO: the column that centres length characters */
	int end;

	(void)length;      /* remove this line once you use length */
	end = print_at(TITLE_ROW, column, TITLE, ATTR_WHITE_ON_GREEN);
	set_cursor(end);
	cursor = get_cursor();   /* what the CRT controller holds now */
	done();
}
