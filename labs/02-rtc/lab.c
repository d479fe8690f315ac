/*
 * lab.c - lab 02, your code: the CMOS real-time clock of the PC at ports
 * 0x70 (index) and 0x71 (data). The guest writes a register number to 0x70
 * (bit 7 masks NMI and is not part of the number), then reads the register
 * at 0x71. README.md lists the registers; `make check LAB=02` grades this
 * file.
 */
#include "lab.h"

#define PORT_CMOS_INDEX 0x70   /* out: the register to read or write next */
#define PORT_CMOS_DATA 0x71    /* in/out: that register */

bool lab_port_out(struct vcpu *cpu, uint16_t port, const uint8_t *data, int size)
{
	/* TODO: remember which register the guest selected at PORT_CMOS_INDEX
	 * (several vCPUs may write it: keep it under a lock). */
	return false;
}

bool lab_port_in(struct vcpu *cpu, uint16_t port, uint8_t *data, int size)
{
	/* TODO: at PORT_CMOS_DATA, put the selected register in data[0]: the
	 * host's UTC date and time (time(), gmtime_r()) in BCD, and status
	 * registers A (update in progress: never), B (24-hour, BCD), C and D
	 * (valid time). Return false for every other port. */
	return false;
}
