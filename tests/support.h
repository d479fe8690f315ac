/*
 * support.h - Criterion assertions the integration tests share: look for
 * text in output, run a guest to its end, compare its output with a file,
 * drive the real gdb in batch mode. (helpers.h has the plain process
 * plumbing underneath, without Criterion, for use in forked children.)
 */
#ifndef TESTS_SUPPORT_H
#define TESTS_SUPPORT_H

#include "helpers.h"

#define GUEST_TIMEOUT_S 60.0 /* a guest run that takes longer has hung */
#define GDB_TIMEOUT_S 90.0   /* one gdb batch session */
#define GDB_MAX_CMDS 40

/* Fail unless `needle` occurs in `text`. */
void assert_has(const char *text, const char *needle);

/* Run kvm-vmm with the arguments (NULL-terminated) to its end; fails if it
 * could not start or hung. Free with run_free(). */
struct run_result run_guest(const char *first, ...);

/* Expect stdout to equal the file at `path`, the exit status `status` and
 * nothing on stderr. */
void expect_output_file(const struct run_result *r, const char *path, int status);

/* expect_output_file() with DIR/expected-output.txt, status 0. */
void expect_lesson_output(const struct run_result *r, const char *dir);

/* gdb -batch -nx GUEST -ex 'target remote :PORT' -ex CMD... (commands
 * NULL-terminated). Fails if gdb hung or reported a 'g' packet that does
 * not fit the target description. */
void gdb_batch(struct run_result *r, int port, const char *guest, ...);

/* Wait for a kvm-vmm started with child_start_gdb() to end; expect
 * `status` and, unless expected_path is NULL, stdout equal to that file. */
void finish_vmm_with(struct child *vmm, int status, const char *expected_path);

#endif
