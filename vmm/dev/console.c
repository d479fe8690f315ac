/*
 * console.c - where guest console bytes and VMM messages go. Each guest
 * collects its bytes per line; a complete line is queued in one piece,
 * prefixed "[n] " when several guests run, so lines of different guests
 * never interleave. One writer thread takes the queue to stdout: it alone
 * blocks when stdout is slow or stuck, and no lock is held while it does.
 * A vCPU that finds the queue full waits for room, unless its guest is
 * ending (its bytes are dropped) or gdb wants it stopped (its bytes go
 * past the limit, so that it can park). When stdout is a regular file or
 * /dev/null, where a write never waits, the vCPUs write their lines
 * themselves. VMM messages go to stderr, one write() a line.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define QUEUE_LIMIT (64 * 1024)        /* bytes a vCPU may queue before it waits */
#define QUEUE_SIZE (2 * QUEUE_LIMIT)   /* room for lines pushed past the limit */
#define PROGRESS_WAIT_S 0.1            /* console_stop: how often it looks */
#define DEV_NULL makedev(1, 3)         /* /dev/null: writes never wait */

/* The queue between the vCPUs and the writer thread: a ring of bytes. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t data;     /* the writer waits for bytes */
	pthread_cond_t room;     /* vCPUs and console_stop() wait for it to drain */
	char buf[QUEUE_SIZE];
	size_t head, len;        /* bytes at buf[head..head+len) (wrapping) */
	size_t written;          /* bytes written so far (progress) */
	size_t dropped;          /* bytes given up on */
	bool writing;            /* the writer has bytes out of the queue */
	bool broken;             /* stdout failed: drop everything */
	bool quit;
	bool started;
	bool direct;             /* no writer thread: vCPUs write themselves */
	pthread_t thread;
} q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.data = PTHREAD_COND_INITIALIZER,
	.room = PTHREAD_COND_INITIALIZER,
};

#define ANSI_RESET "\033[0m"
static const char *const guest_colors[] = {
	"\033[32m", "\033[34m", "\033[35m", "\033[36m", "\033[33m", "\033[31m",
};
#define GUEST_COLORS (sizeof(guest_colors) / sizeof(guest_colors[0]))

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *writer_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q.lock);
	for (;;) {
		size_t n;

		while (q.len == 0 && !q.quit)
			pthread_cond_wait(&q.data, &q.lock);
		if (q.len == 0)
			break;   /* quit, and nothing left */
		/* The bytes up to the end of the ring, written without the lock;
		 * vCPUs only append behind them meanwhile. */
		n = q.head + q.len <= QUEUE_SIZE ? q.len : QUEUE_SIZE - q.head;
		q.writing = true;
		pthread_mutex_unlock(&q.lock);
		bool ok = write_all(STDOUT_FILENO, q.buf + q.head, n) == 0;
		pthread_mutex_lock(&q.lock);
		q.writing = false;
		if (!ok && !q.broken) {
			q.broken = true;   /* stdout is gone: keep the guests running */
			q.dropped += q.len;
			q.len = 0;
		} else if (ok) {
			q.head = (q.head + n) % QUEUE_SIZE;
			q.len -= n;
			q.written += n;
		}
		pthread_cond_broadcast(&q.room);
	}
	pthread_mutex_unlock(&q.lock);
	return NULL;
}

/* Can a write() to stdout wait on someone? Not when it is a regular file
 * or /dev/null: then the vCPUs write themselves and no thread is needed. */
static bool stdout_may_block(void)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) < 0)
		return true;
	return !(S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && st.st_rdev == DEV_NULL));
}

/* At the first line (caller holds q.lock): start the writer if stdout may
 * block; a guest that prints nothing costs no thread. False: write
 * directly. */
static bool writer_running(void)
{
	if (!q.started && !q.direct) {
		int e = stdout_may_block() ? vmm_thread_start(&q.thread, writer_thread, NULL)
					   : -1;
		static const char msg[] = VMM_NAME ": cannot start the console writer "
					  "thread: output is written directly\n";

		q.started = e == 0;
		q.direct = e != 0;
		if (e > 0)   /* not vmm_msg(): it waits for this queue */
			write_all(STDERR_FILENO, msg, sizeof(msg) - 1);
	}
	return q.started;
}

/* Queue n bytes (caller holds q.lock). */
static void queue_put(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		q.buf[(q.head + q.len + i) % QUEUE_SIZE] = buf[i];
	q.len += n;
	pthread_cond_signal(&q.data);
}

/* Hand one line of vm to the writer, waiting for room if need be. */
static void queue_line(struct vm *vm, const char *buf, size_t n)
{
	pthread_mutex_lock(&q.lock);
	if (!writer_running()) {
		pthread_mutex_unlock(&q.lock);
		write_all(STDOUT_FILENO, buf, n);
		return;
	}
	while (!q.broken && q.len + n > QUEUE_LIMIT && !vm_should_yield(vm))
		pthread_cond_wait(&q.room, &q.lock);
	if (q.broken || q.len + n > QUEUE_SIZE ||
	    (q.len + n > QUEUE_LIMIT && atomic_load(&vm->ending)))
		q.dropped += n;   /* nobody reads it, or no room and the guest is ending */
	else
		queue_put(buf, n);
	pthread_mutex_unlock(&q.lock);
}

/* Room for a line with its "[n] " prefix, coloured. */
#define PREFIXED_LINE (CONSOLE_LINE + 32)

/* Take vm's pending bytes as one prefixed line into out (caller holds the
 * console's lock); returns its length, 0 if there was nothing. */
static size_t take_line(struct vm *vm, char *out)
{
	struct console *c = &vm->console;
	size_t n = 0;

	if (c->len == 0)
		return 0;
	if (vm->vmm && vm->vmm->nvms > 1) {
		const char *color = guest_colors[vm->index % GUEST_COLORS];

		if (vm->vmm->color)
			n = snprintf(out, PREFIXED_LINE, "%s[%d]%s ", color, vm->index, ANSI_RESET);
		else
			n = snprintf(out, PREFIXED_LINE, "[%d] ", vm->index);
	}
	memcpy(out + n, c->line, c->len);
	n += c->len;
	c->len = 0;
	return n;
}

void console_init(struct vm *vm)
{
	pthread_mutex_init(&vm->console.lock, NULL);
	vm->console.len = 0;
}

/* Lines are handed to the writer after the console's lock is released:
 * a wait for room never holds it. */
void console_write(struct vm *vm, const void *buf, size_t len)
{
	const char *p = buf;
	struct console *c = &vm->console;
	char out[PREFIXED_LINE];

	while (len > 0) {
		size_t n = 0;

		pthread_mutex_lock(&c->lock);
		while (len > 0 && n == 0) {
			char ch = *p++;

			len--;
			c->line[c->len++] = ch;
			if (ch == '\n' || c->len == sizeof(c->line))
				n = take_line(vm, out);
		}
		pthread_mutex_unlock(&c->lock);
		if (n)
			queue_line(vm, out, n);
	}
}

void console_flush(struct vm *vm)
{
	char out[PREFIXED_LINE];
	size_t n;

	pthread_mutex_lock(&vm->console.lock);
	n = take_line(vm, out);
	pthread_mutex_unlock(&vm->console.lock);
	if (n)
		queue_line(vm, out, n);
}

void console_prompt(struct vm *vm)
{
	if (!vm->vmm || vm->vmm->nvms == 1)
		console_flush(vm);
}

void console_wake(void)
{
	pthread_mutex_lock(&q.lock);
	pthread_cond_broadcast(&q.room);
	pthread_mutex_unlock(&q.lock);
}

static bool fd_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return fd >= 0 && poll(&pfd, 1, 0) > 0;
}

size_t console_stop(double seconds, int cancel_fd)
{
	double idle = 0;   /* seconds without progress */
	size_t left, last;
	bool stuck = false, started;

	pthread_mutex_lock(&q.lock);
	last = q.written;
	/* Wait while the writer makes progress; give up after `seconds`
	 * without any (a reader that never reads), or at once on cancel. */
	while (q.started && (q.len > 0 || q.writing) && !q.broken) {
		struct timespec until = vmm_deadline(PROGRESS_WAIT_S);

		pthread_cond_timedwait(&q.room, &q.lock, &until);
		idle = q.written == last ? idle + PROGRESS_WAIT_S : 0;
		last = q.written;
		pthread_mutex_unlock(&q.lock);
		stuck = fd_readable(cancel_fd);
		pthread_mutex_lock(&q.lock);
		if (stuck || (seconds >= 0 && idle >= seconds)) {
			stuck = true;
			break;
		}
	}
	q.quit = true;
	pthread_cond_signal(&q.data);
	left = q.len + q.dropped;
	started = q.started;
	q.started = false;
	pthread_mutex_unlock(&q.lock);
	/* A writer stuck in write() is left behind: the process is ending. */
	if (started && !stuck)
		pthread_join(q.thread, NULL);
	else if (started)
		pthread_detach(q.thread);
	return left;
}

/* Give the writer up to `seconds` to write what is queued, so that a
 * message on stderr comes after the guest output before it. */
static void console_sync(double seconds)
{
	struct timespec until = vmm_deadline(seconds);

	pthread_mutex_lock(&q.lock);
	while (q.started && (q.len > 0 || q.writing) && !q.broken)
		if (pthread_cond_timedwait(&q.room, &q.lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&q.lock);
}

/* Room for one message line, and for the part of a guest's path it shows:
 * a longer path keeps its end, so the message itself always fits. */
#define MSG_LEN 1024
#define MSG_PATH_MAX 256
#define MSG_SYNC_SECONDS 0.2

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
	console_sync(MSG_SYNC_SECONDS);
	write_all(STDERR_FILENO, buf, n);
}
