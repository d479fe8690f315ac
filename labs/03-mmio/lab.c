/*
 * lab.c - lab 03, your code: the MMIO box, a device in one page of
 * guest-physical memory at 0xD0000000 (LAYOUT_LAB_MMIO) where no memory is.
 * Every load and store the guest makes there ends KVM_RUN with
 * KVM_EXIT_MMIO, and kvm-vmm calls lab_mmio() with its address, its length
 * (1, 2, 4 or 8 bytes) and its bytes. README.md describes the registers;
 * `make check LAB=03` grades this file.
 */
#include <pthread.h>

#include "lab.h"
#include "layout.h"
#include "vmm.h"

#define BOX_ID_VALUE 0x6D6D696FU   /* what the ID register reads */

/* The registers: offset in the box's page, and width in bytes. */
#define BOX_ID 0x00        /* 4 bytes, read-only: BOX_ID_VALUE */
#define BOX_SCRATCH 0x08   /* 8 bytes, read-write: keeps what the guest wrote */
#define BOX_OUT 0x10       /* 1 byte, write: print it (console_write()); reads 0 */
#define BOX_COUNT 0x14     /* 4 bytes, read-only: bytes written to OUT so far */

bool lab_mmio(struct vcpu *cpu, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	/* TODO: take the accesses inside the box's page (LAYOUT_LAB_MMIO,
	 * LAYOUT_LAB_MMIO_SIZE bytes) that fit inside one register. A read
	 * fills data[0..len-1] with those bytes of the register (data[0] the
	 * lowest: 2 bytes at ID + 2 are bits 31..16 of ID); a write to SCRATCH
	 * changes only the bytes written. The box's state (SCRATCH, COUNT) is
	 * shared by all vCPUs: keep it in static variables under a mutex, but
	 * call console_write() after unlocking: it may wait for stdout.
	 * Return false for everything else: reads then give all ones. */
	return false;
}
