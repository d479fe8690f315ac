/*
 * serial.h - lesson 14: a tiny driver for the 16550 UART at COM1 (0x3F8),
 * the serial port every PC has had since 1987, and which kvm-vmm emulates:
 * what the kernel sends appears on kvm-vmm's standard output.
 */
#ifndef SERIAL_H
#define SERIAL_H

#include <stdint.h>

/* Program the UART: 115200 baud, 8 data bits, no parity, 1 stop bit. */
void serial_init(void);
/* Send one byte, once the UART can take it. */
void serial_putc(char c);
/* Send a zero-terminated string. */
void serial_puts(const char *s);
/* An unsigned number in decimal. */
void serial_put_dec(uint32_t n);
/* A number in hexadecimal, 0x and exactly `digits` digits (1 to 16). */
void serial_put_hex(uint64_t n, int digits);

#endif
