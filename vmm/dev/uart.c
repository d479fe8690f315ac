/*
 * uart.c - a minimal 16550 UART at COM1 (0x3F8-0x3FF): enough for the
 * classic OS-tutorial serial driver. Transmit goes to the guest console,
 * receive comes from stdin; the line status register tells both. No
 * interrupts, no FIFO, no baud rate (the divisor latch is stored only).
 * The registers are under the UART's own lock (vCPUs of an --smp guest
 * share it); no access waits: receive returns 0 when no byte is there.
 */
#include <string.h>

#include "vmm.h"

/* Register offsets from the base port. */
#define UART_RBR_THR 0  /* receive buffer / transmit holding (DLAB=0) */
#define UART_IER 1      /* interrupt enable (DLAB=0) */
#define UART_IIR_FCR 2  /* interrupt identification / FIFO control */
#define UART_LCR 3      /* line control */
#define UART_MCR 4      /* modem control */
#define UART_LSR 5      /* line status */
#define UART_MSR 6      /* modem status */
#define UART_SCR 7      /* scratch */

#define LCR_DLAB 0x80   /* offsets 0 and 1 address the divisor latch */
#define LSR_DR 0x01     /* data ready: a received byte waits in RBR */
#define LSR_THRE 0x20   /* transmit holding register empty */
#define LSR_TEMT 0x40   /* transmitter empty */
#define IIR_NO_INT 0x01 /* no interrupt pending */
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_DCD 0x80

void uart_init(struct vm *vm)
{
	memset(&vm->uart, 0, sizeof(vm->uart));
	pthread_mutex_init(&vm->uart.lock, NULL);
}

void uart_out(struct vm *vm, uint16_t port, uint8_t val)
{
	struct uart *u = &vm->uart;
	bool transmit = false;

	pthread_mutex_lock(&u->lock);
	switch (port - PORT_COM1) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			u->dll = val;
		else
			transmit = true;
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = val;
		else
			u->ier = val;
		break;
	case UART_LCR: u->lcr = val; break;
	case UART_MCR: u->mcr = val; break;
	case UART_SCR: u->scr = val; break;
	default: break; /* FCR and the read-only registers */
	}
	pthread_mutex_unlock(&u->lock);
	if (transmit)   /* outside the lock: the console may wait for room */
		console_write(vm, &val, 1);
}

uint8_t uart_in(struct vm *vm, uint16_t port)
{
	struct uart *u = &vm->uart;
	uint8_t v = 0xff;
	int c;

	pthread_mutex_lock(&u->lock);
	switch (port - PORT_COM1) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			v = u->dll;
			break;
		}
		c = input_take();
		v = c < 0 ? 0 : (uint8_t)c;
		break;
	case UART_IER: v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier; break;
	case UART_IIR_FCR: v = IIR_NO_INT; break;
	case UART_LCR: v = u->lcr; break;
	case UART_MCR: v = u->mcr; break;
	case UART_LSR: v = LSR_THRE | LSR_TEMT | (input_ready() ? LSR_DR : 0); break;
	case UART_MSR: v = MSR_CTS | MSR_DSR | MSR_DCD; break;
	case UART_SCR: v = u->scr; break;
	}
	pthread_mutex_unlock(&u->lock);
	return v;
}
