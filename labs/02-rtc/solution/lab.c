/*
 * lab.c - lab 02, reference solution: the CMOS real-time clock of the PC
 * (a Motorola MC146818) at ports 0x70 (index) and 0x71 (data). The guest
 * writes a register number to 0x70, then reads the register at 0x71: the
 * date and time of the host clock in UTC, as BCD in 24-hour mode, and the
 * status registers A to D.
 */
#include <pthread.h>
#include <time.h>

#include "lab.h"

#define PORT_CMOS_INDEX 0x70   /* out: the register to read or write next */
#define PORT_CMOS_DATA 0x71    /* in/out: that register */
#define CMOS_NMI_DISABLE 0x80  /* bit 7 of the index masks NMI: not part of the number */
#define CMOS_INDEX_MASK 0x7F   /* bits 6..0 of the index: the register */

/* The registers of the clock. */
enum rtc_register {
	RTC_SECONDS = 0x00,
	RTC_MINUTES = 0x02,
	RTC_HOURS = 0x04,
	RTC_WEEKDAY = 0x06,    /* 1 = Sunday .. 7 = Saturday */
	RTC_DAY = 0x07,        /* day of the month, 1..31 */
	RTC_MONTH = 0x08,      /* 1..12 */
	RTC_YEAR = 0x09,       /* year of the century, 0..99 */
	RTC_STATUS_A = 0x0A,
	RTC_STATUS_B = 0x0B,
	RTC_STATUS_C = 0x0C,
	RTC_STATUS_D = 0x0D,
	RTC_CENTURY = 0x32,    /* 19, 20: where PC firmware keeps it */
};

/* Status register A: the time base and update-in-progress. */
#define STATUS_A_UIP 0x80            /* bit 7: the time is being updated (never, here) */
#define STATUS_A_DV_32KHZ 0x20       /* bits 6..4 = 010: a 32.768 kHz crystal */
#define STATUS_A_RS_1024HZ 0x06      /* bits 3..0 = 0110: periodic rate 1024 Hz */
/* Status register B: the format of the time. */
#define STATUS_B_24HOUR 0x02         /* bit 1: hours 0..23 (else 1..12 with a PM bit) */
#define STATUS_B_BINARY 0x04         /* bit 2 (DM): binary values (else BCD); clear here */
/* Status register C: interrupt flags, none here. Status register D: */
#define STATUS_D_VRT 0x80            /* bit 7: valid RAM and time (the battery is good) */

#define BCD_TENS_SHIFT 4             /* BCD: tens in the high nibble, units in the low */
#define DECIMAL_BASE 10
#define TM_YEAR_BASE 1900            /* struct tm counts years from 1900 */
#define YEARS_PER_CENTURY 100
#define TM_FIRST_MONTH 1             /* tm_mon counts from 0, the clock from 1 */
#define TM_FIRST_WEEKDAY 1           /* tm_wday: Sunday is 0; the clock's Sunday is 1 */
#define CMOS_NOTHING 0x00            /* what a register the clock does not have reads */

/* The register the guest selected: shared by all vCPUs, as the port is. */
static pthread_mutex_t cmos_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t cmos_index;

static uint8_t to_bcd(int value)
{
	return (uint8_t)((value / DECIMAL_BASE) << BCD_TENS_SHIFT | value % DECIMAL_BASE);
}

/* The value of clock register reg now. */
static uint8_t rtc_read(uint8_t reg)
{
	time_t now = time(NULL);
	struct tm tm;
	int year = 0;

	gmtime_r(&now, &tm);
	year = tm.tm_year + TM_YEAR_BASE;
	switch (reg) {
	case RTC_SECONDS:
		return to_bcd(tm.tm_sec);
	case RTC_MINUTES:
		return to_bcd(tm.tm_min);
	case RTC_HOURS:
		return to_bcd(tm.tm_hour);
	case RTC_WEEKDAY:
		return to_bcd(tm.tm_wday + TM_FIRST_WEEKDAY);
	case RTC_DAY:
		return to_bcd(tm.tm_mday);
	case RTC_MONTH:
		return to_bcd(tm.tm_mon + TM_FIRST_MONTH);
	case RTC_YEAR:
		return to_bcd(year % YEARS_PER_CENTURY);
	case RTC_CENTURY:
		return to_bcd(year / YEARS_PER_CENTURY);
	case RTC_STATUS_A:
		return STATUS_A_DV_32KHZ | STATUS_A_RS_1024HZ;   /* UIP clear */
	case RTC_STATUS_B:
		return STATUS_B_24HOUR;                           /* BCD */
	case RTC_STATUS_D:
		return STATUS_D_VRT;
	default:
		return CMOS_NOTHING;   /* status C, and the CMOS RAM we do not keep */
	}
}

bool lab_port_out(struct vcpu *cpu, uint16_t port, const uint8_t *data, int size)
{
	if (port != PORT_CMOS_INDEX)
		return false;   /* writes to the clock's registers are ignored */
	pthread_mutex_lock(&cmos_lock);
	cmos_index = data[0] & CMOS_INDEX_MASK;
	pthread_mutex_unlock(&cmos_lock);
	return true;
}

bool lab_port_in(struct vcpu *cpu, uint16_t port, uint8_t *data, int size)
{
	uint8_t reg;

	if (port != PORT_CMOS_DATA)
		return false;   /* the index port cannot be read back */
	pthread_mutex_lock(&cmos_lock);
	reg = cmos_index;
	pthread_mutex_unlock(&cmos_lock);
	data[0] = rtc_read(reg);
	return true;
}
