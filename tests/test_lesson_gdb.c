/*
 * test_lesson_gdb.c - the real gdb, in batch mode, on the lesson guests
 * under `kvm-vmm --gdb 0`, started as each lesson's lesson.conf says: what
 * the READMEs teach a student to look at must be there -- the mode switch
 * of lessons 08 and 10, the paging alias and page fault of 09, the
 * exception frames and the hlt of 11, a system call from ring 3 in 12, the
 * vCPUs of 13 as gdb threads, C source level in 14, a PC boot in 15 (the
 * boot sector at 0x7C00, the kernel it loaded from the disk). Each session
 * ends with the guest's exit, its output equal to expected-output.txt.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define PM_DIR "lessons/08-protected-mode"
#define PAGING_DIR "lessons/09-paging"
#define LONG_DIR "lessons/10-long-mode"
#define INTERRUPTS_DIR "lessons/11-interrupts"
#define USER_DIR "lessons/12-user-mode"
#define SMP_DIR "lessons/13-smp"
#define CKERNEL_DIR "lessons/14-c-kernel"
#define PC_BOOT_DIR "lessons/15-pc-boot"

#define SMP_NCPUS 4        /* smp.asm: NCPUS */
#define SMP_COUNT_K 2000   /* smp.asm: COUNT_K */
#define HLT_STOPS 3        /* continues that must stop at the hlt again */
#define STATUS_KILLED 137  /* kvm-vmm ended by gdb's kill */
#define SESSION_TIMEOUT 180

/* The lesson's expected-output.txt, for finish_vmm_with(). */
static void expected_path(char *path, size_t size, const struct lesson_conf *c)
{
	snprintf(path, size, "%s/expected-output.txt", c->dir);
}

/* How many times `needle` occurs in text. */
static int count_of(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* Lesson 08: at far_jump PE is set but CS is still 16-bit; one stepi loads
 * CS = 8, and gdb decodes 32-bit code after `set architecture i386`. At
 * done DS is the data selector and the dword at 2 MiB is there. */
Test(lesson_gdb, protected_mode_far_jump, .timeout = SESSION_TIMEOUT)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	char expected[LESSON_PATH_MAX + 32];
	int port;

	lesson_load(&c, PM_DIR);
	port = lesson_start_gdb(&vmm, &c);
	gdb_batch(&g, port, c.guest_elf, "set architecture i8086", "break far_jump", "continue",
		  "p/x $cs", "monitor info sregs", "stepi", "p/x $cs", "set architecture i386",
		  "x/i $pc", "break done", "continue", "p/x $ds", "x/1dw 0x200000",
		  "monitor info gdt", "continue", NULL);
	assert_has(g.out, "Breakpoint 1, far_jump ()");
	assert_has(g.out, "$1 = 0x0\n");
	/* gdb prints the stub's console output (monitor) on stderr */
	assert_has(g.err, "mode: protected mode (16-bit)");
	assert_has(g.err, "[PE ET NW CD]");
	assert_has(g.out, "$2 = 0x8\n");
	assert_has(g.out, "<protected_entry>:\tmov    $0x10,%ax");
	assert_has(g.out, "Breakpoint 2, done ()");
	assert_has(g.out, "$3 = 0x10\n");
	assert_has(g.out, ":\t305419896\n");
	assert_has(g.err, "GDT at ");
	assert_has(g.err, "32-bit code");
	assert_has(g.out, "exited normally");
	expected_path(expected, sizeof(expected), &c);
	finish_vmm_with(&vmm, 0, expected);
	run_free(&g);
}

/* Lesson 09: a watchpoint on the alias address catches the write through
 * it; in the page fault handler CR2 is the touched address and the error
 * code is on the stack; monitor info pagetable shows both mappings. */
Test(lesson_gdb, paging_alias_and_page_fault, .timeout = SESSION_TIMEOUT)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	char expected[LESSON_PATH_MAX + 32];
	int port;

	lesson_load(&c, PAGING_DIR);
	port = lesson_start_gdb(&vmm, &c);
	gdb_batch(&g, port, c.guest_elf, "break switched", "continue", "monitor info pagetable",
		  "watch *(char *)(0xc0000000 + (long)&greeting)", "continue",
		  "p $pc == written", "p *(char *)&greeting", "delete", "break page_fault",
		  "continue", "p/x $cr2", "x/1gx $rsp",
		  "p *(long *)($rsp + 8) == (long)&fault_here", "continue", NULL);
	assert_has(g.out, "Breakpoint 1, switched ()");
	assert_has(g.err, "0000000000000000-00000000001fffff -> 000000000000  rw kernel");
	assert_has(g.err, "00000000c0000000-00000000c01fffff -> 000000000000  rw kernel");
	assert_has(g.out, "New value = 106 'j'");
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "$2 = 106 'j'");
	assert_has(g.out, "page_fault ()");
	assert_has(g.out, "$3 = 0x201234\n");
	assert_has(g.out, ":\t0x0000000000000002\n");
	assert_has(g.out, "$4 = 1\n");
	assert_has(g.out, "exited normally");
	expected_path(expected, sizeof(expected), &c);
	finish_vmm_with(&vmm, 0, expected);
	run_free(&g);
}

/* Lesson 10, an ELF64 started in real mode: stepi and source lines in the
 * 16-bit part; at far_jump long mode is active in compatibility mode; one
 * stepi reaches 64-bit code with CS = 8; RAX holds 20! later. */
Test(lesson_gdb, long_mode_from_real_mode, .timeout = SESSION_TIMEOUT)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	char expected[LESSON_PATH_MAX + 32];
	int port;

	lesson_load(&c, LONG_DIR);
	port = lesson_start_gdb(&vmm, &c);
	gdb_batch(&g, port, c.guest_elf, "show architecture", "stepi", "p $pc == _start + 1",
		  "p/x $cs", "break far_jump", "continue", "info registers efer",
		  "monitor info sregs", "stepi", "p $pc == long_entry", "p/x $cs",
		  "break factorial_done", "continue", "p $rax", "continue", NULL);
	assert_has(g.out, "i386:x86-64");
	assert_has(g.out, "57\t        xor ax, ax");   /* stepi shows the source line */
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "$2 = 0x0\n");
	assert_has(g.out, "Breakpoint 1, far_jump ()");
	assert_has(g.out, "[ LME LMA ]");
	assert_has(g.err, "mode: long mode (compatibility)");
	assert_has(g.err, "cr4  0000000000000020 [PAE]");
	assert_has(g.out, "long_entry ()");
	assert_has(g.out, "$3 = 1\n");
	assert_has(g.out, "$4 = 0x8\n");
	assert_has(g.out, "$5 = 2432902008176640000\n");
	assert_has(g.out, "exited normally");
	expected_path(expected, sizeof(expected), &c);
	finish_vmm_with(&vmm, 0, expected);
	run_free(&g);
}

/* Lesson 11: the exception frames, read by gdb at the handlers' first
 * instruction: #DE pushes SS, RSP, RFLAGS, CS, RIP (RIP on top, the
 * address of the faulting `div` at label divide, CS the 64-bit code
 * segment); #PF pushes an error code below them, and CR2 = 4 GiB. */
Test(lesson_gdb, interrupts_exception_frames, .timeout = SESSION_TIMEOUT)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	char expected[LESSON_PATH_MAX + 32];
	char *input;
	size_t len;
	int port;

	lesson_load(&c, INTERRUPTS_DIR);
	input = lesson_input(&c);
	cr_assert(input, "%s: lesson.conf names no input", c.name);
	len = strlen(input);
	port = lesson_start_gdb(&vmm, &c);
	/* The keys: a few bytes, they wait in the pipe until the guest enables
	 * its keyboard. */
	cr_assert_eq(write(vmm.in_fd, input, len), (ssize_t)len, "cannot feed %s", c.input);
	close(vmm.in_fd);
	vmm.in_fd = -1;
	gdb_batch(&g, port, c.guest_elf, "break de_handler", "continue",
		  "p *(unsigned long *)$rsp == (unsigned long)&divide",
		  "p/x ((unsigned long *)$rsp)[1]", "break pf_handler", "continue",
		  "p/x *(unsigned long *)$rsp",
		  "p ((unsigned long *)$rsp)[1] == (unsigned long)&touch", "p/x $cr2", "delete",
		  "continue", NULL);
	assert_has(g.out, "Breakpoint 1, de_handler ()");
	assert_has(g.out, "$1 = 1\n");            /* saved RIP == divide: #DE is a fault */
	assert_has(g.out, "$2 = 0x18\n");         /* saved CS: kvm-vmm's 64-bit code segment */
	assert_has(g.out, "Breakpoint 2, pf_handler ()");
	assert_has(g.out, "$3 = 0x0\n");          /* error code: not present, read, ring 0 */
	assert_has(g.out, "$4 = 1\n");            /* saved RIP == touch, above the error code */
	assert_has(g.out, "$5 = 0x100000000\n");  /* CR2: the address that faulted */
	assert_has(g.out, "exited normally");
	expected_path(expected, sizeof(expected), &c);
	finish_vmm_with(&vmm, 0, expected);
	run_free(&g);
	free(input);
}

/* Lesson 11: stop on the hlt of wait_ticks three times: each continue must
 * wait for an interrupt, not end the guest; a stepi over it completes it;
 * then the timer handler and a watchpoint on the tick count. */
Test(lesson_gdb, interrupts_breakpoint_on_hlt, .timeout = SESSION_TIMEOUT)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g, v;
	int port;

	lesson_load(&c, INTERRUPTS_DIR);
	port = lesson_start_gdb(&vmm, &c);
	cr_assert_eq(write(vmm.in_fd, "hi\n", 3), 3);
	gdb_batch(&g, port, c.guest_elf, "break wait_ticks", "continue", "continue", "continue",
		  "stepi", "p $pc == wait_ticks + 1", "delete", "break timer_handler", "continue",
		  "watch *(int *)&ticks", "continue", "delete", "continue", NULL);
	cr_assert_null(strstr(g.err, "warning"), "%s", g.err);
	cr_assert_eq(count_of(g.out, "Breakpoint 1, wait_ticks"), HLT_STOPS,
		     "each continue must stop at the hlt again:\n%s", g.out);
	assert_has(g.out, "$1 = 1\n");
	assert_has(g.out, "Breakpoint 2, timer_handler ()");
	assert_has(g.out, "New value = ");
	assert_has(g.out, "exited normally");
	child_wait(&vmm, GUEST_TIMEOUT_S, &v);
	cr_assert_not(v.timed_out, "kvm-vmm did not end: %s", v.err);
	cr_assert_eq(v.status, 0, "%s", v.err);
	assert_has(v.out, "counted 10 timer ticks\nkeys: hi\n");
	run_free(&g);
	run_free(&v);
}

/* Lesson 12: stop in the kernel at a system call from ring 3. */
Test(lesson_gdb, user_mode_system_call, .timeout = SESSION_TIMEOUT)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	char expected[LESSON_PATH_MAX + 32];
	int port;

	lesson_load(&c, USER_DIR);
	port = lesson_start_gdb(&vmm, &c);
	gdb_batch(&g, port, c.guest_elf, "break dispatch", "continue", "p $rax", "p/x $cs",
		  "x/s $rdi", "p (long)syscall_count", "monitor info sregs", "delete", "continue",
		  NULL);
	assert_has(g.out, "Breakpoint 1, dispatch ()");
	assert_has(g.out, "$1 = 1\n");                  /* SYS_WRITE */
	assert_has(g.out, "$2 = 0x8\n");                /* ring 0: the kernel's CS */
	assert_has(g.out, "\"user: hello from ring 3\\n");
	assert_has(g.out, "$3 = 0\n");                  /* counted just after this */
	assert_has(g.err, "efer 0000000000000501 [SCE LME LMA]");
	assert_has(g.err, "tr  0028");                  /* our TSS is loaded */
	assert_has(g.out, "exited normally");
	expected_path(expected, sizeof(expected), &c);
	finish_vmm_with(&vmm, 0, expected);
	run_free(&g);
}

/* Lesson 13: four gdb threads at the start (one per vCPU); the last CPU
 * stops at last_cpu with every count done. (`info threads` only before the
 * other vCPUs park: see smp_threads_stay_readable_after_hlt for after.) */
Test(lesson_gdb, smp_threads_and_counters, .timeout = SESSION_TIMEOUT)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	char expected[LESSON_PATH_MAX + 32], want[64];
	int port;

	lesson_load(&c, SMP_DIR);
	port = lesson_start_gdb(&vmm, &c);
	gdb_batch(&g, port, c.guest_elf, "info threads", "break last_cpu", "continue",
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
	expected_path(expected, sizeof(expected), &c);
	finish_vmm_with(&vmm, 0, expected);
	run_free(&g);
}

/* Lesson 13: the last CPU to finish stops at last_cpu; the other three
 * have parked with hlt, and gdb must still see their registers. */
Test(lesson_gdb, smp_threads_stay_readable_after_hlt, .timeout = SESSION_TIMEOUT)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	int port;

	lesson_load(&c, SMP_DIR);
	port = lesson_start_gdb(&vmm, &c);
	gdb_batch(&g, port, c.guest_elf, "break last_cpu", "continue", "info threads",
		  "thread 1", "p $rdi", "monitor info sregs", "kill", NULL);
	cr_assert_null(strstr(g.err, "warning"), "%s", g.err);
	cr_assert_eq(count_of(g.out, ", halted)"), SMP_NCPUS - 1, "%s", g.out);
	assert_has(g.out, "last_cpu ()");
	assert_has(g.out, "$1 = 0\n");                /* vCPU 0 is thread 1 */
	assert_has(g.err, "long mode (64-bit), 4-level paging");
	cr_assert_null(strstr(g.out, "Could not read registers"), "%s", g.out);
	finish_vmm_with(&vmm, STATUS_KILLED, NULL);
	run_free(&g);
}

/* Lesson 14: C source level -- break on a function, next, print a C
 * variable and a structure, info locals, a watchpoint on a global. */
Test(lesson_gdb, c_kernel_source_level, .timeout = SESSION_TIMEOUT)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	char expected[LESSON_PATH_MAX + 32];
	int port;

	lesson_load(&c, CKERNEL_DIR);
	port = lesson_start_gdb(&vmm, &c);
	gdb_batch(&g, port, c.guest_elf, "break kmain", "continue", "p/x magic",
		  "p mbi->mem_lower", "next", "break walk_memory_map", "continue", "next", "next",
		  "info locals", "p end - at", "watch regions_seen", "continue", "p *e", "delete",
		  "continue", NULL);
	assert_has(g.out, "Breakpoint 1, kmain (magic=732803074, mbi=0x7000) at "
			  "lessons/14-c-kernel/kernel.c");
	assert_has(g.out, "$1 = 0x2badb002\n");
	assert_has(g.out, "$2 = 639\n");
	assert_has(g.out, "serial_puts(\"Hello from C");  /* next: the line after */
	assert_has(g.out, "Breakpoint 2, walk_memory_map (mbi=0x7000)");
	assert_has(g.out, "at = ");                        /* info locals */
	assert_has(g.out, "end = ");
	assert_has(g.out, "$3 = 48\n");                    /* two 24-byte entries */
	assert_has(g.out, "Old value = 0");
	assert_has(g.out, "New value = 1");
	assert_has(g.out, "{size = 20, addr = 0, len = 654336, type = 1}");
	assert_has(g.out, "exited normally");
	expected_path(expected, sizeof(expected), &c);
	finish_vmm_with(&vmm, 0, expected);
	run_free(&g);
}

/* Lesson 15: the BIOS hands over at 0x7C00 with DL = 0x80 and the signed
 * sector there; after int 13h, AH = 0 and AL = 16 sectors read, CF clear;
 * the kernel it loaded stops at kernel_main (a breakpoint set before the
 * read), in protected mode; its text is in video memory and the CRT
 * controller's cursor after it. */
#define PC_BOOT_SECTORS_READ "0x10"     /* boot.asm: KERNEL_SECTORS, AH = 0 */
#define PC_CURSOR_AFTER 288              /* row 3, after 48 characters */

Test(lesson_gdb, pc_boot_sector_and_kernel, .timeout = SESSION_TIMEOUT)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	char expected[LESSON_PATH_MAX + 32], want[64];
	int port;

	lesson_load(&c, PC_BOOT_DIR);
	port = lesson_start_gdb(&vmm, &c);
	gdb_batch(&g, port, c.guest_elf, "add-symbol-file " PC_BOOT_DIR "/boot.elf",
		  "set architecture i8086", "break *0x7c00", "continue", "p/x $dl", "p/x $pc",
		  "x/2xb 0x7dfe", "break read_done", "continue", "p/x $ax",
		  "p ($eflags & 1) == 0", "delete", "break kernel_main", "continue",
		  "set architecture i386", "p/x $cs", "p/x $cr0 & 1", "next", "next", "next",
		  "next", "next",
		  "p/x *(unsigned short *)(0xb8000 + 3*160)", "p cursor", "continue", NULL);
	assert_has(g.out, "Breakpoint 1, _start () at " PC_BOOT_DIR "/boot.asm:");
	assert_has(g.out, "$1 = 0x80\n");
	assert_has(g.out, "$2 = 0x7c00\n");
	assert_has(g.out, "0x7dfe:\t0x55\t0xaa\n");
	assert_has(g.out, "Breakpoint 2, read_done ()");
	assert_has(g.out, "$3 = " PC_BOOT_SECTORS_READ "\n");
	assert_has(g.out, "$4 = 1\n");                /* CF clear: the read succeeded */
	assert_has(g.out, "Breakpoint 3, kernel_main () at " PC_BOOT_DIR "/kernel.c:");
	assert_has(g.out, "$5 = 0x8\n");              /* the boot sector's code segment */
	assert_has(g.out, "$6 = 0x1\n");              /* CR0.PE */
	assert_has(g.out, "\n48\t}\n");                /* kernel_main's last line */
	assert_has(g.out, "$7 = 0x1f48\n");           /* 'H', white on blue */
	snprintf(want, sizeof(want), "$8 = %d\n", PC_CURSOR_AFTER);
	assert_has(g.out, want);
	assert_has(g.out, "exited normally");
	expected_path(expected, sizeof(expected), &c);
	finish_vmm_with(&vmm, 0, expected);
	run_free(&g);
}
