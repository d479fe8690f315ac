/*
 * test_gdb_watch.c - the real gdb against the stub on what goes beyond
 * plain breakpoints: `rep` string instructions under stepi and
 * watchpoints, watchpoints of any length and number, rwatch/awatch,
 * quitting a scripted gdb (a detach: a later gdb attaches again),
 * extended-remote after the guest exited, and the registers QEMU's stub
 * shows (k_gs_base, cr8). The guest is tests/guests/gdb_watch.asm. What a
 * host does with a single-stepped `rep` comes from the host probe
 * (vmm/probe.c), which this test calls as kvm-vmm does.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "probe.h"
#include "vmm.h"

#define WATCH "tests/guests/gdb_watch.elf"
#define SPIN "tests/guests/spin.elf"
#define WATCH_STATUS 50          /* gdb_watch.asm exits with ticks = 50 */
#define WATCH_STATUS_OCTAL "062" /* as gdb prints an exit code */
#define BUFFER_LEN 13            /* gdb_watch.asm: buffer */
#define STATUS_KILLED 137
#define VMM_END_S 60.0

/* Start kvm-vmm --gdb 0 GUEST; returns the port. */
static int start_vmm(struct child *vmm, const char *guest)
{
	int port = child_start_gdb(vmm, guest, NULL);

	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm->err_buf);
	return port;
}

/* The VMM ends in time with `status` and no crash report. */
static void finish_vmm(struct child *vmm, int status)
{
	struct run_result r;

	child_wait(vmm, VMM_END_S, &r);
	cr_assert_not(r.timed_out, "kvm-vmm did not end: %s", r.err);
	assert_no_crash_report(r.err, "kvm-vmm");
	cr_assert_eq(r.status, status, "kvm-vmm status %d, not %d: %s", r.status, status, r.err);
	run_free(&r);
}

/* What this host's KVM does (the probe kvm-vmm itself runs). */
static const struct host_caps *host(void)
{
	char err[VMM_ERR_LEN];
	const struct host_caps *caps = probe_host(false, err);

	cr_assert_not_null(caps, "host probe: %s", err);
	return caps;
}

/* ---- rep string instructions ---------------------------------------------------- */

Test(gdb_watch, stepi_on_rep_stosb, .timeout = 120)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, WATCH);
	bool per_iteration = host()->step_rep[MODE_LONG] == PROBE_YES;

	gdb_batch(&g, port, WATCH, "break rep_store", "continue", "stepi", "p $pc == after_rep",
		  "p $rcx", "p $pc == rep_store", "kill", NULL);
	if (per_iteration) {
		/* Hardware semantics: one iteration, still on the instruction. */
		assert_has(g.out, "$1 = 0\n");
		assert_has(g.out, "$2 = 12\n");
		assert_has(g.out, "$3 = 1\n");
	} else {
		/* One stepi moves past the whole instruction. */
		assert_has(g.out, "$1 = 1\n");
		assert_has(g.out, "$2 = 0\n");
	}
	finish_vmm(&vmm, STATUS_KILLED);
	run_free(&g);
}

/* Does the stub watch writes by read-only pages here (unless avoided)? */
static bool readonly_watch(void)
{
	bool slots_exit = host()->ro_write[MODE_LONG] == PROBE_YES;   /* opens /dev/kvm */

	return slots_exit && kvm_has_readonly_mem();
}

/* watch a 13-byte array that one `rep stosb` fills: with hardware
 * semantics the first stop is after the first byte, on the `rep`; a host
 * that runs the whole `rep` in one step stops after it, all 13 written. */
static void watch_rep(bool hardware_semantics)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, WATCH);

	gdb_batch(&g, port, WATCH, "watch *(char (*)[13])&buffer", "continue",
		  "p $pc == after_rep", "p/x *(char (*)[13])&buffer", "monitor info breakpoints",
		  "delete", "continue", NULL);
	cr_assert_null(strstr(g.err, "Could not insert"), "%s", g.err);
	assert_has(g.out, "Hardware watchpoint 1: *(char (*)[13])&buffer");
	if (hardware_semantics) {
		assert_has(g.out, "$1 = 0\n");
		assert_has(g.out, "$2 = {0x78, 0x0 <repeats 12 times>}");
	} else {
		assert_has(g.out, "$1 = 1\n");
		assert_has(g.out, "$2 = {0x78 <repeats 13 times>}");
	}
	assert_has(g.out, "exited with code " WATCH_STATUS_OCTAL);
	finish_vmm(&vmm, WATCH_STATUS);
	run_free(&g);
}

Test(gdb_watch, watchpoint_on_a_13_byte_array_written_by_rep_stosb, .timeout = 120)
{
	watch_rep(readonly_watch() || host()->step_rep[MODE_LONG] == PROBE_YES);
}

Test(gdb_watch, watchpoint_on_rep_stosb_by_single_stepping, .timeout = 120)
{
	setenv("KVM_VMM_GDB_AVOID", "readonly", 1);
	watch_rep(host()->step_rep[MODE_LONG] == PROBE_YES);
}

Test(gdb_watch, more_watchpoints_than_debug_registers, .timeout = 180)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, WATCH);

	/* Six watchpoints of 13, 4, 3, 2, 1 and 64 bytes; all but the one
	 * on `ticks` see the `rep stosb`. */
	gdb_batch(&g, port, WATCH, "watch *(char (*)[13])&buffer", "watch *(int *)&ticks",
		  "watch *(char (*)[3])((char *)&buffer + 5)",
		  "watch *(short *)((char *)&buffer + 10)", "watch *((char *)&buffer + 12)",
		  "watch *(char (*)[64])&buffer", "continue", "delete 1 3 4 5 6", "continue",
		  "p $pc == after_bump", "p *(int *)&ticks", "continue", "p *(int *)&ticks",
		  "delete", "continue", NULL);
	cr_assert_null(strstr(g.err, "Could not insert"), "%s", g.err);
	cr_assert_null(strstr(g.err, "No breakpoint number"), "%s", g.err);
	for (int i = 1; i <= 6; i++) {
		char line[64];

		snprintf(line, sizeof(line), "Hardware watchpoint %d: ", i);
		assert_has(g.out, line);
	}
	assert_has(g.out, "Old value = 0\nNew value = 1\n");
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "$2 = 1\n");
	assert_has(g.out, "$3 = 2\n");
	assert_has(g.out, "exited with code " WATCH_STATUS_OCTAL);
	finish_vmm(&vmm, WATCH_STATUS);
	run_free(&g);
}

/* ---- quitting, extended-remote ------------------------------------------------ */

Test(gdb_watch, quitting_a_scripted_gdb_detaches, .timeout = 120)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, SPIN);

	/* gdb -batch ends without `kill`: the guest runs on ... */
	gdb_batch(&g, port, SPIN, "p 1 + 1", NULL);
	assert_has(g.out, "$1 = 2\n");
	assert_has(g.out, "detached");
	run_free(&g);
	cr_assert(child_wait_stdout(&vmm, "spinning\n", VMM_END_S),
		  "the guest did not run on after gdb quit: '%s'", vmm.out_buf);
	usleep(300 * 1000);   /* from its print into its loop */
	/* ... and a later gdb attaches again. */
	gdb_batch(&g, port, SPIN, "p $pc == spin", "kill", NULL);
	assert_has(g.out, "$1 = 1\n");
	finish_vmm(&vmm, STATUS_KILLED);
	run_free(&g);
}

Test(gdb_watch, quitting_after_a_stop_lets_the_guest_finish, .timeout = 120)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, WATCH);

	gdb_batch(&g, port, WATCH, "break bump", "continue", "p $pc == bump", NULL);
	assert_has(g.out, "$1 = 1\n");
	finish_vmm(&vmm, WATCH_STATUS);   /* gdb's breakpoint went with it */
	run_free(&g);
}

Test(gdb_watch, extended_remote_after_the_guest_exited, .timeout = 120)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, WATCH);
	const char *const cmds[] = { "continue", "info threads", NULL };

	gdb_batch_with(&g, NULL, WATCH, "target extended-remote", port, cmds);
	assert_has(g.out, "exited with code " WATCH_STATUS_OCTAL);
	assert_has(g.out, "No threads.");
	cr_assert_null(strstr(g.out, "New Thread"), "a thread after the exit:\n%s", g.out);
	cr_assert_null(strstr(g.err, "E03"), "%s", g.err);
	cr_assert_null(strstr(g.err, "Could not read registers"), "%s", g.err);
	finish_vmm(&vmm, WATCH_STATUS);
	run_free(&g);
}

/* ---- registers ------------------------------------------------------------------ */

/* The registers QEMU 7.2's stub shows for x86-64, beyond the general ones. */
static const char *const qemu_registers[] = {
	"rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs", "fs_base", "gs_base",
	"k_gs_base", "cr0", "cr2", "cr3", "cr4", "cr8", "efer", "st0", "st7", "fctrl", "fstat",
	"ftag", "fiseg", "fioff", "foseg", "fooff", "fop", "xmm0", "xmm15", "mxcsr", NULL,
};

Test(gdb_watch, registers_include_what_qemu_shows, .timeout = 120)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, WATCH);
	char line[64];

	gdb_batch(&g, port, WATCH, "info all-registers", "set $k_gs_base = 0x12345678",
		  "stepi", "p/x $k_gs_base", "p $cr8", "kill", NULL);
	for (int i = 0; qemu_registers[i]; i++) {
		snprintf(line, sizeof(line), "\n%s ", qemu_registers[i]);
		assert_has(g.out, line);
	}
	/* Written back to the vCPU's MSR and read again after the step. */
	assert_has(g.out, "$1 = 0x12345678\n");
	assert_has(g.out, "$2 = 0\n");
	finish_vmm(&vmm, STATUS_KILLED);
	run_free(&g);
}

/* ---- mechanisms, and their fallbacks forced ------------------------------------ */

/* Avoid the mechanisms in `avoid` (KVM_VMM_GDB_AVOID, read by kvm-vmm). */
static void avoid(const char *mechanisms)
{
	cr_assert_eq(setenv("KVM_VMM_GDB_AVOID", mechanisms, 1), 0);
}

/* Six breakpoints, hit in turn for seven stops; the guest's own bytes
 * are what gdb reads; the stub names the mechanisms it used. */
static void six_breakpoints_in(const char *vmm_option, const char *mechanism,
			       const char *other_mechanism)
{
	struct child vmm;
	struct run_result g;
	int port = vmm_option ? child_start_gdb(&vmm, vmm_option, WATCH, NULL)
			      : start_vmm(&vmm, WATCH);

	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm.err_buf);

	gdb_batch(&g, port, WATCH, "break tick", "break mark1", "break mark3", "break mark5",
		  "break bump", "break after_bump", "continue", "continue", "continue",
		  "continue", "continue", "continue", "continue", "p $pc == tick",
		  "p *(int *)&ticks", "x/1xb bump", "monitor info breakpoints", "kill", NULL);
	for (int i = 1; i <= 6; i++) {
		char line[32];

		snprintf(line, sizeof(line), "Breakpoint %d, ", i);
		assert_has(g.out, line);
	}
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "$2 = 1\n");
	assert_has(g.out, "<bump>:\t0xff\n");   /* inc dword [ticks]: ff 05 ... */
	assert_has(g.err, mechanism);
	if (other_mechanism)
		assert_has(g.err, other_mechanism);
	finish_vmm(&vmm, STATUS_KILLED);
	run_free(&g);
}

static void six_breakpoints(const char *mechanism, const char *other_mechanism)
{
	six_breakpoints_in(NULL, mechanism, other_mechanism);
}

/* How breakpoints beyond the debug registers run on this host. */
static const char *patch_mechanism(void)
{
	bool patch = true;

	for (int m = 0; m < CPU_MODES; m++)
		patch &= host()->sw_bp[m] == PROBE_YES || host()->hlt_exits[m] == PROBE_YES;
	return patch ? "patched instruction" : "single-step-and-compare";
}

Test(gdb_watch, six_breakpoints_debug_registers_then_patches, .timeout = 180)
{
	six_breakpoints("debug register", patch_mechanism());
}

Test(gdb_watch, six_breakpoints_with_irqchip, .timeout = 300)
{
	bool int3 = true;

	/* With an in-kernel interrupt controller `hlt` does not exit. */
	for (int m = 0; m < CPU_MODES; m++)
		int3 &= host()->sw_bp[m] == PROBE_YES;
	six_breakpoints_in("--irqchip", "debug register",
			   int3 ? "patched instruction" : "single-step-and-compare");
}

Test(gdb_watch, six_breakpoints_all_patched, .timeout = 180)
{
	avoid("debugreg");
	six_breakpoints(patch_mechanism(), NULL);
}

Test(gdb_watch, six_breakpoints_by_single_stepping, .timeout = 300)
{
	avoid("debugreg,int3,hlt");
	six_breakpoints("single-step-and-compare", NULL);
}

/* watch `ticks`: two hits, each reported after the writing instruction. */
static void watch_ticks(const char *mechanism)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, WATCH);

	gdb_batch(&g, port, WATCH, "watch *(int *)&ticks", "continue", "continue",
		  "p $pc == after_bump", "monitor info breakpoints", "delete", "continue", NULL);
	assert_has(g.out, "Old value = 0\nNew value = 1\n");
	assert_has(g.out, "Old value = 1\nNew value = 2\n");
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.err, mechanism);
	assert_has(g.out, "exited with code " WATCH_STATUS_OCTAL);
	finish_vmm(&vmm, WATCH_STATUS);
	run_free(&g);
}

Test(gdb_watch, write_watchpoint_by_read_only_page, .timeout = 120)
{
	watch_ticks(host()->hw_watch[MODE_LONG] == PROBE_YES ? "debug register"
		    : readonly_watch()                       ? "read-only page"
							     : "single-step-and-compare");
}

Test(gdb_watch, write_watchpoint_by_single_stepping, .timeout = 180)
{
	avoid("debugreg,readonly");
	watch_ticks("single-step-and-compare");
}

/* Does the stub see reads here (without the mechanisms in KVM_VMM_GDB_AVOID)? */
static bool reads_seen(void)
{
	const char *avoided = getenv("KVM_VMM_GDB_AVOID");
	bool unmapped = true;

	for (int m = 0; m < CPU_MODES; m++)
		unmapped &= host()->hole_read[m] == PROBE_YES;
	if (avoided && strstr(avoided, "unmapped"))
		unmapped = false;
	return unmapped || (host()->hw_watch[MODE_LONG] == PROBE_YES &&
			    !(avoided && strstr(avoided, "debugreg")));
}

/* rwatch and awatch on `ticks`: supported where the stub sees reads (the
 * first is `inc dword [ticks]`, which reads it); otherwise gdb is told
 * "not supported" (the empty reply), and the guest can still be resumed
 * once they are deleted. */
static void read_watchpoints(void)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, WATCH);
	bool reads = reads_seen();

	gdb_batch(&g, port, WATCH, "rwatch *(int *)&ticks", "continue", "p $pc == after_bump",
		  "show remote read-watchpoint-packet", "delete", "awatch *(int *)&ticks",
		  "continue", "p $pc == after_bump", "show remote access-watchpoint-packet",
		  "delete", "continue", NULL);
	if (reads) {
		assert_has(g.out, "Value = 1\n");
		assert_has(g.out, "$1 = 1\n");
		assert_has(g.out, "Old value = 1\nNew value = 2\n");
		assert_has(g.out, "$2 = 1\n");
	} else {
		assert_has(g.out, "Support for the `Z3' packet is auto-detected, currently disabled.");
		assert_has(g.out, "Support for the `Z4' packet is auto-detected, currently disabled.");
		assert_has(g.out, "$1 = 0\n");   /* not resumed while the rwatch was there */
	}
	assert_has(g.out, "exited with code " WATCH_STATUS_OCTAL);
	finish_vmm(&vmm, WATCH_STATUS);
	run_free(&g);
}

Test(gdb_watch, rwatch_and_awatch, .timeout = 120)
{
	read_watchpoints();
}

Test(gdb_watch, rwatch_and_awatch_without_debug_registers, .timeout = 120)
{
	avoid("debugreg");
	read_watchpoints();
}

Test(gdb_watch, rwatch_and_awatch_refused_where_reads_are_not_seen, .timeout = 120)
{
	avoid("debugreg,unmapped");
	read_watchpoints();
}

Test(gdb_watch, rwatch_on_a_page_code_runs_from, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, WATCH);

	if (!reads_seen() || host()->hw_watch[MODE_LONG] == PROBE_YES) {
		child_wait(&vmm, 0.1, NULL);
		cr_skip_test("the stub does not unmap pages for read watchpoints here");
	}
	/* The page of the PC holds code: refused. */
	gdb_batch(&g, port, WATCH, "rwatch *(char *)&bump", "continue",
		  "show remote read-watchpoint-packet", "p $pc == _start", "kill", NULL);
	assert_has(g.out, "currently disabled");
	assert_has(g.out, "$1 = 1\n");   /* not resumed */
	finish_vmm(&vmm, STATUS_KILLED);
	run_free(&g);
	/* A page code runs from later: the guest stops there, the page is
	 * mapped back, and it runs on. */
	port = start_vmm(&vmm, WATCH);
	gdb_batch(&g, port, WATCH, "rwatch *(char *)&far_exit", "continue", "p $pc == far_exit",
		  "delete", "continue", NULL);
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "exited with code " WATCH_STATUS_OCTAL);
	child_wait(&vmm, VMM_END_S, &v);
	assert_has(v.err, "code runs from the page of a read or access watchpoint");
	cr_assert_eq(v.status, WATCH_STATUS, "%s", v.err);
	run_free(&g);
	run_free(&v);
}

/* ---- gdb vanishing while the guest runs ------------------------------------------ */

/* Send one packet, $payload#checksum, on a raw connection. */
static void send_packet(int fd, const char *payload)
{
	char frame[256];
	unsigned sum = 0;
	int n;

	for (const char *p = payload; *p; p++)
		sum += (unsigned char)*p;
	n = snprintf(frame, sizeof(frame), "$%s#%02x", payload, sum & 0xff);
	cr_assert_eq(write(fd, frame, (size_t)n), n);
}

static unsigned long symbol(const char *name)
{
	char cmd[160], line[160];
	FILE *p;
	unsigned long addr = 0;

	snprintf(cmd, sizeof(cmd), "nm %s", WATCH);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p)) {
		char sym[128];
		unsigned long a;

		if (sscanf(line, "%lx %*s %127s", &a, sym) == 2 && strcmp(sym, name) == 0)
			addr = a;
	}
	pclose(p);
	cr_assert_neq(addr, 0, "no symbol %s in %s", name, WATCH);
	return addr;
}

Test(gdb_watch, gdb_vanishing_while_patches_and_watched_pages_are_in, .timeout = 120)
{
	struct child vmm;
	struct sockaddr_in a = { .sin_family = AF_INET };
	int port = start_vmm(&vmm, WATCH);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char packet[64];

	/* Six breakpoints the guest reaches only at its end (the last two
	 * patched in), a write and a read watchpoint on bytes next to `ticks`
	 * that it never touches (its page read-only, then unmapped: every
	 * round exits); continue, and hang up while the guest runs. The
	 * detach must put the code and the memory map back under a guest
	 * that then ends as it would have (a breakpoint left in would stop
	 * it for good). */
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	for (int i = 0; i < 4; i++) {   /* the padding before far_exit: never run */
		snprintf(packet, sizeof(packet), "Z0,%lx,1", symbol("far_exit") - 16 * (i + 1));
		send_packet(fd, packet);
	}
	snprintf(packet, sizeof(packet), "Z0,%lx,1", symbol("after_read"));
	send_packet(fd, packet);
	snprintf(packet, sizeof(packet), "Z0,%lx,1", symbol("far_exit"));
	send_packet(fd, packet);
	snprintf(packet, sizeof(packet), "Z2,%lx,4", symbol("ticks") + 4);
	send_packet(fd, packet);
	snprintf(packet, sizeof(packet), "Z3,%lx,4", symbol("ticks") + 8);
	send_packet(fd, packet);
	send_packet(fd, "vCont;c");
	usleep(20 * 1000);
	close(fd);
	finish_vmm(&vmm, WATCH_STATUS);
}
