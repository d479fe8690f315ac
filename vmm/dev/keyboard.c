/*
 * keyboard.c - a PS/2 keyboard controller (i8042) as far as a lesson needs
 * it: each byte of stdin becomes a byte the guest reads from port 0x60,
 * announced by IRQ 1 through KVM's in-kernel PIC (so it needs --irqchip).
 * Like the real controller it holds one byte in its output buffer: the
 * next byte is loaded, and IRQ 1 raised again, when the guest has read the
 * last one. The input reader (input.c) tells it when bytes arrive, so
 * nothing polls. As on a real controller the keyboard is off until the
 * guest enables it (command 0xAE to port 0x64), after it has set up its
 * interrupt controller: no key is lost to an IRQ nobody could see.
 * Bytes are ASCII, not scancodes (a real keyboard sends scancodes).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

#define KBD_IRQ 1
#define STATUS_OUTPUT_FULL 0x01 /* a byte waits in the data port */
#define STATUS_SYSTEM 0x04      /* the self-test passed */
#define CMD_DISABLE_KBD 0xAD    /* port 0x64 commands of the i8042 */
#define CMD_ENABLE_KBD 0xAE

/* Pulse IRQ 1: the PIC latches the rising edge. */
static void raise_irq(struct vm *vm)
{
	struct kvm_irq_level up = { .irq = KBD_IRQ, .level = 1 };
	struct kvm_irq_level down = { .irq = KBD_IRQ, .level = 0 };

	if (ioctl(vm->fd, KVM_IRQ_LINE, &up) < 0 || ioctl(vm->fd, KVM_IRQ_LINE, &down) < 0)
		vmm_msg(vm, "keyboard: KVM_IRQ_LINE: %s", strerror(errno));
}

/* With the output buffer empty, load the next byte of input into it and
 * announce it (caller holds k->lock). */
static void refill(struct vm *vm)
{
	struct keyboard *k = &vm->kbd;
	int c;

	if (!k->enabled || k->full || (c = input_take()) < 0)
		return;
	k->out = (uint8_t)c;
	k->full = true;
	raise_irq(vm);
}

/* Called by the input reader when bytes arrived. */
static void input_arrived(void *arg)
{
	struct vm *vm = arg;

	pthread_mutex_lock(&vm->kbd.lock);
	refill(vm);
	pthread_mutex_unlock(&vm->kbd.lock);
}

void kbd_init(struct vm *vm)
{
	memset(&vm->kbd, 0, sizeof(vm->kbd));
	pthread_mutex_init(&vm->kbd.lock, NULL);
	input_listen(input_arrived, vm);
}

void kbd_out(struct vm *vm, uint16_t port, uint8_t val)
{
	struct keyboard *k = &vm->kbd;

	if (port != PORT_KBD_STATUS || (val != CMD_ENABLE_KBD && val != CMD_DISABLE_KBD))
		return;   /* other commands and data bytes: accepted, ignored */
	pthread_mutex_lock(&k->lock);
	k->enabled = val == CMD_ENABLE_KBD;
	refill(vm);   /* bytes that waited while the keyboard was off */
	pthread_mutex_unlock(&k->lock);
}

uint8_t kbd_in(struct vm *vm, uint16_t port)
{
	struct keyboard *k = &vm->kbd;
	uint8_t v = 0;

	pthread_mutex_lock(&k->lock);
	if (port == PORT_KBD_STATUS) {
		v = STATUS_SYSTEM | (k->full ? STATUS_OUTPUT_FULL : 0);
	} else if (k->full) {
		v = k->out;
		k->full = false;
		refill(vm);   /* more waiting: load it and interrupt again */
	}
	pthread_mutex_unlock(&k->lock);
	return v;
}
