/*
 * gdb.h - the debugger's side of the VMM: it implements the target that
 * the GDB remote protocol (gdbstub/) drives, on KVM vCPUs. Split by role:
 *
 *   setup.c      --gdb: listen, start the server thread, wire the target
 *   stop.c       the all-stop protocol: stopping, parking and resuming
 *                vCPUs, stop events for the server; all of its locking
 *   debug_x86.c  x86 debug mechanics: breakpoint and watchpoint table,
 *                DR7, single-step-and-compare, decoding debug exits
 *   mechanism.c  which mechanism each breakpoint and watchpoint uses;
 *                breakpoints patched into the code (hlt or int3) and
 *                write watchpoints by read-only memory slots
 *   regs.c       pure conversion between KVM's registers and gdb's
 *   target.c     the state callbacks: registers, memory, breakpoints,
 *                thread names, monitor
 *   monitor.c    the `monitor` commands
 *   record.c     recording the execution and going backwards through it
 *                (reverse-stepi, reverse-continue): checkpoints, the log
 *                of the guest's input, replay
 *
 * All-stop: when one vCPU stops (breakpoint, step, Ctrl-C) every vCPU is
 * kicked out of KVM_RUN and parks on its own thread, after taking a
 * snapshot of its registers. gdb reads and changes that snapshot while the
 * guest is stopped; the vCPU writes back what changed and arms its debug
 * state when it is resumed. So every vCPU ioctl happens on the vCPU's own
 * thread, and the server thread never waits for KVM.
 */
#ifndef VMM_GDB_H
#define VMM_GDB_H

#include <stdbool.h>

#include "gdbstub.h"
#include "probe.h"
#include "vmm.h"

/* ---- for main() and the run loop ----------------------------------------- */

/* Serve gdb for guest vm on spec ("PORT" or "HOST:PORT"): listen, print
 * "gdb: listening on HOST:PORT" on stderr, and start the server thread.
 * The guest's vCPUs then wait for gdb before their first instruction,
 * unless no_wait: then they run, and gdb stops them when it attaches.
 * Returns 0, STATUS_USAGE (cannot listen on spec) or -1 (the host ran out
 * of something), with err; nothing is left behind. */
int gdb_start(struct vm *vm, const char *spec, bool no_wait, char *err);
/* Stop the server thread and free the debugger's state (at exit, after
 * the vCPU threads were joined). */
void gdb_stop(struct vm *vm);

/* Before each KVM_RUN of a guest under gdb: park while gdb has the guest
 * stopped, then arm breakpoints and single-step. Returns false when the
 * vCPU must leave its run loop. */
bool gdb_vcpu_before_run(struct vcpu *cpu);
/* KVM_EXIT_DEBUG. Returns true to keep running. */
bool gdb_vcpu_debug_exit(struct vcpu *cpu);
/* After a port I/O exit: a single-step in progress ends with that
 * instruction; report it now (the instruction is completed first). */
void gdb_vcpu_after_io(struct vcpu *cpu);
/* KVM_EXIT_HLT: true if it was a breakpoint patched into the code (the
 * stop is requested, RIP put back on it); false for the guest's own hlt. */
bool gdb_vcpu_hlt_exit(struct vcpu *cpu);
/* KVM_EXIT_MMIO: true if it was a write to a page the stub made
 * read-only for a watchpoint (written, compared, maybe a stop); false
 * for any other MMIO. */
bool gdb_vcpu_mmio_exit(struct vcpu *cpu);
/* KVM_EXIT_INTERNAL_ERROR: true if it was code run from a page a read
 * watchpoint left unmapped (the page is mapped back, the guest stops). */
bool gdb_vcpu_fetch_fault(struct vcpu *cpu);
/* A device wait of this vCPU gave up because gdb wants the guest stopped:
 * complete the I/O instruction, park until gdb resumes, then return so
 * that the wait goes on. */
void gdb_vcpu_park_in_io(struct vcpu *cpu);
/* The vCPU left its run loop for good: keep its registers readable. */
void gdb_vcpu_finished(struct vcpu *cpu);
/* The guest is ending: report it to gdb (W packet) if attached. */
void gdb_vm_ended(struct vm *vm);

/* Recording for reverse debugging (record.c): limit_mib bounds the history
 * a recording keeps (0: REC_LIMIT_DEFAULT_MIB); at_start (--record):
 * record from the first instruction. */
void gdb_record_setup(struct vm *vm, bool at_start, uint64_t limit_mib);
/* Port I/O exits while recording (run.c, on the vCPU's thread). An exit
 * of an instruction that was recorded before is replayed: the bytes an
 * `in` read and the registers a hypercall returned come from the log, and
 * no device sees it (so nothing is printed twice, nothing read twice);
 * true then. False: handle it live. */
bool gdb_rec_replay_io(struct vcpu *cpu);
/* A live port I/O exit was handled: log what it brought in (port, bytes
 * of an `in`, RAX and RDX after a hypercall). */
struct rec_io {
	uint16_t port;
	uint8_t direction;
	uint32_t len;            /* bytes of an `in`: size * count */
	const uint8_t *data;
};
void gdb_rec_log_io(struct vcpu *cpu, const struct rec_io *io);

/* ---- between the files of vmm/gdb/ -------------------------------------------- */

#define GDB_SIGINT 2
#define GDB_SIGTRAP 5
#define MAX_BREAKPOINTS 4096       /* breakpoints and watchpoints together */
#define MAX_WATCH_LEN (1U << 20)   /* bytes one watchpoint may cover */

/* How one breakpoint or watchpoint is carried out (mechanism.c). */
enum gdb_mech {
	MECH_STEP,      /* single-step-and-compare */
	MECH_DEBUGREG,  /* a debug register (DR0-DR3) */
	MECH_PATCH,     /* a one-byte instruction that exits, patched over the code */
	MECH_READONLY,  /* the page mapped read-only: every write exits */
	MECH_UNMAPPED,  /* the page not mapped at all: every access exits */
	MECH_COUNT
};

struct breakpoint {
	enum gdb_bp_type type;
	uint64_t addr, len;
	enum gdb_mech mech;     /* chosen at each resume */
	/* MECH_PATCH: where the patch is and the byte it replaced. */
	bool patched;
	uint64_t phys;
	uint8_t orig;
	int held;               /* vCPUs stepping over it right now (unpatched) */
	/* Watchpoints: the watched bytes as each vCPU last saw them, len
	 * bytes a vCPU (vCPU n's at seen + n * len); NULL for breakpoints. */
	uint8_t *seen;
};

/*
 * A recording (record.c). The vCPU runs one instruction at a time;
 * `icount` counts them. Every REC_INTERVAL instructions a checkpoint keeps
 * the registers, and the guest pages that changed since the previous
 * checkpoint as they were before (found by comparing guest RAM with
 * `shadow`, a copy of RAM at the last checkpoint). Going back restores the
 * nearest checkpoint before the target and runs forward to it; what the
 * guest read from outside on the way comes from `log`.
 */
#define REC_INTERVAL 1000           /* instructions between checkpoints */
#define REC_LIMIT_DEFAULT_MIB 256   /* history kept by default (--record-limit) */
#define REC_MSRS 9                  /* MSRs a checkpoint keeps (record.c) */

struct rec_page {
	uint64_t gpa;
	uint8_t *data;          /* REC_PAGE bytes */
};

struct rec_checkpoint {
	uint64_t icount;
	size_t log_pos;         /* inputs logged before it */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_vcpu_events events;
	bool have_events;
	uint64_t msr[REC_MSRS];
	/* The pages that changed between the previous checkpoint and this
	 * one, as they were at the previous one: what restoring the previous
	 * one writes back. */
	struct rec_page *undo;
	size_t nundo;
	/* The guest-physical page numbers the guest wrote between the
	 * previous checkpoint and this one, from KVM's dirty-page log (even
	 * those it changed and changed back); written_known is false when
	 * the log could not tell. */
	uint32_t *written;
	size_t nwritten;
	bool written_known;
};

/* What one port I/O exit brought in from outside. */
struct rec_input {
	uint64_t icount;
	uint16_t port;
	uint8_t direction;
	bool has_regs;          /* a hypercall: RAX and RDX after it */
	uint64_t rax, rdx;
	uint32_t len;           /* bytes an `in` read */
	uint8_t *data;
};

/* Where a recording is heading (record.c). */
enum rec_goal {
	REC_FORWARD,    /* plain running: replaying until `frontier`, then live */
	REC_TO,         /* running to icount `goal_icount`, then stop */
	REC_SCAN,       /* reverse-continue: replay a stretch, note its last hit */
};

struct recording {
	bool on;
	bool want_on;           /* start at the next resume (vCPU's thread) */
	bool gdb_wrote;         /* gdb changed memory since the last stop */
	bool off_at_frontier;   /* gdb detached: off once the replay is over */
	uint64_t limit;         /* bytes of history kept at most */
	uint64_t bytes;         /* bytes of history kept now */
	uint64_t interval;      /* instructions between checkpoints */
	uint64_t icount;        /* instructions since the recording began */
	uint64_t frontier;      /* the furthest icount executed live */
	struct rec_checkpoint **cp;  /* oldest first */
	size_t ncp, cp_room;
	struct rec_input *log;  /* input number log_base + i in log[i] */
	size_t nlog, log_room, log_base;
	size_t log_head;        /* log[0..log_head) were dropped */
	size_t pos;             /* the next input to replay */
	uint8_t *shadow;        /* guest RAM as at the last checkpoint */
	uint64_t *dirty;        /* a bitmap for KVM's dirty-page log */
	unsigned dirty_generation; /* vm->map_generation when the log was last read */
	uint32_t msr_index[REC_MSRS];
	int nmsrs;
	/* Going backwards. */
	enum gdb_action reverse;     /* requested by bs/bc; STOP: none */
	enum rec_goal goal;
	uint64_t goal_icount;
	struct gdb_stop goal_stop;
	uint64_t scan_from, scan_end; /* REC_SCAN: the stretch */
	bool hit;
	uint64_t hit_icount;
	struct gdb_stop hit_stop;
};

/* The debugger's state of one guest. */
struct gdb_vm {
	struct vm *vm;
	struct gdb_target target;
	const struct host_caps *caps;
	int listen_fd, stop_fd, quit_fd;
	pthread_t server;
	bool server_started;

	/* The stop protocol (stop.c), under lock: */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool attached;         /* a gdb client is connected */
	bool stopping;         /* all-stop: vCPUs must park */
	int parked;            /* vCPUs parked now */
	bool stop_pending;     /* `stop` waits to be taken by the server */
	bool stop_posted;      /* ... and stop_fd was signalled for it */
	struct gdb_stop stop;

	/* Breakpoints and watchpoints (debug_x86.c). Changed by gdb only
	 * while every vCPU is stopped; read by vCPUs under lock. */
	struct breakpoint *bp;  /* nbp of them, room for bp_room */
	int nbp, bp_room;
	/* Mechanisms this host and this guest allow (mechanism.c). */
	bool use_debugreg, use_readonly, use_unmapped;
	uint8_t patch_op;       /* OP_HLT or OP_INT3; 0: no patching */
	/* MECH_READONLY: the guest-physical pages mapped read-only now. */
	struct phys_range *ro;
	int nro, ro_room, slots;
	/* How many breakpoints used each mechanism when the guest last ran
	 * with any (gdb takes them out at every stop): monitor info breakpoints. */
	int last_used[MECH_COUNT];
	/* Guest-physical pages code ran from: never left unmapped again. */
	uint64_t *code_pages;
	int ncode_pages;
	unsigned bp_generation; /* bumped on every change: vCPUs re-arm */
	struct recording rec;   /* record.c */
};

/* The debugger's state of one vCPU. */
struct gdb_vcpu {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	uint64_t kernel_gs_base; /* MSR_KERNEL_GS_BASE */
	bool have_state;        /* the snapshot is current (taken at park) */
	bool regs_dirty, sregs_dirty, fpu_dirty, msr_dirty;
	enum gdb_action action;
	/* How the vCPU runs until its next stop (debug_x86.c): */
	bool emulate;           /* single-step-and-compare for bps/watchpoints */
	bool stepping_over;     /* stepping off a hardware breakpoint at PC */
	unsigned armed_generation;
	bool armed;             /* debug state set for bp_generation */
	struct kvm_guest_debug dbg; /* what KVM was last told */
	bool dbg_set;
	/* String instructions (debug_x86.c): the PC before the last step,
	 * and a stop held back until the step that moves past a `rep`. */
	uint64_t last_pc;
	bool has_deferred;
	struct gdb_stop deferred;
	/* Stepping off a patched breakpoint at held_addr (mechanism.c). */
	bool holding;
	uint64_t held_addr;
	bool parked_in_io;      /* parked inside a device wait (GETCHAR) */
};

/* stop.c: ask every vCPU to stop, `stop` says why (NULL: no event);
 * the first reason wins. Caller holds g->lock. */
void gdb_request_stop(struct gdb_vm *g, const struct gdb_stop *stop);
/* stop.c: the run-control callbacks of the target (resume, interrupt,
 * attach, detach, kill, take_stop). */
void gdb_stop_callbacks(struct gdb_target *t);
/* target.c: the state callbacks of the target (registers, memory,
 * breakpoints, thread_info, monitor). */
void gdb_state_callbacks(struct gdb_target *t);

/* debug_x86.c, all with g->lock held, on the vCPU's thread: */
/* Read the registers arm_debug looks at (PC, mode) into the snapshot. */
void gdb_read_pc_state(struct vcpu *cpu);
/* Take the snapshot of everything gdb can see; write back what changed. */
void gdb_snapshot(struct vcpu *cpu);
void gdb_write_back(struct vcpu *cpu);
/* Decide how cpu runs until its next stop and program KVM for it. */
void gdb_arm_debug(struct gdb_vm *g, struct vcpu *cpu);
/* The index of our execute breakpoint at linear address pc, or -1. */
int gdb_exec_bp_at(const struct gdb_vm *g, uint64_t pc);
/* Is the instruction at the snapshot's PC a `hlt`? */
bool gdb_at_hlt(struct vcpu *cpu);
/* What KVM_EXIT_DEBUG (in cpu->run) means for gdb. */
enum gdb_debug_verdict {
	GDB_DEBUG_STOP,     /* report *stop to gdb */
	GDB_DEBUG_GO_ON,    /* ours, nothing to report: keep running */
	GDB_DEBUG_GUEST,    /* not ours: the guest's own #DB/#BP, reinjected */
};
enum gdb_debug_verdict gdb_decode_debug_exit(struct gdb_vm *g, struct vcpu *cpu,
					     struct gdb_stop *stop);
/* Insert or remove a breakpoint/watchpoint (target callback's work).
 * Returns 0 or -1 (not supported, table full, not found). */
int gdb_bp_change(struct gdb_vm *g, bool insert, enum gdb_bp_type type, uint64_t addr,
		  uint64_t len);
/* Can a debug register hold b? (1, 2, 4 or 8 aligned bytes for data) */
bool gdb_fits_debug_register(const struct breakpoint *b);
/* Compare watchpoint b with cpu's baseline (through page tables s) and
 * take the new bytes as the baseline; true if they changed. */
bool gdb_watch_changed(struct vcpu *cpu, const struct kvm_sregs *s, struct breakpoint *b);
/* Remove every breakpoint and watchpoint (detach) and free the table. */
void gdb_bp_clear(struct gdb_vm *g);

/* mechanism.c, with g->lock held: */
#define OP_HLT 0xf4
#define OP_INT3 0xcc
/* Choose the mechanisms from the probe, --irqchip and the environment
 * variable KVM_VMM_GDB_AVOID (a comma-separated list of debugreg, int3,
 * hlt, readonly, unmapped: mechanisms not to use, for tests and
 * comparisons). */
void gdb_mech_init(struct gdb_vm *g);
/* Every vCPU is parked and gdb resumes: choose each breakpoint's
 * mechanism, patch the code, map watched pages read-only. */
void gdb_mech_resume(struct gdb_vm *g);
/* Every vCPU is parked for gdb: take the patches out of the code, so gdb
 * reads (and writes) the guest's own bytes. */
void gdb_mech_stopped(struct gdb_vm *g);
/* cpu is about to run from breakpoint b at its PC: take its patch out
 * until cpu has stepped (gdb_mech_release at the step's exit). */
void gdb_mech_hold(struct gdb_vm *g, struct vcpu *cpu, struct breakpoint *b);
void gdb_mech_release(struct gdb_vm *g, struct vcpu *cpu);
/* The guest's own byte at linear addr, as if nothing were patched; -1 if
 * unmapped. */
int gdb_code_byte(struct gdb_vm *g, const struct kvm_sregs *s, uint64_t addr);
/* Can the pages of linear [addr, addr+len) be left unmapped for a read
 * watchpoint: all guest RAM, and no code runs from them (no vCPU's PC is
 * there, nor was)? */
bool gdb_can_unmap(struct gdb_vm *g, uint64_t addr, uint64_t len);
/* Name of a mechanism, for `monitor info breakpoints`. */
const char *gdb_mech_name(enum gdb_mech m);

/* debug_x86.c: if a watched value changed since cpu's baseline, say which
 * in stop and return true (every changed one gets its new baseline). */
bool gdb_watch_fired(struct gdb_vm *g, struct vcpu *cpu, struct gdb_stop *stop);
/* debug_x86.c: a single-step that did the work of a `rep` but left the PC
 * on it (some hosts); the next step moves past it. */
bool gdb_step_stuck_on_rep(struct vcpu *cpu, uint64_t pc_before, uint64_t pc);

/* record.c, with g->lock held. After the vCPU was parked and gdb let it
 * run: start or restart the recording, carry out a bs or bc. Returns
 * REC_PARK_AGAIN when a stop was requested at once (park again), REC_GO
 * when the vCPU runs to a goal of the recording (already armed-to-be),
 * REC_NOTHING when it is an ordinary resume. */
enum rec_after_park { REC_NOTHING, REC_GO, REC_PARK_AGAIN };
enum rec_after_park gdb_rec_after_park(struct gdb_vm *g, struct vcpu *cpu);
/* A single-step of a recording vCPU finished (KVM_EXIT_DEBUG): count it,
 * take a checkpoint when due, and say whether to stop (bp: our execute
 * breakpoint at the new PC, or -1). */
enum gdb_debug_verdict gdb_rec_step(struct gdb_vm *g, struct vcpu *cpu, int bp,
				    struct gdb_stop *stop);
/* Turn recording off and free the history (every vCPU parked). */
void gdb_rec_stop(struct gdb_vm *g);
/* gdb detaches (every vCPU parked): recording ends, once the vCPU has
 * replayed what was recorded if it is in the past. */
void gdb_rec_detach(struct gdb_vm *g);
/* `monitor record`, `monitor record on|off` (every vCPU parked). */
void gdb_rec_monitor(struct gdb_vm *g, const char *args, char *out, size_t len);

/* regs.c: pure conversion. From a vCPU snapshot to gdb's registers. */
void gdb_regs_from_kvm(const struct kvm_regs *r, const struct kvm_sregs *s,
		       const struct kvm_fpu *fpu, struct gdb_regs *out);
/* From gdb's registers into r, s and fpu, except the segment selectors
 * (the caller loads those, see target.c); the PC is linear. */
void gdb_regs_to_kvm(const struct gdb_regs *in, struct kvm_regs *r, struct kvm_sregs *s,
		     struct kvm_fpu *fpu);

/* monitor.c: a `monitor` command on the stopped state of one vCPU. Writes
 * text into out; returns 0, or -1 for an unknown command. */
int gdb_monitor(struct vm *vm, const struct kvm_regs *regs, const struct kvm_sregs *sregs,
		const char *cmd, char *out, size_t len);

#endif
