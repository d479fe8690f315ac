/*
 * test_irqchip.c - --irqchip: KVM's in-kernel PIC and PIT deliver timer
 * interrupts, stdin reaches the guest as keyboard IRQs once it enables the
 * keyboard, and a guest halted with interrupts off still ends (status 0)
 * even though `hlt` no longer exits to kvm-vmm.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

#define LESSON "lessons/11-interrupts/interrupts.elf"

Test(irqchip, timer_ticks_and_keyboard_input)
{
	struct run_result r;

	run_vmm(&r, "hello\n", 30, "--irqchip", LESSON, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "counted 10 timer ticks\n"), "%s", r.out);
	cr_assert(strstr(r.out, "keys: hello\n"), "%s", r.out);
	run_free(&r);
}

Test(irqchip, exceptions_return)
{
	struct run_result r;

	run_vmm(&r, "x\n", 30, "--irqchip", LESSON, NULL);
	cr_assert(strstr(r.out, "  #DE caught: skipping the div\nback after #DE\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  #PF caught: CR2 = 1:0\nback after #PF\n"), "%s", r.out);
	run_free(&r);
}

Test(irqchip, halt_with_interrupts_off_ends_the_guest)
{
	struct run_result r;

	run_vmm(&r, NULL, 30, "--irqchip", "tests/guests/halt_irqchip.elf", NULL);
	cr_assert_not(r.timed_out, "kvm-vmm hung on cli; hlt");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "halting with interrupts off\n");
	run_free(&r);
}

Test(irqchip, ordinary_guest_runs_with_irqchip)
{
	struct run_result r;

	run_vmm(&r, NULL, 30, "--irqchip", "lessons/01-hello/hello.elf", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "Hello, KVM!\n");
	run_free(&r);
}
