/*
 * input.c - standard input for guests (GETCHAR hypercall, UART receive).
 * One reader at a time; a blocking read also watches the reading guest's
 * end descriptor, so a guest that is ending never waits for a key press.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "vmm.h"

static pthread_mutex_t input_lock = PTHREAD_MUTEX_INITIALIZER;
static int peeked = -2;   /* a byte read ahead by input_ready(), or -2 for none */
static bool at_eof;

/* Wait up to timeout_ms (-1: forever) for stdin; false on cancel or timeout. */
static bool wait_stdin(int timeout_ms, int cancel_fd)
{
	struct pollfd fds[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = cancel_fd, .events = POLLIN },
	};

	for (;;) {
		int n = poll(fds, cancel_fd >= 0 ? 2 : 1, timeout_ms);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		if (cancel_fd >= 0 && (fds[1].revents & POLLIN))
			return false;
		return fds[0].revents != 0;
	}
}

/* Read one byte once stdin is readable (caller holds input_lock). */
static int read_byte(void)
{
	unsigned char c;

	for (;;) {
		ssize_t n = read(STDIN_FILENO, &c, 1);

		if (n == 1)
			return c;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return -2;
		at_eof = true;   /* end of input, or an unreadable stdin */
		return INPUT_EOF;
	}
}

int input_getc(int cancel_fd)
{
	int c = INPUT_EOF;

	pthread_mutex_lock(&input_lock);
	if (peeked != -2) {
		c = peeked;
		peeked = -2;
	} else if (!at_eof) {
		do {
			c = wait_stdin(-1, cancel_fd) ? read_byte() : INPUT_EOF;
		} while (c == -2);
	}
	pthread_mutex_unlock(&input_lock);
	return c;
}

bool input_ready(void)
{
	bool ready = false;

	pthread_mutex_lock(&input_lock);
	if (peeked == -2 && !at_eof && wait_stdin(0, -1))
		peeked = read_byte();
	ready = peeked >= 0;
	pthread_mutex_unlock(&input_lock);
	return ready;
}
