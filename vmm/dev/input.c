/*
 * input.c - standard input for every guest (GETCHAR hypercall, UART
 * receive, PS/2 keyboard). One reader thread alone waits on stdin and
 * fills a small queue; vCPUs take bytes from the queue. A vCPU that waits
 * for a byte gives up when its guest ends or gdb wants it stopped, and no
 * lock is held while the reader waits on stdin. The reader starts when a
 * guest first asks for input, so a guest that reads nothing leaves stdin
 * (a terminal shared with gdb, say) alone.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

#define INPUT_QUEUE 4096
#define MAX_LISTENERS 64

static struct {
	pthread_mutex_t lock;
	pthread_cond_t data;     /* vCPUs wait for bytes */
	pthread_cond_t room;     /* the reader waits for room */
	unsigned char buf[INPUT_QUEUE];
	size_t head, len;
	bool eof;                /* end of input (or stdin unreadable) */
	bool quit;
	bool started;
	pthread_t thread;
	struct { void (*fn)(void *arg); void *arg; } listener[MAX_LISTENERS];
	int nlisteners;
} in = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.data = PTHREAD_COND_INITIALIZER,
	.room = PTHREAD_COND_INITIALIZER,
};

/* Wait until stdin is readable; false when asked to quit. The kick signal
 * is blocked on this thread except inside ppoll(), so input_stop() can
 * always interrupt the wait. */
static bool wait_stdin(const sigset_t *during_poll)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	for (;;) {
		pthread_mutex_lock(&in.lock);
		bool quit = in.quit;
		pthread_mutex_unlock(&in.lock);
		if (quit)
			return false;
		if (ppoll(&pfd, 1, NULL, during_poll) > 0)
			return true;
		if (errno != EINTR && errno != EAGAIN)
			return true;   /* let read() report it */
	}
}

static void *reader_thread(void *arg)
{
	sigset_t kick, during_poll;
	unsigned char chunk[INPUT_QUEUE];

	(void)arg;
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &kick, &during_poll);
	sigdelset(&during_poll, VCPU_KICK_SIGNAL);
	for (;;) {
		size_t room;
		ssize_t n;

		pthread_mutex_lock(&in.lock);
		while (in.len == INPUT_QUEUE && !in.quit)
			pthread_cond_wait(&in.room, &in.lock);
		room = INPUT_QUEUE - in.len;
		pthread_mutex_unlock(&in.lock);
		if (!wait_stdin(&during_poll))
			break;
		do
			n = read(STDIN_FILENO, chunk, room);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno == EAGAIN)
			continue;   /* a non-blocking stdin that was not ready after all */
		pthread_mutex_lock(&in.lock);
		for (ssize_t i = 0; i < n; i++)
			in.buf[(in.head + in.len++) % INPUT_QUEUE] = chunk[i];
		in.eof = n <= 0;   /* end of input, or an unreadable stdin */
		pthread_cond_broadcast(&in.data);
		pthread_mutex_unlock(&in.lock);
		for (int i = 0; i < in.nlisteners; i++)
			in.listener[i].fn(in.listener[i].arg);
		if (n <= 0)
			break;
	}
	return NULL;
}

/* Start the reader at the first demand (caller holds in.lock). */
static void reader_running(void)
{
	int e;

	if (in.started || in.eof)
		return;
	e = vmm_thread_start(&in.thread, reader_thread, NULL);
	if (e) {
		in.eof = true;
		vmm_msg(NULL, "cannot start the input reader thread (%s): the guest gets end of input",
			strerror(e));
		return;
	}
	in.started = true;
}

/* Take the next byte (caller holds in.lock, in.len > 0). */
static int take(void)
{
	int c = in.buf[in.head];

	in.head = (in.head + 1) % INPUT_QUEUE;
	in.len--;
	pthread_cond_signal(&in.room);
	return c;
}

int input_getc(struct vm *vm)
{
	int c = INPUT_EOF;

	pthread_mutex_lock(&in.lock);
	reader_running();
	while (in.len == 0 && !in.eof && !vm_should_yield(vm))
		pthread_cond_wait(&in.data, &in.lock);
	if (in.len > 0)
		c = take();
	else if (!in.eof)
		c = INPUT_YIELD;
	pthread_mutex_unlock(&in.lock);
	return c;
}

int input_take(void)
{
	int c = INPUT_EOF;

	pthread_mutex_lock(&in.lock);
	reader_running();
	if (in.len > 0)
		c = take();
	pthread_mutex_unlock(&in.lock);
	return c;
}

bool input_ready(void)
{
	bool ready;

	pthread_mutex_lock(&in.lock);
	reader_running();
	ready = in.len > 0;
	pthread_mutex_unlock(&in.lock);
	return ready;
}

void input_listen(void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&in.lock);
	if (in.nlisteners < MAX_LISTENERS) {
		in.listener[in.nlisteners].fn = fn;
		in.listener[in.nlisteners].arg = arg;
		in.nlisteners++;
	}
	pthread_mutex_unlock(&in.lock);
}

void input_wake(void)
{
	pthread_mutex_lock(&in.lock);
	pthread_cond_broadcast(&in.data);
	pthread_mutex_unlock(&in.lock);
}

void input_stop(void)
{
	bool started;

	pthread_mutex_lock(&in.lock);
	in.quit = true;
	started = in.started;
	pthread_cond_broadcast(&in.room);
	pthread_mutex_unlock(&in.lock);
	if (!started)
		return;
	pthread_kill(in.thread, VCPU_KICK_SIGNAL);   /* breaks its ppoll() */
	pthread_join(in.thread, NULL);
	pthread_mutex_lock(&in.lock);
	in.started = false;
	pthread_mutex_unlock(&in.lock);
}
