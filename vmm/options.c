/*
 * options.c - the kvm-vmm command line: parsing, defaults and --help.
 * Pure logic (no KVM), so the tests call vmm_parse_args() directly.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "options.h"
#include "vmm.h"
#include "x86/bits.h"

#define SMP_MAX 64
#define TIMEOUT_MAX (7 * 24 * 3600.0)

int vmm_fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, VMM_ERR_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

const char *vmm_usage(void)
{
	return
	"usage: kvm-vmm [options] GUEST [GUEST...]\n"
	"\n"
	"Run x86 guests on the Linux KVM API. A GUEST is an ELF (32- or 64-bit,\n"
	"loaded at the physical addresses of its program headers, started at its\n"
	"entry point), a Multiboot v1 kernel, or a flat binary (anything else).\n"
	"Several GUESTs run in parallel, one vCPU thread each, with private memory;\n"
	"their output lines are prefixed [0], [1], ...\n"
	"\n"
	"options:\n"
	"  --mode real|protected|long  CPU mode set up before the first instruction\n"
	"                         (default: real, as a CPU starts; long for ELF64;\n"
	"                         protected for Multiboot kernels)\n"
	"  --mem SIZE             guest RAM per guest, e.g. 64K, 16M, 1G (default 16M)\n"
	"  --smp N                one guest with N vCPUs sharing its memory (all start\n"
	"                         at the entry point, RDI = vCPU number, RSI = N)\n"
	"  --irqchip              give the guest interrupt hardware: KVM's in-kernel\n"
	"                         8259 PIC, 8254 PIT and local APIC, and a PS/2\n"
	"                         keyboard (port 0x60, IRQ 1) fed from stdin\n"
	"  --disk IMAGE           boot a PC from IMAGE, a raw disk image (drive 0x80),\n"
	"                         through kvm-vmm's BIOS; no GUEST then. Gives the\n"
	"                         guest what --irqchip gives. See docs/pc.md\n"
	"  --floppy IMAGE         the same, IMAGE as a 1.44 MB floppy (drive 0x00)\n"
	"  --disk-write           the guest's writes to the disk reach IMAGE (default:\n"
	"                         they are kept in memory and the file never changes)\n"
	"  --screen auto|text|live|none  the VGA text screen at 0xB8000: text prints\n"
	"                         the final screen on stdout when the guest ends,\n"
	"                         live draws it in the terminal as it changes; auto\n"
	"                         (default) is live when stdout is a terminal, text\n"
	"                         otherwise, once the guest has written to the screen\n"
	"  --load-addr ADDR       flat binary: where to load it (default 0x0)\n"
	"  --entry ADDR           flat binary: first instruction (default: load address)\n"
	"  --gdb [HOST:]PORT      serve the GDB remote protocol on HOST:PORT (default\n"
	"                         host 127.0.0.1: only local connections; give a HOST\n"
	"                         such as 0.0.0.0 to accept others). PORT 0 picks a\n"
	"                         free port. The guest waits for gdb before its\n"
	"                         first instruction. Then: gdb GUEST -ex 'target remote :PORT'\n"
	"  --gdb-no-wait          with --gdb: the guest runs at once, and gdb stops it\n"
	"                         when it attaches (QEMU's -s without -S)\n"
	"  --record               with --gdb: record the execution from the first\n"
	"                         instruction, so that gdb can go backwards\n"
	"                         (reverse-stepi, reverse-continue); one vCPU, no\n"
	"                         --irqchip. See docs/gdb.md\n"
	"  --record-limit MIB     with --gdb: the history a recording (--record or\n"
	"                         gdb's monitor record on) keeps at most (default\n"
	"                         256); the oldest goes first\n"
	"  --timeout SECONDS      stop guests still running after SECONDS (status 124)\n"
	"  --stats                at exit, print VM exits by reason, hypercalls and time\n"
	"  --trace                print every VM exit as it happens (reason, RIP, port)\n"
	"  --check-host           print what this host's KVM supports, and exit\n"
	"  -h, --help             this text\n"
	"  --version              print the version\n"
	"\n"
	"Guest I/O ports: 0xE9 console byte, 0xF4 exit with code, 0x3F8 16550 UART,\n"
	"0x500 hypercall (AL = number: 0 exit, 1 putchar, 2 getchar, 3 putnum,\n"
	"4 write, 5 time; arguments in EBX, ECX; result in EAX). See docs/abi.md.\n"
	"\n"
	"QEMU's options (-fda, -hda, -drive, -kernel, -m, -smp, -s -S, -gdb,\n"
	"-nographic, -display, -device isa-debug-exit, ...) are understood too, so\n"
	"that a tutorial's `make run QEMU=./kvm-vmm` works; see docs/pc.md.\n"
	"\n"
	"exit status: the guest's exit code; 0 when every vCPU halted; 1 for a guest\n"
	"fault (with a register dump); 2 for bad usage or an unloadable guest file;\n"
	"124 after --timeout. With several guests: the first non-zero status.\n";
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mul = 1ULL << 10; end++; break;
	case 'm': case 'M': mul = 1ULL << 20; end++; break;
	case 'g': case 'G': mul = 1ULL << 30; end++; break;
	default: return -1;
	}
	if (*end == 'i' && mul > 1)  /* accept "16Mi" too */
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0')
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int parse_addr(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || *end) ? -1 : 0;
}

enum {
	OPT_MODE = 256, OPT_MEM, OPT_SMP, OPT_LOAD_ADDR, OPT_ENTRY, OPT_GDB,
	OPT_TIMEOUT, OPT_STATS, OPT_TRACE, OPT_CHECK_HOST, OPT_VERSION, OPT_IRQCHIP,
	OPT_DISK, OPT_FLOPPY, OPT_DISK_WRITE, OPT_SCREEN, OPT_GDB_NO_WAIT, OPT_RECORD,
	OPT_RECORD_LIMIT,
};

static const struct option long_options[] = {
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "smp", required_argument, NULL, OPT_SMP },
	{ "load-addr", required_argument, NULL, OPT_LOAD_ADDR },
	{ "entry", required_argument, NULL, OPT_ENTRY },
	{ "gdb", required_argument, NULL, OPT_GDB },
	{ "gdb-no-wait", no_argument, NULL, OPT_GDB_NO_WAIT },
	{ "record", no_argument, NULL, OPT_RECORD },
	{ "record-limit", required_argument, NULL, OPT_RECORD_LIMIT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "check-host", no_argument, NULL, OPT_CHECK_HOST },
	{ "irqchip", no_argument, NULL, OPT_IRQCHIP },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "floppy", required_argument, NULL, OPT_FLOPPY },
	{ "disk-write", no_argument, NULL, OPT_DISK_WRITE },
	{ "screen", required_argument, NULL, OPT_SCREEN },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* --screen's words, in the order of enum screen_mode. */
static const char *const screen_modes[] = {
	[SCREEN_AUTO] = "auto", [SCREEN_TEXT] = "text", [SCREEN_LIVE] = "live", [SCREEN_NONE] = "none",
};

const char *vmm_record_refusal(int ncpus, bool irqchip)
{
	if (ncpus > 1)
		return "recording needs a guest with one vCPU (no --smp)";
	if (irqchip)
		return "recording cannot replay interrupts (no --irqchip, --disk or --floppy)";
	return NULL;
}

/* --record: with --gdb, on a guest whose execution can be replayed. */
static enum parse_result check_record(const struct vmm_options *o, char *err)
{
	const char *refusal = vmm_record_refusal(o->smp, o->irqchip);

	if (o->record_limit_mib && !o->gdb) {
		vmm_fail(err, "--record-limit goes with --gdb PORT");
		return PARSE_ERROR;
	}
	if (!o->record)
		return PARSE_RUN;
	if (!o->gdb) {
		vmm_fail(err, "--record goes with --gdb PORT: gdb goes backwards through it");
		return PARSE_ERROR;
	}
	if (refusal) {
		vmm_fail(err, "--record: %s", refusal);
		return PARSE_ERROR;
	}
	return PARSE_RUN;
}

/* --disk boots one PC: it is the guest, in real mode from the reset vector. */
static int check_disk_boot(struct vmm_options *o, char *err)
{
	if (o->nguests > 0)
		return vmm_fail(err, "--disk boots the disk image: give no GUEST file with it");
	if (o->mode_given)
		return vmm_fail(err, "--disk: a PC starts in real mode at its BIOS; drop --mode");
	if (o->smp > 1)
		return vmm_fail(err, "--disk: the PC has one vCPU; drop --smp");
	if (o->entry_given || o->load_addr)
		return vmm_fail(err, "--disk: the BIOS loads the boot sector; drop --load-addr and --entry");
	o->disk_guest[0] = (char *)o->disk;
	o->guests = o->disk_guest;
	o->nguests = 1;
	o->irqchip = true;   /* a PC has its PIC, PIT and keyboard */
	return 0;
}

static int parse_one(int c, const char *arg, struct vmm_options *o, char *err)
{
	char *end;

	switch (c) {
	case OPT_MODE:
		if (!strcmp(arg, "real"))
			o->mode = MODE_REAL;
		else if (!strcmp(arg, "protected"))
			o->mode = MODE_PROTECTED;
		else if (!strcmp(arg, "long"))
			o->mode = MODE_LONG;
		else
			return vmm_fail(err, "--mode: '%s' is not a mode (real, protected or long)", arg);
		o->mode_given = true;
		return 0;
	case OPT_MEM:
		if (parse_size(arg, &o->mem_size) < 0)
			return vmm_fail(err, "--mem: '%s' is not a size (e.g. 64K, 16M, 1G)", arg);
		if (o->mem_size < LAYOUT_MEM_MIN || o->mem_size > LAYOUT_MEM_MAX)
			return vmm_fail(err, "--mem: %s is out of range (64K to 3G)", arg);
		if (o->mem_size % PAGE_SIZE)
			return vmm_fail(err, "--mem: %s is not a multiple of 4K", arg);
		return 0;
	case OPT_SMP:
		errno = 0;
		o->smp = (int)strtol(arg, &end, 10);
		if (errno || *end || o->smp < 1 || o->smp > SMP_MAX)
			return vmm_fail(err, "--smp: '%s' is not a vCPU count from 1 to %d", arg, SMP_MAX);
		return 0;
	case OPT_LOAD_ADDR:
		if (parse_addr(arg, &o->load_addr) < 0)
			return vmm_fail(err, "--load-addr: '%s' is not an address", arg);
		return 0;
	case OPT_ENTRY:
		if (parse_addr(arg, &o->entry) < 0)
			return vmm_fail(err, "--entry: '%s' is not an address", arg);
		o->entry_given = true;
		return 0;
	case OPT_GDB:
		if (!*arg)
			return vmm_fail(err, "--gdb: give a port, e.g. --gdb 1234 (0 picks a free one)");
		o->gdb = arg;
		return 0;
	case OPT_GDB_NO_WAIT:
		o->gdb_no_wait = true;
		return 0;
	case OPT_RECORD:
		o->record = true;
		return 0;
	case OPT_RECORD_LIMIT:
		errno = 0;
		o->record_limit_mib = strtoull(arg, &end, 10);
		if (errno || *end || end == arg || *arg == '-' || o->record_limit_mib < 1 ||
		    o->record_limit_mib > RECORD_LIMIT_MAX_MIB)
			return vmm_fail(err, "--record-limit: '%s' is not a number of MiB from 1 to %d",
					arg, RECORD_LIMIT_MAX_MIB);
		return 0;
	case OPT_TIMEOUT:
		errno = 0;
		o->timeout = strtod(arg, &end);
		if (errno || *end || end == arg || !(o->timeout > 0) || o->timeout > TIMEOUT_MAX)
			return vmm_fail(err, "--timeout: '%s' is not a number of seconds", arg);
		return 0;
	case OPT_STATS: o->stats = true; return 0;
	case OPT_TRACE: o->trace = true; return 0;
	case OPT_CHECK_HOST: o->check_host = true; return 0;
	case OPT_IRQCHIP: o->irqchip = true; return 0;
	case OPT_DISK:
	case OPT_FLOPPY:
		if (o->disk)
			return vmm_fail(err, "--disk and --floppy: give one boot disk");
		if (!*arg)
			return vmm_fail(err, "%s: give a disk image file", c == OPT_DISK ? "--disk" : "--floppy");
		o->disk = arg;
		o->floppy = c == OPT_FLOPPY;
		return 0;
	case OPT_DISK_WRITE: o->disk_write = true; return 0;
	case OPT_SCREEN:
		for (size_t i = 0; i < sizeof(screen_modes) / sizeof(screen_modes[0]); i++)
			if (!strcmp(arg, screen_modes[i])) {
				o->screen = (enum screen_mode)i;
				return 0;
			}
		return vmm_fail(err, "--screen: '%s' is not auto, text, live or none", arg);
	}
	return vmm_fail(err, "internal: unknown option %d", c);
}

enum parse_result vmm_parse_args(int argc, char **argv, struct vmm_options *o, char *err)
{
	int c;

	*o = (struct vmm_options){
		.mode = MODE_REAL,
		.mem_size = LAYOUT_MEM_DEFAULT,
		.smp = 1,
	};
	if (qemu_style_args(argc, argv)) {   /* a tutorial's QEMU command line */
		enum parse_result r = qemu_parse_args(argc, argv, o, err);

		if (r == PARSE_RUN && o->disk)
			return check_disk_boot(o, err) < 0 ? PARSE_ERROR : PARSE_RUN;
		return r;
	}
	optind = 0;   /* reset getopt: tests call this more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", long_options, NULL)) != -1) {
		if (c == 'h')
			return PARSE_HELP;
		if (c == OPT_VERSION)
			return PARSE_VERSION;
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			if (optopt && optopt < OPT_MODE)
				vmm_fail(err, "unknown option '-%c' (see --help)", optopt);
			else if (optopt)
				vmm_fail(err, "option '%s' needs an argument (see --help)", bad);
			else
				vmm_fail(err, "unknown option '%s' (see --help)", bad);
			return PARSE_ERROR;
		}
		if (parse_one(c, optarg, o, err) < 0)
			return PARSE_ERROR;
	}
	o->guests = argv + optind;
	o->nguests = argc - optind;
	if (o->check_host)
		return PARSE_RUN;
	if (o->disk_write && !o->disk) {
		vmm_fail(err, "--disk-write: give --disk IMAGE or --floppy IMAGE");
		return PARSE_ERROR;
	}
	if (o->disk)
		return check_disk_boot(o, err) < 0 ? PARSE_ERROR : check_record(o, err);
	if (o->nguests == 0) {
		vmm_fail(err, "no GUEST file given (usage: kvm-vmm [options] GUEST...; see --help)");
		return PARSE_ERROR;
	}
	if (o->smp > 1 && o->nguests > 1) {
		vmm_fail(err, "--smp runs one guest on several vCPUs; give one GUEST with it");
		return PARSE_ERROR;
	}
	if (o->gdb_no_wait && !o->gdb) {
		vmm_fail(err, "--gdb-no-wait goes with --gdb PORT");
		return PARSE_ERROR;
	}
	if (o->gdb && o->nguests > 1) {
		vmm_fail(err, "--gdb debugs one guest; give one GUEST with it");
		return PARSE_ERROR;
	}
	return check_record(o, err);
}
