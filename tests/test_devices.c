/*
 * test_devices.c - unit tests of the device logic without KVM: hypercall
 * results and bounds checks, and the UART registers (divisor latch,
 * scratch, line status).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

#define RAM 0x10000

static struct vm vm;
static struct vcpu cpu;

static void setup(void)
{
	memset(&vm, 0, sizeof(vm));
	memset(&cpu, 0, sizeof(cpu));
	vm.mem = calloc(1, RAM);
	vm.mem_size = RAM;
	vm.path = "test";
	console_init(&vm);
	uart_init(&vm);
	cpu.vm = &vm;
}

static void teardown(void)
{
	free(vm.mem);
}

TestSuite(hypercall, .init = setup, .fini = teardown);
TestSuite(uart, .init = setup, .fini = teardown);

Test(hypercall, write_checks_bounds)
{
	struct hc_regs r = { .ebx = RAM - 4, .ecx = 4 };

	cr_assert_eq(hypercall_dispatch(&cpu, HC_WRITE, &r), HC_DONE);
	cr_assert_eq(r.eax, 4);
	r = (struct hc_regs){ .ebx = RAM - 4, .ecx = 5 };
	hypercall_dispatch(&cpu, HC_WRITE, &r);
	cr_assert_eq(r.eax, HC_ERROR);
	r = (struct hc_regs){ .ebx = 0xfffffff0, .ecx = 0x20 };   /* wraps in 32 bits */
	hypercall_dispatch(&cpu, HC_WRITE, &r);
	cr_assert_eq(r.eax, HC_ERROR);
	r = (struct hc_regs){ .ebx = RAM, .ecx = 0 };               /* empty, at the end */
	hypercall_dispatch(&cpu, HC_WRITE, &r);
	cr_assert_eq(r.eax, 0);
	cr_assert_eq(cpu.stats.hypercalls[HC_WRITE], 4);
}

Test(hypercall, time_is_monotonic)
{
	struct hc_regs a = { 0 }, b = { 0 };
	uint64_t ta, tb;

	hypercall_dispatch(&cpu, HC_TIME, &a);
	hypercall_dispatch(&cpu, HC_TIME, &b);
	ta = ((uint64_t)a.edx << 32) | a.eax;
	tb = ((uint64_t)b.edx << 32) | b.eax;
	cr_assert_gt(ta, 0);
	cr_assert_geq(tb, ta);
}

Test(hypercall, unknown_number_returns_error)
{
	struct hc_regs r = { .eax = 7 };

	cr_assert_eq(hypercall_dispatch(&cpu, 200, &r), HC_DONE);
	cr_assert_eq(r.eax, HC_ERROR);
	cr_assert_eq(cpu.stats.hypercalls_unknown, 1);
	cr_assert_str_eq(hypercall_name(HC_PUTNUM), "PUTNUM");
	cr_assert_null(hypercall_name(6));
}

Test(uart, registers)
{
	uart_out(&vm, PORT_COM1 + 7, 0x5a);           /* scratch */
	cr_assert_eq(uart_in(&vm, PORT_COM1 + 7), 0x5a);
	uart_out(&vm, PORT_COM1 + 3, 0x80);           /* LCR.DLAB */
	uart_out(&vm, PORT_COM1 + 0, 0x03);           /* divisor 3: 38400 baud */
	uart_out(&vm, PORT_COM1 + 1, 0x00);
	cr_assert_eq(uart_in(&vm, PORT_COM1 + 0), 0x03);
	uart_out(&vm, PORT_COM1 + 3, 0x03);           /* 8N1, DLAB off */
	cr_assert_eq(uart_in(&vm, PORT_COM1 + 3), 0x03);
	cr_assert_eq(uart_in(&vm, PORT_COM1 + 5) & 0x60, 0x60, "transmitter not empty");
	cr_assert_eq(uart_in(&vm, PORT_COM1 + 2) & 1, 1, "an interrupt is pending");
}
