/*
 * lab.c - lab 03, reference solution: the MMIO box, a device in one page
 * of guest-physical memory at 0xD0000000 (LAYOUT_LAB_MMIO) where no memory
 * is. Every load and store there is a KVM_EXIT_MMIO that kvm-vmm passes to
 * lab_mmio(): an address, a length of 1, 2, 4 or 8 bytes, and the bytes.
 * The box has four little-endian registers (README.md):
 *   0x00 ID       4 bytes, read-only: BOX_ID_VALUE
 *   0x08 SCRATCH  8 bytes, read-write: keeps what the guest wrote
 *   0x10 OUT      1 byte, write-only: prints the byte on the guest's console
 *   0x14 COUNT    4 bytes, read-only: bytes written to OUT so far
 * An access may touch any part of one register; an access that does not
 * fit inside one register is not the box's (reads all ones).
 */
#include <pthread.h>
#include <stddef.h>

#include "lab.h"
#include "layout.h"
#include "vmm.h"

#define BOX_ID_VALUE 0x6D6D696FU   /* "mmio" in ASCII, read as a number */
#define BITS_PER_BYTE 8
#define MAX_ACCESS 8               /* the widest access KVM reports */

enum box_register { BOX_ID, BOX_SCRATCH, BOX_OUT, BOX_COUNT };

/* Where each register is in the box's page, and how wide it is. */
static const struct {
	uint64_t offset;
	uint32_t width;
} box_registers[] = {
	[BOX_ID] = { 0x00, 4 },
	[BOX_SCRATCH] = { 0x08, 8 },
	[BOX_OUT] = { 0x10, 1 },
	[BOX_COUNT] = { 0x14, 4 },
};
#define BOX_REGISTERS (sizeof(box_registers) / sizeof(box_registers[0]))

/* The box's state: shared by all vCPUs, as the device is. */
static pthread_mutex_t box_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t box_scratch;
static uint32_t box_count;

/* The register that holds all of the len bytes at offset, or -1. */
static int find_register(uint64_t offset, uint32_t len)
{
	for (size_t i = 0; i < BOX_REGISTERS; i++)
		if (offset >= box_registers[i].offset &&
		    offset + len <= box_registers[i].offset + box_registers[i].width)
			return (int)i;
	return -1;
}

/* All ones in the low len bytes. A shift by 64 bits is undefined in C:
 * an 8-byte access needs its own case. */
static uint64_t low_bytes_mask(uint32_t len)
{
	return len == MAX_ACCESS ? UINT64_MAX : (1ULL << (len * BITS_PER_BYTE)) - 1;
}

/* The guest's bytes as a number (data[0] is the lowest byte), and back. */
static uint64_t bytes_to_value(const uint8_t *data, uint32_t len)
{
	uint64_t value = 0;

	for (uint32_t i = 0; i < len; i++)
		value |= (uint64_t)data[i] << (i * BITS_PER_BYTE);
	return value;
}

static void value_to_bytes(uint64_t value, uint8_t *data, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)(value >> (i * BITS_PER_BYTE));
}

/* The whole value of register reg (box_lock held). */
static uint64_t register_value(int reg)
{
	switch (reg) {
	case BOX_ID:
		return BOX_ID_VALUE;
	case BOX_SCRATCH:
		return box_scratch;
	case BOX_COUNT:
		return box_count;
	default:
		return 0;   /* OUT reads as zero */
	}
}

/* Only the len bytes written, `shift` bits into the register, change. */
static uint64_t merge_bytes(uint64_t old, unsigned int shift, uint64_t value, uint32_t len)
{
	uint64_t mask = low_bytes_mask(len) << shift;

	return (old & ~mask) | (value << shift & mask);
}

bool lab_mmio(struct vcpu *cpu, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	uint64_t offset;
	unsigned int shift;
	int reg;

	if (addr < LAYOUT_LAB_MMIO || addr - LAYOUT_LAB_MMIO >= LAYOUT_LAB_MMIO_SIZE)
		return false;   /* not the box's page */
	offset = addr - LAYOUT_LAB_MMIO;
	reg = find_register(offset, len);
	if (reg < 0)
		return false;   /* no register there: reads give all ones */
	/* Where in the register the access starts: 2 bytes at ID + 2 are
	 * bits 31..16 of ID. */
	shift = (unsigned int)(offset - box_registers[reg].offset) * BITS_PER_BYTE;
	pthread_mutex_lock(&box_lock);
	if (!is_write)
		value_to_bytes(register_value(reg) >> shift, data, len);
	else if (reg == BOX_SCRATCH)
		box_scratch = merge_bytes(box_scratch, shift, bytes_to_value(data, len), len);
	else if (reg == BOX_OUT)
		box_count++;
	/* else ID or COUNT: read-only, the write is ignored */
	pthread_mutex_unlock(&box_lock);
	/* Outside the lock: console_write() may wait for stdout. */
	if (is_write && reg == BOX_OUT)
		console_write(cpu->vm, data, 1);
	return true;
}
