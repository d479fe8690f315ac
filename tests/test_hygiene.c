/*
 * test_hygiene.c - resource hygiene of kvm-vmm: valgrind memcheck
 * on a full lesson run and on a whole gdb session finds no invalid access,
 * no leak and no descriptor left open, and fifty gdb connections leave the
 * VMM with exactly the descriptors it had before.
 *
 * valgrind cannot run an ASan build: under `make test SANITIZE=1` these
 * tests use the plain ./kvm-vmm that `make` built, and skip (saying so)
 * when there is none. valgrind needs no suppressions for KVM: it checks
 * KVM's ioctls by the size and direction encoded in their numbers, and the
 * memory KVM writes behind its back (the kvm_run area, guest RAM) is
 * mmap()ed, which memcheck treats as defined from the start.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define VALGRIND_ERROR 99 /* --error-exitcode: never a guest's status here */
#define VALGRIND_S 300.0
#define LESSON_GUEST "lessons/07-hypercalls/hypercalls.elf"
#define LESSON_INPUT "lessons/07-hypercalls/input.txt"
#define LESSON_EXPECTED "lessons/07-hypercalls/expected-output.txt"
#define LESSON_STATUS 7
#define GDB_GUEST "tests/guests/gdb_long.elf"
#define GDB_GUEST_STATUS 5
#define SPIN "tests/guests/spin.elf"
#define STATUS_KILLED 137
#define CONNECTIONS 50
#define HANG_UP_S 20.0
#define MAX_ARGS 48

/* ---- valgrind ------------------------------------------------------------------ */

/* The kvm-vmm valgrind can run, or NULL (with the reason in why). */
static const char *plain_vmm(char *why, size_t size)
{
	struct run_result r;
	char *argv[] = { "valgrind", "--version", NULL };
	const char *vmm = vmm_path();

	if (run_argv(&r, argv, NULL, 30) < 0 || r.status != 0) {
		snprintf(why, size, "valgrind is not installed");
		run_free(&r);
		return NULL;
	}
	run_free(&r);
	if (plain_vmm_path())
		return plain_vmm_path();
	snprintf(why, size, "%s is a sanitizer build, which valgrind cannot run, and there is "
		 "no plain ./kvm-vmm (run make first)", vmm);
	return NULL;
}

/* argv: valgrind with our options, logging to log, then vmm and args. */
static void valgrind_argv(char **argv, char *log_opt, size_t log_size, const char *log,
			  const char *vmm, ...)
{
	static char error_opt[32];
	int n = 0;
	const char *a;
	va_list ap;

	snprintf(error_opt, sizeof(error_opt), "--error-exitcode=%d", VALGRIND_ERROR);
	snprintf(log_opt, log_size, "--log-file=%s", log);
	argv[n++] = "valgrind";
	argv[n++] = error_opt;
	argv[n++] = "--leak-check=full";
	argv[n++] = "--show-leak-kinds=definite,indirect,possible";
	argv[n++] = "--errors-for-leak-kinds=definite,indirect,possible";
	argv[n++] = "--track-fds=yes";
	argv[n++] = log_opt;
	argv[n++] = (char *)vmm;
	va_start(ap, vmm);
	while (n < MAX_ARGS - 1 && (a = va_arg(ap, const char *)) != NULL)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
}

/* The log is clean: no errors, and every descriptor open at exit is
 * standard, inherited, or /dev/kvm (opened once per process, by design). */
static void check_valgrind_log(const char *log)
{
	char *text = slurp(log, NULL);
	const char *p;

	cr_assert(text, "no valgrind log at %s", log);
	cr_assert(strstr(text, "ERROR SUMMARY: 0 errors"), "%s", text);
	cr_assert(strstr(text, "definitely lost: 0 bytes") || strstr(text, "no leaks are possible"),
		  "%s", text);
	for (p = strstr(text, "Open file descriptor "); p; p = strstr(p + 1, "Open file descriptor ")) {
		const char *eol = strchr(p, '\n');
		const char *next = eol ? eol + 1 : "";
		const char *next_eol = strchr(next, '\n');
		int fd = atoi(p + strlen("Open file descriptor "));
		bool inherited = next_eol && memmem(next, next_eol - next, "<inherited from parent>",
						     strlen("<inherited from parent>"));
		bool kvm = eol && memmem(p, eol - p, "/dev/kvm", strlen("/dev/kvm"));

		cr_assert(fd <= STDERR_FILENO || inherited || kvm,
			  "kvm-vmm left descriptor %d open: %.*s", fd, (int)(eol ? eol - p : 80), p);
	}
	free(text);
	unlink(log);
}

static char *temp_log(void)
{
	char *path = strdup("/tmp/kvm-vmm-valgrind-XXXXXX");
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	close(fd);
	return path;
}

Test(hygiene, valgrind_on_a_full_lesson_run, .timeout = 400)
{
	char why[256], log_opt[128];
	char *argv[MAX_ARGS];
	const char *vmm = plain_vmm(why, sizeof(why));
	char *log, *input, *expected;
	struct run_result r;

	if (!vmm)
		cr_skip_test("%s", why);
	log = temp_log();
	input = slurp(LESSON_INPUT, NULL);
	expected = slurp(LESSON_EXPECTED, NULL);
	cr_assert(input && expected);
	valgrind_argv(argv, log_opt, sizeof(log_opt), log, vmm, "--stats", LESSON_GUEST, NULL);
	cr_assert_eq(run_argv(&r, argv, input, VALGRIND_S), 0);
	cr_assert_not(r.timed_out, "valgrind did not finish in %g s", VALGRIND_S);
	cr_assert_eq(r.status, LESSON_STATUS, "status %d (valgrind errors: %d): %s", r.status,
		     VALGRIND_ERROR, r.err);
	cr_assert_str_eq(r.out, expected);
	check_valgrind_log(log);
	run_free(&r);
	free(input);
	free(expected);
	free(log);
}

Test(hygiene, valgrind_on_a_gdb_session, .timeout = 400)
{
	char why[256], log_opt[128], target[64];
	char *argv[MAX_ARGS];
	const char *vmm = plain_vmm(why, sizeof(why));
	int port;
	char *log;
	struct child c;
	struct run_result g, v;

	if (!vmm)
		cr_skip_test("%s", why);
	log = temp_log();
	valgrind_argv(argv, log_opt, sizeof(log_opt), log, vmm, "--gdb", "0", GDB_GUEST, NULL);
	cr_assert_eq(child_start(&c, argv), 0);
	port = child_wait_gdb_port(&c, VALGRIND_S);
	cr_assert_gt(port, 0, "no gdb port: %s", c.err_buf);
	snprintf(target, sizeof(target), "target remote :%d", port);
	{
		char *gdb[] = { "gdb", "-batch", "-nx", GDB_GUEST, "-ex", target,
				"-ex", "break done", "-ex", "continue", "-ex", "p/x $rcx",
				"-ex", "x/1dw &counter", "-ex", "set var *(int *)&counter = 5",
				"-ex", "info registers", "-ex", "monitor info sregs",
				"-ex", "monitor info gdt", "-ex", "monitor info pagetable",
				"-ex", "monitor exits", "-ex", "delete", "-ex", "stepi",
				"-ex", "continue", NULL };

		cr_assert_eq(run_argv(&g, gdb, NULL, VALGRIND_S), 0);
	}
	cr_assert_not(g.timed_out, "gdb hung: %s %s", g.out, g.err);
	cr_assert(strstr(g.out, "exited with code 05"), "%s\n%s", g.out, g.err);
	child_wait(&c, VALGRIND_S, &v);
	cr_assert_not(v.timed_out, "kvm-vmm under valgrind did not end: %s", v.err);
	cr_assert_eq(v.status, GDB_GUEST_STATUS, "status %d (valgrind errors: %d): %s", v.status,
		     VALGRIND_ERROR, v.err);
	check_valgrind_log(log);
	run_free(&g);
	run_free(&v);
	free(log);
}

/* ---- descriptors across gdb connections ------------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int count_fds(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	cr_assert(d, "cannot list %s", path);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int connect_raw(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Send text, then hang up and wait until the stub has closed its end:
 * then it has dropped the client, and its descriptor. Returns whether
 * the stub sent anything (it does not to a client it refuses). */
static bool talk_and_hang_up(int fd, const char *text)
{
	double deadline = now() + HANG_UP_S;
	bool answered = false;
	char buf[4096];

	if (text)
		cr_assert_eq(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		cr_assert(poll(&p, 1, (int)((deadline - now()) * 1000)) > 0,
			  "the stub kept the connection open");
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		answered = true;
	}
	close(fd);
	return answered;
}

Test(hygiene, no_descriptor_leaks_across_gdb_connections, .timeout = 180)
{
	static const char *const sessions[] = {
		"+$?#3f",               /* a question, then gone */
		"$D#44",                /* a proper detach */
		"$m7c00,4",             /* gone in mid-packet */
		"$qSupported#37$g#67",  /* two packets */
		NULL,                   /* nothing at all */
	};
	struct child vmm;
	struct run_result v;
	int port = child_start_gdb(&vmm, SPIN, NULL);
	int before, after;

	cr_assert_gt(port, 0, "%s", vmm.err_buf);
	/* One connection first: whatever is made once per VMM is made now. */
	cr_assert(talk_and_hang_up(connect_raw(port), "+$?#3f"));
	before = count_fds(vmm.pid);
	for (int i = 0; i < CONNECTIONS; i++)
		talk_and_hang_up(connect_raw(port), sessions[i % 5]);
	/* A refused second client must not cost a descriptor either. */
	{
		int first = connect_raw(port), second;
		char buf[64];

		cr_assert_eq(send(first, "+$?#3f", 6, MSG_NOSIGNAL), 6);
		cr_assert_gt(recv(first, buf, sizeof(buf), 0), 0); /* attached */
		second = connect_raw(port);
		cr_assert_not(talk_and_hang_up(second, "+$?#3f"), "the second client was served");
		talk_and_hang_up(first, NULL);
	}
	after = count_fds(vmm.pid);
	cr_assert_eq(after, before, "kvm-vmm had %d descriptors before %d gdb connections and "
		     "%d after", before, CONNECTIONS + 2, after);
	/* And it still serves gdb. */
	{
		char target[64];
		char *gdb[] = { "gdb", "-batch", "-nx", SPIN, "-ex", target, "-ex", "kill", NULL };
		struct run_result g;

		snprintf(target, sizeof(target), "target remote :%d", port);
		cr_assert_eq(run_argv(&g, gdb, NULL, 60), 0);
		cr_assert_not(g.timed_out);
		run_free(&g);
	}
	child_wait(&vmm, 30, &v);
	cr_assert_eq(v.status, STATUS_KILLED, "%s", v.err);
	run_free(&v);
}
