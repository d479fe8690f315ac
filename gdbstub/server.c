/*
 * server.c - the TCP side of the stub: gdb_listen() opens the listening
 * socket (loopback unless asked otherwise), gdb_serve() runs the poll loop
 * that accepts one gdb at a time, feeds what it sends to a gdb_conn,
 * forwards the target's stop events, and treats a vanished client as a
 * detach so the guest runs on and a new gdb can connect. Once the guest
 * exited, a gdb still connected gets a moment to hang up first.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "gdbstub_internal.h"

#define DEFAULT_HOST "127.0.0.1"
#define MAX_PORT 65535
#define MAX_HOST_LEN 256
/* A client that stops reading cannot block the stub longer than this. */
#define SEND_TIMEOUT_SECONDS 5
#define RECV_BUFFER_SIZE 4096
/* At the end, after the guest exited: how long an attached gdb may go on
 * asking (extended-remote stays connected) before the VMM closes it. */
#define LINGER_S 2.0

/* --- gdb_listen ------------------------------------------------------------- */

static void set_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A port: decimal digits only, 0..65535. */
static bool parse_port(const char *text, uint16_t *port)
{
	unsigned long value = 0;

	if (*text == '\0')
		return false;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		value = value * 10 + (unsigned long)(*p - '0');
		if (value > MAX_PORT)
			return false;
	}
	*port = (uint16_t)value;
	return true;
}

/* Split "PORT", "HOST:PORT" or "[V6HOST]:PORT" into host and port text. */
static bool split_spec(const char *spec, char *host, size_t hostlen, const char **port)
{
	const char *colon = strrchr(spec, ':');

	if (!colon) {
		snprintf(host, hostlen, "%s", DEFAULT_HOST);
		*port = spec;
		return true;
	}
	const char *start = spec;
	size_t len = (size_t)(colon - spec);
	if (len >= 2 && spec[0] == '[' && spec[len - 1] == ']') {
		start++;
		len -= 2;
	}
	if (len >= hostlen)
		return false;
	if (len == 0) {
		snprintf(host, hostlen, "%s", DEFAULT_HOST);
	} else {
		memcpy(host, start, len);
		host[len] = '\0';
	}
	*port = colon + 1;
	return true;
}

/* Create, bind and listen on one resolved address; -1 with errno set. */
static int listen_on(const struct addrinfo *ai)
{
	int one = 1;
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static bool bound_port(int fd, uint16_t *port)
{
	struct sockaddr_storage addr;
	socklen_t len = sizeof(addr);

	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		return false;
	if (addr.ss_family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
	else
		*port = ntohs(((struct sockaddr_in *)&addr)->sin_port);
	return true;
}

int gdb_listen(const char *spec, uint16_t *port, char *err, size_t errlen)
{
	char host[MAX_HOST_LEN];
	const char *port_text;
	uint16_t port_number;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *list;

	if (!spec || !split_spec(spec, host, sizeof(host), &port_text)) {
		set_error(err, errlen, "bad address '%s': expected PORT or HOST:PORT",
			  spec ? spec : "");
		return -1;
	}
	if (!parse_port(port_text, &port_number)) {
		set_error(err, errlen, "bad port '%s': expected a number from 0 to %d",
			  port_text, MAX_PORT);
		return -1;
	}
	int gai = getaddrinfo(host, port_text, &hints, &list);
	if (gai != 0) {
		set_error(err, errlen, "unknown host '%s': %s", host, gai_strerror(gai));
		return -1;
	}
	int fd = -1;
	int saved_errno = 0;
	for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
		fd = listen_on(ai);
		if (fd < 0)
			saved_errno = errno;
	}
	freeaddrinfo(list);
	if (fd < 0) {
		set_error(err, errlen, "cannot listen on %s:%s: %s", host, port_text,
			  strerror(saved_errno));
		return -1;
	}
	if (!bound_port(fd, &port_number)) {
		set_error(err, errlen, "getsockname: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (port)
		*port = port_number;
	return fd;
}

/* --- gdb_serve ------------------------------------------------------------------ */

struct server {
	const struct gdb_target *target;
	int listen_fd;
	int quit_fd;
	int client_fd;         /* -1 when no gdb is connected */
	struct gdb_conn *conn; /* NULL when no gdb is connected */
};

/* gdb_write_fn for the client socket: all or nothing, never SIGPIPE. */
static int client_write(void *opaque, const void *buf, size_t len)
{
	struct server *s = opaque;
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(s->client_fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1; /* includes the send timeout (EAGAIN) */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Forget the client. If the session ended without D or k (gdb vanished,
 * or stopped reading) and the guest still exists, let the guest run on as
 * D would have. */
static void drop_client(struct server *s)
{
	if (s->conn && gdb_conn_needs_detach(s->conn) && s->target->detach)
		s->target->detach(s->target->opaque);
	gdb_conn_free(s->conn);
	s->conn = NULL;
	if (s->client_fd >= 0)
		close(s->client_fd);
	s->client_fd = -1;
}

/* Are there bytes (or the end of the stream) to read from the client now? */
static bool client_readable(const struct server *s)
{
	struct pollfd pfd = { .fd = s->client_fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

static void configure_client(int fd)
{
	int one = 1;
	struct timeval timeout = { .tv_sec = SEND_TIMEOUT_SECONDS };

	/* Packets are small and interactive: send them at once. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

static void read_client(struct server *s)
{
	char buf[RECV_BUFFER_SIZE];
	ssize_t n = recv(s->client_fd, buf, sizeof(buf), 0);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		drop_client(s); /* gdb went away */
		return;
	}
	if (!gdb_conn_feed(s->conn, buf, (size_t)n))
		drop_client(s); /* D, k, or the client stopped reading */
}

/* Accept a client. Returns false when accepting is impossible for lack
 * of descriptors or memory (errno tells which): the connection would stay
 * in the backlog, and the listening socket readable, for ever. */
static bool accept_client(struct server *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return !(errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM);
	/* The current client may have hung up just before, with its last
	 * bytes and its end not read yet: read them first. */
	while (s->client_fd >= 0 && client_readable(s))
		read_client(s);
	if (s->client_fd >= 0) {
		close(fd); /* one gdb at a time */
		return true;
	}
	if (s->target->attach && s->target->attach(s->target->opaque) != 0) {
		close(fd); /* the guest is gone */
		return true;
	}
	configure_client(fd);
	s->client_fd = fd;
	s->conn = gdb_conn_new_writer(s->target, client_write, s);
	if (!s->conn) {
		if (s->target->detach)
			s->target->detach(s->target->opaque);
		close(fd);
		s->client_fd = -1;
	}
	return true;
}

static void forward_stop(struct server *s)
{
	struct gdb_stop stop;

	if (!s->target->take_stop || !s->target->take_stop(s->target->opaque, &stop))
		return;
	if (!s->conn)
		return; /* nobody to tell */
	gdb_conn_stopped(s->conn, &stop);
	if (gdb_conn_end(s->conn) != GDB_END_NONE)
		drop_client(s);
}

static bool readable(const struct pollfd *pfd)
{
	return pfd->fd >= 0 && (pfd->revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

enum { POLL_QUIT, POLL_LISTEN, POLL_STOP, POLL_CLIENT, POLL_COUNT };

/* Milliseconds left until `deadline` (CLOCK_MONOTONIC seconds), at least 0. */
static int ms_until(double deadline)
{
	struct timespec ts;
	double left;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	left = deadline - (ts.tv_sec + ts.tv_nsec / 1e9);
	return left > 0 ? (int)(left * 1000) + 1 : 0;
}

static double seconds_from_now(double s)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9 + s;
}

int gdb_serve(int listen_fd, const struct gdb_target *target, int quit_fd)
{
	struct server s = { target, listen_fd, quit_fd, -1, NULL };
	int ret = 0;
	bool lingering = false;   /* asked to quit, still answering an exited session */
	double deadline = 0;

	for (;;) {
		/* A negative fd is skipped by poll(). */
		struct pollfd fds[POLL_COUNT] = {
			[POLL_QUIT] = { .fd = lingering ? -1 : quit_fd, .events = POLLIN },
			[POLL_LISTEN] = { .fd = lingering ? -1 : listen_fd, .events = POLLIN },
			[POLL_STOP] = { .fd = target->stop_fd, .events = POLLIN },
			[POLL_CLIENT] = { .fd = s.client_fd, .events = POLLIN },
		};
		int ready = poll(fds, POLL_COUNT, lingering ? ms_until(deadline) : -1);

		if (ready < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (ready == 0 && lingering)
			break;   /* gdb had its time */
		/* Stop events first, so a final W reaches gdb before we quit. */
		if (readable(&fds[POLL_STOP]))
			forward_stop(&s);
		if (readable(&fds[POLL_CLIENT]) && s.client_fd == fds[POLL_CLIENT].fd)
			read_client(&s);
		if (readable(&fds[POLL_LISTEN]) && !accept_client(&s)) {
			ret = -1;
			break;
		}
		if (readable(&fds[POLL_QUIT])) {
			/* A gdb that saw the guest exit may stay connected
			 * (extended-remote) and ask about threads: answer it a
			 * little longer, until it hangs up. */
			if (!s.conn || !gdb_conn_exited(s.conn))
				break;
			lingering = true;
			deadline = seconds_from_now(LINGER_S);
		}
		if (lingering && s.client_fd < 0)
			break;
	}
	/* The VMM is ending: close the client without resuming anything. */
	int e = errno;
	gdb_conn_free(s.conn);
	if (s.client_fd >= 0)
		close(s.client_fd);
	errno = e;
	return ret;
}
