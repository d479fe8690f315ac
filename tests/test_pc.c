/*
 * test_pc.c - booting like a PC (docs/pc.md): --disk and --floppy through
 * kvm-vmm's BIOS, every BIOS service (tests/guests/pc/services.asm prints
 * what each returned), CHS reads across a track and past the end of the
 * image, writes that stay in memory or reach the file, images refused as
 * a BIOS would, the VGA text screen (scrolling, the CRT controller's
 * cursor) printed at every kind of end and equal to QEMU's, and gdb on a
 * disk boot.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "options.h"

#define PC "tests/guests/pc/"
#define SERVICES PC "services.img"
#define SCREEN PC "screen.img"
#define SCREEN_CONSOLE "cursor=073A\nretrace seen\n"   /* what screen.asm writes to port 0xE9 */
#define KEYS "ab\n"               /* what services.asm reads with int 16h */
#define SECTOR 512
#define WRITTEN_LBA 20            /* services.asm writes 'W's there */
#define STATUS_USAGE 2
#define STATUS_FAULT 1
#define STATUS_TIMEOUT 124
#define STATUS_SIGTERM (128 + SIGTERM)
#define SPIN_OUTPUT "spinning\nspinning\n"   /* spin.asm's console line, then its screen */

Test(pc, services_from_a_floppy)
{
	struct run_result r;

	run_vmm(&r, KEYS, GUEST_TIMEOUT_S, "--floppy", SERVICES, NULL);
	expect_output_file(&r, PC "services-floppy.txt", 0);
	run_free(&r);
}

Test(pc, services_from_a_hard_disk)
{
	struct run_result r;

	run_vmm(&r, KEYS, GUEST_TIMEOUT_S, "--disk", SERVICES, NULL);
	expect_output_file(&r, PC "services-disk.txt", 0);
	run_free(&r);
}

Test(pc, trace_names_an_unsupported_service)
{
	struct run_result r;

	run_vmm(&r, KEYS, GUEST_TIMEOUT_S, "--trace", "--disk", SERVICES, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_has(r.err, "trace: bios: int 15h AH=C0h (AX=C000h) is not supported: CF set, AH=86h\n");
	assert_has(r.err, "trace: bios: int 10h AH=4Fh (AX=4F00h) is not supported: CF set, AH=86h\n");
	run_free(&r);
}

/* A copy of the services image in a fresh temporary file; its path in buf. */
static void copy_image(char *buf, size_t len)
{
	size_t n;
	char *data = slurp(SERVICES, &n);
	int fd;

	snprintf(buf, len, "/tmp/kvm-vmm-disk-XXXXXX");
	fd = mkstemp(buf);
	cr_assert(data && fd >= 0, "cannot copy " SERVICES);
	cr_assert_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
	free(data);
}

static char byte_of_file(const char *path, size_t at)
{
	size_t n;
	char *data = slurp(path, &n), c;

	cr_assert(data && n > at, "cannot read %s", path);
	c = data[at];
	free(data);
	return c;
}

Test(pc, disk_writes_stay_in_memory_by_default)
{
	struct run_result r;
	char path[64];

	copy_image(path, sizeof(path));
	run_vmm(&r, KEYS, GUEST_TIMEOUT_S, "--disk", path, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_has(r.out, "write lba 20: cf=0 ah=00 read back: 57\n");
	cr_expect_eq(byte_of_file(path, WRITTEN_LBA * SECTOR), 'S', "the image file changed");
	run_free(&r);
	unlink(path);
}

Test(pc, disk_write_reaches_the_file)
{
	struct run_result r;
	char path[64];

	copy_image(path, sizeof(path));
	run_vmm(&r, KEYS, GUEST_TIMEOUT_S, "--disk-write", "--disk", path, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(byte_of_file(path, WRITTEN_LBA * SECTOR), 'W', "the write did not reach the file");
	run_free(&r);
	unlink(path);
}

/* An image that cannot boot: status 2, exactly `message` on stderr. */
static void expect_refused(const char *option, const char *image, const char *message)
{
	struct run_result r;

	run_vmm(&r, NULL, GUEST_TIMEOUT_S, option, image, NULL);
	cr_expect_eq(r.status, STATUS_USAGE, "status %d", r.status);
	cr_expect_str_eq(r.err, message);
	cr_expect_str_eq(r.out, "");
	run_free(&r);
}

Test(pc, bad_images_are_refused)
{
	char short_path[] = "/tmp/kvm-vmm-short-XXXXXX", unsigned_path[] = "/tmp/kvm-vmm-nosig-XXXXXX";
	char want[512];
	char zeros[2 * SECTOR] = { 0 };
	int fd;

	fd = mkstemp(short_path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, zeros, 100), 100);
	close(fd);
	fd = mkstemp(unsigned_path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, zeros, sizeof(zeros)), (ssize_t)sizeof(zeros));
	close(fd);

	expect_refused("--disk", "tests/guests",
		       "kvm-vmm: Boot failed: could not read the boot disk "
		       "(tests/guests: a directory, not a disk image)\n");
	snprintf(want, sizeof(want), "kvm-vmm: Boot failed: could not read the boot disk "
		 "(%s: 100 bytes, less than one 512-byte sector)\n", short_path);
	expect_refused("--disk", short_path, want);
	snprintf(want, sizeof(want), "kvm-vmm: Boot failed: not a bootable disk "
		 "(%s: sector 0 does not end with the signature 55 AA)\n", unsigned_path);
	expect_refused("--floppy", unsigned_path, want);
	expect_refused("--disk", "tests/guests/no-such.img",
		       "kvm-vmm: Boot failed: could not read the boot disk "
		       "(tests/guests/no-such.img: No such file or directory)\n");
	unlink(short_path);
	unlink(unsigned_path);
}

Test(pc, disk_options_are_checked)
{
	struct run_result r;

	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "--disk", SCREEN, "lessons/01-hello/hello.elf", NULL);
	cr_expect_eq(r.status, STATUS_USAGE);
	assert_has(r.err, "--disk boots the disk image: give no GUEST file with it");
	run_free(&r);
	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "--disk", SCREEN, "--mem", "512K", NULL);
	cr_expect_eq(r.status, STATUS_USAGE);
	assert_has(r.err, "a PC needs at least 1M of --mem");
	run_free(&r);
	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "--screen", "curses", "lessons/01-hello/hello.elf", NULL);
	cr_expect_eq(r.status, STATUS_USAGE);
	assert_has(r.err, "--screen: 'curses' is not auto, text, live or none");
	run_free(&r);
}

Test(pc, screen_scrolls_and_follows_the_cursor_registers)
{
	struct run_result r;

	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "--disk", SCREEN, NULL);
	expect_output_file(&r, PC "screen.txt", 0);
	run_free(&r);
}

Test(pc, screen_equals_qemus)
{
	struct run_result ours, qemu;
	char *const argv[] = { "python3", "tests/qemu_screen.py", SCREEN, "END", "30", NULL };
	const char *screen;

	cr_assert_eq(access("/usr/bin/qemu-system-i386", X_OK), 0,
		     "qemu-system-i386 is not installed: `make deps` installs it");
	cr_assert_eq(run_argv(&qemu, argv, NULL, GUEST_TIMEOUT_S), 0);
	cr_assert_eq(qemu.status, 0, "qemu_screen.py: %s", qemu.err);
	run_vmm(&ours, NULL, GUEST_TIMEOUT_S, "--disk", SCREEN, NULL);
	cr_assert_eq(ours.status, 0, "%s", ours.err);
	cr_assert(!strncmp(ours.out, SCREEN_CONSOLE, strlen(SCREEN_CONSOLE)), "%s", ours.out);
	screen = ours.out + strlen(SCREEN_CONSOLE);   /* after the console lines */
	cr_expect_str_eq(screen, qemu.out);
	run_free(&ours);
	run_free(&qemu);
}

Test(pc, screen_printed_after_a_fault)
{
	struct run_result r;

	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "--disk", PC "fault.img", NULL);
	cr_expect_eq(r.status, STATUS_FAULT, "%s", r.err);
	cr_expect_str_eq(r.out, "about to fault\n");
	run_free(&r);
}

Test(pc, screen_printed_after_timeout)
{
	struct run_result r;

	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "--timeout", "1", "--disk", PC "spin.img", NULL);
	cr_expect_eq(r.status, STATUS_TIMEOUT, "%s", r.err);
	cr_expect_str_eq(r.out, SPIN_OUTPUT);
	run_free(&r);
}

Test(pc, screen_printed_after_sigterm)
{
	char *const argv[] = { (char *)vmm_path(), "--disk", PC "spin.img", NULL };
	struct child c;
	struct run_result r;

	cr_assert_eq(child_start(&c, argv), 0);
	cr_assert(child_wait_stdout(&c, "spinning\n", GUEST_TIMEOUT_S), "it did not boot");
	kill(c.pid, SIGTERM);
	child_wait(&c, GUEST_TIMEOUT_S, &r);
	cr_expect_eq(r.status, STATUS_SIGTERM, "%s", r.err);
	cr_expect_str_eq(r.out, SPIN_OUTPUT);
	run_free(&r);
}

Test(pc, screen_none_prints_nothing)
{
	struct run_result r;

	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "--screen", "none", "--disk", SCREEN, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, SCREEN_CONSOLE);
	run_free(&r);
}

Test(pc, a_guest_writing_the_text_buffer_shows_its_screen)
{
	struct run_result r;

	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "tests/guests/vga_text.elf", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "k\nHello, VGA\n");
	run_free(&r);
	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "--screen", "none", "tests/guests/vga_text.elf", NULL);
	cr_expect_str_eq(r.out, "k\n");
	run_free(&r);
}

Test(pc, gdb_on_a_disk_boot)
{
	struct child vmm;
	struct run_result g;
	int port = child_start_gdb(&vmm, "--disk", "tests/guests/pcelf/gdb_boot.img", NULL);

	cr_assert(port > 0, "no gdb port: %s", vmm.err_buf);
	gdb_batch(&g, port, "tests/guests/pcelf/gdb_boot.elf",
		  "break greet", "continue", "p/x $edx", "p/x $cs", "p/x $eip",
		  "break count_loop", "continue", "continue", "p *(short *)&counter",
		  "delete", "continue", NULL);
	assert_has(g.out, "Breakpoint 1, ");
	assert_has(g.out, "$1 = 0x80\n");      /* DL: the boot drive */
	assert_has(g.out, "$2 = 0x0\n");       /* CS:IP = 0:7C00 + ... */
	assert_has(g.out, "Breakpoint 2, ");
	assert_has(g.out, "$4 = 1\n");         /* counter at the second stop */
	run_free(&g);
	finish_vmm_with(&vmm, 3, NULL);
}

Test(pc, int_n_iretd_and_irqs_in_32bit_protected_mode)
{
	struct run_result r;

	run_vmm(&r, "k\n", GUEST_TIMEOUT_S, "--trace", "--mode", "protected", "--irqchip",
		"tests/guests/kernel32.elf", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "int 0x30 handled\nint3 handled\ninto handled\n"
				"5 timer interrupts; first key: k\n");
	/* Where the host gives up on them, kvm-vmm says it carried them out. */
	if (strstr(r.err, "exit INTERNAL_ERROR")) {
		assert_has(r.err, "completed int N at 0x");
		assert_has(r.err, "completed iretd at 0x");
	}
	run_free(&r);
}

/* ---- QEMU's options ------------------------------------------------------------- */

Test(pc, qemu_disk_options)
{
	struct run_result r;

	run_vmm(&r, KEYS, GUEST_TIMEOUT_S, "-fda", SERVICES, "-m", "16", NULL);
	expect_output_file(&r, PC "services-floppy.txt", 0);
	run_free(&r);
	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "-drive", "format=raw,file=" SCREEN ",if=ide",
		"-display", "none", "-serial", "stdio", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, SCREEN_CONSOLE);
	run_free(&r);
	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "-enable-kvm", "-m", "32", SCREEN, "-nographic", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, SCREEN_CONSOLE);
	run_free(&r);
}

Test(pc, qemu_debug_exit_status)
{
	struct run_result r;

	/* gdb_boot.asm ends with out 0xF4 of 3: QEMU's status is 3 << 1 | 1. */
	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-hda", "tests/guests/pcelf/gdb_boot.img", NULL);
	cr_expect_eq(r.status, 7, "%s", r.err);
	run_free(&r);
}

Test(pc, qemu_options_refused_by_name)
{
	struct run_result r;

	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "-hda", SCREEN, "-usb", NULL);
	cr_expect_eq(r.status, STATUS_USAGE);
	cr_expect_str_eq(r.err, "kvm-vmm: QEMU option '-usb' is not supported by kvm-vmm (see docs/pc.md)\n");
	run_free(&r);
	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "-drive", "file=" SCREEN ",format=qcow2", NULL);
	cr_expect_eq(r.status, STATUS_USAGE);
	cr_expect_str_eq(r.err, "kvm-vmm: QEMU option '-drive file=" SCREEN ",format=qcow2': "
				"'format=qcow2' is not supported by kvm-vmm (see docs/pc.md)\n");
	run_free(&r);
}

/* kvm-vmm's --gdb-no-wait (what QEMU's -s without -S means, see
 * qemu_options_parsed): the guest runs at once (it prints before any gdb is there), and gdb stops it where it is
 * when it attaches; after gdb detaches it runs on. */
static void attach_to_a_running_guest(char *const argv[])
{
	struct child vmm;
	struct run_result g;
	int port;

	cr_assert_eq(child_start(&vmm, argv), 0);
	port = child_wait_gdb_port(&vmm, GUEST_TIMEOUT_S);
	cr_assert_gt(port, 0, "no gdb port: %s", vmm.err_buf);
	cr_assert(child_wait_stdout(&vmm, "spinning\n", GUEST_TIMEOUT_S),
		  "the guest did not run before gdb attached: '%s'", vmm.out_buf);
	gdb_batch(&g, port, "tests/guests/spin.elf", "p $pc == spin", "x/i $pc", "kill", NULL);
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "jmp");
	run_free(&g);
	finish_vmm_with(&vmm, 137, NULL);
}

Test(pc, gdb_attaches_to_a_running_guest)
{
	char *const native[] = { (char *)vmm_path(), "--gdb", "0", "--gdb-no-wait",
				 "tests/guests/spin.elf", NULL };

	attach_to_a_running_guest(native);
}

Test(pc, qemu_gdb_options)
{
	char *const argv[] = { (char *)vmm_path(), "-gdb", "tcp::0", "-S", "-hda",
			       "tests/guests/pcelf/gdb_boot.img", NULL };
	struct child vmm;
	struct run_result g;
	int port;

	cr_assert_eq(child_start(&vmm, argv), 0);
	port = child_wait_gdb_port(&vmm, GUEST_TIMEOUT_S);
	cr_assert_gt(port, 0, "no gdb port: %s", vmm.err_buf);
	gdb_batch(&g, port, "tests/guests/pcelf/gdb_boot.elf", "break count_loop", "continue",
		  "delete", "continue", NULL);
	assert_has(g.out, "Breakpoint 1, count_loop ()");
	run_free(&g);
	finish_vmm_with(&vmm, 3, NULL);
}

/* A tutorial's OS image, lesson 15's: a boot sector that loads a C kernel
 * with int 13h and switches to protected mode; gdb debugs the kernel by its
 * symbols. */
#define PC_BOOT "lessons/15-pc-boot/"

Test(pc, gdb_on_a_kernel_loaded_from_disk)
{
	struct child vmm;
	struct run_result g;
	int port = child_start_gdb(&vmm, "--disk", PC_BOOT "kernel.img", NULL);

	cr_assert(port > 0, "no gdb port: %s", vmm.err_buf);
	gdb_batch(&g, port, PC_BOOT "kernel.elf", "break kernel_main", "continue",
		  "next", "next", "bt", "p offset", "continue", NULL);
	assert_has(g.out, "Breakpoint 1, kernel_main () at " PC_BOOT "kernel.c:");
	assert_has(g.out, "offset = print_at(\"Hello from the C kernel\", offset,");
	assert_has(g.out, "#0  kernel_main () at " PC_BOOT "kernel.c:");
	assert_has(g.out, " in _start ()");
	assert_has(g.out, "$1 = 240\n");     /* row 3, column 0 */
	assert_has(g.out, "exited normally");
	run_free(&g);
	finish_vmm_with(&vmm, 0, PC_BOOT "expected-output.txt");
}

Test(pc, qemu_options_parsed)
{
	char *argv[] = { "kvm-vmm", "-drive", "file=os.img,format=raw,if=floppy", "-m", "64",
			 "-gdb", "tcp::4321", "-S", "-display", "curses", NULL };
	char *kernel[] = { "kvm-vmm", "-kernel", "k.elf", "-smp", "2", "-no-reboot", NULL };
	char *no_freeze[] = { "kvm-vmm", "-s", "-hda", "os.img", NULL };
	char err[256];
	struct vmm_options o;

	cr_assert_eq(vmm_parse_args(10, argv, &o, err), PARSE_RUN, "%s", err);
	cr_expect_str_eq(o.disk, "os.img");
	cr_expect(o.floppy);
	cr_expect_eq(o.mem_size, 64ULL << 20);
	cr_expect_str_eq(o.gdb, "4321");
	cr_expect(!o.gdb_no_wait, "-S: the guest waits for gdb");
	cr_expect_eq(o.screen, SCREEN_LIVE);
	cr_expect(o.irqchip, "a PC has its interrupt hardware");
	cr_expect_eq(o.nguests, 1);
	cr_assert_eq(vmm_parse_args(6, kernel, &o, err), PARSE_RUN, "%s", err);
	cr_expect_str_eq(o.guests[0], "k.elf");
	cr_expect_eq(o.smp, 2);
	cr_expect_null(o.disk);
	cr_assert_eq(vmm_parse_args(4, no_freeze, &o, err), PARSE_RUN, "%s", err);
	cr_expect_str_eq(o.gdb, "1234");
	cr_expect(o.gdb_no_wait, "-s without -S: the guest runs at once");
}

/* Occurrences of needle in text. */
static int count_of(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

#define ANSI_FRAME "\033[H"             /* every frame starts at the top left */
#define ANSI_RESTORED "\033[0m\033[?25h\033[26;1H"

Test(pc, live_screen_draws_and_restores)
{
	struct run_result r;

	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "--screen", "live", "--disk", SCREEN, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_has(r.out, "\033[H\033[2J");             /* the first frame clears */
	assert_has(r.out, "line 30");
	assert_has(r.out, "\033[0;97;40mEND");           /* attribute 0Fh: white on black */
	assert_has(r.out, "\033[0;97;41mdirect");        /* 4Fh: white on red */
	assert_has(r.out, "\033[0;93;44m");              /* 1Eh, the scrolled window: yellow on blue */
	assert_has(r.out, "\033[24;11H\033[?25h");       /* the cursor: row 23, column 10 */
	cr_expect(strlen(r.out) >= strlen(ANSI_RESTORED) &&
		  !strcmp(r.out + strlen(r.out) - strlen(ANSI_RESTORED), ANSI_RESTORED),
		  "the terminal is not restored at the end");
	run_free(&r);
}

Test(pc, live_screen_redrawn_only_when_it_changes)
{
	struct run_result r;

	/* spin.img writes one line, then its screen stays the same for a second. */
	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "--screen", "live", "--timeout", "1", "--disk",
		PC "spin.img", NULL);
	cr_assert_eq(r.status, STATUS_TIMEOUT, "%s", r.err);
	assert_has(r.out, "spinning");
	cr_expect_leq(count_of(r.out, ANSI_FRAME), 4, "%d frames of an unchanging screen",
		      count_of(r.out, ANSI_FRAME));
	run_free(&r);
}

Test(pc, a_multiboot_kernel_shows_its_screen)
{
	struct run_result r;

	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "-kernel", "tests/guests/barebones.elf", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "Hello, kernel World!\n");
	run_free(&r);
	run_vmm(&r, NULL, GUEST_TIMEOUT_S, "tests/guests/barebones.elf", NULL);
	cr_expect_str_eq(r.out, "Hello, kernel World!\n");
	run_free(&r);
}
