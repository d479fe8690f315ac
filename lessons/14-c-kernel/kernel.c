/*
 * kernel.c - lesson 14: a kernel written in C. boot.asm calls kmain with
 * what the Multiboot loader (here kvm-vmm) handed over: the magic number
 * that proves it was one, and the Multiboot information. kmain prints
 * them through the serial port, walks the memory map adding up the RAM it
 * may use, and returns the exit code. No C library: everything it calls
 * is in serial.c.
 */
#include <stdint.h>

#include "multiboot.h"
#include "serial.h"

#define EXIT_OK 0
#define EXIT_NOT_MULTIBOOT 3   /* not started by a Multiboot loader */
#define KIB_SHIFT 10           /* bytes -> KiB */
#define ADDR_DIGITS 16         /* hex digits of a 64-bit address */
#define FLAGS_DIGITS 8

/* Globals live at a fixed address: gdb can watch them (watch regions_seen). */
unsigned int regions_seen;     /* memory-map entries looked at so far */
uint32_t available_kib;        /* RAM the memory map calls available */

/* One line of the memory map: "  0x... + 0x...: available (639 KiB)". */
static void print_region(const struct multiboot_mmap_entry *e)
{
	serial_puts("  ");
	serial_put_hex(e->addr, ADDR_DIGITS);
	serial_puts(" + ");
	serial_put_hex(e->len, ADDR_DIGITS);
	serial_puts(e->type == MMAP_AVAILABLE ? ": available (" : ": reserved (");
	serial_put_dec((uint32_t)(e->len >> KIB_SHIFT));
	serial_puts(" KiB)\n");
}

/* Walk the memory map: its entries follow each other from mmap_addr, each
 * `size + 4` bytes long. */
static void walk_memory_map(const struct multiboot_info *mbi)
{
	uintptr_t at = mbi->mmap_addr;
	uintptr_t end = mbi->mmap_addr + mbi->mmap_length;

	serial_puts("memory map:\n");
	while (at < end) {
		const struct multiboot_mmap_entry *e = (const void *)at;

		print_region(e);
		regions_seen++;
		if (e->type == MMAP_AVAILABLE)
			available_kib += (uint32_t)(e->len >> KIB_SHIFT);
		at += e->size + sizeof(e->size);
	}
}

int kmain(uint32_t magic, const struct multiboot_info *mbi)
{
	uint32_t flags;

	serial_init();
	serial_puts("Hello from C, through the 16550 UART at 0x3f8\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		serial_puts("no Multiboot loader started this kernel: EAX was ");
		serial_put_hex(magic, FLAGS_DIGITS);
		serial_putc('\n');
		return EXIT_NOT_MULTIBOOT;
	}
	serial_puts("Multiboot magic ");
	serial_put_hex(magic, FLAGS_DIGITS);
	serial_puts(", information at ");
	serial_put_hex((uintptr_t)mbi, FLAGS_DIGITS);
	flags = mbi->flags;    /* which fields the loader filled in */
	serial_puts(", flags ");
	serial_put_hex(flags, FLAGS_DIGITS);
	serial_putc('\n');

	if (flags & MBI_BOOTLOADER_NAME) {
		serial_puts("boot loader: ");
		serial_puts((const char *)(uintptr_t)mbi->boot_loader_name);
		serial_putc('\n');
	}
	if (flags & MBI_MEMORY) {
		serial_puts("memory: ");
		serial_put_dec(mbi->mem_lower);
		serial_puts(" KiB below 1 MiB, ");
		serial_put_dec(mbi->mem_upper);
		serial_puts(" KiB above\n");
	}
	if (flags & MBI_MMAP) {
		walk_memory_map(mbi);
		serial_puts("available: ");
		serial_put_dec(available_kib);
		serial_puts(" KiB in ");
		serial_put_dec(regions_seen);
		serial_puts(" regions\n");
	}
	return EXIT_OK;
}
