/*
 * vmm.h - the KVM runner's public interface: options, guests (VMs), vCPUs,
 * loaders, devices and the host probe. Each function is documented here;
 * the .c file of the same area implements it.
 *
 * Errors: library functions return -1 and write a one-line reason into a
 * caller-supplied buffer of VMM_ERR_LEN bytes; only main() prints them.
 */
#ifndef VMM_H
#define VMM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMM_NAME "kvm-vmm"
#define VMM_VERSION "1.0"
#define VMM_ERR_LEN 256

/* Exit statuses of the kvm-vmm process (DESIGN §2). */
#define STATUS_OK 0
#define STATUS_FAULT 1   /* guest fault: triple fault, emulation failure, ... */
#define STATUS_USAGE 2   /* bad command line or unloadable guest file */
#define STATUS_TIMEOUT 124
#define STATUS_KILLED 137 /* killed by gdb's `kill` */

/* Write a formatted one-line reason into err (VMM_ERR_LEN bytes); returns -1. */
int vmm_fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- options.c: the command line ---------------------------------------- */

enum cpu_mode { MODE_REAL, MODE_PROTECTED, MODE_LONG };

struct vmm_options {
	enum cpu_mode mode;
	bool mode_given;      /* --mode was on the command line */
	uint64_t mem_size;    /* --mem, bytes */
	int smp;              /* --smp: vCPUs of the (single) guest */
	const char *gdb;      /* --gdb [HOST:]PORT, or NULL */
	bool stats, trace;
	double timeout;       /* --timeout seconds, 0 = none */
	bool check_host;
	bool irqchip;         /* --irqchip: in-kernel PIC and PIT, PS/2 keyboard */
	uint64_t load_addr;   /* --load-addr for flat binaries */
	uint64_t entry;       /* --entry for flat binaries */
	bool entry_given;
	char **guests;        /* GUEST files (points into argv) */
	int nguests;
};

enum parse_result { PARSE_RUN, PARSE_HELP, PARSE_VERSION, PARSE_ERROR };

/* Parse argv into *o (defaults first). On PARSE_ERROR err holds the reason. */
enum parse_result vmm_parse_args(int argc, char **argv, struct vmm_options *o, char *err);
/* Parse a size such as "16M", "64K", "1G" or "4096" into bytes; -1 if bad. */
int parse_size(const char *s, uint64_t *out);
/* The --help text. */
const char *vmm_usage(void);
/* "real", "protected" or "long". */
const char *cpu_mode_name(enum cpu_mode mode);

/* ---- loader.c: guest images --------------------------------------------- */

enum image_kind { IMAGE_FLAT, IMAGE_ELF32, IMAGE_ELF64, IMAGE_MULTIBOOT };

#define IMAGE_MAX_SEGMENTS 16

struct guest_image {
	enum image_kind kind;
	int elf_class;            /* 32 or 64 for ELF and Multiboot ELF, 0 for flat */
	uint64_t entry;           /* physical address of the first instruction */
	int nsegs;                /* loaded ranges [start, end) in guest RAM */
	struct { uint64_t start, end; } seg[IMAGE_MAX_SEGMENTS];
};

struct load_options {
	uint64_t load_addr;       /* flat binaries: where to load */
	uint64_t entry;           /* flat binaries: where to start */
	bool entry_given;
};

/*
 * Load the guest file at path into guest RAM mem[0..mem_size): an ELF by its
 * PT_LOAD program headers at their physical addresses, a Multiboot v1 kernel
 * as the spec says, anything else as a flat binary. Checks every offset and
 * size against the file and the RAM. Returns 0, or -1 with err.
 */
int load_guest(const char *path, uint8_t *mem, uint64_t mem_size,
	       const struct load_options *lo, struct guest_image *img, char *err);
/* Same, from a file already in memory (for tests and fuzzing). */
int load_guest_buffer(const uint8_t *file, size_t size, uint8_t *mem, uint64_t mem_size,
		      const struct load_options *lo, struct guest_image *img, char *err);
/* The mode an image starts in when --mode is not given. */
enum cpu_mode image_default_mode(const struct guest_image *img);
/* Fail if a loaded segment overlaps guest memory the VMM writes for `mode`. */
int image_check_layout(const struct guest_image *img, enum cpu_mode mode, char *err);
/* "flat binary", "ELF32", "ELF64", "Multiboot ELF". */
const char *image_kind_name(enum image_kind kind);

/* ---- guests and vCPUs ----------------------------------------------------- */

struct vm;

/* Counters of one vCPU, summed per guest by --stats. */
#define HC_COUNT 6                 /* hypercalls 0..5; others are counted apart */
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
	bool thread_started;
	bool done;               /* halted for good, or the guest ended */
	bool idle_seen;          /* --irqchip: seen halted with IF=0 at idle_rip */
	uint64_t idle_rip;
	struct vcpu_stats stats;
	struct gdb_vcpu *debug;  /* gdb state, when --gdb (gdb_target.c) */
};

/* The console of one guest: bytes are collected per line (output.c). */
struct console {
	char line[512];
	size_t len;
};

/* Minimal 16550 UART registers (uart.c). */
struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
};

/* A PS/2 keyboard controller fed from stdin (keyboard.c). */
#define KBD_QUEUE 16
struct keyboard {
	pthread_t thread;
	bool started;
	pthread_cond_t room;     /* signalled when the guest takes a byte or enables */
	bool enabled;            /* the guest sent "enable keyboard" (0xAE)? */
	uint8_t queue[KBD_QUEUE];
	int head, count;
};

struct vmm;

struct vm {
	struct vmm *vmm;
	int index;               /* guest number: output prefix [index] */
	const char *path;
	int fd;
	uint8_t *mem;
	uint64_t mem_size;
	struct guest_image image;
	enum cpu_mode mode;
	int ncpus;
	struct vcpu *cpus;
	pthread_mutex_t lock;    /* devices: console, UART */
	struct console console;
	struct uart uart;
	bool irqchip;            /* KVM's in-kernel PIC, PIT and local APICs */
	struct keyboard kbd;
	atomic_bool ending;      /* set once: every vCPU leaves its run loop */
	int end_fd;              /* eventfd, readable once the guest is ending */
	int status;              /* exit status of this guest */
	int cpus_running;        /* under vmm->lock */
	struct gdb_vm *debug;    /* gdb state, when --gdb */
};

/* The whole process: every guest, the shared output and input. */
struct vmm {
	const struct vmm_options *opts;
	struct vm *vms;
	int nvms;
	pthread_mutex_t lock;    /* guests_running, and waking main() */
	pthread_cond_t cond;
	int guests_running;
	bool color;              /* prefix guest output with colours (stdout is a tty) */
};

/* ---- kvm.c: /dev/kvm, VMs, memory, vCPUs --------------------------------- */

/* Open /dev/kvm once and check the API version; -1 with an actionable err. */
int kvm_open(char *err);
/* The open /dev/kvm descriptor (after kvm_open). */
int kvm_fd(void);
/* Create the VM of guest `vm` with mem_size bytes of RAM (lazily backed)
 * and ncpus vCPUs; vm->index/path must be set. With irqchip, KVM's
 * in-kernel interrupt controllers and timer are created too (then `hlt`
 * waits for interrupts inside KVM). Returns 0 or -1 with err. */
int vm_create(struct vm *vm, uint64_t mem_size, int ncpus, bool irqchip, char *err);
/* Release the VM, its vCPUs and its memory. */
void vm_destroy(struct vm *vm);
/* True if [gpa, gpa+len) lies inside the guest's RAM (no wrap-around). */
bool vm_range_ok(const struct vm *vm, uint64_t gpa, uint64_t len);

/* ---- cpu_x86.c: initial CPU state per mode -------------------------------- */

/* Write the tables `mode` needs into guest RAM (GDT, page tables). */
void cpu_write_tables(uint8_t *mem, uint64_t mem_size, enum cpu_mode mode);
/* Set vCPU registers for `mode`, starting at `entry` (CPUID, segments,
 * control registers, stack). Returns 0 or -1 with err. */
int cpu_setup(struct vcpu *cpu, enum cpu_mode mode, uint64_t entry, char *err);
/* Multiboot: EAX = magic, EBX = information structure (written to RAM). */
int cpu_setup_multiboot(struct vcpu *cpu, char *err);

/* ---- run.c: the vCPU threads and the run loop ------------------------------ */

/* Start one thread per vCPU of every guest. */
int vmm_start(struct vmm *vmm, char *err);
/* Wait until every guest has ended or `timeout` seconds passed (0: no
 * limit); guests still running then end with STATUS_TIMEOUT. */
void vmm_wait(struct vmm *vmm, double timeout);
/* End guest `vm` with `status` (first call wins); kicks its vCPUs. */
void vm_end(struct vm *vm, int status);
/* Make vCPU `cpu` leave KVM_RUN soon (signal + immediate_exit). */
void vcpu_kick(struct vcpu *cpu);
/* Install the kick signal handler (once, before any vCPU runs). */
void vcpu_kick_init(void);
/* Run one vCPU on the calling thread until the guest ends (run loop). */
void vcpu_run_loop(struct vcpu *cpu);

/* ---- ports.c: port I/O dispatch (console, exit, UART, hypercalls) -------- */

/* Handle one KVM_EXIT_IO. Returns 0 to go on, or 1 when the guest ended. */
int ports_handle_io(struct vcpu *cpu);

/* Guest ABI ports (DESIGN §3). */
#define PORT_DEBUGCON 0xE9
#define PORT_EXIT 0xF4
#define PORT_COM1 0x3F8
#define PORT_COM1_LAST 0x3FF
#define PORT_HYPERCALL 0x500

/* ---- hypercall.c ------------------------------------------------------------ */

enum hypercall {
	HC_EXIT = 0,
	HC_PUTCHAR = 1,
	HC_GETCHAR = 2,
	HC_PUTNUM = 3,
	HC_WRITE = 4,
	HC_TIME = 5,
};
#define HC_ERROR 0xFFFFFFFFU

/* Registers a hypercall reads and writes (EAX..EDX of the guest). */
struct hc_regs {
	uint32_t eax, ebx, ecx, edx;
};

/* Carry out hypercall `nr` for guest vm with arguments in r; result
 * registers are updated in r. Returns 1 when the guest asked to exit
 * (vm_end was called), 0 otherwise. Pure device logic: no ioctls. */
int hypercall_dispatch(struct vm *vm, struct vcpu_stats *st, uint8_t nr, struct hc_regs *r);
/* Name of hypercall nr, or NULL. */
const char *hypercall_name(unsigned nr);

/* ---- uart.c: a minimal 16550 at COM1 ---------------------------------------- */

void uart_out(struct vm *vm, uint16_t port, uint8_t val);
uint8_t uart_in(struct vm *vm, uint16_t port);

/* ---- keyboard.c: a PS/2 keyboard on ports 0x60/0x64, IRQ 1 ---------------- */

#define PORT_KBD_DATA 0x60
#define PORT_KBD_STATUS 0x64
/* Start feeding stdin to guest vm's keyboard (needs vm->irqchip). */
int kbd_start(struct vm *vm, char *err);
/* Wait for the feeding thread after the guest ended. */
void kbd_stop(struct vm *vm);
uint8_t kbd_in(struct vm *vm, uint16_t port);
void kbd_out(struct vm *vm, uint16_t port, uint8_t val);

/* ---- output.c: guest console output and VMM messages ----------------------- */

/* Append bytes to guest vm's console; complete lines go to stdout (with a
 * [n] prefix when several guests run). Thread-safe. */
void console_write(struct vm *vm, const void *buf, size_t len);
/* Write out a partial line (at guest end, when gdb stops the guest). */
void console_flush(struct vm *vm);
/* Before blocking on input: show a partial line (a prompt) when this is the
 * only guest; with several, lines stay whole so they never interleave. */
void console_prompt(struct vm *vm);
/* Print a message on stderr: "kvm-vmm: " + text, with the guest named when
 * several run. Thread-safe (no interleaving with other output). */
void vmm_msg(const struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- input.c: standard input, shared by every guest ------------------------ */

#define INPUT_EOF (-1)
/* Next byte of stdin, blocking until one comes or cancel_fd becomes
 * readable (the guest is ending); INPUT_EOF at end of input or cancel. */
int input_getc(int cancel_fd);
/* True if a byte is ready now (does not block). */
bool input_ready(void);

/* ---- dump.c: fault reports --------------------------------------------------- */

/* Print the one-line reason (prefix "kvm-vmm: "), the decoded registers
 * of cpu and, when one can be told, the likely cause. */
void dump_fault(struct vcpu *cpu, const char *reason);
/* Print the registers of cpu to stderr (used by dump_fault and --trace). */
void dump_registers(struct vcpu *cpu);
/* Name of a KVM_EXIT_* reason ("IO", "HLT", ...). */
const char *exit_reason_name(unsigned reason);

/* ---- stats.c: --stats and --trace -------------------------------------------- */

/* Print --stats for every guest on stderr. */
void stats_print(struct vmm *vmm, double wall_seconds);
/* Print one --trace line for the exit that cpu just took. */
void trace_exit(struct vcpu *cpu);

/* ---- probe.c: what this host's KVM can do -------------------------------------- */

enum probe_result { PROBE_NO, PROBE_YES, PROBE_UNTESTED };

/* Indexed by enum cpu_mode: what works in each start-up mode (ring 0). */
struct host_caps {
	bool pvm;                        /* /sys/module/kvm_pvm exists: nested PVM */
	bool hw_virt;                    /* vmx or svm in /proc/cpuinfo */
	bool blockirq;                   /* KVM_GUESTDBG_BLOCKIRQ supported */
	enum probe_result runs[3];       /* code runs and `out` exits */
	enum probe_result single_step[3];/* KVM_GUESTDBG_SINGLESTEP exits */
	enum probe_result sw_bp[3];      /* int3 + KVM_GUESTDBG_USE_SW_BP exits */
	enum probe_result hw_bp[3];      /* debug-register execute breakpoint exits */
	enum probe_result hw_watch[3];   /* debug-register write watchpoint exits */
	enum probe_result paging32;      /* protected mode can set CR0.PG (32-bit paging) */
	enum probe_result ring3_runs;    /* user-mode (ring 3, long mode) code runs */
	enum probe_result ring3_debug;   /* single-step of user-mode code exits */
	double exit_us;                  /* one `out` exit round trip, microseconds */
	double ring0_ns, ring3_ns;       /* one `loop` iteration in ring 0 / ring 3 */
};

/* Probe the host once (scratch VMs, a few instructions each); later
 * calls return the cached result. `timing` also measures exit cost and
 * execution speed (some milliseconds more). NULL with err if KVM fails. */
const struct host_caps *probe_host(bool timing, char *err);
/* True on a nested PVM host (no probe run needed). */
bool host_is_pvm(void);
/* Print the probe as a table (for --check-host). */
void probe_print(const struct host_caps *caps);

#endif
