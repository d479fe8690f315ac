/*
 * lab.c - lab 04, your code: a periodic timer that interrupts the guest,
 * without KVM's in-kernel interrupt controller. The guest programs it
 * through three ports (a vector, a period in milliseconds, on/off); a
 * thread of kvm-vmm makes a tick pending every period and kicks vCPU 0 out
 * of KVM_RUN; before vCPU 0 enters the guest again, lab_before_run()
 * injects the tick with KVM_INTERRUPT. README.md says what each part must
 * do; `make check LAB=04` grades this file.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>

#include "lab.h"
#include "vmm.h"

#define PORT_TIMER_CTRL 0x520     /* out, 1 byte: TIMER_ON or TIMER_OFF */
#define PORT_TIMER_VECTOR 0x521   /* out, 1 byte: the vector a tick raises */
#define PORT_TIMER_PERIOD 0x522   /* out, 2 bytes: the period in milliseconds */
#define TIMER_OFF 0
#define TIMER_ON 1
#define TIMER_CPU 0               /* the vCPU the timer interrupts */
#define MS_PER_S 1000.0
#define BITS_PER_BYTE 8

/* The timer: shared by the vCPU that programs it, the vCPU it interrupts
 * and its own thread. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;      /* reprogrammed, or the thread must stop */
	bool on;
	uint8_t vector;
	uint16_t period_ms;       /* 0: no ticks */
	bool pending;             /* a tick not injected yet: at most one */
	struct vm *vm;            /* the guest it interrupts, once started */
	pthread_t thread;
	bool thread_started;
	bool stop;                /* the guest has ended: the thread returns */
} timer = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

/* The timer's thread, started the first time the guest turns the timer
 * on. */
static void *timer_thread(void *arg)
{
	struct vm *vm = arg;

	/* TODO: until timer.stop, every timer.period_ms while timer.on: make a
	 * tick pending and kick vCPU TIMER_CPU of vm out of KVM_RUN
	 * (vcpu_kick(), without holding the lock). Wait with
	 * pthread_cond_timedwait() on timer.wake (vmm_deadline() gives the
	 * deadline), so that lab_port_out() and lab_vm_end() can wake you. */
	(void)vm;
	return NULL;
}

/* Start the timer's thread the first time the guest turns it on (lock
 * held). Yours to call from lab_port_out() (unused until then). */
__attribute__((unused)) static void start_thread(struct vcpu *cpu)
{
	int e;

	if (timer.thread_started)
		return;
	timer.vm = cpu->vm;
	e = vmm_thread_start(&timer.thread, timer_thread, cpu->vm);
	if (e)
		vmm_msg(cpu->vm, "timer: cannot start its thread: %s", strerror(e));
	timer.thread_started = e == 0;
}

bool lab_port_out(struct vcpu *cpu, uint16_t port, const uint8_t *data, int size)
{
	/* TODO: PORT_TIMER_PERIOD (2 bytes, data[0] the low byte),
	 * PORT_TIMER_VECTOR and PORT_TIMER_CTRL into timer, under timer.lock.
	 * TIMER_ON starts the thread (start_thread()); TIMER_OFF also drops a
	 * tick still pending. Wake the thread (timer.wake): its period starts
	 * again. Return false for every other port. */
	return false;
}

void lab_before_run(struct vcpu *cpu)
{
	/* TODO: on vCPU TIMER_CPU, a pending tick goes in with KVM_INTERRUPT
	 * (struct kvm_interrupt, .irq = the vector) when the guest can take it:
	 * cpu->run->ready_for_interrupt_injection and cpu->run->if_flag, as
	 * the last exit left them. Otherwise set
	 * cpu->run->request_interrupt_window, and KVM exits as soon as it can
	 * (KVM_EXIT_IRQ_WINDOW_OPEN): you come back here. */
}

void lab_vm_end(struct vm *vm)
{
	bool started;

	pthread_mutex_lock(&timer.lock);
	started = timer.thread_started && timer.vm == vm;
	if (started) {
		timer.stop = true;
		pthread_cond_broadcast(&timer.wake);
	}
	pthread_mutex_unlock(&timer.lock);
	if (started)
		pthread_join(timer.thread, NULL);
}
