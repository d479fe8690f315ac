/*
 * test_gdb_ext.c - scripts/gdb/minikvm.py, the gdb extension every
 * gdbinit loads, with the real gdb: in 16-bit real mode `next` steps over
 * a call, `bt` shows the caller, `finish` returns to it, `until` leaves a
 * loop; in 64-bit assembly `bt` ends at the outermost frame; `finish` in
 * the outermost frame refuses; and no unwinding error reaches the student.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define EXTENSION "source scripts/gdb/minikvm.py"
#define FIBONACCI "lessons/03-fibonacci"
#define LONG_MODE "lessons/10-long-mode"
#define PC_BOOT "lessons/15-pc-boot"

/* What must never be seen: the unwinder's errors or gdb's made-up frames. */
static void expect_clean(const struct run_result *g)
{
	static const char *const bad[] = { "PC not saved", "Python Exception", "Traceback",
					   "mini-kvm unwinder:", "Backtrace stopped",
					   "in ?? ()" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect(!strstr(g->out, bad[i]) && !strstr(g->err, bad[i]),
			  "gdb said \"%s\":\n%s\n%s", bad[i], g->out, g->err);
}

static int start(struct child *vmm, struct lesson_conf *c, const char *dir)
{
	lesson_load(c, dir);
	return lesson_start_gdb(vmm, c);
}

static void stop(struct child *vmm)
{
	struct run_result v;

	child_wait(vmm, GUEST_TIMEOUT_S, &v);
	run_free(&v);
}

Test(gdb_ext, real_mode_next_steps_over_a_call)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	int port = start(&vmm, &c, FIBONACCI);

	gdb_batch(&g, port, c.guest_elf, "set architecture i8086", EXTENSION,
		  "break next_number", "continue", "next", "kill", NULL);
	assert_has(g.out, "Breakpoint 1, next_number () at lessons/03-fibonacci/fibonacci.asm:26\n");
	/* over print_decimal, to the line after the call */
	assert_has(g.out, "\n27\t        mov edx, eax");
	cr_expect(!strstr(g.out, "print_decimal () at"), "next stopped inside the call:\n%s", g.out);
	expect_clean(&g);
	run_free(&g);
	stop(&vmm);
}

Test(gdb_ext, real_mode_bt_finish_and_until)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	int port = start(&vmm, &c, FIBONACCI);

	gdb_batch(&g, port, c.guest_elf, "set architecture i8086", EXTENSION,
		  "break print_decimal.print", "continue", "bt", "finish", "bt",
		  "delete 1", "break 56", "continue", "until", "kill", NULL);
	assert_has(g.out, "#0  print_decimal[print] () at lessons/03-fibonacci/fibonacci.asm:53\n"
			  "#1  0x00007c17 in next_number () at lessons/03-fibonacci/fibonacci.asm:26\n");
	assert_has(g.out, "next_number () at lessons/03-fibonacci/fibonacci.asm:27\n");
	/* after finish, the outermost frame alone */
	assert_has(g.out, "#0  next_number () at lessons/03-fibonacci/fibonacci.asm:27\n");
	/* until at the loop's jne leaves the loop, in the same call */
	assert_has(g.out, "\n57\t        mov al, NEWLINE");
	expect_clean(&g);
	run_free(&g);
	stop(&vmm);
}

Test(gdb_ext, outermost_frame_ends_the_stack)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	int port = start(&vmm, &c, FIBONACCI);

	gdb_batch(&g, port, c.guest_elf, "set architecture i8086", EXTENSION,
		  "break next_number", "continue", "info frame", "bt", "finish", "up", "kill",
		  NULL);
	assert_has(g.out, "#0  next_number () at lessons/03-fibonacci/fibonacci.asm:26\n");
	cr_expect(!strstr(g.out, "#1 "), "a frame past the outermost:\n%s", g.out);
	assert_has(g.err, "\"finish\" not meaningful in the outermost frame.");
	assert_has(g.err, "Initial frame selected; you cannot go up.");
	expect_clean(&g);
	run_free(&g);
	stop(&vmm);
}

/* gdb's own unwinder lists dozens of made-up frames here. */
Test(gdb_ext, long_mode_bt_ends_at_the_outermost_frame)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	int port = start(&vmm, &c, LONG_MODE);

	gdb_batch(&g, port, c.guest_elf, EXTENSION, "break factorial_done", "break print_u64",
		  "continue", "bt", "continue", "bt", "kill", NULL);
	assert_has(g.out, "#0  factorial_done () at lessons/10-long-mode/longmode.asm:135\n");
	cr_expect(!strstr(g.out, "longmode.asm:135\n#1 "), "frames past factorial_done:\n%s", g.out);
	assert_has(g.out, "#0  print_u64 () at lessons/10-long-mode/longmode.asm:144\n"
			  "#1  0x0000000000007e05 in factorial_done () at "
			  "lessons/10-long-mode/longmode.asm:135\n");
	expect_clean(&g);
	run_free(&g);
	stop(&vmm);
}

/* nasm writes line numbers only for code sections: boot.asm's .text.start
 * is marked exec, so gdb can list it. */
Test(gdb_ext, c_kernel_boot_code_has_lines)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	int port = start(&vmm, &c, "lessons/14-c-kernel");

	gdb_batch(&g, port, c.guest_elf, "info line _start", "list _start", "kill", NULL);
	assert_has(g.out, "of \"lessons/14-c-kernel/boot.asm\" starts at address");
	assert_has(g.out, "mov esp, stack_top");
	run_free(&g);
	stop(&vmm);
}

/* EXIT is .nolist in guest/abi.inc: a breakpoint at a label that starts
 * with it, and next over it, stay on the lesson's lines. */
Test(gdb_ext, macro_lines_stay_in_the_lesson)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	char *args[2];
	int port;

	lesson_load(&c, "lessons/01-hello");
	args[0] = c.solution_elf;
	args[1] = NULL;
	port = child_start_gdb_argv(&vmm, args);
	cr_assert_gt(port, 0, "%s", vmm.err_buf);
	gdb_batch(&g, port, c.solution_elf, "break done", "continue", "kill", NULL);
	assert_has(g.out, "done () at lessons/01-hello/solution/exercise.asm:");
	cr_expect(!strstr(g.out, "abi.inc"), "a macro's line:\n%s", g.out);
	run_free(&g);
	stop(&vmm);

	/* A label whose first line is PRINT (it saves registers, jumps over
	 * its text): the breakpoint is on the label, and next, stepi and next
	 * again stay on the handler's own lines. */
	port = start(&vmm, &c, "lessons/11-interrupts");
	gdb_batch(&g, port, c.guest_elf, EXTENSION, "break de_handler", "continue", "stepi",
		  "next", "next", "kill", NULL);
	assert_has(g.out, "Breakpoint 1, de_handler () at lessons/11-interrupts/interrupts.asm:130");
	assert_has(g.out, "131\t        add qword [rsp], 2");
	cr_expect(!strstr(g.out, "abi.inc"), "a macro's line:\n%s", g.out);
	run_free(&g);
	stop(&vmm);
}

/* monitor shows the thread gdb has selected, and says which vCPU: after
 * `info threads` gdb last named thread 4 to the stub, so without the
 * extension's hook-monitor the stub would answer for vCPU 3. */
Test(gdb_ext, monitor_follows_the_selected_thread)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	int port = start(&vmm, &c, "lessons/13-smp");

	gdb_batch(&g, port, c.guest_elf, EXTENSION, "break last_cpu", "continue", "thread 1",
		  "info threads", "monitor info sregs", "thread 3", "monitor info sregs", "kill",
		  NULL);
	assert_has(g.err, "vCPU 0 (gdb thread 1):\nmode: long mode (64-bit)");
	assert_has(g.err, "vCPU 2 (gdb thread 3):\n");
	cr_expect(!strstr(g.err, "vCPU 3 (gdb thread 4)"), "%s", g.err);
	run_free(&g);
	stop(&vmm);
}

Test(gdb_ext, monitor_gdt_in_real_mode)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	int port = start(&vmm, &c, "lessons/01-hello");

	gdb_batch(&g, port, c.guest_elf, "monitor info gdt", "kill", NULL);
	assert_has(g.err, "real mode does not use the GDT");
	assert_has(g.err, "no lgdt yet");
	cr_expect(!strstr(g.err, "null"), "%s", g.err);
	run_free(&g);
	stop(&vmm);
}

/* 128 null descriptors (the listing is cut, and says so) and an IDT with no
 * present gate. */
Test(gdb_ext, monitor_says_when_cut_and_when_empty)
{
	struct child vmm;
	struct run_result g;
	char *args[] = { "--mode", "protected", "tests/guests/empty_tables.elf", NULL };
	int port = child_start_gdb_argv(&vmm, args);

	cr_assert_gt(port, 0, "%s", vmm.err_buf);
	gdb_batch(&g, port, "tests/guests/empty_tables.elf", "break tables_loaded", "continue",
		  "monitor info gdt", "monitor info idt", "kill", NULL);
	assert_has(g.err, "GDT at ");
	assert_has(g.err, "  ... 64 more entries not shown (the first 64 are above)\n");
	assert_has(g.err, "  (none: no gate is present, so any exception will triple-fault)\n");
	run_free(&g);
	stop(&vmm);
}

/* `layout asm` in real mode, in gdb's real TUI (tests/tui_screen.py runs it
 * in a pseudo terminal and prints the screen): 16-bit instructions from the
 * current one, which is marked, and the same after a stepi. */
Test(gdb_ext, tui_layout_asm_decodes_16_bit_code, .timeout = 120)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result t;
	char port_text[16];
	char *argv[] = { "python3", "tests/tui_screen.py", port_text, NULL, "stepi", NULL };
	int port = start(&vmm, &c, "lessons/01-hello");

	snprintf(port_text, sizeof(port_text), "%d", port);
	argv[3] = c.guest_elf;
	cr_assert_eq(run_argv(&t, argv, NULL, GDB_TIMEOUT_S), 0);
	cr_assert_not(t.timed_out, "%s", t.out);
	assert_has(t.out, "=> 0x7c00 <_start>:  mov    $0x7c10,%si ");
	assert_has(t.out, "=> 0x7c03 <next_char>:  mov    (%si),%al ");
	cr_expect(!strstr(t.out, "%esi"), "32-bit decoding:\n%s", t.out);
	run_free(&t);
	stop(&vmm);
}

/* Following the mode: at far_jump (PE set, CS still 16-bit) gdb decodes
 * 16-bit code; one stepi later, in the 32-bit code segment, 32-bit code,
 * with nobody typing `set architecture`. Off, the architecture stays. */
Test(gdb_ext, gdb_decodes_as_the_cpu_runs)
{
	struct lesson_conf c;
	struct child vmm;
	struct run_result g;
	int port = start(&vmm, &c, "lessons/08-protected-mode");

	gdb_batch(&g, port, c.guest_elf, EXTENSION, "break far_jump", "continue", "x/i $pc",
		  "stepi", "x/i $pc", "set minikvm-follow-mode off", "set architecture i8086",
		  "stepi", "x/i $pc", "kill", NULL);
	assert_has(g.out, "<far_jump>:\tljmp   $0x8,$0x7c90\n");
	assert_has(g.out, "<protected_entry>:\tmov    $0x10,%ax\n");
	/* off: still i8086 after the stop, so 32-bit code reads as nonsense */
	assert_has(g.out, "<protected_entry+4>:\tmov    %ax,%ds\n");
	expect_clean(&g);
	run_free(&g);
	stop(&vmm);
}

/* A disk boot with a 32-bit kernel's symbols: 16-bit decoding in the boot
 * sector, 32-bit in the kernel. */
Test(gdb_ext, disk_boot_decodes_16_then_32_bit_code)
{
	struct child vmm;
	struct run_result g;
	int port = child_start_gdb(&vmm, "--disk", PC_BOOT "/kernel.img", NULL);

	cr_assert(port > 0, "no gdb port: %s", vmm.err_buf);
	gdb_batch(&g, port, PC_BOOT "/kernel.elf", EXTENSION, "break *0x7c00", "continue",
		  "x/2i $pc", "break kernel_main", "continue", "x/i $pc", "kill", NULL);
	/* the boot sector's xor ax, ax; mov ds, ax (31 c0 8e d8) */
	assert_has(g.out, "=> 0x7c00:\txor    %ax,%ax\n   0x7c02:\tmov    %ax,%ds\n");
	assert_has(g.out, " <kernel_main>:\tpush   %ebp\n");
	run_free(&g);
	stop(&vmm);
}
