/*
 * io.h - lesson 14: port I/O from C. C has no `in` or `out`; a few lines of
 * inline assembly give it them. "a" puts the value in AL, "Nd" the port
 * in DX (or an 8-bit immediate); volatile keeps the compiler from
 * removing or reordering them, since each one has an effect outside memory.
 */
#ifndef IO_H
#define IO_H

#include <stdint.h>

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

#endif
