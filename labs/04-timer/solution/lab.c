/*
 * lab.c - lab 04, reference solution: a periodic timer that interrupts the
 * guest, without KVM's in-kernel interrupt controller. The guest programs
 * it through three ports (a vector, a period in milliseconds, on/off); a
 * thread of kvm-vmm marks a tick pending every period and kicks vCPU 0 out
 * of KVM_RUN; before vCPU 0 enters the guest again, lab_before_run()
 * injects the tick with KVM_INTERRUPT when the guest can take it (IF = 1),
 * or asks KVM for an exit as soon as it can (request_interrupt_window).
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

/* Every period while on: a tick is pending, and vCPU 0 is kicked out of
 * KVM_RUN so that lab_before_run() sees it (a guest that spins makes no
 * exits of its own). */
static void *timer_thread(void *arg)
{
	struct vm *vm = arg;

	pthread_mutex_lock(&timer.lock);
	while (!timer.stop) {
		struct timespec deadline;

		if (!timer.on || timer.period_ms == 0) {
			pthread_cond_wait(&timer.wake, &timer.lock);
			continue;
		}
		deadline = vmm_deadline(timer.period_ms / MS_PER_S);
		if (pthread_cond_timedwait(&timer.wake, &timer.lock, &deadline) != ETIMEDOUT)
			continue;   /* reprogrammed or stopping: look again */
		if (!timer.on)
			continue;
		timer.pending = true;   /* a tick already pending is lost, as on a PIC */
		pthread_mutex_unlock(&timer.lock);
		vcpu_kick(&vm->cpus[TIMER_CPU]);
		pthread_mutex_lock(&timer.lock);
	}
	pthread_mutex_unlock(&timer.lock);
	return NULL;
}

/* Start the timer's thread the first time the guest turns it on (lock
 * held). */
static void start_thread(struct vcpu *cpu)
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
	pthread_mutex_lock(&timer.lock);
	switch (port) {
	case PORT_TIMER_CTRL:
		timer.on = data[0] == TIMER_ON;
		if (!timer.on)
			timer.pending = false;   /* off: not even the last tick comes */
		else
			start_thread(cpu);
		break;
	case PORT_TIMER_VECTOR:
		timer.vector = data[0];
		break;
	case PORT_TIMER_PERIOD:
		timer.period_ms = (uint16_t)(data[0] | (size > 1 ? data[1] << BITS_PER_BYTE : 0));
		break;
	default:
		pthread_mutex_unlock(&timer.lock);
		return false;
	}
	pthread_cond_broadcast(&timer.wake);   /* the thread starts its period again */
	pthread_mutex_unlock(&timer.lock);
	return true;
}

void lab_before_run(struct vcpu *cpu)
{
	struct kvm_run *run = cpu->run;

	if (cpu->id != TIMER_CPU)
		return;
	pthread_mutex_lock(&timer.lock);
	/* run describes the guest as the last exit left it: interrupts enabled
	 * (IF = 1), and nothing else in the way (the instruction after sti or
	 * mov ss, an event KVM still has to deliver). */
	if (timer.pending && run->ready_for_interrupt_injection && run->if_flag) {
		struct kvm_interrupt irq = { .irq = timer.vector };

		if (ioctl(cpu->fd, KVM_INTERRUPT, &irq) < 0)
			vmm_msg(cpu->vm, "timer: KVM_INTERRUPT: %s", strerror(errno));
		timer.pending = false;
	}
	/* Still pending: KVM exits (KVM_EXIT_IRQ_WINDOW_OPEN) as soon as the
	 * guest can take it, and we come back here. */
	run->request_interrupt_window = timer.pending;
	pthread_mutex_unlock(&timer.lock);
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
