/*
 * test_lessons_12_14.c - lessons 12 (user mode), 13 (SMP) and 14 (a C
 * kernel) run as a student runs them: stdout equal to expected-output.txt,
 * the right exit status, nothing on stderr; the values they print checked
 * against a computation here; lesson 13 on 1, 2, 4 and 6 vCPUs; and one
 * session per lesson with the real gdb in batch mode (for lesson 14 at the
 * C source level).
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"


#define USER_DIR "lessons/12-user-mode"
#define USER_ELF USER_DIR "/usermode.elf"
#define USER_VERBOSE_ELF USER_DIR "/usermode-verbose.elf"
#define SMP_DIR "lessons/13-smp"
#define SMP_ELF SMP_DIR "/smp.elf"
#define CKERNEL_DIR "lessons/14-c-kernel"
#define CKERNEL_ELF CKERNEL_DIR "/kernel.elf"
#define EXPECTED "expected-output.txt"

/* As the guests define them. */
#define USER_SUM_N 100000000ULL     /* usermode.asm: SUM_N */
#define USER_SYSCALLS 3             /* write, write, exit */
#define SMP_NCPUS 4                 /* smp.asm: NCPUS */
#define SMP_COUNT_K 2000            /* smp.asm: COUNT_K */
#define SMP_EXIT_MISSING 2          /* smp.asm: fewer vCPUs than NCPUS */
#define MB_LOWER_KIB 639            /* kvm-vmm: 0x9fc00 bytes below 1 MiB */
#define MB_KERNEL_BASE_KIB 1024     /* RAM above 1 MiB starts at 1024 KiB */

/* --- lesson 12: user mode ------------------------------------------------ */

Test(lessons_12_14, user_mode)
{
	struct run_result r = run_guest(USER_ELF, NULL);

	expect_lesson_output(&r, USER_DIR);
	run_free(&r);
}

/* The sum the ring-3 loop printed is N(N+1)/2; the kernel counted 3 calls. */
Test(lessons_12_14, user_mode_values)
{
	struct run_result r = run_guest(USER_ELF, NULL);
	char want[128];

	snprintf(want, sizeof(want), "user: 1 + 2 + ... + %llu = %llu\n", USER_SUM_N,
		 USER_SUM_N * (USER_SUM_N + 1) / 2);
	cr_expect(strstr(r.out, want), "no '%s' in:\n%s", want, r.out);
	snprintf(want, sizeof(want), "exited with code 0 after %d system calls\n", USER_SYSCALLS);
	cr_expect(strstr(r.out, want), "no '%s' in:\n%s", want, r.out);
	cr_expect_eq(r.status, 0);
	run_free(&r);
}

/* The verbose build names the way in of each call and times both rings
 * (the times themselves are not checked: they depend on the host). */
Test(lessons_12_14, user_mode_verbose)
{
	struct run_result r = run_guest(USER_VERBOSE_ELF, NULL);

	cr_expect_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	cr_expect(strstr(r.out, "kernel: ring 0: 20000 iterations in "), "%s", r.out);
	cr_expect(strstr(r.out, "kernel: ring 3: 100000000 iterations in "), "%s", r.out);
	cr_expect(strstr(r.out, "kernel: system call 1 through syscall"), "%s", r.out);
	cr_expect(strstr(r.out, "kernel: system call 1 through int 0x80"), "%s", r.out);
	cr_expect(strstr(r.out, "kernel: system call 0 through syscall"), "%s", r.out);
	cr_expect(strstr(r.out, "= 5000000050000000\n"), "%s", r.out);
	run_free(&r);
}

/* --- lesson 13: SMP -------------------------------------------------------- */

/* What smp.asm prints on n CPUs counting k each. */
static void smp_want(char *want, size_t size, int ncpus, int k)
{
	size_t len = 0;

	for (int i = 0; i < ncpus; i++)
		len += snprintf(want + len, size - len, "cpu %d: hello, APIC ID %d\n", i, i);
	snprintf(want + len, size - len,
		 "atomic counter: %d\nlocked counter: %d\nexpected:       %d\n"
		 "both counters are exact\n", ncpus * k, ncpus * k, ncpus * k);
}

Test(lessons_12_14, smp_four_cpus)
{
	struct run_result r = run_guest("--smp", "4", SMP_ELF, NULL);

	expect_lesson_output(&r, SMP_DIR);
	run_free(&r);
}

/* The lines in vCPU order, counters exactly N x K, each of several runs. */
Test(lessons_12_14, smp_four_cpus_values_every_time, .timeout = 120)
{
	char want[1024];

	smp_want(want, sizeof(want), SMP_NCPUS, SMP_COUNT_K);
	for (int run = 0; run < 3; run++) {
		struct run_result r = run_guest("--smp", "4", SMP_ELF, NULL);

		cr_expect_str_eq(r.out, want, "run %d", run);
		cr_expect_eq(r.status, 0, "run %d: status %d; stderr: %s", run, r.status, r.err);
		run_free(&r);
	}
}

Test(lessons_12_14, smp_one_cpu)
{
	struct run_result r = run_guest("--smp", "1", SMP_DIR "/smp1.elf", NULL);
	char want[1024];

	smp_want(want, sizeof(want), 1, SMP_COUNT_K);
	cr_expect_str_eq(r.out, want);
	cr_expect_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	cr_expect_str_eq(r.err, "");
	run_free(&r);
}

Test(lessons_12_14, smp_two_cpus)
{
	struct run_result r = run_guest("--smp", "2", SMP_DIR "/smp2.elf", NULL);
	char want[1024];

	smp_want(want, sizeof(want), 2, SMP_COUNT_K);
	cr_expect_str_eq(r.out, want);
	cr_expect_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	cr_expect_str_eq(r.err, "");
	run_free(&r);
}

/* More vCPUs than the guest was built for: the extra ones park. */
Test(lessons_12_14, smp_extra_cpus_park)
{
	struct run_result r = run_guest("--smp", "6", SMP_ELF, NULL);

	expect_lesson_output(&r, SMP_DIR);
	run_free(&r);
}

/* Fewer: the roll call says so, and the guest ends instead of waiting. */
Test(lessons_12_14, smp_too_few_cpus_is_reported)
{
	struct run_result r = run_guest("--smp", "2", SMP_ELF, NULL);

	cr_expect_str_eq(r.out, "only 2 of 4 CPUs started: run this guest with --smp 4\n");
	cr_expect_eq(r.status, SMP_EXIT_MISSING, "status %d; stderr: %s", r.status, r.err);
	run_free(&r);
}

/* --- lesson 14: a C kernel ------------------------------------------------- */

Test(lessons_12_14, c_kernel)
{
	struct run_result r = run_guest(CKERNEL_ELF, NULL);

	expect_lesson_output(&r, CKERNEL_DIR);
	run_free(&r);
}

/* The kernel reads the Multiboot information, not numbers of its own:
 * with --mem 32M every size follows. */
Test(lessons_12_14, c_kernel_reads_the_memory_size)
{
	const unsigned mem_kib = 32 * 1024;
	unsigned upper = mem_kib - MB_KERNEL_BASE_KIB;
	struct run_result r = run_guest("--mem", "32M", CKERNEL_ELF, NULL);
	char want[160];

	cr_expect_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	cr_expect(strstr(r.out, "Multiboot magic 0x2badb002"), "%s", r.out);
	cr_expect(strstr(r.out, "boot loader: mini-kvm\n"), "%s", r.out);
	snprintf(want, sizeof(want), "memory: %u KiB below 1 MiB, %u KiB above\n", MB_LOWER_KIB,
		 upper);
	cr_expect(strstr(r.out, want), "no '%s' in:\n%s", want, r.out);
	snprintf(want, sizeof(want), "available: %u KiB in 2 regions\n", MB_LOWER_KIB + upper);
	cr_expect(strstr(r.out, want), "no '%s' in:\n%s", want, r.out);
	run_free(&r);
}

/* --- one real gdb session per lesson --------------------------------------- */

/* Lesson 12: stop in the kernel at a system call from ring 3. */
Test(lessons_12_14, gdb_user_mode_system_call, .timeout = 180)
{
	struct child vmm;
	struct run_result g;
	int port = child_start_gdb(&vmm, USER_ELF, NULL);

	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm.err_buf);
	gdb_batch(&g, port, USER_ELF, "break dispatch", "continue", "p $rax", "p/x $cs",
		"x/s $rdi", "p (long)syscall_count", "monitor info sregs", "delete", "continue",
		NULL);
	assert_has(g.out, "Breakpoint 1, dispatch ()");
	assert_has(g.out, "$1 = 1");                    /* SYS_WRITE */
	assert_has(g.out, "$2 = 0x8");                  /* ring 0: the kernel's CS */
	assert_has(g.out, "\"user: hello from ring 3\\n");
	assert_has(g.out, "$3 = 0");                    /* counted just after this */
	assert_has(g.err, "efer 0000000000000501 [SCE LME LMA]");
	assert_has(g.err, "tr  0028");                  /* our TSS is loaded */
	assert_has(g.out, "exited normally");
	finish_vmm_with(&vmm, 0, USER_DIR "/" EXPECTED);
	run_free(&g);
}

/* Lesson 13: four gdb threads at the start (one per vCPU); the last CPU
 * stops at last_cpu with every count done. (`info threads` only before the
 * other vCPUs park: a vCPU that has executed hlt has no registers for gdb.) */
Test(lessons_12_14, gdb_smp_threads_and_counters, .timeout = 180)
{
	struct child vmm;
	struct run_result g;
	int port = child_start_gdb(&vmm, "--smp", "4", SMP_ELF, NULL);
	char want[64];

	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm.err_buf);
	gdb_batch(&g, port, SMP_ELF, "info threads", "break last_cpu", "continue",
		"p (long)atomic_counter", "p (long)locked_counter", "p (long)finished",
		"p $rax", "delete", "continue", NULL);
	assert_has(g.out, "hit Breakpoint 1, last_cpu ()");
	for (int i = 1; i <= SMP_NCPUS; i++) {
		snprintf(want, sizeof(want), "Thread %d (vCPU %d, long mode", i, i - 1);
		assert_has(g.out, want);
	}
	snprintf(want, sizeof(want), "$1 = %d\n", SMP_NCPUS * SMP_COUNT_K);
	assert_has(g.out, want);
	snprintf(want, sizeof(want), "$2 = %d\n", SMP_NCPUS * SMP_COUNT_K);
	assert_has(g.out, want);
	snprintf(want, sizeof(want), "$3 = %d\n", SMP_NCPUS);
	assert_has(g.out, want);
	snprintf(want, sizeof(want), "$4 = %d\n", SMP_NCPUS - 1);  /* xadd's old value */
	assert_has(g.out, want);
	assert_has(g.out, "exited normally");
	finish_vmm_with(&vmm, 0, SMP_DIR "/" EXPECTED);
	run_free(&g);
}

/* Lesson 14: C source level -- break on a function, next, print a C
 * variable and a structure, info locals, a watchpoint on a global. */
Test(lessons_12_14, gdb_c_kernel_source_level, .timeout = 180)
{
	struct child vmm;
	struct run_result g;
	int port = child_start_gdb(&vmm, CKERNEL_ELF, NULL);

	cr_assert_gt(port, 0, "kvm-vmm did not print its gdb port: %s", vmm.err_buf);
	gdb_batch(&g, port, CKERNEL_ELF, "break kmain", "continue", "p/x magic",
		"p mbi->mem_lower", "next", "break walk_memory_map", "continue", "next", "next",
		"info locals", "p end - at", "watch regions_seen", "continue", "p *e", "delete",
		"continue", NULL);
	assert_has(g.out, "Breakpoint 1, kmain (magic=732803074, mbi=0x7000) at "
			  "lessons/14-c-kernel/kernel.c");
	assert_has(g.out, "$1 = 0x2badb002");
	assert_has(g.out, "$2 = 639");
	assert_has(g.out, "serial_puts(\"Hello from C");  /* next: the line after */
	assert_has(g.out, "Breakpoint 2, walk_memory_map (mbi=0x7000)");
	assert_has(g.out, "at = ");                        /* info locals */
	assert_has(g.out, "end = ");
	assert_has(g.out, "$3 = 48");                      /* two 24-byte entries */
	assert_has(g.out, "Old value = 0");
	assert_has(g.out, "New value = 1");
	assert_has(g.out, "{size = 20, addr = 0, len = 654336, type = 1}");
	assert_has(g.out, "exited normally");
	finish_vmm_with(&vmm, 0, CKERNEL_DIR "/" EXPECTED);
	run_free(&g);
}
