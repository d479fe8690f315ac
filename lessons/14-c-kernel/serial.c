/*
 * serial.c - lesson 14: the 16550 UART driver. Sending a byte means
 * waiting until the line status register (LSR) says the transmit holding
 * register is empty (THRE), then writing the byte to it. kvm-vmm's UART is
 * always ready, but real hardware at 115200 baud takes ~87 us per byte.
 */
#include "serial.h"

#include "io.h"

#define COM1 0x3F8          /* base I/O port of the first serial port */
#define UART_DATA 0         /* THR (write) / RBR (read); DLL when DLAB=1 */
#define UART_IER 1          /* interrupt enable; DLM when DLAB=1 */
#define UART_FCR 2          /* FIFO control */
#define UART_LCR 3          /* line control */
#define UART_MCR 4          /* modem control */
#define UART_LSR 5          /* line status */

#define LCR_8N1 0x03        /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB 0x80       /* DATA and IER address the baud divisor */
#define FCR_ENABLE_CLEAR 0x07 /* enable the FIFOs and clear both */
#define MCR_DTR_RTS 0x03    /* "terminal ready, request to send" */
#define LSR_THRE 0x20       /* the transmit holding register is empty */
#define UART_CLOCK_BAUD 115200
#define BAUD 115200
#define DIVISOR (UART_CLOCK_BAUD / BAUD)

#define DECIMAL_DIGITS_MAX 10 /* 4294967295 */
#define HEX_DIGITS_MAX 16
#define BITS_PER_HEX_DIGIT 4

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);                 /* no interrupts: we poll */
	outb(COM1 + UART_LCR, LCR_DLAB);          /* set the baud rate divisor */
	outb(COM1 + UART_DATA, DIVISOR & 0xFF);
	outb(COM1 + UART_IER, DIVISOR >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);           /* DLAB off again */
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

void serial_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		;                                 /* wait until it can take a byte */
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

void serial_put_dec(uint32_t n)
{
	char digits[DECIMAL_DIGITS_MAX];
	int count = 0;

	do {                                      /* right to left */
		digits[count++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (count)
		serial_putc(digits[--count]);
}

void serial_put_hex(uint64_t n, int digits)
{
	static const char hex[] = "0123456789abcdef";

	if (digits < 1 || digits > HEX_DIGITS_MAX)
		digits = HEX_DIGITS_MAX;
	serial_puts("0x");
	/* Shifts, not division: 64-bit division in 32-bit code would need
	 * a helper from libgcc, and a kernel links no library. */
	while (digits--)
		serial_putc(hex[(n >> (digits * BITS_PER_HEX_DIGIT)) & 0xF]);
}
