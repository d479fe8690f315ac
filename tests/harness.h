/*
 * harness.h - what the integration tests share: run ./kvm-vmm (or gdb, or
 * any program) as a child process with given stdin and a deadline; compare
 * what it printed with the files a lesson ships; drive the real gdb in
 * batch mode; and read a lesson's lesson.conf.
 *
 * The process plumbing (run_argv, child_*) makes no Criterion call, so a
 * test may use it in a forked child; the functions marked "Criterion" fail
 * the calling test when something is wrong.
 */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define GUEST_TIMEOUT_S 60.0 /* a guest run that takes longer has hung */
#define GDB_TIMEOUT_S 90.0   /* one gdb batch session */
#define GDB_MAX_CMDS 40      /* commands in one gdb_batch() */

/* ---- processes ------------------------------------------------------------ */

struct run_result {
	int status;     /* exit status, or 128+signal if killed by one */
	bool timed_out; /* the deadline passed and the child was killed */
	char *out;      /* stdout, NUL-terminated */
	size_t out_len;
	char *err;      /* stderr, NUL-terminated */
	size_t err_len;
};

/* A child process left running, e.g. kvm-vmm --gdb 0. */
struct child {
	pid_t pid;
	int in_fd, out_fd, err_fd; /* our ends of its stdin, stdout, stderr */
	char err_buf[8192];        /* stderr read so far */
	size_t err_len;
	char out_buf[8192];        /* stdout read so far by child_wait_stdout() */
	size_t out_len;
};

/* The kvm-vmm binary under test: $KVM_VMM, or ./kvm-vmm. */
const char *vmm_path(void);
/* The kvm-vmm built without sanitizers: KVM_VMM if it is one, else
 * ./kvm-vmm if that is one, else NULL. For tests that measure memory or
 * run valgrind, which a sanitizer's runtime would distort. */
const char *plain_vmm_path(void);

/* Run argv[0] with argv (NULL-terminated), stdin fed from `input` (NULL:
 * /dev/null), for at most timeout_s seconds. Returns 0, -1 if it could not
 * be started. Free the result with run_free(). */
int run_argv(struct run_result *r, char *const argv[], const char *input, double timeout_s);

/* run_argv() of kvm-vmm with the given arguments (NULL-terminated list). */
int run_vmm(struct run_result *r, const char *input, double timeout_s, ...);

/* Free what a run_result holds. */
void run_free(struct run_result *r);

/* A whole file into a NUL-terminated buffer (NULL on error); its length in
 * *len unless len is NULL. */
char *slurp(const char *path, size_t *len);

/* Start argv with pipes on its stdin/stdout/stderr. Returns 0 or -1. */
int child_start(struct child *c, char *const argv[]);

/* Read the child's stderr until it contains `needle` or timeout_s passes;
 * returns a pointer into err_buf at the match, or NULL. */
const char *child_wait_stderr(struct child *c, const char *needle, double timeout_s);

/* The same for stdout, into out_buf (child_wait() still returns all of
 * stdout, this part included). */
const char *child_wait_stdout(struct child *c, const char *needle, double timeout_s);

/* The port of the gdb stub of a kvm-vmm child: read from its stderr line
 * "gdb: listening on 127.0.0.1:PORT" (up to timeout_s); -1 if none came. */
int child_wait_gdb_port(struct child *c, double timeout_s);

/* Start kvm-vmm --gdb 0 with extra args (NULL-terminated) and read the port
 * it prints ("gdb: listening on 127.0.0.1:PORT"); returns it, or -1. */
int child_start_gdb(struct child *c, ...);

/* child_start_gdb() with the extra args as a NULL-terminated array. */
int child_start_gdb_argv(struct child *c, char *const args[]);

/* Wait for the child to exit (up to timeout_s, then SIGKILL); collects the
 * rest of its output into r if r is not NULL. Returns the exit status. */
int child_wait(struct child *c, double timeout_s, struct run_result *r);

/* ---- assertions (Criterion) -------------------------------------------------- */

/* Fail unless `needle` occurs in `text`. */
void assert_has(const char *text, const char *needle);

/* Fail if `text` shows a crash or a sanitizer report (AddressSanitizer,
 * UndefinedBehaviorSanitizer, LeakSanitizer); `who` names it. */
void assert_no_crash_report(const char *text, const char *who);

/* Run kvm-vmm with the arguments (NULL-terminated) to its end; fails if it
 * could not start or hung. Free with run_free(). */
struct run_result run_guest(const char *first, ...);

/* One case of a guest that reads its case from stdin (a lab's grader):
 * kvm-vmm on `guest` with `which` as its input; fails if kvm-vmm could not
 * start, hung or crashed. The caller checks the status. */
struct run_result run_guest_case(const char *guest, const char *which);

/* Expect stdout to equal the file at `path`, the exit status `status` and
 * nothing on stderr. */
void expect_output_file(const struct run_result *r, const char *path, int status);

/* expect_output_file() with DIR/expected-output.txt, status 0. */
void expect_lesson_output(const struct run_result *r, const char *dir);

/* gdb -batch -nx GUEST -ex 'target remote :PORT' -ex CMD... (commands
 * NULL-terminated). Fails if gdb hung or reported a 'g' packet that does
 * not fit the target description. */
void gdb_batch(struct run_result *r, int port, const char *guest, ...);

/* The same with gdb's options before GUEST (NULL-terminated, or NULL: e.g.
 * {"-x", SCRIPT, NULL}), `target` ("target remote" or "target
 * extended-remote") and the commands as an array (NULL-terminated). */
void gdb_batch_with(struct run_result *r, const char *const options[], const char *guest,
		    const char *target, int port, const char *const cmds[]);

/* Wait for a kvm-vmm started with child_start_gdb() to end; expect
 * `status`, no crash report on stderr and, unless expected_path is NULL,
 * stdout equal to that file. */
void finish_vmm_with(struct child *vmm, int status, const char *expected_path);

/* ---- lessons ------------------------------------------------------------------ */

#define LESSON_PATH_MAX 256
#define LESSON_VALUE_MAX 128
#define LESSON_MAX_ARGS 16

/* A lesson folder's lesson.conf, with the defaults for keys left out. */
struct lesson_conf {
	char dir[LESSON_PATH_MAX];          /* "lessons/05-matrix" */
	char name[LESSON_PATH_MAX];         /* "05-matrix" */
	char guest[LESSON_VALUE_MAX];       /* guest: its source, "matrix.asm" */
	char exercise[LESSON_VALUE_MAX];    /* exercise: "exercise.asm" ("" if none) */
	char format[LESSON_VALUE_MAX];      /* format: elf32 (default) or elf64 */
	unsigned long load_addr;            /* load_addr: default 0x7c00 */
	char args[LESSON_MAX_ARGS][LESSON_VALUE_MAX]; /* args, split at spaces */
	int nargs;
	char input[LESSON_VALUE_MAX];       /* input: a file in dir fed to stdin, or "" */
	char boot[LESSON_VALUE_MAX];        /* boot: elf (default), disk or floppy */
	char boot_sector[LESSON_VALUE_MAX]; /* boot_sector: "boot.asm", or "" */
	char guest_elf[LESSON_PATH_MAX];    /* what make builds of guest: dir/matrix.elf */
	char solution_elf[LESSON_PATH_MAX]; /* of the reference solution: dir/solution/exercise.elf */
};

/* Does kvm-vmm boot the lesson's programs from a disk image (boot = disk
 * or floppy)? Then each ELF has its image beside it, X.elf -> X.img. */
bool lesson_boots_image(const struct lesson_conf *c);

/* The disk image made of elf: the same path with .img. */
void lesson_image_of(char *out, size_t size, const char *elf);

/* Read DIR/lesson.conf ('key = value' lines, '#' comments, blank lines)
 * into c. Returns 0, or -1 with the reason in why (no file, a line that is
 * not key = value, an unknown key, a bad value, no guest). */
int lesson_conf_read(struct lesson_conf *c, const char *dir, char *why, size_t why_size);

/* lesson_conf_read(), failing the test if it fails (Criterion). */
void lesson_load(struct lesson_conf *c, const char *dir);

/* The lesson's input file as text, NULL if it has none (Criterion: fails
 * if the file named cannot be read). free() it. */
char *lesson_input(const struct lesson_conf *c);

/* Run `elf` as lesson.conf says: kvm-vmm, its args, then the extra
 * arguments (NULL-terminated), then elf (or --disk and elf's image, for a
 * lesson that boots from one); stdin from `input` (NULL: none).
 * Fails if it could not start or hung (Criterion). Free with run_free(). */
struct run_result run_lesson(const struct lesson_conf *c, const char *elf, const char *input,
			     ...);

/* Start the lesson's guest under kvm-vmm --gdb 0 with its args (from its
 * disk image, for a lesson that boots from one); returns
 * the port (Criterion: fails if kvm-vmm printed none). */
int lesson_start_gdb(struct child *vmm, const struct lesson_conf *c);

#endif
