/*
 * keyboard.c - a PS/2 keyboard controller (i8042) as far as a lesson needs
 * it: each byte of stdin becomes a byte the guest reads from port 0x60,
 * announced by IRQ 1 through KVM's in-kernel PIC (so it needs --irqchip).
 * A thread waits for stdin and raises the interrupt when a byte arrives:
 * event-driven, nothing polls. As on a real controller the keyboard is off
 * until the guest enables it (command 0xAE to port 0x64), after it has set
 * up its interrupt controller: no key is lost to an IRQ nobody could see.
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

	ioctl(vm->fd, KVM_IRQ_LINE, &up);
	ioctl(vm->fd, KVM_IRQ_LINE, &down);
}

static void *feed_thread(void *arg)
{
	struct vm *vm = arg;
	struct keyboard *k = &vm->kbd;

	for (;;) {
		int c;

		pthread_mutex_lock(&vm->lock);
		while (!k->enabled && !atomic_load(&vm->ending))
			pthread_cond_wait(&k->room, &vm->lock);
		pthread_mutex_unlock(&vm->lock);
		c = input_getc(vm->end_fd);   /* blocks until a byte, EOF or the end */
		if (c < 0)
			break;
		pthread_mutex_lock(&vm->lock);
		while (k->count == KBD_QUEUE && !atomic_load(&vm->ending))
			pthread_cond_wait(&k->room, &vm->lock);
		k->queue[(k->head + k->count) % KBD_QUEUE] = (uint8_t)c;
		if (k->count++ == 0)
			raise_irq(vm);   /* the data port was empty: announce this byte */
		pthread_mutex_unlock(&vm->lock);
	}
	return NULL;
}

int kbd_start(struct vm *vm, char *err)
{
	int e;

	pthread_cond_init(&vm->kbd.room, NULL);
	e = pthread_create(&vm->kbd.thread, NULL, feed_thread, vm);
	if (e)
		return vmm_fail(err, "cannot start the keyboard thread: %s", strerror(e));
	vm->kbd.started = true;
	return 0;
}

void kbd_stop(struct vm *vm)
{
	if (!vm->kbd.started)
		return;
	pthread_mutex_lock(&vm->lock);
	pthread_cond_broadcast(&vm->kbd.room);   /* vm->ending is set: it leaves */
	pthread_mutex_unlock(&vm->lock);
	pthread_join(vm->kbd.thread, NULL);
	vm->kbd.started = false;
}

void kbd_out(struct vm *vm, uint16_t port, uint8_t val)
{
	struct keyboard *k = &vm->kbd;

	if (port != PORT_KBD_STATUS || (val != CMD_ENABLE_KBD && val != CMD_DISABLE_KBD))
		return;   /* other commands and data bytes: accepted, ignored */
	pthread_mutex_lock(&vm->lock);
	k->enabled = val == CMD_ENABLE_KBD;
	if (k->enabled && k->count)
		raise_irq(vm);   /* bytes that waited while the keyboard was off */
	pthread_cond_broadcast(&k->room);
	pthread_mutex_unlock(&vm->lock);
}

uint8_t kbd_in(struct vm *vm, uint16_t port)
{
	struct keyboard *k = &vm->kbd;
	uint8_t v = 0;

	pthread_mutex_lock(&vm->lock);
	if (port == PORT_KBD_STATUS) {
		v = STATUS_SYSTEM | (k->count ? STATUS_OUTPUT_FULL : 0);
	} else if (k->count) {
		v = k->queue[k->head];
		k->head = (k->head + 1) % KBD_QUEUE;
		if (--k->count)
			raise_irq(vm);   /* more waiting: interrupt again */
		pthread_cond_signal(&k->room);
	}
	pthread_mutex_unlock(&vm->lock);
	return v;
}
