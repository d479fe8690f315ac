/*
 * gdbstub.h - the GDB remote serial protocol (RSP), independent of KVM.
 *
 * The protocol code talks to a debug target only through struct gdb_target
 * below; vmm/gdb/ implements it on KVM vCPUs, and the unit tests
 * implement it with a fake. Nothing here opens a socket: gdb_conn_feed()
 * consumes bytes that arrived from gdb and every reply leaves through the
 * target's write() callback, so a test can drive a whole session in memory.
 * gdbstub/server.c adds the TCP listener and the poll loop on top.
 */
#ifndef GDBSTUB_H
#define GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest packet payload we accept and advertise in qSupported (PacketSize). */
#define GDB_PACKET_SIZE 16384

/* Which register layout target.xml describes; fixed for a whole session. */
enum gdb_arch {
	GDB_ARCH_I386,  /* 32-bit layout: eax..edi, eip, eflags, segments, x87 */
	GDB_ARCH_AMD64, /* 64-bit layout: rax..r15, rip, eflags, segments, x87 */
};

/*
 * Every register gdb can see, as plain numbers. The protocol layer turns it
 * into the byte layout of target.xml (truncating to 32 bits for i386).
 * General registers are in amd64 order, which is also KVM's struct kvm_regs.
 */
struct gdb_regs {
	uint64_t gpr[16];  /* rax rbx rcx rdx rsi rdi rbp rsp r8..r15 */
	uint64_t rip;      /* linear address of the next instruction */
	uint64_t rflags;
	uint64_t seg[6];   /* selectors: cs ss ds es fs gs */
	uint64_t fs_base, gs_base;
	uint64_t k_gs_base;  /* the MSR `swapgs` exchanges with gs_base */
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	uint8_t st[8][10]; /* x87 registers, 80-bit little-endian */
	uint32_t fctrl, fstat, ftag, fiseg, fioff, foseg, fooff, fop;
	uint8_t xmm[16][16];
	uint32_t mxcsr;
};

/* Indexes into gdb_regs.gpr (amd64 order). */
enum { GDB_RAX, GDB_RBX, GDB_RCX, GDB_RDX, GDB_RSI, GDB_RDI, GDB_RBP, GDB_RSP };
/* Indexes into gdb_regs.seg. */
enum { GDB_CS, GDB_SS, GDB_DS, GDB_ES, GDB_FS, GDB_GS };

/* What the breakpoint callback returns for a kind it cannot do at all. */
#define GDB_BP_UNSUPPORTED 1

/* Breakpoint and watchpoint kinds, numbered as in Z/z packets. */
enum gdb_bp_type {
	GDB_BP_SOFTWARE = 0, /* Z0 */
	GDB_BP_HARDWARE = 1, /* Z1 */
	GDB_WP_WRITE = 2,    /* Z2 */
	GDB_WP_READ = 3,     /* Z3 */
	GDB_WP_ACCESS = 4,   /* Z4 */
};

/* What one vCPU should do when the target resumes (from c/s/vCont). */
enum gdb_action {
	GDB_ACTION_STOP,     /* stay stopped (vCont without an action for it) */
	GDB_ACTION_CONTINUE,
	GDB_ACTION_STEP,     /* execute one instruction, then stop */
};

/* Why the target stopped; the protocol layer turns it into a T/W reply. */
enum gdb_stop_kind {
	GDB_STOP_SIGNAL, /* stopped: T<signal> thread:<cpu+1>; [reason] */
	GDB_STOP_EXITED, /* guest exited: W<exit_code> */
};
enum gdb_stop_reason {
	GDB_REASON_NONE,    /* a step finished, or an interrupt (signal 2) */
	GDB_REASON_SWBREAK, /* swbreak: */
	GDB_REASON_HWBREAK, /* hwbreak: */
	GDB_REASON_WATCH,   /* watch:<addr> */
	GDB_REASON_RWATCH,  /* rwatch:<addr> */
	GDB_REASON_AWATCH,  /* awatch:<addr> */
	GDB_REASON_HISTORY_BEGIN, /* replaylog:begin: going backwards reached the
				   * start of the recording */
};
struct gdb_stop {
	enum gdb_stop_kind kind;
	int cpu;       /* 0-based vCPU that stopped (thread id is cpu + 1) */
	int signal;    /* GDB signal number: 5 = SIGTRAP, 2 = SIGINT */
	enum gdb_stop_reason reason;
	uint64_t addr; /* data address for watch reasons */
	int exit_code; /* for GDB_STOP_EXITED */
};

/*
 * The debug target. Every callback gets `opaque` first. Return 0 on
 * success and -1 on failure (the stub then replies E01 or similar).
 * vCPUs are numbered 0..ncpus-1; gdb thread ids are cpu + 1.
 * All callbacks except resume/interrupt are only called while the target
 * is stopped.
 */
struct gdb_target {
	void *opaque;
	enum gdb_arch arch;
	/* <architecture> of target.xml: "i386", "i8086" or "i386:x86-64". */
	const char *xml_arch;
	int ncpus;
	/* Send the stopped thread's PC, stack and frame pointer with each
	 * stop reply ("expedited registers"), so gdb need not fetch every
	 * register after each step. get_regs is called at the stop. */
	bool expedite;

	/* Send bytes to gdb. Returns 0, or -1 when the connection is gone.
	 * Used by connections made with gdb_conn_new(); gdb_serve() writes
	 * to its client socket itself and never calls it (it may be NULL). */
	int (*write)(void *opaque, const void *buf, size_t len);

	int (*get_regs)(void *opaque, int cpu, struct gdb_regs *regs);
	int (*set_regs)(void *opaque, int cpu, const struct gdb_regs *regs);
	/* Memory by linear address as seen by `cpu` (its page tables). Fails
	 * as a whole when any byte of the range is not mapped to guest RAM. */
	int (*read_mem)(void *opaque, int cpu, uint64_t addr, void *buf, size_t len);
	int (*write_mem)(void *opaque, int cpu, uint64_t addr, const void *buf, size_t len);
	/* Insert (insert=true) or remove a breakpoint/watchpoint. `len` is the
	 * kind field of the Z packet (breakpoint) or the watched length.
	 * Returns 0, -1 (failed: E03) or GDB_BP_UNSUPPORTED (the target can
	 * never do this kind: the empty reply, which gdb understands). */
	int (*breakpoint)(void *opaque, bool insert, enum gdb_bp_type type,
			  uint64_t addr, uint64_t len);
	/* Resume: actions[cpu] for every cpu (array of ncpus). Returns at once;
	 * the target later calls gdb_conn_stopped() from the server loop. */
	int (*resume)(void *opaque, const enum gdb_action *actions);
	/* Run vCPU `cpu` backwards (bs, bc): one instruction back
	 * (GDB_ACTION_STEP) or back to the previous breakpoint or watchpoint
	 * hit (GDB_ACTION_CONTINUE). Like resume, it returns at once and the
	 * stop comes later; at the start of the recording the stop reason is
	 * GDB_REASON_HISTORY_BEGIN. Returns -1 if it cannot go back now. NULL,
	 * or can_reverse false: qSupported does not offer ReverseStep and
	 * ReverseContinue, and gdb never sends bs or bc. */
	int (*resume_reverse)(void *opaque, int cpu, enum gdb_action action);
	bool can_reverse;
	/* Asynchronous stop request (gdb's Ctrl-C); the target reports a
	 * stop with signal 2 later through gdb_conn_stopped(). */
	void (*interrupt)(void *opaque);
	/* A monitor command (qRcmd) about vCPU `cpu` (gdb's selected
	 * thread). Writes text for the user into out
	 * (NUL-terminated, truncated to outlen). Returns 0, or -1 for an
	 * unknown command (out then holds the message to show). */
	int (*monitor)(void *opaque, int cpu, const char *cmd, char *out, size_t outlen);
	/* Text for qThreadExtraInfo, e.g. "vCPU 1, long mode". */
	void (*thread_info)(void *opaque, int cpu, char *out, size_t outlen);
	/* D: remove all breakpoints/watchpoints and let the guest run on. */
	void (*detach)(void *opaque);
	/* k: end the VMM. */
	void (*kill)(void *opaque);

	/* Used by the server loop (gdb_serve) only: */
	/* Readable (e.g. an eventfd) when the target has a stop to report. */
	int stop_fd;
	/* Take the pending stop event, clearing stop_fd; false if none. */
	bool (*take_stop)(void *opaque, struct gdb_stop *stop);
	/* A client connected: stop every vCPU and return once all are
	 * stopped. Returns -1 if the guest is gone (the client is closed). */
	int (*attach)(void *opaque);
};

/* The named bits of an x86 flag register, as target.xml names them. */
struct gdb_flag_bit {
	unsigned bit;
	const char *name;   /* "" for a reserved bit */
};
enum gdb_flags_reg { GDB_FLAGS_EFLAGS, GDB_FLAGS_MXCSR, GDB_FLAGS_CR0, GDB_FLAGS_CR4,
		     GDB_FLAGS_EFER };
/* The bits of register `reg` (x86_flags.c); *count gets their number. */
const struct gdb_flag_bit *gdb_flag_bits(enum gdb_flags_reg reg, size_t *count);

/* One gdb connection: protocol state (ack mode, partial packet, ...). */
struct gdb_conn;

/* Create the protocol state for a new connection to `target`. The target
 * must be stopped. Returns NULL when out of memory, or when the target has
 * no write callback or fewer than one vCPU. */
struct gdb_conn *gdb_conn_new(const struct gdb_target *target);
void gdb_conn_free(struct gdb_conn *conn);

/*
 * Feed bytes received from gdb. Complete packets are acknowledged,
 * dispatched to the target and answered through target->write(); a 0x03
 * byte outside a packet calls target->interrupt(). Never fails on bad
 * input: a bad checksum gets '-', a malformed packet an error reply.
 * Returns false once the session is over (after D or k), true otherwise.
 */
bool gdb_conn_feed(struct gdb_conn *conn, const void *buf, size_t len);

/* Report a stop event of a target that was running (after resume or
 * interrupt): sends the T/W stop reply. Ignored if gdb did not resume. */
void gdb_conn_stopped(struct gdb_conn *conn, const struct gdb_stop *stop);

/* True while the target is running on gdb's behalf (between a resume and
 * the stop reply). */
bool gdb_conn_running(const struct gdb_conn *conn);

/* Build target.xml for `arch` with `xml_arch` as its <architecture>;
 * returns its length (snprintf-style). Exposed for tests. */
size_t gdb_target_xml(enum gdb_arch arch, const char *xml_arch, char *buf, size_t size);

/*
 * The TCP side (gdbstub/server.c).
 *
 * gdb_listen() opens a listening socket for `spec`, which is "PORT" or
 * "HOST:PORT" (HOST defaults to 127.0.0.1; PORT 0 picks a free port).
 * Returns the socket and stores the bound port in *port, or returns -1
 * with a one-line reason in err.
 *
 * gdb_serve() runs the server loop on the calling thread until quit_fd
 * becomes readable: it accepts one client at a time (a second client is
 * refused and closed), calls target->attach(), feeds received bytes to a
 * gdb_conn and forwards stop events from target->stop_fd. A client that
 * disconnects, in mid-packet or not, is treated as a detach; a new client
 * can then connect. Returns 0 once quit_fd is readable, or -1 with errno
 * when a connection cannot be accepted for lack of descriptors or memory.
 */
int gdb_listen(const char *spec, uint16_t *port, char *err, size_t errlen);
int gdb_serve(int listen_fd, const struct gdb_target *target, int quit_fd);

#endif
