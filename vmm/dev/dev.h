/*
 * dev.h - the devices a guest talks to through port I/O: the dispatch of
 * each `in`/`out` (ports.c), the hypercalls of port 0x500 (hypercall.c), a
 * 16550 UART (uart.c), a PS/2 keyboard (keyboard.c), and the process's
 * console output (console.c) and standard input (input.c).
 *
 * Output and input each have one thread that alone touches the outside
 * world: the console writer blocks in write() on stdout, the input reader
 * in poll()/read() on stdin. vCPUs only exchange bytes with them through
 * bounded queues, and a vCPU that waits on a queue gives up as soon as its
 * guest ends or gdb wants it stopped (vm_should_yield()).
 */
#ifndef VMM_DEV_H
#define VMM_DEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;
struct gdb_vm;
struct gdb_vcpu;

/* Guest ABI ports. */
#define PORT_DEBUGCON 0xE9
#define PORT_EXIT 0xF4
#define PORT_COM1 0x3F8
#define PORT_COM1_LAST 0x3FF
#define PORT_HYPERCALL 0x500
#define PORT_KBD_DATA 0x60
#define PORT_KBD_STATUS 0x64

/* ---- ports.c: port I/O dispatch -------------------------------------------- */

/* Handle the KVM_EXIT_IO that cpu just took. Returns false when the guest
 * ended (exit port or hypercall), true to go on. */
bool ports_handle_io(struct vcpu *cpu);

/* ---- hypercall.c: port 0x500 ------------------------------------------------- */

enum hypercall {
	HC_EXIT = 0,
	HC_PUTCHAR = 1,
	HC_GETCHAR = 2,
	HC_PUTNUM = 3,
	HC_WRITE = 4,
	HC_TIME = 5,
};
#define HC_COUNT 6                 /* hypercalls 0..5; others are counted apart */
#define HC_ERROR 0xFFFFFFFFU

/* Registers a hypercall reads and writes (EAX..EDX of the guest). */
struct hc_regs {
	uint32_t eax, ebx, ecx, edx;
};

/* What a vCPU remembers between hypercalls. */
struct hc_state {
	uint32_t last_result;      /* EAX of the last GETCHAR: what `in` from 0x500 reads */
};

enum hc_outcome {
	HC_DONE,     /* carried out: r holds the results */
	HC_ENDED,    /* the guest asked to exit (vm_end was called) */
	HC_YIELD,    /* GETCHAR gave up waiting (vm_should_yield): ask again */
};

/* Carry out hypercall `nr` for vCPU cpu with arguments in r; results are
 * written to r. Pure device logic: no ioctls. */
enum hc_outcome hypercall_dispatch(struct vcpu *cpu, uint8_t nr, struct hc_regs *r);
/* Name of hypercall nr, or NULL. */
const char *hypercall_name(unsigned nr);

/* ---- uart.c: a minimal 16550 at COM1 ------------------------------------------ */

struct uart {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
};

void uart_init(struct vm *vm);
void uart_out(struct vm *vm, uint16_t port, uint8_t val);
uint8_t uart_in(struct vm *vm, uint16_t port);

/* ---- keyboard.c: a PS/2 keyboard on ports 0x60/0x64, IRQ 1 ----------------------- */

struct keyboard {
	pthread_mutex_t lock;
	bool enabled;            /* the guest sent "enable keyboard" (0xAE)? */
	bool full;               /* a byte waits in the output buffer */
	uint8_t out;             /* ... this one */
};

/* Set up guest vm's keyboard (needs vm->irqchip): bytes of stdin become
 * bytes at port 0x60, announced by IRQ 1 once the guest enabled it. */
void kbd_init(struct vm *vm);
uint8_t kbd_in(struct vm *vm, uint16_t port);
void kbd_out(struct vm *vm, uint16_t port, uint8_t val);

/* ---- console.c: guest console output and VMM messages --------------------------- */

#define CONSOLE_LINE 512

/* The console of one guest: bytes are collected per line. */
struct console {
	pthread_mutex_t lock;
	char line[CONSOLE_LINE];
	size_t len;
};

void console_init(struct vm *vm);
/* Append bytes to guest vm's console; complete lines go to stdout (with a
 * [n] prefix when several guests run) through the writer. When stdout is
 * slower than the guest the caller waits for room, unless vm_should_yield():
 * then the bytes go past the queue's limit (a gdb stop) or are dropped
 * (the guest is ending). */
void console_write(struct vm *vm, const void *buf, size_t len);
/* Write out a partial line (at guest end, when gdb stops the guest). */
void console_flush(struct vm *vm);
/* Before blocking on input: show a partial line (a prompt) when this is the
 * only guest; with several, lines stay whole so they never interleave. */
void console_prompt(struct vm *vm);
/* Wake vCPUs waiting for room, so that they look at vm_should_yield(). */
void console_wake(void);
/* At exit: wait while the writer thread (started at the first line) makes
 * progress; give up after `seconds` without progress (< 0: never), or when
 * cancel_fd is readable; then stop it. Returns the bytes never written. */
size_t console_stop(double seconds, int cancel_fd);
/* Print a message on stderr: "kvm-vmm: " + text, with the guest named when
 * several run (vm may be NULL). It waits a moment for queued guest output
 * to be written first. One write() per line: lines never interleave. */
void vmm_msg(const struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write all of buf to fd, retrying interrupted and short writes. */
int write_all(int fd, const void *buf, size_t len);

/* ---- input.c: standard input, shared by every guest ------------------------------- */

#define INPUT_EOF (-1)     /* end of input */
#define INPUT_YIELD (-2)   /* gave up waiting: vm_should_yield() */

/* Next byte of stdin for a vCPU of vm, waiting until one comes; INPUT_EOF
 * at end of input, INPUT_YIELD when the wait was broken. */
int input_getc(struct vm *vm);
/* Next byte if one is there now, else INPUT_EOF; never waits. */
int input_take(void);
/* True if a byte is there now (does not wait). Starts the reader. */
bool input_ready(void);
/* Call fn(arg) on the reader thread whenever bytes arrive (the keyboard
 * raises its interrupt so). fn must not wait. Before any guest runs. */
void input_listen(void (*fn)(void *arg), void *arg);
/* Wake vCPUs waiting for input, so that they look at vm_should_yield(). */
void input_wake(void);
/* Stop the reader thread (at exit). */
void input_stop(void);

#endif
