/*
 * helpers.h - what the integration tests share: run ./kvm-vmm (or any
 * program) as a child process with given stdin, collect stdout, stderr and
 * the exit status, and never wait longer than a deadline.
 */
#ifndef TESTS_HELPERS_H
#define TESTS_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct run_result {
	int status;     /* exit status, or 128+signal if killed by one */
	bool timed_out; /* the deadline passed and the child was killed */
	char *out;      /* stdout, NUL-terminated */
	size_t out_len;
	char *err;      /* stderr, NUL-terminated */
	size_t err_len;
};

/* The kvm-vmm binary under test: $KVM_VMM, or ./kvm-vmm. */
const char *vmm_path(void);

/* Run argv[0] with argv (NULL-terminated), stdin fed from `input` (NULL:
 * /dev/null), for at most timeout_s seconds. Returns 0, -1 if it could not
 * be started. Free the result with run_free(). */
int run_argv(struct run_result *r, char *const argv[], const char *input, double timeout_s);

/* Run kvm-vmm with the given arguments (NULL-terminated list). */
int run_vmm(struct run_result *r, const char *input, double timeout_s, ...);

void run_free(struct run_result *r);

/* Whole file into a NUL-terminated buffer (NULL on error). */
char *slurp(const char *path, size_t *len);

/* A child process left running, e.g. kvm-vmm --gdb 0. */
struct child {
	pid_t pid;
	int in_fd, out_fd, err_fd; /* our ends of its stdin, stdout, stderr */
	char err_buf[8192];        /* stderr read so far */
	size_t err_len;
};

/* Start argv with pipes on its stdin/stdout/stderr. Returns 0 or -1. */
int child_start(struct child *c, char *const argv[]);
/* Read the child's stderr until a line contains `needle` or timeout_s
 * passes; returns a pointer into err_buf at the match, or NULL. */
const char *child_wait_stderr(struct child *c, const char *needle, double timeout_s);
/* Start kvm-vmm --gdb 0 with extra args (NULL-terminated) and read the port
 * it prints ("gdb: listening on 127.0.0.1:PORT"); returns it, or -1. */
int child_start_gdb(struct child *c, ...);
/* Wait for the child to exit (up to timeout_s, then SIGKILL); collects the
 * rest of its output into r if r is not NULL. Returns the exit status. */
int child_wait(struct child *c, double timeout_s, struct run_result *r);

#endif
