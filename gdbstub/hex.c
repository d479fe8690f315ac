/*
 * hex.c - hex digits, the way RSP carries numbers and binary data in
 * printable packets: one byte becomes two hex digits, high nibble first.
 */
#include "gdbstub_internal.h"

static const char hex_digits[] = "0123456789abcdef";

int gdb_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool gdb_hex_decode(const char *hex, size_t len, uint8_t *out)
{
	for (size_t i = 0; i < len; i++) {
		int hi = gdb_hex_value((unsigned char)hex[2 * i]);
		int lo = gdb_hex_value((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << NIBBLE_BITS | lo);
	}
	return true;
}

void gdb_hex_encode(const void *buf, size_t len, char *out)
{
	const uint8_t *bytes = buf;

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_digits[bytes[i] >> NIBBLE_BITS];
		out[2 * i + 1] = hex_digits[bytes[i] & NIBBLE_MASK];
	}
}
