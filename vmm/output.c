/*
 * output.c - where guest console bytes and VMM messages go. Each guest
 * collects its bytes per line; a complete line is written to stdout in one
 * piece, prefixed "[n] " when several guests run, so lines of different
 * guests never interleave. Messages of the VMM go to stderr.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

/* One lock for stdout and stderr: a line is written whole. */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

#define ANSI_RESET "\033[0m"
static const char *const guest_colors[] = {
	"\033[32m", "\033[34m", "\033[35m", "\033[36m", "\033[33m", "\033[31m",
};

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			return;   /* stdout closed: drop the output, keep running */
		buf += n;
		len -= n;
	}
}

/* Write the pending bytes of vm's line (caller holds vm->lock). */
static void console_emit(struct vm *vm)
{
	struct console *c = &vm->console;
	char out[sizeof(c->line) + 32];
	size_t n = 0;

	if (c->len == 0)
		return;
	if (vm->vmm && vm->vmm->nvms > 1) {
		const char *color = guest_colors[vm->index % 6];

		if (vm->vmm->color)
			n = snprintf(out, sizeof(out), "%s[%d]%s ", color, vm->index, ANSI_RESET);
		else
			n = snprintf(out, sizeof(out), "[%d] ", vm->index);
	}
	memcpy(out + n, c->line, c->len);
	n += c->len;
	c->len = 0;
	pthread_mutex_lock(&out_lock);
	write_all(STDOUT_FILENO, out, n);
	pthread_mutex_unlock(&out_lock);
}

void console_write(struct vm *vm, const void *buf, size_t len)
{
	const char *p = buf;
	struct console *c = &vm->console;

	pthread_mutex_lock(&vm->lock);
	for (size_t i = 0; i < len; i++) {
		c->line[c->len++] = p[i];
		if (p[i] == '\n' || c->len == sizeof(c->line))
			console_emit(vm);
	}
	pthread_mutex_unlock(&vm->lock);
}

void console_flush(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	console_emit(vm);
	pthread_mutex_unlock(&vm->lock);
}

void console_prompt(struct vm *vm)
{
	if (!vm->vmm || vm->vmm->nvms == 1)
		console_flush(vm);
}

/* Room for one message line, and for the part of a guest's path it shows:
 * a longer path keeps its end, so the message itself always fits. */
#define MSG_LEN 1024
#define MSG_PATH_MAX 256

void vmm_msg(const struct vm *vm, const char *fmt, ...)
{
	char buf[MSG_LEN];
	int n, m;
	va_list ap;

	if (vm && vm->vmm && vm->vmm->nvms > 1) {
		const char *path = vm->path ? vm->path : "?";
		size_t len = strlen(path);

		n = snprintf(buf, sizeof(buf), VMM_NAME ": [%d] %s%s: ", vm->index,
			     len > MSG_PATH_MAX ? "..." : "",
			     len > MSG_PATH_MAX ? path + len - MSG_PATH_MAX : path);
	} else {
		n = snprintf(buf, sizeof(buf), VMM_NAME ": ");
	}
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (m > 0)
		n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	pthread_mutex_lock(&out_lock);
	write_all(STDERR_FILENO, buf, n);
	pthread_mutex_unlock(&out_lock);
}
