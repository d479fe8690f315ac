/*
 * kernel.c - the C kernel of the tutorial-style OS image in tests/guests/pcos:
 * in 32-bit protected mode it writes to the VGA text screen at 0xB8000 and
 * moves the cursor through the CRT controller (ports 0x3D4/0x3D5), as the
 * kernels of OS tutorials do. tests/test_pc.c debugs it with gdb.
 */
#include <stdint.h>

#define VGA_TEXT ((volatile uint16_t *)0xB8000)
#define VGA_COLS 80
#define ATTR_WHITE_ON_BLUE 0x1F
#define CRTC_INDEX 0x3D4
#define CRTC_DATA 0x3D5
#define CRTC_CURSOR_HIGH 0x0E
#define CRTC_CURSOR_LOW 0x0F
#define MESSAGE_ROW 3

static void outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static void set_cursor(int offset)
{
	outb(CRTC_INDEX, CRTC_CURSOR_HIGH);
	outb(CRTC_DATA, (uint8_t)(offset >> 8));
	outb(CRTC_INDEX, CRTC_CURSOR_LOW);
	outb(CRTC_DATA, (uint8_t)offset);
}

static int print_at(const char *s, int offset)
{
	while (*s)
		VGA_TEXT[offset++] = (uint16_t)(*s++ | ATTR_WHITE_ON_BLUE << 8);
	return offset;
}

int printed;

void kernel_main(void)
{
	int offset = MESSAGE_ROW * VGA_COLS;

	offset = print_at("Hello from the C kernel", offset);
	printed = offset - MESSAGE_ROW * VGA_COLS;
	set_cursor(offset);
}
