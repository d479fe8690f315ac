/*
 * qemu_options.c - the QEMU options that OS tutorials put in their `run`
 * and `debug` targets, understood by kvm-vmm so that `make run
 * QEMU=./kvm-vmm` works unchanged: -fda, -hda, -drive, a bare disk image,
 * -kernel (Multiboot), -m, -smp, -s, -S, -gdb, -nographic, -display,
 * -serial stdio, -debugcon stdio, -device isa-debug-exit, and a few that
 * change nothing here. Any other option is refused by name. Pure logic,
 * like options.c; docs/pc.md lists what each becomes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "options.h"
#include "vmm.h"

#define QEMU_GDB_PORT "1234"        /* -s */
#define QEMU_DEFAULT_MEM (128ULL << 20)
#define QEMU_MEM_UNIT (1ULL << 20)  /* -m 64 means 64 MiB */
#define DEBUG_EXIT_IOBASE 0xf4      /* the exit port (vmm/dev/dev.h PORT_EXIT) */
#define GDB_SPEC_MAX 64

/* Options that take no value and change nothing for kvm-vmm. */
static const char *const ignored[] = {
	"-enable-kvm", "-no-reboot", "-no-shutdown",
};

/* QEMU options that take a value; the others take none. */
static const char *const with_value[] = {
	"-fda", "-fdb", "-hda", "-hdb", "-drive", "-kernel", "-m", "-smp", "-gdb", "-display",
	"-serial", "-debugcon", "-device", "-accel", "-machine", "-boot", "-cdrom", "-monitor",
	"-cpu", "-append", "-initrd", "-vga", "-d", "-D", "-net", "-netdev", "-usbdevice", "-M",
	"-chardev", "-name", "-rtc", "-k", "-L", "-bios",
};

static bool in_list(const char *arg, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(arg, list[i]))
			return true;
	return false;
}

#define IN(arg, list) in_list(arg, list, sizeof(list) / sizeof(list[0]))

/* QEMU options without a value that kvm-vmm carries out. */
static const char *const flags[] = { "-s", "-S", "-nographic" };

bool qemu_style_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (IN(argv[i], with_value) || IN(argv[i], flags) || IN(argv[i], ignored))
			return true;
	return false;
}

static int unsupported(char *err, const char *opt, const char *value)
{
	if (value)
		return vmm_fail(err, "QEMU option '%s %s' is not supported by kvm-vmm (see docs/pc.md)",
				opt, value);
	return vmm_fail(err, "QEMU option '%s' is not supported by kvm-vmm (see docs/pc.md)", opt);
}

static int set_disk(struct vmm_options *o, const char *file, bool floppy, char *err)
{
	if (o->disk)
		return vmm_fail(err, "kvm-vmm boots one disk: '%s' is a second one", file);
	o->disk = file;
	o->floppy = floppy;
	return 0;
}

static bool word_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && !memcmp(s, word, len);
}

/* -drive file=F,format=raw[,if=ide|floppy][,index=0][,media=disk]. */
static int drive(struct vmm_options *o, const char *value, char *err)
{
	bool floppy = false, have_file = false;

	for (const char *p = value; *p;) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		const char *v = eq ? eq + 1 : p + len;
		size_t vlen = (size_t)(p + len - v);

		if (word_is(p, klen, "file") && vlen < sizeof(o->drive_file)) {
			memcpy(o->drive_file, v, vlen);
			o->drive_file[vlen] = '\0';
			have_file = true;
		} else if (word_is(p, klen, "if") && (word_is(v, vlen, "floppy") || word_is(v, vlen, "ide"))) {
			floppy = word_is(v, vlen, "floppy");
		} else if (!(word_is(p, klen, "format") && word_is(v, vlen, "raw")) &&
			   !(word_is(p, klen, "index") && word_is(v, vlen, "0")) &&
			   !(word_is(p, klen, "media") && word_is(v, vlen, "disk"))) {
			return vmm_fail(err, "QEMU option '-drive %s': '%.*s' is not supported by kvm-vmm "
					"(see docs/pc.md)", value, (int)len, p);
		}
		p += len;
		if (*p == ',')
			p++;
	}
	if (!have_file)
		return vmm_fail(err, "QEMU option '-drive %s': give file=IMAGE", value);
	return set_disk(o, o->drive_file, floppy, err);
}

/* -gdb tcp::PORT or tcp:HOST:PORT. */
static int gdb_spec(struct vmm_options *o, const char *value, char *err)
{
	static char spec[GDB_SPEC_MAX];
	const char *hostport = !strncmp(value, "tcp:", 4) ? value + 4 : NULL;

	if (!hostport || strlen(hostport) >= sizeof(spec))
		return unsupported(err, "-gdb", value);
	snprintf(spec, sizeof(spec), "%s", hostport[0] == ':' ? hostport + 1 : hostport);
	o->gdb = spec;
	return 0;
}

/* -device isa-debug-exit[,iobase=0xf4][,iosize=...]: the exit port, with
 * QEMU's status (value << 1) | 1. */
static int device(struct vmm_options *o, const char *value, char *err)
{
	const char *iobase = strstr(value, "iobase=");

	if (strncmp(value, "isa-debug-exit", strlen("isa-debug-exit")) ||
	    (iobase && strtoul(iobase + strlen("iobase="), NULL, 0) != DEBUG_EXIT_IOBASE))
		return unsupported(err, "-device", value);
	o->qemu_exit_status = true;
	return 0;
}

static int one(struct vmm_options *o, const char *opt, const char *value, bool *wait, char *err)
{
	char *end;

	if (!strcmp(opt, "-fda"))
		return set_disk(o, value, true, err);
	if (!strcmp(opt, "-hda"))
		return set_disk(o, value, false, err);
	if (!strcmp(opt, "-drive"))
		return drive(o, value, err);
	if (!strcmp(opt, "-kernel")) {
		o->disk_guest[0] = (char *)value;
		o->guests = o->disk_guest;
		o->nguests = 1;
		o->irqchip = true;   /* QEMU's PC has its PIC, PIT and keyboard */
		return 0;
	}
	if (!strcmp(opt, "-m")) {
		uint64_t size;

		errno = 0;
		size = strtoull(value, &end, 10);
		if (!errno && end != value && !*end)
			size *= QEMU_MEM_UNIT;
		else if (parse_size(value, &size) < 0)
			return vmm_fail(err, "QEMU option '-m %s': not a size", value);
		o->mem_size = size;
		if (size < LAYOUT_MEM_MIN || size > LAYOUT_MEM_MAX)
			return vmm_fail(err, "QEMU option '-m %s': out of range (64K to 3G)", value);
		return 0;
	}
	if (!strcmp(opt, "-smp")) {
		o->smp = (int)strtol(value, &end, 10);
		if (*end || o->smp < 1)
			return vmm_fail(err, "QEMU option '-smp %s': not a vCPU count", value);
		return 0;
	}
	if (!strcmp(opt, "-gdb"))
		return gdb_spec(o, value, err);
	if (!strcmp(opt, "-s")) {
		o->gdb = QEMU_GDB_PORT;
		return 0;
	}
	if (!strcmp(opt, "-S")) {
		*wait = true;
		return 0;
	}
	if (!strcmp(opt, "-nographic")) {
		o->screen = SCREEN_NONE;
		return 0;
	}
	if (!strcmp(opt, "-display")) {
		if (!strcmp(value, "curses"))
			o->screen = SCREEN_LIVE;
		else if (!strcmp(value, "none"))
			o->screen = SCREEN_NONE;
		else
			return unsupported(err, opt, value);
		return 0;
	}
	if (!strcmp(opt, "-serial") || !strcmp(opt, "-debugcon"))
		return !strcmp(value, "stdio") ? 0 : unsupported(err, opt, value);
	if (!strcmp(opt, "-device"))
		return device(o, value, err);
	if (!strcmp(opt, "-accel") || !strcmp(opt, "-machine") || !strcmp(opt, "-M"))
		return strstr(value, "kvm") || !strcmp(value, "pc") ? 0 : unsupported(err, opt, value);
	if (IN(opt, ignored))
		return 0;
	return unsupported(err, opt, value);
}

enum parse_result qemu_parse_args(int argc, char **argv, struct vmm_options *o, char *err)
{
	bool wait = false;

	*o = (struct vmm_options){
		.mode = MODE_REAL,
		.mem_size = QEMU_DEFAULT_MEM,
		.smp = 1,
	};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = NULL;

		if (arg[0] != '-') {   /* qemu IMAGE: the first hard disk */
			if (set_disk(o, arg, false, err) < 0)
				return PARSE_ERROR;
			continue;
		}
		if (!strncmp(arg, "--", 2))
			arg++;   /* QEMU takes --opt as -opt */
		if (IN(arg, with_value)) {
			if (i + 1 >= argc) {
				vmm_fail(err, "QEMU option '%s' needs a value", arg);
				return PARSE_ERROR;
			}
			value = argv[++i];
		}
		if (one(o, arg, value, &wait, err) < 0)
			return PARSE_ERROR;
	}
	o->gdb_no_wait = o->gdb && !wait;   /* -s without -S: gdb attaches to a running guest */
	if (o->disk && o->nguests > 0) {
		vmm_fail(err, "QEMU options: give a disk image or -kernel, not both");
		return PARSE_ERROR;
	}
	if (!o->disk && o->nguests == 0) {
		vmm_fail(err, "QEMU options: no disk image or -kernel given");
		return PARSE_ERROR;
	}
	return PARSE_RUN;
}
