/*
 * vmm.h - the core of the runner: a guest (struct vm) with its RAM and
 * vCPUs, the process that runs every guest (struct vmm), and the vCPU run
 * loop. Each function is documented here; kvm.c, run.c and stats.c
 * implement them. The other areas have their own header: options.h,
 * loader.h, probe.h, x86/x86.h, dev/dev.h, pc/pc.h, gdb/gdb.h.
 *
 * Errors: library functions return -1 and write a one-line reason into a
 * caller-supplied buffer of VMM_ERR_LEN bytes; only main() prints them.
 *
 * Threads: one per vCPU, the console writer and the input reader
 * (dev/), the live screen (pc/), the gdb server (gdb/), and main(), which
 * waits for the end and for signals. None of them holds a lock while it waits for the outside
 * world (stdin, stdout, a socket); a wait for another thread is always on
 * a condition that vm_end() and a gdb stop request can break.
 */
#ifndef VMM_H
#define VMM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/dev.h"
#include "loader.h"

#define VMM_NAME "kvm-vmm"
#define VMM_VERSION "1.1"
#define VMM_ERR_LEN 256

/* Exit statuses of the kvm-vmm process. */
#define STATUS_OK 0
#define STATUS_FAULT 1    /* guest fault, or the host ran out of something */
#define STATUS_USAGE 2    /* bad command line or unloadable guest file */
#define STATUS_TIMEOUT 124
#define STATUS_SIGNAL_BASE 128 /* ended by signal N: 128 + N, as a shell says */
#define STATUS_KILLED 137 /* killed by gdb's `kill` */

/* Write a formatted one-line reason into err (VMM_ERR_LEN bytes); returns -1. */
int vmm_fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- guests and vCPUs ---------------------------------------------------- */

struct vm;
struct vmm_options;

/* Counters of one vCPU, summed per guest by --stats. */
#define EXIT_REASONS 64
struct vcpu_stats {
	uint64_t exits[EXIT_REASONS]; /* by KVM_EXIT_* reason */
	uint64_t hypercalls[HC_COUNT];
	uint64_t hypercalls_unknown;
};

struct vcpu {
	struct vm *vm;
	int id;                  /* 0 = bootstrap processor */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool joinable;           /* its thread was started (main thread only) */
	pthread_mutex_t kick_lock; /* thread_alive: a kick never reaches a joined thread */
	bool thread_alive;
	atomic_bool done;        /* left its run loop: halted for good, or the guest ended */
	bool exit_pending;       /* run holds an exit still to handle (vcpu_complete_io) */
	bool idle_seen;          /* --irqchip: seen halted with IF=0 at idle_rip */
	uint64_t idle_rip;
	struct hc_state hc;      /* hypercall state of this vCPU (dev/hypercall.c) */
	struct vcpu_stats stats;
	struct gdb_vcpu *debug;  /* gdb state, when --gdb (gdb/) */
};

struct vmm;

struct vm {
	struct vmm *vmm;         /* NULL for the probe's scratch VMs */
	int index;               /* guest number: output prefix [index] */
	const char *path;
	int fd;
	uint8_t *mem;
	uint64_t mem_size;
	struct guest_image image;
	enum cpu_mode mode;
	int ncpus;
	struct vcpu *cpus;
	bool irqchip;            /* KVM's in-kernel PIC, PIT and local APICs */
	/* KVM's dirty-page log (vm_dirty_log_*): on for the writable slots;
	 * one_slot: all of RAM is slot 0; map_generation counts remappings,
	 * each of which empties the log. */
	bool log_dirty, one_slot;
	unsigned map_generation;
	struct console console;  /* dev/console.c */
	struct uart uart;        /* dev/uart.c */
	struct keyboard kbd;     /* dev/keyboard.c */
	atomic_bool ending;      /* set once: every vCPU leaves its run loop */
	atomic_bool stop_wanted; /* gdb wants every vCPU parked: waits give up */
	atomic_int status;       /* exit status, written once by whoever sets ending */
	int cpus_running;        /* under vmm->lock */
	struct gdb_vm *debug;    /* gdb state, when --gdb */
};

/* The whole process: every guest. */
struct vmm {
	const struct vmm_options *opts;
	struct vm *vms;
	int nvms;
	pthread_mutex_t lock;    /* guests_running, vm->cpus_running */
	int guests_running;
	int done_fd;             /* eventfd: readable once every guest has ended */
	bool color;              /* prefix guest output with colours (stdout is a tty) */
};

/* ---- kvm.c: /dev/kvm, VMs, memory, vCPUs ---------------------------------- */

/* Open /dev/kvm once and check the API version; -1 with an actionable err. */
int kvm_open(char *err);
/* The open /dev/kvm descriptor (after kvm_open). */
int kvm_fd(void);
/* Create the VM of guest `vm` with mem_size bytes of RAM (lazily backed)
 * and ncpus vCPUs; vm->index/path must be set. With irqchip, KVM's
 * in-kernel interrupt controllers and timer are created too (then `hlt`
 * waits for interrupts inside KVM, and every vCPU is made runnable at
 * once). Returns 0, or -1 with err; vm_destroy() then frees what was made. */
int vm_create(struct vm *vm, uint64_t mem_size, int ncpus, bool irqchip, char *err);
/* Release the VM, its vCPUs and its memory. Safe on a half-created VM. */
void vm_destroy(struct vm *vm);
/* At process exit: free what kvm-vmm allocated, but leave the VM, its
 * vCPUs and its RAM to the kernel, which releases them all at once at
 * exit (sooner than closing and unmapping them one by one). */
void vm_forget(struct vm *vm);
/* True if [gpa, gpa+len) lies inside the guest's RAM (no wrap-around). */
bool vm_range_ok(const struct vm *vm, uint64_t gpa, uint64_t len);
/* A range of guest-physical addresses, [start, end). */
struct phys_range {
	uint64_t start, end;
	bool absent;   /* for vm_map_ram: no slot at all, reads exit too */
};
/* Does KVM offer read-only memory slots (KVM_CAP_READONLY_MEM)? */
bool kvm_has_readonly_mem(void);
/* Show the guest its RAM as memory slots: writable, except the `nro`
 * ranges in ro (page-aligned, sorted, disjoint, inside RAM), which the
 * guest may only read: its writes there exit as KVM_EXIT_MMIO (the VMM
 * still writes its own mapping, vm->mem); or, `absent` ones, not at all:
 * reads exit too, and code there cannot run. *slots is the number of slots
 * in use, updated (1 after vm_create). Only while no vCPU is in KVM_RUN.
 * Returns 0, or -1 with err (RAM is then one writable slot again). */
int vm_map_ram(struct vm *vm, const struct phys_range *ro, int nro, int *slots, char *err);

/* Turn KVM's dirty-page log of guest RAM on or off (the flag
 * KVM_MEM_LOG_DIRTY_PAGES on the writable slots; vm_map_ram keeps it).
 * Only while no vCPU is in KVM_RUN. Returns 0, or -1 with errno. */
int vm_dirty_log(struct vm *vm, bool on);
/* The pages of RAM the guest wrote since the log was last read, emptied,
 * or remapped (vm->map_generation): bit n of `bitmap` (a uint64_t per 64
 * pages of RAM, rounded up) is page n. Needs the log on and RAM in one
 * slot; returns 0, or -1 (the caller then knows nothing of what was
 * written). Writes kvm-vmm makes into guest RAM are never in it. */
int vm_dirty_log_read(struct vm *vm, uint64_t *bitmap);

/* ---- run.c: the vCPU threads and the run loop ------------------------------ */

/* Start one thread per vCPU of every guest. On failure the guests that
 * could not start are ended with STATUS_FAULT; -1 with err. */
int vmm_start(struct vmm *vmm, char *err);
/* Wait until every guest has ended, `timeout` seconds passed (0: no
 * limit; guests still running then end with STATUS_TIMEOUT), or a signal
 * in sigfd arrived (guests end with 128 + the signal); join the vCPUs. */
void vmm_wait(struct vmm *vmm, double timeout, int sigfd);
/* End guest `vm` with `status` (the first call wins); wakes its vCPUs
 * wherever they wait. Any thread. */
void vm_end(struct vm *vm, int status);
/* Should a vCPU of vm stop waiting for a device now (the guest is ending,
 * or gdb wants it parked)? */
bool vm_should_yield(struct vm *vm);
/* The signal that kicks a thread out of a blocking call (KVM_RUN, ppoll):
 * its handler does nothing, so the call returns EINTR. */
#define VCPU_KICK_SIGNAL SIGUSR1
/* Make vCPU `cpu` leave KVM_RUN soon (signal + immediate_exit). Any thread. */
void vcpu_kick(struct vcpu *cpu);
/* A device wait of cpu gave up (vm_should_yield): false if the guest is
 * ending; otherwise gdb wants the guest stopped: the vCPU parks until gdb
 * resumes it, and true says to wait on. On the vCPU's own thread. */
bool vcpu_pause_in_io(struct vcpu *cpu);
/* Start a thread of kvm-vmm (a vCPU, the console writer, the input reader,
 * the gdb server) with a stack of VMM_THREAD_STACK bytes, enough for all of
 * them and cheaper to set up and tear down than the default 8 MiB.
 * Returns 0 or an errno value. */
#define VMM_THREAD_STACK (512 * 1024)
int vmm_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);
/* Seconds on the monotonic clock. */
double vmm_now(void);
/* The CLOCK_REALTIME time `seconds` from now: the deadline of a
 * pthread_cond_timedwait(). */
struct timespec vmm_deadline(double seconds);
/* A one-line hint for an errno that means the host ran out of something
 * (" — the process is out of file descriptors (see ulimit -n)"), or "". */
const char *vmm_errno_hint(int e);
/* Install the kick signal handler (once, before any vCPU runs). */
void vcpu_kick_init(void);
/* Re-enter KVM_RUN with immediate_exit set, on the vCPU's own thread: KVM
 * finishes the instruction of the I/O exit just handled (on VT-x and SVM
 * that is when RIP moves past an `out`) and returns at once, so the
 * registers are those after the instruction. Finishing it may itself end
 * in a new exit (the single-step trap after it, the next element of a
 * `rep outs`): then cpu->exit_pending is set, the run loop handles that
 * exit before it runs the vCPU again, and this returns true. */
bool vcpu_complete_io(struct vcpu *cpu);
/* Run one vCPU on the calling thread until the guest ends (run loop). */
void vcpu_run_loop(struct vcpu *cpu);

/* ---- stats.c: --stats and --trace -------------------------------------------- */

/* Print --stats for every guest on stderr. */
void stats_print(struct vmm *vmm, double wall_seconds);
/* Print one --trace line for the exit that cpu just took. */
void trace_exit(struct vcpu *cpu);
/* Name of a KVM_EXIT_* reason ("IO", "HLT", ...). */
const char *exit_reason_name(unsigned reason);

#endif
