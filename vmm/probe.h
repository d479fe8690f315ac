/*
 * probe.h - what this host's KVM can really do (probe.c): scratch VMs run a
 * few instructions each and the exits that come back say which debug
 * mechanisms work in which CPU mode. The gdb stub chooses its mechanisms
 * from this; --check-host prints it.
 */
#ifndef VMM_PROBE_H
#define VMM_PROBE_H

#include <stdbool.h>

#include "x86/x86.h"

enum probe_result { PROBE_NO, PROBE_YES, PROBE_UNTESTED };

/* Indexed by enum cpu_mode: what works in each start-up mode (ring 0). */
struct host_caps {
	bool pvm;                        /* /sys/module/kvm_pvm exists: nested PVM */
	bool hw_virt;                    /* vmx or svm in /proc/cpuinfo */
	bool blockirq;                   /* KVM_GUESTDBG_BLOCKIRQ supported */
	bool sync_sregs;                 /* KVM copies sregs into the run area (sync regs) */
	enum probe_result runs[CPU_MODES];       /* code runs and `out` exits */
	enum probe_result single_step[CPU_MODES];/* KVM_GUESTDBG_SINGLESTEP exits */
	enum probe_result sw_bp[CPU_MODES];      /* int3 + KVM_GUESTDBG_USE_SW_BP exits */
	enum probe_result hw_bp[CPU_MODES];      /* debug-register execute breakpoint exits */
	enum probe_result hw_watch[CPU_MODES];   /* debug-register write watchpoint exits */
	enum probe_result step_rep[CPU_MODES];   /* a step of `rep stosb` does one iteration */
	enum probe_result hlt_exits[CPU_MODES];  /* `hlt` exits (KVM_EXIT_HLT, no irqchip) */
	enum probe_result ro_write[CPU_MODES];   /* a write to a read-only slot exits (MMIO) */
	enum probe_result hole_read[CPU_MODES];  /* a read where no slot is exits (MMIO) */
	enum probe_result paging32;      /* protected mode can set CR0.PG (32-bit paging) */
	enum probe_result int32;         /* `int N` and `iretd` through a 32-bit IDT, ring 0 */
	bool int32_completed;            /* ... because kvm-vmm completed what KVM could not */
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
