/*
 * test_gdbstub_gdb.c - the stub against the real gdb: a fake target is
 * served over TCP (gdb_listen/gdb_serve on a free port) and `gdb -batch`
 * connects to it, for each register layout. Checks that gdb accepts
 * target.xml without complaint, shows the registers, disassembles in the
 * right mode, and sends the expected packets for stepi, break and watch.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_gdbstub_fake.h"

extern char **environ;

/* No gdb session may take longer than this (seconds). */
#define GDB_TIMEOUT "60"
#define MAX_GDB_ARGS 64
#define MAX_OUTPUT (1 << 22)
#define CMD_SIZE 128

struct session {
	struct fake f;
	int listen_fd;
	uint16_t port;
	int quit_fd;
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct session *s = arg;

	gdb_serve(s->listen_fd, &s->f.target, s->quit_fd);
	return NULL;
}

static struct session *session_start(enum gdb_arch arch, const char *xml_arch)
{
	struct session *s = calloc(1, sizeof(*s));
	char err[256];

	cr_assert(s);
	gdbfake_init(&s->f, arch, xml_arch, 2);
	s->f.simulate = true;
	s->listen_fd = gdb_listen("0", &s->port, err, sizeof(err));
	cr_assert(s->listen_fd >= 0, "gdb_listen: %s", err);
	s->quit_fd = eventfd(0, EFD_CLOEXEC);
	cr_assert(s->quit_fd >= 0);
	cr_assert(pthread_create(&s->thread, NULL, serve, s) == 0);
	return s;
}

/* End the server thread; the fake stays readable. */
static void session_stop_thread(struct session *s)
{
	uint64_t one = 1;

	cr_assert(write(s->quit_fd, &one, sizeof(one)) == sizeof(one));
	pthread_join(s->thread, NULL);
}

static void session_free(struct session *s)
{
	close(s->quit_fd);
	close(s->listen_fd);
	gdbfake_fini(&s->f);
	free(s);
}

static char *read_file(int fd)
{
	char *buf = malloc(MAX_OUTPUT + 1);
	size_t len = 0;
	ssize_t n;

	cr_assert(buf);
	lseek(fd, 0, SEEK_SET);
	while (len < MAX_OUTPUT && (n = read(fd, buf + len, MAX_OUTPUT - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

/* A gdb -batch running against a session, its stdout and stderr (with
 * the `set debug remote 1` packet log) going to two files. */
struct gdb_run {
	pid_t pid;
	int out_fd;
	int log_fd;
};

/* What gdb printed. */
struct gdb_output {
	char *out; /* stdout: the command results */
	char *log; /* stderr: warnings, errors and the packet log */
};

static int temp_file(void)
{
	char path[] = "/tmp/gdbstub-gdb-XXXXXX";
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	unlink(path);
	return fd;
}

/* Start gdb -batch with `cmds` (each an -ex) against the session. */
static struct gdb_run gdb_start(const struct session *s, const char *const *cmds)
{
	char target[CMD_SIZE];
	const char *argv[MAX_GDB_ARGS];
	int argc = 0;
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	struct gdb_run run;

	run.out_fd = temp_file();
	run.log_fd = temp_file();
	snprintf(target, sizeof(target), "target remote 127.0.0.1:%u", s->port);
	/* --foreground: a signal for timeout(1) reaches gdb once, not also
	 * through timeout's process group (two Ctrl-C make gdb give up). */
	argv[argc++] = "timeout";
	argv[argc++] = "--foreground";
	argv[argc++] = GDB_TIMEOUT;
	argv[argc++] = "gdb";
	argv[argc++] = "-nx";
	argv[argc++] = "-batch";
	argv[argc++] = "-ex";
	argv[argc++] = "set pagination off";
	argv[argc++] = "-ex";
	argv[argc++] = "set debug remote 1";
	argv[argc++] = "-ex";
	argv[argc++] = target;
	for (; *cmds; cmds++) {
		cr_assert(argc + 3 < MAX_GDB_ARGS);
		argv[argc++] = "-ex";
		argv[argc++] = *cmds;
	}
	argv[argc] = NULL;

	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, run.out_fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&actions, run.log_fd, STDERR_FILENO);
	posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	/* Its own process group, so that no signal meant for another test's
	 * gdb (or for the test runner) reaches this one. */
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	int err = posix_spawnp(&run.pid, "timeout", &actions, &attr, (char *const *)argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&actions);
	cr_assert(err == 0, "cannot run gdb: %s", strerror(err));
	return run;
}

/* Wait for gdb to finish and collect what it printed. */
static struct gdb_output gdb_finish(struct gdb_run run)
{
	struct gdb_output o;
	int status;

	cr_assert(waitpid(run.pid, &status, 0) == run.pid);
	o.out = read_file(run.out_fd);
	o.log = read_file(run.log_fd);
	close(run.out_fd);
	close(run.log_fd);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "gdb failed (status %d):\n%s\n%s", status, o.out, o.log);
	return o;
}

static struct gdb_output run_gdb(const struct session *s, const char *const *cmds)
{
	return gdb_finish(gdb_start(s, cmds));
}

static void output_free(struct gdb_output o)
{
	free(o.out);
	free(o.log);
}

/* The session went fine: no gdb error about the stub or target.xml. The
 * only warning allowed is the one about having no executable file. */
static void assert_clean(struct gdb_output o)
{
	const char *allowed = "warning: No executable has been specified";

	cr_assert_null(strstr(o.log, "internal-error"), "%s", o.log);
	cr_assert_null(strstr(o.log, "too long"), "%s", o.log);
	cr_assert_null(strstr(o.log, "Remote failure"), "%s", o.log);
	for (const char *w = strstr(o.log, "warning:"); w; w = strstr(w + 1, "warning:"))
		cr_assert(strncmp(w, allowed, strlen(allowed)) == 0,
			  "unexpected %.200s\nin:\n%s", w, o.log);
}

static void assert_has(const char *out, const char *text)
{
	cr_assert_not_null(strstr(out, text), "gdb output lacks \"%s\":\n%s", text, out);
}

static bool bp_logged(const struct fake *f, bool insert, enum gdb_bp_type type,
		      uint64_t addr, uint64_t len)
{
	for (int i = 0; i < f->bp_count; i++) {
		const struct fake_bp *bp = &f->bp_log[i];
		if (bp->insert == insert && bp->type == type && bp->addr == addr && bp->len == len)
			return true;
	}
	return false;
}

Test(gdbstub_gdb, i386_registers_disassembly_step_break_watch, .timeout = 120)
{
	struct session *s = session_start(GDB_ARCH_I386, "i386");
	static const uint8_t code[] = { 0xb8, 0x34, 0x12, 0x00, 0x00, 0x90, 0x90, 0x90 };
	const char *cmds[] = { "info registers", "x/2i $pc", "p $cr0", "p $fs_base",
			       "p/x $mxcsr", "set $eax = 0x55", "set {char}0x3000 = 0x7d",
			       "stepi", "break *0x1010", "continue",
			       "watch *(int*)0x2000", "continue", "info threads",
			       "monitor hello", "detach", NULL };
	struct gdb_regs *r = &s->f.regs[0];

	memcpy(s->f.mem + 0x1000, code, sizeof(code));
	r->rip = 0x1000;
	r->gpr[GDB_RBX] = 0xaaaaaaaa0000bbbbull; /* shown truncated to 32 bits */
	r->cr0 = 0x11;
	r->rflags = 0x202;
	r->seg[GDB_CS] = 0x8;
	r->fs_base = 0x4000;
	r->mxcsr = 0x1f80;
	struct gdb_output o = run_gdb(s, cmds);
	session_stop_thread(s);

	assert_clean(o);
	assert_has(o.out, "\neax            0x0                 0\n");
	assert_has(o.out, "\nebx            0xbbbb              48059\n");
	assert_has(o.out, "\neip            0x1000              0x1000\n");
	assert_has(o.out, "\neflags         0x202               [ IF ]\n");
	assert_has(o.out, "\ncs             0x8                 8\n");
	assert_has(o.out, "\ngs             0x0                 0\n");
	assert_has(o.out, "\ncr0            0x11                [ PE ET ]\n");
	assert_has(o.out, "=> 0x1000:\tmov    $0x1234,%eax\n   0x1005:\tnop\n");
	assert_has(o.out, "$1 = [ PE ET ]\n$2 = 16384\n$3 = 0x1f80\n");
	/* set $eax: P (eax is register 0), the upper half of rax kept. */
	assert_has(o.log, "Sending packet: $P0=55000000#");
	cr_assert_eq(s->f.regs[0].gpr[GDB_RAX], 0x55);
	cr_assert_eq(s->f.regs[0].gpr[GDB_RBX], 0xaaaaaaaa0000bbbbull);
	/* '}' written through X, escaped. */
	assert_has(o.log, "Sending packet: $X3000,1:}]#");
	cr_assert_eq(s->f.mem[0x3000], 0x7d);
	/* stepi resumes thread 1 with a step, the other vCPU continues. */
	assert_has(o.log, "Sending packet: $vCont;s:1;c#");
	assert_has(o.out, "0x00001001 in ?? ()");
	cr_assert(bp_logged(&s->f, true, GDB_BP_SOFTWARE, 0x1010, 1));
	assert_has(o.out, "Thread 1 hit Breakpoint 1, ");
	cr_assert(bp_logged(&s->f, true, GDB_WP_WRITE, 0x2000, 4));
	assert_has(o.out, "Thread 1 hit Hardware watchpoint 2: *(int*)0x2000\n\n"
			  "Old value = 0\nNew value = 1\n");
	assert_has(o.out, "Thread 2 (vCPU 1 (fake))");
	assert_has(o.log, "hello, world\n"); /* target output goes to stderr */
	assert_has(o.out, "[Inferior 1 (Remote target) detached]");
	cr_assert_eq(s->f.detaches, 1);
	output_free(o);
	session_free(s);
}

Test(gdbstub_gdb, i8086_disassembles_16_bit_code, .timeout = 120)
{
	struct session *s = session_start(GDB_ARCH_I386, "i8086");
	static const uint8_t code[] = { 0xb8, 0x34, 0x12, 0x90, 0x90, 0x90 };
	const char *cmds[] = { "x/3i $pc", "info registers eip cs", "show architecture",
			       "set architecture i386", "x/1i $pc",
			       "set architecture i8086", "x/1i $pc", "detach", NULL };

	memcpy(s->f.mem + 0x7c00, code, sizeof(code));
	s->f.regs[0].rip = 0x7c00;
	struct gdb_output o = run_gdb(s, cmds);
	session_stop_thread(s);

	assert_clean(o);
	assert_has(o.out, "=> 0x7c00:\tmov    $0x1234,%ax\n   0x7c03:\tnop\n   0x7c04:\tnop\n");
	assert_has(o.out, "eip            0x7c00              0x7c00");
	assert_has(o.out, "(currently \"i8086\")");
	/* A guest that switched to protected mode: 32-bit decoding on request. */
	assert_has(o.out, "=> 0x7c00:\tmov    $0x90901234,%eax\n"
			  "The target architecture is set to \"i8086\".\n"
			  "=> 0x7c00:\tmov    $0x1234,%ax\n");
	output_free(o);
	session_free(s);
}

Test(gdbstub_gdb, amd64_registers_and_disassembly, .timeout = 120)
{
	struct session *s = session_start(GDB_ARCH_AMD64, "i386:x86-64");
	static const uint8_t code[] = { 0x48, 0xc7, 0xc0, 0x34, 0x12, 0x00, 0x00, 0x90 };
	const char *cmds[] = { "info registers", "x/2i $pc", "p $efer", "p/x $cr3",
			       "p/x $r15", "p $fs_base", "p $xmm1.v4_int32", "p $st0",
			       "set $r9 = 0x1122334455667788", "stepi", "detach", NULL };
	struct gdb_regs *r = &s->f.regs[0];

	memcpy(s->f.mem + 0x1000, code, sizeof(code));
	r->rip = 0x1000;
	r->gpr[GDB_RBX] = 0x1122334455667788ull;
	r->gpr[15] = 0xf15;
	r->efer = 0x500;
	r->cr3 = 0x9000;
	r->fs_base = 0x12345678abcull;
	r->xmm[1][4] = 7; /* second 32-bit lane = 7 */
	r->st[0][7] = 0x80; /* 1.0: mantissa 0x8000000000000000, exponent 0x3fff */
	r->st[0][8] = 0xff;
	r->st[0][9] = 0x3f;
	struct gdb_output o = run_gdb(s, cmds);
	session_stop_thread(s);

	assert_clean(o);
	assert_has(o.out, "\nrbx            0x1122334455667788  1234605616436508552\n");
	assert_has(o.out, "\nrip            0x1000              0x1000\n");
	assert_has(o.out, "\nfs_base        0x12345678abc       1250999896764\n");
	assert_has(o.out, "\nefer           0x500               [ LME LMA ]\n");
	assert_has(o.out, "=> 0x1000:\tmov    $0x1234,%rax\n");
	assert_has(o.out, "$1 = [ LME LMA ]\n$2 = 0x9000\n$3 = 0xf15\n$4 = 1250999896764\n"
			"$5 = {0, 7, 0, 0}\n$6 = 1\n");
	cr_assert_eq(s->f.regs[0].gpr[9], 0x1122334455667788ull);
	assert_has(o.log, "Sending packet: $vCont;s:1;c#");
	output_free(o);
	session_free(s);
}

Test(gdbstub_gdb, ctrl_c_interrupts_a_running_guest, .timeout = 120)
{
	struct session *s = session_start(GDB_ARCH_I386, "i386");
	const char *cmds[] = { "continue", "info registers eip", "detach", NULL };

	/* No breakpoints: the fake runs until interrupted. */
	struct gdb_run run = gdb_start(s, cmds);
	cr_assert(gdbfake_wait_count(&s->f.resumes, 1), "gdb never resumed the target");
	kill(run.pid, SIGINT); /* reaches timeout(1), which passes it to gdb */
	struct gdb_output o = gdb_finish(run);
	session_stop_thread(s);

	assert_clean(o);
	cr_assert_eq(s->f.interrupts, 1);
	assert_has(o.out, "Thread 1 received signal SIGINT, Interrupt.");
	assert_has(o.out, "eip            0x0");
	output_free(o);
	session_free(s);
}
