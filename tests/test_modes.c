/*
 * test_modes.c - the runner end to end in each CPU mode: every port and
 * hypercall of the ABI, stdin through GETCHAR up to end of input, exit
 * codes, --timeout, a triple fault with its report, and the seed's flat
 * binaries.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PORTS_OUTPUT "EUHcN4294967295W hello\nwXTu[%s]$\n"
#define EXIT_CODE 42

static void check_ports(const char *mode, const char *guest, const char *input)
{
	struct run_result r;
	size_t len = (input ? strlen(input) : 0) + sizeof(PORTS_OUTPUT);
	char *expected = malloc(len);

	snprintf(expected, len, PORTS_OUTPUT, input ? input : "");
	cr_assert_eq(run_vmm(&r, input, 30, "--mode", mode, guest, NULL), 0);
	cr_assert_not(r.timed_out);
	cr_assert_str_eq(r.out, expected, "stderr: %s", r.err);
	cr_assert_eq(r.status, EXIT_CODE, "stderr: %s", r.err);
	cr_assert_str_eq(r.err, "");
	run_free(&r);
	free(expected);
}

Test(modes, real_mode_ports_and_hypercalls)
{
	check_ports("real", "tests/guests/ports_real.elf", "ab");
}

Test(modes, protected_mode_ports_and_hypercalls)
{
	check_ports("protected", "tests/guests/ports_pm.elf", "ab");
}

Test(modes, long_mode_ports_and_hypercalls)
{
	check_ports("long", "tests/guests/ports_long.elf", "ab");
}

Test(modes, getchar_at_end_of_input_from_the_start)
{
	check_ports("real", "tests/guests/ports_real.elf", NULL);
}

Test(modes, getchar_reads_binary_and_long_input)
{
	static char input[4001];

	for (int i = 0; i < 4000; i++)
		input[i] = 'a' + i % 26;
	check_ports("long", "tests/guests/ports_long.elf", input);
}

Test(modes, elf64_defaults_to_long_mode)
{
	struct run_result r;

	run_vmm(&r, "", 30, "tests/guests/ports_long.elf", NULL);
	cr_assert_eq(r.status, EXIT_CODE, "%s", r.err);
	run_free(&r);
}

Test(modes, exit_port_code_and_partial_line)
{
	struct run_result r;

	run_vmm(&r, NULL, 30, "tests/guests/exit_f4.elf", NULL);
	cr_assert_eq(r.status, 7);
	cr_assert_str_eq(r.out, "bye");
	run_free(&r);
}

Test(modes, timeout_stops_a_spinning_guest)
{
	struct run_result r;

	run_vmm(&r, NULL, 30, "--timeout", "0.5", "tests/guests/spin.elf", NULL);
	cr_assert_not(r.timed_out, "kvm-vmm itself had to be killed");
	cr_assert_eq(r.status, 124);
	cr_assert_str_eq(r.out, "spinning\n");
	cr_assert(strstr(r.err, "timed out after 0.5 s"), "%s", r.err);
	run_free(&r);
}

Test(modes, triple_fault_reports_and_exits_1)
{
	struct run_result r;

	run_vmm(&r, NULL, 30, "tests/guests/fault_long.elf", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strncmp(r.err, "kvm-vmm: guest fault: triple fault", 34) == 0, "%s", r.err);
	cr_assert(strstr(r.err, "rip 0000000000100007"), "%s", r.err);
	cr_assert(strstr(r.err, "efer 00000500 [LME LMA]"), "%s", r.err);
	cr_assert(strstr(r.err, "likely cause: IDT limit is 0"), "%s", r.err);
	run_free(&r);
}

Test(modes, seed_flat_binary_runs_unchanged)
{
	struct run_result r;

	run_vmm(&r, NULL, 30, "--stats", "tests/guests/flat/seed_hello.bin", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "Hello World!\n");
	cr_assert(strstr(r.err, "hypercall 1 PUTCHAR  13"), "%s", r.err);
	run_free(&r);
}

Test(modes, flat_binary_at_load_address)
{
	struct run_result r;

	/* The seed binary is position-dependent (org 0): loaded elsewhere and
	 * entered at its start it still runs its code, but reads its message
	 * from address 0+offset, now empty memory: it prints nothing, halts. */
	run_vmm(&r, NULL, 30, "--load-addr", "0x1000", "tests/guests/flat/seed_hello.bin", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "");
	run_free(&r);
}

Test(modes, trace_shows_every_exit)
{
	struct run_result r;

	run_vmm(&r, NULL, 30, "--trace", "lessons/01-hello/hello.elf", NULL);
	cr_assert_eq(r.status, 0);
	/* 'H' is the first byte out; rip is the instruction after the out */
	cr_assert(strstr(r.err, "trace: vcpu 0 exit IO rip 0x7c"), "%s", r.err);
	cr_assert(strstr(r.err, " out port 0xe9 size 1 count 1 value 0x48\n"), "%s", r.err);
	cr_assert(strstr(r.err, "exit HLT"), "%s", r.err);
	run_free(&r);
}
