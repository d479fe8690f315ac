/*
 * test_gdb.c - the GDB stub driven by the real gdb in batch mode, on real
 * KVM: breakpoints on labels, registers, stepi, watchpoints, changing
 * registers and memory, Ctrl-C, detach and reconnect, kill, monitor
 * commands, in real mode (i386 layout) and long mode (x86-64 layout), on
 * the small guests of tests/guests/; and hostile bytes on the socket that
 * must leave the guest unharmed. Every session ends with kvm-vmm's exit
 * status checked. (gdb on the lesson guests: test_lesson_gdb.c.)
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define REAL "tests/guests/gdb_real.elf"
#define LONG "tests/guests/gdb_long.elf"
#define SPIN "tests/guests/spin.elf"
#define SPIN_OUT "spinning\n"
#define GUEST_STATUS 5     /* gdb_real.asm, gdb_long.asm: exit with counter = 5 */
#define STATUS_KILLED 137  /* kvm-vmm ended by gdb's kill */
#define VMM_END_S 30.0

/* Start kvm-vmm --gdb 0 GUEST; returns the port. */
static int start_vmm(struct child *vmm, const char *guest)
{
	int port = child_start_gdb(vmm, guest, NULL);

	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm->err_buf);
	return port;
}

/* Run gdb in batch mode with the commands (NULL-terminated); output in r.
 * The stub must not make gdb warn about anything. */
#define run_gdb(r, port, guest, ...)                                              \
	do {                                                                      \
		gdb_batch(r, port, guest, __VA_ARGS__);                           \
		cr_assert_null(strstr((r)->err, "warning"), "%s", (r)->err);     \
	} while (0)

/* The VMM's end: it ends in time with `status` (the guest's exit code, or
 * STATUS_KILLED after gdb's kill) and no crash report; its output in r. */
static void finish_vmm(struct child *vmm, int status, struct run_result *r)
{
	child_wait(vmm, VMM_END_S, r);
	cr_assert_not(r->timed_out, "kvm-vmm did not end: %s", r->err);
	assert_no_crash_report(r->err, "kvm-vmm");
	cr_assert_eq(r->status, status, "kvm-vmm status %d, not %d: %s", r->status, status,
		     r->err);
}

Test(gdb, real_mode_break_registers_memory_and_exit, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, REAL);

	run_gdb(&g, port, REAL, "break done", "continue", "p/x $ecx", "x/1dw &counter",
		"info registers eip", "continue", NULL);
	assert_has(g.out, "Breakpoint 1, done ()");
	assert_has(g.out, "$1 = 0x0\n");
	assert_has(g.out, ":\t5\n");              /* x/1dw &counter */
	assert_has(g.out, "<done>");               /* eip is linear, at the label */
	assert_has(g.out, "exited with code 05");
	finish_vmm(&vmm, GUEST_STATUS, &v);
	cr_assert_str_eq(v.out, "5\n");
	run_free(&g);
	run_free(&v);
}

Test(gdb, real_mode_stepi_and_16_bit_disassembly, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, REAL);

	/* mov ecx,5 then inc dword [counter]: two steps reach after_write,
	 * whose `dec ecx` is 66 49 — "dec %ecx" only when decoded as 16-bit. */
	run_gdb(&g, port, REAL, "set architecture i8086", "stepi", "stepi",
		"p $pc == after_write", "x/i $pc", "p/x $ecx", "kill", NULL);
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "dec    %ecx");
	assert_has(g.out, "$2 = 0x5\n");
	finish_vmm(&vmm, STATUS_KILLED, &v);
	assert_has(v.err, "killed by gdb");
	run_free(&g);
	run_free(&v);
}

Test(gdb, watchpoint_reports_the_writing_instruction, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, REAL);

	run_gdb(&g, port, REAL, "watch *(int *)&counter", "continue", "p $pc == after_write",
		"continue", "delete", "continue", NULL);
	assert_has(g.out, "Old value = 0");
	assert_has(g.out, "New value = 1");
	assert_has(g.out, "$1 = 1\n");               /* stopped right after the inc */
	assert_has(g.out, "New value = 2");
	finish_vmm(&vmm, GUEST_STATUS, &v);
	run_free(&g);
	run_free(&v);
}

Test(gdb, changing_registers_and_memory_changes_the_guest, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, REAL);

	run_gdb(&g, port, REAL, "break after_write", "continue", "set $ecx = 1",
		"set var *(int *)&counter = 40", "delete", "continue", NULL);
	assert_has(g.out, "exited with code 050"); /* octal: 40 */
	finish_vmm(&vmm, 40, &v);
	cr_assert_str_eq(v.out, "40\n");
	run_free(&g);
	run_free(&v);
}

Test(gdb, long_mode_x86_64_layout, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, LONG);

	run_gdb(&g, port, LONG, "show architecture", "stepi", "p/x $rcx", "break done",
		"continue", "p/x $rcx", "p $pc == done", "x/1dw &counter", "monitor info sregs",
		"continue", NULL);
	assert_has(g.out, "i386:x86-64");
	assert_has(g.out, "$1 = 0x5\n");
	assert_has(g.out, "$2 = 0x0\n");
	assert_has(g.out, "$3 = 1\n");
	assert_has(g.out, ":\t5\n");
	/* gdb prints the stub's console output (monitor) on stderr */
	assert_has(g.err, "long mode (64-bit), 4-level paging");
	assert_has(g.err, "efer 0000000000000500 [LME LMA]");
	assert_has(g.out, "exited with code 05");
	finish_vmm(&vmm, GUEST_STATUS, &v);
	run_free(&g);
	run_free(&v);
}

Test(gdb, monitor_commands, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, LONG);

	run_gdb(&g, port, LONG, "monitor help", "monitor info gdt", "monitor info idt",
		"monitor info pagetable", "stepi", "monitor exits", "monitor bogus", "kill", NULL);
	/* gdb prints the stub's console output (monitor) on stderr */
	assert_has(g.err, "info pagetable");
	assert_has(g.err, "0018  base 0000000000000000");    /* the 64-bit code segment */
	assert_has(g.err, "64-bit code");
	assert_has(g.err, "the IDT is empty");
	assert_has(g.err, "0000000000000000-00000000ffffffff -> 000000000000  rw kernel");
	assert_has(g.err, "vCPU 0:");
	assert_has(g.err, "DEBUG");
	assert_has(g.err, "unknown monitor command 'bogus'");
	finish_vmm(&vmm, STATUS_KILLED, &v);
	run_free(&g);
	run_free(&v);
}

Test(gdb, ctrl_c_interrupts_an_infinite_loop, .timeout = 120)
{
	struct child vmm, gdb;
	struct run_result g, v;
	char target[64];
	int port = start_vmm(&vmm, SPIN);
	char *args[] = { "gdb", "-batch", "-nx", SPIN, "-ex", target, "-ex", "continue",
			 "-ex", "p $pc == spin", "-ex", "kill", NULL };

	snprintf(target, sizeof(target), "target remote :%d", port);
	cr_assert_eq(child_start(&gdb, args), 0);
	usleep(1500 * 1000);   /* let the guest spin */
	kill(gdb.pid, SIGINT); /* what Ctrl-C in gdb's terminal does */
	child_wait(&gdb, GDB_TIMEOUT_S, &g);
	cr_assert_not(g.timed_out, "gdb did not stop the guest:\n%s\n%s", g.out, g.err);
	assert_has(g.out, "Program received signal SIGINT");
	assert_has(g.out, "$1 = 1\n");   /* $pc == spin */
	finish_vmm(&vmm, STATUS_KILLED, &v);
	cr_assert_str_eq(v.out, SPIN_OUT);
	run_free(&g);
	run_free(&v);
}

Test(gdb, detach_then_reconnect, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, SPIN);

	run_gdb(&g, port, SPIN, "detach", NULL);
	assert_has(g.out, "[Inferior 1 (Remote target) detached]");
	run_free(&g);
	/* The guest runs on (it prints, then spins); a new gdb stops it. */
	cr_assert(child_wait_stdout(&vmm, SPIN_OUT, VMM_END_S),
		  "the guest did not run on after the detach: '%s'", vmm.out_buf);
	usleep(300 * 1000);    /* from its print into its loop */
	run_gdb(&g, port, SPIN, "p $pc == spin", "kill", NULL);
	assert_has(g.out, "$1 = 1\n");   /* $pc == spin */
	finish_vmm(&vmm, STATUS_KILLED, &v);
	cr_assert_str_eq(v.out, SPIN_OUT);
	run_free(&g);
	run_free(&v);
}

/* A raw TCP connection to the stub. */
static int connect_raw(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Send bytes on a fresh connection, then hang up (a detach). */
static void send_and_close(int port, const void *buf, size_t len)
{
	int fd = connect_raw(port);

	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

Test(gdb, hostile_bytes_then_a_real_gdb, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, SPIN);
	size_t big = 1 << 20;
	char *packet = malloc(big + 8);

	/* Garbage; a 1 MB packet; a packet cut off mid-way; a bad checksum.
	 * Each connection closes: a detach, so the guest runs on. */
	send_and_close(port, "\xff\x00garbage}}}#$#zz+-+-\x03", 21);
	packet[0] = '$';
	memset(packet + 1, 'A', big);
	memcpy(packet + 1 + big, "#00", 3);
	send_and_close(port, packet, big + 4);
	send_and_close(port, "$m7c00,4", 8);
	send_and_close(port, "$g#00", 5);
	free(packet);
	/* The stub still serves a real gdb, and the guest is where it should be. */
	run_gdb(&g, port, SPIN, "p $pc == spin", "kill", NULL);
	assert_has(g.out, "$1 = 1\n");   /* $pc == spin */
	finish_vmm(&vmm, STATUS_KILLED, &v);
	cr_assert_str_eq(v.out, SPIN_OUT);
	run_free(&g);
	run_free(&v);
}

Test(gdb, disconnect_mid_packet_lets_the_guest_finish, .timeout = 120)
{
	struct child vmm;
	struct run_result v;
	int port = start_vmm(&vmm, REAL);

	send_and_close(port, "$qSupported:multipro", 20);
	finish_vmm(&vmm, GUEST_STATUS, &v);
	cr_assert_str_eq(v.out, "5\n");
	run_free(&v);
}

Test(gdb, stepi_over_an_out_stops_at_the_next_instruction, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, REAL);

	run_gdb(&g, port, REAL, "break out_newline", "continue", "stepi",
		"p $pc == after_out", "p/x $al", "kill", NULL);
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "$2 = 0xa\n");   /* and not the instruction after */
	finish_vmm(&vmm, STATUS_KILLED, &v);
	run_free(&g);
	run_free(&v);
}

Test(gdb, writing_a_selector_recomputes_its_base, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, REAL);

	/* Real mode: base = selector * 16, as a `mov ds, ax` would load it. */
	run_gdb(&g, port, REAL, "set $ds = 0x100", "p/x $ds", "monitor info sregs", "kill", NULL);
	assert_has(g.out, "$1 = 0x100\n");
	assert_has(g.err, "ds  0100  base 0000000000001000  limit 0000ffff");
	finish_vmm(&vmm, STATUS_KILLED, &v);
	run_free(&g);
	run_free(&v);
}

Test(gdb, long_mode_selector_comes_from_the_gdt, .timeout = 120)
{
	struct child vmm;
	struct run_result g, v;
	int port = start_vmm(&vmm, LONG);

	/* Protected/long mode: the descriptor is read from the GDT (0x08 is
	 * kvm-vmm's flat 32-bit code segment, see vmm/layout.h). */
	run_gdb(&g, port, LONG, "set $es = 0x8", "monitor info sregs", "kill", NULL);
	assert_has(g.err, "es  0008  base 0000000000000000  limit ffffffff  type b  dpl 0  32-bit code");
	finish_vmm(&vmm, STATUS_KILLED, &v);
	run_free(&g);
	run_free(&v);
}
