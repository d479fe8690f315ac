/*
 * test_lab.c - lab 06's grader: runs tss32.elf and tss64.elf under the
 * lab's kvm-vmm ($KVM_VMM) with --gdb 0, drives the real gdb against it
 * (batch mode), and checks what `monitor tss` prints where the guests stop:
 * before and after `ltr`, in real, protected and long mode.
 * `make check LAB=06` runs it against your lab.c.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define GUEST32 "labs/06-monitor/tss32.elf"
#define GUEST64 "labs/06-monitor/tss64.elf"
#define SESSION_TIMEOUT 180

/* Start kvm-vmm --gdb 0 [--mode long] GUEST; returns the port. */
static int start_vmm(struct child *vmm, const char *guest, bool long_mode)
{
	int port = long_mode ? child_start_gdb(vmm, "--mode", "long", guest, NULL)
			     : child_start_gdb(vmm, guest, NULL);

	cr_assert_gt(port, 0, "%s --gdb 0 %s printed no port: did it start?", vmm_path(), guest);
	return port;
}

/* The guest ran to its end after gdb's last `continue`, and kvm-vmm did
 * not crash on the way (a bad pointer in lab_monitor ends it at once). */
static void finish(struct child *vmm, struct run_result *g)
{
	finish_vmm_with(vmm, 0, NULL);
	cr_expect(strstr(g->out, "exited normally") != NULL,
		  "the guest did not run to its end under gdb; gdb said:\n%s%s", g->out, g->err);
	run_free(g);
}

/* gdb shows the stub's console output, and so `monitor`'s text, on its
 * stderr: expect `line` there. */
static void expect_shown(const struct run_result *g, const char *line, const char *why)
{
	cr_expect(strstr(g->err, line) != NULL,
		  "`monitor tss` should print the line \"%.*s\": %s. gdb showed:\n%s",
		  (int)strcspn(line, "\n"), line, why, g->err);
}

Test(lab06, real_mode_has_no_tss, .timeout = SESSION_TIMEOUT)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, GUEST32, false);

	gdb_batch(&g, port, GUEST32, "monitor tss", "continue", NULL);
	expect_shown(&g, "real mode: no TSS",
		     "the guest is at its first instruction, in real mode (CR0.PE clear:"
		     " cpu_mode_of() says MODE_REAL), where there are no tasks; return 0 for"
		     " \"tss\", -1 for the commands that are not yours");
	finish(&vmm, &g);
}

Test(lab06, no_tss_before_ltr, .timeout = SESSION_TIMEOUT)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, GUEST32, false);

	gdb_batch(&g, port, GUEST32, "break protected_entry", "continue", "monitor tss",
		  "continue", NULL);
	expect_shown(&g, "no TSS: TR is 0",
		     "at protected_entry the guest is in protected mode but has not run ltr:"
		     " sregs->tr.selector is 0 (ltr refuses the null selector), and TR's base"
		     " and limit are leftovers, not a TSS");
	finish(&vmm, &g);
}

Test(lab06, tss32_is_decoded, .timeout = SESSION_TIMEOUT)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, GUEST32, false);

	gdb_batch(&g, port, GUEST32, "break task_loaded", "continue", "monitor tss", "continue",
		  NULL);
	expect_shown(&g, "TSS: selector 0x20, base 0x20000, limit 0x67, 32-bit\n",
		     "TR after `ltr 0x20`: its selector, base and limit are in sregs->tr");
	expect_shown(&g, "  esp0 0x00009000  ss0 0x0010\n",
		     "ESP0 is the dword at offset 4 of a 32-bit TSS, SS0 the word at 8");
	expect_shown(&g, "  esp1 0x00008800  ss1 0x0011\n",
		     "ESP1 is at offset 12, SS1 at 16");
	expect_shown(&g, "  io map 0x0068\n", "the I/O map base is the word at offset 102");
	finish(&vmm, &g);
}

Test(lab06, tss64_is_decoded, .timeout = SESSION_TIMEOUT)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, GUEST64, true);

	gdb_batch(&g, port, GUEST64, "break task_loaded", "continue", "monitor tss", "continue",
		  NULL);
	expect_shown(&g, "TSS: selector 0x20, base 0x40020000, limit 0x67, 64-bit\n",
		     "in long mode (EFER.LMA) the TSS is a 64-bit one. Its base is a linear"
		     " address (0x40020000 maps physical 0x20000 here): read it through the"
		     " page tables with x86_read_linear(), not at vm->mem + base");
	expect_shown(&g, "  rsp0 0xffff800000090000\n",
		     "RSP0 is the qword at offset 4 of a 64-bit TSS, not 8: a struct of it"
		     " needs __attribute__((packed))");
	expect_shown(&g, "  rsp2 0x0000000000070000\n", "RSP2 is at offset 20");
	expect_shown(&g, "  ist1 0x0000000000088000\n", "IST1 is at offset 36");
	expect_shown(&g, "  ist4 0x0000000000084000\n", "IST4 is at offset 60");
	expect_shown(&g, "  io map 0x0068\n", "the I/O map base is the word at offset 102");
	finish(&vmm, &g);
}

Test(lab06, other_commands_are_unchanged, .timeout = SESSION_TIMEOUT)
{
	struct child vmm;
	struct run_result g;
	int port = start_vmm(&vmm, GUEST32, false);

	gdb_batch(&g, port, GUEST32, "monitor help", "monitor nonsense", "continue", NULL);
	cr_expect(strstr(g.err, "\n  tss ") != NULL,
		  "`monitor help` should list tss (lab_monitor_help); gdb showed:\n%s", g.err);
	cr_expect(strstr(g.err, "unknown monitor command 'nonsense'") != NULL,
		  "`monitor nonsense` should still be unknown: lab_monitor() returns -1 for every"
		  " command but \"tss\"; gdb showed:\n%s", g.err);
	finish(&vmm, &g);
}
