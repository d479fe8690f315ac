/*
 * test_gdbstub_server.c - tests of the TCP side: gdb_listen() addresses
 * and errors, and gdb_serve() with raw socket clients: attach, one client
 * at a time, Ctrl-C, disconnects (in mid-packet, while running) treated
 * as detach, D and k, guest exit, and quitting.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_gdbstub_fake.h"

#define REPLY_TIMEOUT_MS 5000

/* --- gdb_listen ---------------------------------------------------------------- */

static uint16_t local_port(int fd, char *ip, size_t iplen)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);

	cr_assert(getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
	cr_assert_eq(addr.sin_family, AF_INET);
	inet_ntop(AF_INET, &addr.sin_addr, ip, (socklen_t)iplen);
	return ntohs(addr.sin_port);
}

Test(gdbstub_listen, port_zero_on_loopback)
{
	char err[128] = "";
	char ip[INET_ADDRSTRLEN];
	uint16_t port = 0;
	int fd = gdb_listen("0", &port, err, sizeof(err));

	cr_assert(fd >= 0, "%s", err);
	cr_assert_neq(port, 0);
	cr_assert_eq(local_port(fd, ip, sizeof(ip)), port);
	cr_assert_str_eq(ip, "127.0.0.1");
	close(fd);
}

Test(gdbstub_listen, host_and_port)
{
	char err[128] = "";
	char ip[INET_ADDRSTRLEN];
	uint16_t port = 0;
	int fd = gdb_listen("127.0.0.1:0", &port, err, sizeof(err));

	cr_assert(fd >= 0, "%s", err);
	close(fd);
	fd = gdb_listen("localhost:0", &port, err, sizeof(err));
	cr_assert(fd >= 0, "%s", err);
	close(fd);
	fd = gdb_listen(":0", &port, err, sizeof(err)); /* empty host: loopback */
	cr_assert(fd >= 0, "%s", err);
	local_port(fd, ip, sizeof(ip));
	cr_assert_str_eq(ip, "127.0.0.1");
	close(fd);
}

static void expect_listen_error(const char *spec, const char *message)
{
	char err[256] = "";
	uint16_t port = 1;

	cr_assert_eq(gdb_listen(spec, &port, err, sizeof(err)), -1, "%s listened", spec);
	cr_assert_not_null(strstr(err, message), "%s: got \"%s\"", spec, err);
	cr_assert_null(strchr(err, '\n'), "one line: \"%s\"", err);
}

Test(gdbstub_listen, errors)
{
	expect_listen_error("", "bad port ''");
	expect_listen_error("abc", "bad port 'abc'");
	expect_listen_error("70000", "bad port '70000'");
	expect_listen_error("-1", "bad port '-1'");
	expect_listen_error("12a", "bad port '12a'");
	expect_listen_error("127.0.0.1:", "bad port ''");
	expect_listen_error("nosuchhost.invalid:0", "unknown host 'nosuchhost.invalid'");
	expect_listen_error(NULL, "bad address");
}

Test(gdbstub_listen, address_in_use)
{
	char err[256] = "";
	char spec[32];
	uint16_t port;
	int fd = gdb_listen("0", &port, err, sizeof(err));

	cr_assert(fd >= 0, "%s", err);
	snprintf(spec, sizeof(spec), "%u", port);
	expect_listen_error(spec, "Address already in use");
	close(fd);
}

/* --- gdb_serve ------------------------------------------------------------------- */

static struct fake f;
static int listen_fd, quit_fd;
static uint16_t port;
static pthread_t server;

static void *serve(void *arg)
{
	gdb_serve(listen_fd, &f.target, quit_fd);
	return NULL;
}

static void start_server(void)
{
	char err[128];

	gdbfake_init(&f, GDB_ARCH_I386, "i386", 2);
	f.simulate = true;
	listen_fd = gdb_listen("0", &port, err, sizeof(err));
	cr_assert(listen_fd >= 0, "%s", err);
	quit_fd = eventfd(0, EFD_CLOEXEC);
	cr_assert(pthread_create(&server, NULL, serve, NULL) == 0);
}

static void quit_server(void)
{
	uint64_t one = 1;

	cr_assert(write(quit_fd, &one, sizeof(one)) == sizeof(one));
	pthread_join(server, NULL);
	close(quit_fd);
	close(listen_fd);
	gdbfake_fini(&f);
}

static int client_connect(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert(fd >= 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	return fd;
}

static void client_send(int fd, const char *s)
{
	cr_assert(send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s));
}

/* Receive exactly strlen(expected) bytes and compare them. */
static void client_expect(int fd, const char *expected)
{
	char buf[1024];
	size_t want = strlen(expected);
	size_t got = 0;

	cr_assert(want < sizeof(buf));
	while (got < want) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		cr_assert(poll(&pfd, 1, REPLY_TIMEOUT_MS) == 1, "no reply; have \"%.*s\"",
			  (int)got, buf);
		ssize_t n = recv(fd, buf + got, want - got, 0);
		cr_assert(n > 0, "connection closed; have \"%.*s\"", (int)got, buf);
		got += (size_t)n;
	}
	buf[got] = '\0';
	cr_assert_str_eq(buf, expected);
}

/* The server closed this connection (EOF within the timeout). */
static void client_expect_closed(int fd)
{
	char c;
	struct pollfd pfd = { fd, POLLIN, 0 };

	cr_assert(poll(&pfd, 1, REPLY_TIMEOUT_MS) == 1, "connection still open");
	cr_assert_eq(recv(fd, &c, 1, 0), 0);
}

TestSuite(gdbstub_serve, .init = start_server, .fini = quit_server, .timeout = 30);

Test(gdbstub_serve, attach_and_reply)
{
	int fd = client_connect();

	client_send(fd, "$?#3f");
	client_expect(fd, "+$T05thread:1;#d7");
	cr_assert_eq(gdbfake_count(&f.attaches), 1);
	close(fd);
}

Test(gdbstub_serve, second_client_is_refused)
{
	int a = client_connect();

	client_send(a, "$qC#b4");
	client_expect(a, "+$QC1#c5"); /* a is the client now */
	int b = client_connect();
	client_expect_closed(b);
	close(b);
	client_send(a, "$qC#b4");
	client_expect(a, "+$QC1#c5");
	cr_assert_eq(gdbfake_count(&f.attaches), 1);
	close(a);
}

Test(gdbstub_serve, ctrl_c_interrupts)
{
	int fd = client_connect();

	client_send(fd, "$QStartNoAckMode#b0");
	client_expect(fd, "+$OK#9a");
	client_send(fd, "$c#63");
	cr_assert(gdbfake_wait_count(&f.resumes, 1));
	client_send(fd, "\x03");
	client_expect(fd, "$T02thread:1;#d4");
	cr_assert_eq(gdbfake_count(&f.interrupts), 1);
	close(fd);
}

Test(gdbstub_serve, step_reports_a_stop)
{
	int fd = client_connect();

	client_send(fd, "$vCont;s:1#23");
	client_expect(fd, "+$T05thread:1;#d7");
	client_send(fd, "+");
	close(fd);
}

Test(gdbstub_serve, disconnect_in_mid_packet_detaches_and_allows_reconnect)
{
	int a = client_connect();

	client_send(a, "$qC#b4");
	client_expect(a, "+$QC1#c5");
	client_send(a, "$m0,");
	close(a);
	cr_assert(gdbfake_wait_count(&f.detaches, 1), "no detach after disconnect");

	int b = client_connect();
	client_send(b, "$?#3f");
	client_expect(b, "+$T05thread:1;#d7");
	cr_assert_eq(gdbfake_count(&f.attaches), 2);
	close(b);
}

Test(gdbstub_serve, disconnect_while_running_detaches)
{
	int fd = client_connect();

	client_send(fd, "$c#63");
	client_expect(fd, "+");
	cr_assert(gdbfake_wait_count(&f.resumes, 1));
	close(fd);
	cr_assert(gdbfake_wait_count(&f.detaches, 1));
}

Test(gdbstub_serve, detach_packet_detaches_once)
{
	int fd = client_connect();

	client_send(fd, "$D#44");
	client_expect(fd, "+$OK#9a");
	client_expect_closed(fd);
	close(fd);
	/* A round trip with a new client: the server is done with the old. */
	fd = client_connect();
	client_send(fd, "$qC#b4");
	client_expect(fd, "+$QC1#c5");
	cr_assert_eq(gdbfake_count(&f.detaches), 1);
	close(fd);
}

Test(gdbstub_serve, kill_packet)
{
	int fd = client_connect();

	client_send(fd, "$k#6b");
	client_expect(fd, "+");
	client_expect_closed(fd);
	close(fd);
	cr_assert(gdbfake_wait_count(&f.kills, 1));
	cr_assert_eq(gdbfake_count(&f.detaches), 0);
}

Test(gdbstub_serve, guest_exit_then_disconnect_does_not_detach)
{
	int fd = client_connect();
	struct gdb_stop exited = { GDB_STOP_EXITED, 0, 0, GDB_REASON_NONE, 0, 3 };

	client_send(fd, "$c#63");
	client_expect(fd, "+");
	cr_assert(gdbfake_wait_count(&f.resumes, 1));
	gdbfake_queue_stop(&f, &exited);
	client_expect(fd, "$W03#ba");
	close(fd);
	/* Reconnect to be sure the server saw the close. */
	fd = client_connect();
	client_send(fd, "$qC#b4");
	client_expect(fd, "+$QC1#c5");
	cr_assert_eq(gdbfake_count(&f.detaches), 0);
	close(fd);
}

Test(gdbstub_serve, attach_failure_closes_the_client)
{
	f.fail_attach = true;
	int fd = client_connect();

	client_expect_closed(fd);
	close(fd);
}

Test(gdbstub_serve, stop_without_client_is_dropped)
{
	struct gdb_stop stop = { GDB_STOP_SIGNAL, 1, 5, GDB_REASON_NONE, 0, 0 };

	gdbfake_queue_stop(&f, &stop);
	int fd = client_connect();
	client_send(fd, "$?#3f");
	client_expect(fd, "+$T05thread:1;#d7");
	close(fd);
}

Test(gdbstub_serve, quit_with_a_client_connected)
{
	int fd = client_connect();

	client_send(fd, "$qC#b4");
	client_expect(fd, "+$QC1#c5");
	quit_server();
	client_expect_closed(fd);
	close(fd);
	cr_assert_eq(f.detaches, 0);
	/* quit_server() ran: make the suite's .fini harmless. */
	start_server();
}
