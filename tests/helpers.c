/*
 * helpers.c - child processes for the integration tests: start kvm-vmm
 * with pipes, feed stdin, gather stdout/stderr with poll() under a
 * deadline, and kill what runs too long. No Criterion calls here: the
 * forked child only execs.
 */
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

#include "helpers.h"

#define MAX_ARGS 64

const char *vmm_path(void)
{
	const char *p = getenv("KVM_VMM");

	return p && *p ? p : "./kvm-vmm";
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

const char *child_wait_stderr(struct child *c, const char *needle, double timeout_s)
{
	double deadline = now() + timeout_s;

	for (;;) {
		const char *hit;
		struct pollfd p = { .fd = c->err_fd, .events = POLLIN };
		double left = deadline - now();
		ssize_t n;

		c->err_buf[c->err_len] = '\0';
		hit = strstr(c->err_buf, needle);
		if (hit)
			return hit;
		if (left <= 0 || c->err_len + 1 >= sizeof(c->err_buf))
			return NULL;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(c->err_fd, c->err_buf + c->err_len, sizeof(c->err_buf) - 1 - c->err_len);
		if (n <= 0)
			return NULL;
		c->err_len += n;
	}
}

int child_start_gdb(struct child *c, ...)
{
	char *argv[MAX_ARGS];
	int n = 0;
	const char *line;
	va_list ap;

	argv[n++] = (char *)vmm_path();
	argv[n++] = "--gdb";
	argv[n++] = "0";
	va_start(ap, c);
	while (n < MAX_ARGS - 1 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (child_start(c, argv) < 0)
		return -1;
	line = child_wait_stderr(c, "gdb: listening on 127.0.0.1:", 10);
	if (!line)
		return -1;
	return atoi(line + strlen("gdb: listening on 127.0.0.1:"));
}

/* Gather the child's output until it exits or the deadline passes. */
static int collect(struct child *c, const char *input, double deadline, struct run_result *r)
{
	struct buf out = { 0 }, err = { 0 };
	size_t in_off = 0, in_len = input ? strlen(input) : 0;
	int status = 0;
	bool timed_out = false;

	buf_add(&out, "", 0);
	buf_add(&err, c->err_buf, c->err_len);
	if (!input || in_len == 0) {
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
