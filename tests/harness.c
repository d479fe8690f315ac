/*
 * harness.c - what the integration tests share (see harness.h): child
 * processes with pipes, fed and drained with poll() under a deadline; the
 * Criterion assertions on their output; gdb in batch mode; lesson.conf.
 * The forked child only execs: it never calls Criterion.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MAX_ARGS 64
#define LISTENING "gdb: listening on 127.0.0.1:"
#define DEFAULT_FORMAT "elf32"
#define DEFAULT_LOAD_ADDR 0x7c00UL
#define DEFAULT_BOOT "elf"
#define CONF_LINE_MAX 512

/* ---- processes ------------------------------------------------------------ */

const char *vmm_path(void)
{
	const char *p = getenv("KVM_VMM");

	return p && *p ? p : "./kvm-vmm";
}

#define PLAIN_VMM "./kvm-vmm"

/* Built with a sanitizer (ASan or TSan)? Their runtimes name themselves. */
static bool is_sanitized(const char *path)
{
	size_t len;
	char *bin = slurp(path, &len);
	bool san = bin && (memmem(bin, len, "__asan_init", strlen("__asan_init")) ||
			   memmem(bin, len, "__tsan_init", strlen("__tsan_init")));

	free(bin);
	return san;
}

const char *plain_vmm_path(void)
{
	const char *vmm = vmm_path();

	if (!is_sanitized(vmm))
		return vmm;
	if (access(PLAIN_VMM, X_OK) == 0 && !is_sanitized(PLAIN_VMM))
		return PLAIN_VMM;
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct buf {
	char *data;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = realloc(b->data, b->cap);
		if (!b->data)
			abort();
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

int child_start(struct child *c, char *const argv[])
{
	int in[2], out[2], err[2];

	memset(c, 0, sizeof(*c));
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		/* If the test process dies (a failed assertion ends it), take
		 * the child with it: a kvm-vmm waiting for gdb would wait forever. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	c->in_fd = in[1];
	c->out_fd = out[0];
	c->err_fd = err[0];
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Read fd into buf (of `size` bytes, *len used) until it holds `needle`
 * or timeout_s passes; the match, or NULL. */
static const char *read_until(int fd, char *buf, size_t size, size_t *len, const char *needle,
			      double timeout_s)
{
	double deadline = now() + timeout_s;

	for (;;) {
		const char *hit;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - now();
		ssize_t n;

		buf[*len] = '\0';
		hit = strstr(buf, needle);
		if (hit)
			return hit;
		if (left <= 0 || *len + 1 >= size)
			return NULL;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(fd, buf + *len, size - 1 - *len);
		if (n <= 0)
			return NULL;
		*len += (size_t)n;
	}
}

const char *child_wait_stderr(struct child *c, const char *needle, double timeout_s)
{
	return read_until(c->err_fd, c->err_buf, sizeof(c->err_buf), &c->err_len, needle,
			  timeout_s);
}

const char *child_wait_stdout(struct child *c, const char *needle, double timeout_s)
{
	return read_until(c->out_fd, c->out_buf, sizeof(c->out_buf), &c->out_len, needle,
			  timeout_s);
}

int child_start_gdb_argv(struct child *c, char *const args[])
{
	char *argv[MAX_ARGS];
	int n = 0;

	argv[n++] = (char *)vmm_path();
	argv[n++] = "--gdb";
	argv[n++] = "0";
	for (int i = 0; args[i] && n < MAX_ARGS - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (child_start(c, argv) < 0)
		return -1;
	return child_wait_gdb_port(c, 10);
}

int child_wait_gdb_port(struct child *c, double timeout_s)
{
	const char *line = child_wait_stderr(c, LISTENING, timeout_s);

	return line ? atoi(line + strlen(LISTENING)) : -1;
}

int child_start_gdb(struct child *c, ...)
{
	char *args[MAX_ARGS];
	int n = 0;
	va_list ap;

	va_start(ap, c);
	while (n < MAX_ARGS - 1 && (args[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	args[n] = NULL;
	return child_start_gdb_argv(c, args);
}

/* Gather the child's output until it exits or the deadline passes. */
static int collect(struct child *c, const char *input, double deadline, struct run_result *r)
{
	struct buf out = { 0 }, err = { 0 };
	size_t in_off = 0, in_len = input ? strlen(input) : 0;
	int status = 0;
	bool timed_out = false;

	buf_add(&out, c->out_buf, c->out_len);
	buf_add(&err, c->err_buf, c->err_len);
	if (!input || in_len == 0) {
		if (c->in_fd >= 0)
			close(c->in_fd);
		c->in_fd = -1;
	}
	while (c->out_fd >= 0 || c->err_fd >= 0) {
		struct pollfd p[3] = {
			{ .fd = c->out_fd, .events = POLLIN },
			{ .fd = c->err_fd, .events = POLLIN },
			{ .fd = c->in_fd, .events = POLLOUT },
		};
		double left = deadline - now();
		char tmp[65536];

		if (left <= 0) {
			timed_out = true;
			kill(c->pid, SIGKILL);
			break;
		}
		if (poll(p, 3, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			int *fd = i == 0 ? &c->out_fd : &c->err_fd;
			ssize_t n;

			if (*fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(*fd, tmp, sizeof(tmp));
			if (n <= 0) {
				close(*fd);
				*fd = -1;
			} else {
				buf_add(i == 0 ? &out : &err, tmp, n);
			}
		}
		if (c->in_fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(c->in_fd, input + in_off, in_len - in_off);

			if (n > 0)
				in_off += n;
			if (n <= 0 || in_off == in_len) {
				close(c->in_fd);
				c->in_fd = -1;
			}
		}
	}
	for (int i = 0; i < 3; i++) {
		int fd = i == 0 ? c->in_fd : i == 1 ? c->out_fd : c->err_fd;

		if (fd >= 0)
			close(fd);
	}
	c->in_fd = c->out_fd = c->err_fd = -1;
	if (!timed_out) {
		/* Output closed; the exit itself may lag a moment behind. */
		while (waitpid(c->pid, &status, WNOHANG) == 0) {
			if (now() > deadline) {
				timed_out = true;
				kill(c->pid, SIGKILL);
				break;
			}
			usleep(1000);
		}
	}
	if (timed_out)
		waitpid(c->pid, &status, 0);
	if (r) {
		r->timed_out = timed_out;
		r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		r->out = out.data;
		r->out_len = out.len;
		r->err = err.data;
		r->err_len = err.len;
	} else {
		free(out.data);
		free(err.data);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int child_wait(struct child *c, double timeout_s, struct run_result *r)
{
	return collect(c, NULL, now() + timeout_s, r);
}

int run_argv(struct run_result *r, char *const argv[], const char *input, double timeout_s)
{
	struct child c;

	memset(r, 0, sizeof(*r));
	if (child_start(&c, argv) < 0)
		return -1;
	collect(&c, input, now() + timeout_s, r);
	return 0;
}

int run_vmm(struct run_result *r, const char *input, double timeout_s, ...)
{
	char *argv[MAX_ARGS];
	int n = 0;
	va_list ap;

	argv[n++] = (char *)vmm_path();
	va_start(ap, timeout_s);
	while (n < MAX_ARGS - 1 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return run_argv(r, argv, input, timeout_s);
}

void run_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = { 0 };
	char tmp[4096];
	size_t n;

	if (!f)
		return NULL;
	buf_add(&b, "", 0);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	if (len)
		*len = b.len;
	return b.data;
}

/* ---- assertions (Criterion) -------------------------------------------------- */

void assert_has(const char *text, const char *needle)
{
	cr_assert(strstr(text, needle), "expected '%s' in:\n%s", needle, text);
}

void assert_no_crash_report(const char *text, const char *who)
{
	/* "ERROR: AddressSanitizer", "runtime error:" (UBSan),
	 * "ERROR: LeakSanitizer", "SUMMARY: ...Sanitizer" */
	static const char *const reports[] = { "Sanitizer", "runtime error:" };

	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++)
		cr_assert_null(strstr(text, reports[i]), "%s reported '%s':\n%s", who, reports[i],
			       text);
}

struct run_result run_guest(const char *first, ...)
{
	char *argv[MAX_ARGS];
	int n = 0;
	const char *a = first;
	struct run_result r;
	va_list ap;

	argv[n++] = (char *)vmm_path();
	va_start(ap, first);
	while (a && n < MAX_ARGS - 1) {
		argv[n++] = (char *)a;
		a = va_arg(ap, const char *);
	}
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(run_argv(&r, argv, NULL, GUEST_TIMEOUT_S), 0, "cannot start kvm-vmm");
	cr_assert(!r.timed_out, "%s did not finish in %.0f s", argv[n - 1], GUEST_TIMEOUT_S);
	return r;
}

struct run_result run_guest_case(const char *guest, const char *which)
{
	struct run_result r;

	cr_assert_eq(run_argv(&r, (char *const[]){ (char *)vmm_path(), (char *)guest, NULL }, which,
			      GUEST_TIMEOUT_S), 0, "cannot start %s", vmm_path());
	cr_assert(!r.timed_out, "case %s: the guest never ended", which);
	assert_no_crash_report(r.err, "kvm-vmm");
	return r;
}

void expect_output_file(const struct run_result *r, const char *path, int status)
{
	char *want = slurp(path, NULL);

	cr_assert(want, "cannot read %s", path);
	cr_expect_str_eq(r->out, want, "stdout differs from %s", path);
	cr_expect_eq(r->status, status, "exit status %d, not %d; stderr: %s", r->status, status,
		     r->err);
	cr_expect_str_eq(r->err, "", "unexpected stderr");
	free(want);
}

void expect_lesson_output(const struct run_result *r, const char *dir)
{
	char path[LESSON_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/expected-output.txt", dir);
	expect_output_file(r, path, 0);
}

void gdb_batch_with(struct run_result *r, const char *const options[], const char *guest,
		    const char *target, int port, const char *const cmds[])
{
	char *argv[2 * GDB_MAX_CMDS + 16];
	char target_port[64];
	int n = 0;

	snprintf(target_port, sizeof(target_port), "%s :%d", target, port);
	argv[n++] = "gdb";
	argv[n++] = "-batch";
	argv[n++] = "-nx";
	for (int i = 0; options && options[i] && n < 8; i++)
		argv[n++] = (char *)options[i];
	argv[n++] = (char *)guest;
	argv[n++] = "-ex";
	argv[n++] = target_port;
	for (int i = 0; cmds[i] && n < 2 * GDB_MAX_CMDS; i++) {
		argv[n++] = "-ex";
		argv[n++] = (char *)cmds[i];
	}
	argv[n] = NULL;
	cr_assert_eq(run_argv(r, argv, NULL, GDB_TIMEOUT_S), 0, "cannot start gdb");
	cr_assert_not(r->timed_out, "gdb hung:\n%s\n%s", r->out, r->err);
	cr_assert_null(strstr(r->err, "too long"), "%s", r->err);
}

void gdb_batch(struct run_result *r, int port, const char *guest, ...)
{
	const char *cmds[GDB_MAX_CMDS + 1];
	int n = 0;
	va_list ap;

	va_start(ap, guest);
	while (n < GDB_MAX_CMDS && (cmds[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	cmds[n] = NULL;
	gdb_batch_with(r, NULL, guest, "target remote", port, cmds);
}

void finish_vmm_with(struct child *vmm, int status, const char *expected_path)
{
	struct run_result v;

	child_wait(vmm, GUEST_TIMEOUT_S, &v);
	cr_assert_not(v.timed_out, "kvm-vmm did not end: %s", v.err);
	assert_no_crash_report(v.err, "kvm-vmm");
	cr_expect_eq(v.status, status, "kvm-vmm status %d: %s", v.status, v.err);
	if (expected_path) {
		char *want = slurp(expected_path, NULL);

		cr_assert(want, "cannot read %s", expected_path);
		cr_expect_str_eq(v.out, want, "the guest's output under gdb");
		free(want);
	}
	run_free(&v);
}

/* ---- lessons ------------------------------------------------------------------ */

/* s without the blanks at either end (s is changed). */
static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* DIR/SUB/STEM.elf for a source STEM.asm or STEM.c (SUB may be ""). */
static void elf_path(char *out, size_t size, const char *dir, const char *sub,
		     const char *source)
{
	const char *dot = strrchr(source, '.');
	int stem = dot ? (int)(dot - source) : (int)strlen(source);

	snprintf(out, size, "%s/%s%s%.*s.elf", dir, sub, *sub ? "/" : "", stem, source);
}

/* Store one key's value in c; false (with why) if the key or value is bad. */
static bool conf_set(struct lesson_conf *c, const char *key, char *value, char *why,
		     size_t why_size)
{
	if (strcmp(key, "guest") == 0) {
		snprintf(c->guest, sizeof(c->guest), "%s", value);
	} else if (strcmp(key, "exercise") == 0) {
		snprintf(c->exercise, sizeof(c->exercise), "%s", value);
	} else if (strcmp(key, "input") == 0) {
		snprintf(c->input, sizeof(c->input), "%s", value);
	} else if (strcmp(key, "boot") == 0) {
		if (strcmp(value, "elf") != 0 && strcmp(value, "disk") != 0 &&
		    strcmp(value, "floppy") != 0) {
			snprintf(why, why_size, "boot is elf, disk or floppy, not '%s'", value);
			return false;
		}
		snprintf(c->boot, sizeof(c->boot), "%s", value);
	} else if (strcmp(key, "boot_sector") == 0) {
		snprintf(c->boot_sector, sizeof(c->boot_sector), "%s", value);
	} else if (strcmp(key, "format") == 0) {
		if (strcmp(value, "elf32") != 0 && strcmp(value, "elf64") != 0) {
			snprintf(why, why_size, "format is elf32 or elf64, not '%s'", value);
			return false;
		}
		snprintf(c->format, sizeof(c->format), "%s", value);
	} else if (strcmp(key, "load_addr") == 0) {
		char *end;

		errno = 0;
		c->load_addr = strtoul(value, &end, 0);
		if (!*value || *end || errno) {
			snprintf(why, why_size, "load_addr is a number, not '%s'", value);
			return false;
		}
	} else if (strcmp(key, "args") == 0) {
		char *save = NULL;

		c->nargs = 0;
		for (char *w = strtok_r(value, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			if (c->nargs == LESSON_MAX_ARGS || strlen(w) >= LESSON_VALUE_MAX) {
				snprintf(why, why_size, "args: too many or too long");
				return false;
			}
			snprintf(c->args[c->nargs++], LESSON_VALUE_MAX, "%s", w);
		}
	} else {
		snprintf(why, why_size, "unknown key '%s' (guest, exercise, format, load_addr, "
			 "args, input, boot, boot_sector)", key);
		return false;
	}
	return true;
}

int lesson_conf_read(struct lesson_conf *c, const char *dir, char *why, size_t why_size)
{
	char path[LESSON_PATH_MAX + 16], line[CONF_LINE_MAX], problem[256];
	const char *slash;
	FILE *f;
	int lineno = 0;

	memset(c, 0, sizeof(*c));
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	while (strlen(c->dir) > 1 && c->dir[strlen(c->dir) - 1] == '/')
		c->dir[strlen(c->dir) - 1] = '\0';
	slash = strrchr(c->dir, '/');
	snprintf(c->name, sizeof(c->name), "%s", slash ? slash + 1 : c->dir);
	snprintf(c->format, sizeof(c->format), "%s", DEFAULT_FORMAT);
	snprintf(c->boot, sizeof(c->boot), "%s", DEFAULT_BOOT);
	c->load_addr = DEFAULT_LOAD_ADDR;

	snprintf(path, sizeof(path), "%s/lesson.conf", c->dir);
	f = fopen(path, "r");
	if (!f) {
		snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *text = trim(line), *eq;

		lineno++;
		if (*text == '\0' || *text == '#')
			continue;
		eq = strchr(text, '=');
		if (!eq) {
			snprintf(why, why_size, "%s:%d: not 'key = value': %s", path, lineno, text);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		if (!conf_set(c, trim(text), trim(eq + 1), problem, sizeof(problem))) {
			snprintf(why, why_size, "%s:%d: %s", path, lineno, problem);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	if (!*c->guest) {
		snprintf(why, why_size, "%s names no guest", path);
		return -1;
	}
	if (*c->boot_sector && !lesson_boots_image(c)) {
		snprintf(why, why_size, "%s: boot_sector needs boot = disk or floppy", path);
		return -1;
	}
	elf_path(c->guest_elf, sizeof(c->guest_elf), c->dir, "", c->guest);
	if (*c->exercise)
		elf_path(c->solution_elf, sizeof(c->solution_elf), c->dir, "solution", c->exercise);
	return 0;
}

void lesson_load(struct lesson_conf *c, const char *dir)
{
	char why[512];

	cr_assert_eq(lesson_conf_read(c, dir, why, sizeof(why)), 0, "%s", why);
}

char *lesson_input(const struct lesson_conf *c)
{
	char path[LESSON_PATH_MAX + LESSON_VALUE_MAX];
	char *text;

	if (!*c->input)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", c->dir, c->input);
	text = slurp(path, NULL);
	cr_assert(text, "%s: cannot read its input %s", c->name, path);
	return text;
}

bool lesson_boots_image(const struct lesson_conf *c)
{
	return strcmp(c->boot, DEFAULT_BOOT) != 0;
}

void lesson_image_of(char *out, size_t size, const char *elf)
{
	const char *dot = strrchr(elf, '.');
	int stem = dot ? (int)(dot - elf) : (int)strlen(elf);

	snprintf(out, size, "%.*s.img", stem, elf);
}

/* Put what kvm-vmm runs for elf at argv[n]: elf, or --disk (--floppy) and
 * its image, kept in image. Returns the new n. */
static int lesson_program_args(const struct lesson_conf *c, const char *elf, char **argv, int n,
			       char *boot_option, size_t option_size, char *image,
			       size_t image_size)
{
	if (!lesson_boots_image(c)) {
		argv[n++] = (char *)elf;
		return n;
	}
	snprintf(boot_option, option_size, "--%s", c->boot);
	lesson_image_of(image, image_size, elf);
	argv[n++] = boot_option;
	argv[n++] = image;
	return n;
}

struct run_result run_lesson(const struct lesson_conf *c, const char *elf, const char *input,
			     ...)
{
	char *argv[MAX_ARGS], boot_option[LESSON_VALUE_MAX + 2], image[LESSON_PATH_MAX + 8];
	int n = 0;
	const char *a;
	struct run_result r;
	va_list ap;

	argv[n++] = (char *)vmm_path();
	for (int i = 0; i < c->nargs; i++)
		argv[n++] = (char *)c->args[i];
	va_start(ap, input);
	while (n < MAX_ARGS - 3 && (a = va_arg(ap, const char *)) != NULL)
		argv[n++] = (char *)a;
	va_end(ap);
	n = lesson_program_args(c, elf, argv, n, boot_option, sizeof(boot_option), image,
				sizeof(image));
	argv[n] = NULL;
	cr_assert_eq(run_argv(&r, argv, input, GUEST_TIMEOUT_S), 0, "cannot start kvm-vmm");
	cr_assert(!r.timed_out, "%s: %s did not finish in %.0f s", c->name, elf, GUEST_TIMEOUT_S);
	return r;
}

int lesson_start_gdb(struct child *vmm, const struct lesson_conf *c)
{
	char *args[LESSON_MAX_ARGS + 3], boot_option[LESSON_VALUE_MAX + 2];
	char image[LESSON_PATH_MAX + 8];
	int n = 0, port;

	for (int i = 0; i < c->nargs; i++)
		args[n++] = (char *)c->args[i];
	n = lesson_program_args(c, c->guest_elf, args, n, boot_option, sizeof(boot_option), image,
				sizeof(image));
	args[n] = NULL;
	port = child_start_gdb_argv(vmm, args);
	cr_assert_gt(port, 0, "%s: kvm-vmm did not print its gdb port: %s", c->name,
		     vmm->err_buf);
	return port;
}
