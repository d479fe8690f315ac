/*
 * options.h - the kvm-vmm command line: what it holds and how it is parsed
 * (options.c). Pure logic, no KVM: the tests call vmm_parse_args() directly.
 */
#ifndef VMM_OPTIONS_H
#define VMM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "pc/pc.h"
#include "x86/x86.h"

#define DRIVE_FILE_MAX 1024   /* QEMU's -drive file=...: longest file name */

struct vmm_options {
	enum cpu_mode mode;
	bool mode_given;      /* --mode was on the command line */
	uint64_t mem_size;    /* --mem, bytes */
	int smp;              /* --smp: vCPUs of the (single) guest */
	const char *gdb;      /* --gdb [HOST:]PORT, or NULL */
	bool gdb_no_wait;     /* --gdb-no-wait: run at once, gdb attaches later */
	bool record;          /* --record: gdb can go backwards */
	uint64_t record_limit_mib; /* --record-limit, 0: the default */
	bool stats, trace;
	double timeout;       /* --timeout seconds, 0 = none */
	bool check_host;
	bool irqchip;         /* --irqchip: in-kernel PIC and PIT, PS/2 keyboard */
	uint64_t load_addr;   /* --load-addr for flat binaries */
	uint64_t entry;       /* --entry for flat binaries */
	bool entry_given;
	const char *disk;     /* --disk or --floppy IMAGE: boot it through the BIOS */
	bool floppy;          /* ... as a floppy (drive 0x00), else a hard disk (0x80) */
	bool disk_write;      /* --disk-write: the guest's writes reach the file */
	enum screen_mode screen; /* --screen */
	char *disk_guest[1];  /* with --disk, guests points here: the image */
	bool qemu_exit_status; /* -device isa-debug-exit: status (AL << 1) | 1, as QEMU */
	char drive_file[DRIVE_FILE_MAX]; /* -drive file=...: the file name */
	char **guests;        /* GUEST files (points into argv) */
	int nguests;
};

enum parse_result { PARSE_RUN, PARSE_HELP, PARSE_VERSION, PARSE_ERROR };

/* Parse argv into *o (defaults first). On PARSE_ERROR err holds the reason. */
enum parse_result vmm_parse_args(int argc, char **argv, struct vmm_options *o, char *err);
/* QEMU's command line (qemu_options.c): true if argv has one of the QEMU
 * options it knows, such as -hda or -s (kvm-vmm's own start with --). */
bool qemu_style_args(int argc, char **argv);
/* Parse QEMU options into *o, as vmm_parse_args does ours. */
enum parse_result qemu_parse_args(int argc, char **argv, struct vmm_options *o, char *err);
/* Parse a size such as "16M", "64K", "1G" or "4096" into bytes; -1 if bad. */
int parse_size(const char *s, uint64_t *out);
/* Why a guest with ncpus vCPUs (and an interrupt controller or not)
 * cannot be recorded for reverse debugging, or NULL if it can. */
const char *vmm_record_refusal(int ncpus, bool irqchip);
#define RECORD_LIMIT_MAX_MIB 65536
/* The --help text. */
const char *vmm_usage(void);

#endif
