/*
 * ports.c - port I/O exits: route each `in`/`out` (and each element of a
 * string `ins`/`outs`) to the device behind the port: the console (0xE9),
 * the exit port (0xF4), the UART (0x3F8-0x3FF), the hypercalls (0x500), or
 * with --irqchip the keyboard (0x60, 0x64; KVM itself handles PIC and PIT),
 * the VGA CRT controller (0x3D4, 0x3D5, 0x3DA) and, for a disk boot, the
 * BIOS's service ports (0xE0-0xE4, see pc.h).
 * Reads from a port nothing answers return all ones, as on a real bus.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "lab.h"
#include "options.h"
#include "vmm.h"
#include "pc/pc.h"

/* A hypercall: read EAX..EDX, dispatch, write back what changed. Returns
 * false when the guest ended. */
static bool do_hypercall(struct vcpu *cpu, uint8_t nr)
{
	struct kvm_regs regs;
	struct hc_regs r, before;
	enum hc_outcome outcome;
	bool paused = false;

	if (ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0) {
		vmm_msg(cpu->vm, "KVM_GET_REGS: %s", strerror(errno));
		vm_end(cpu->vm, STATUS_FAULT);
		return false;
	}
	r = (struct hc_regs){ (uint32_t)regs.rax, (uint32_t)regs.rbx,
			      (uint32_t)regs.rcx, (uint32_t)regs.rdx };
	before = r;
	/* GETCHAR waits; while it does, gdb may stop the guest (and change
	 * registers) or the guest may end. */
	while ((outcome = hypercall_dispatch(cpu, nr, &r)) == HC_YIELD) {
		if (!vcpu_pause_in_io(cpu))
			return false;
		paused = true;
	}
	if (outcome == HC_ENDED)
		return false;
	if (memcmp(&r, &before, sizeof(r)) == 0)
		return true;
	if (paused && ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0) {   /* as gdb left them */
		vmm_msg(cpu->vm, "KVM_GET_REGS: %s", strerror(errno));
		vm_end(cpu->vm, STATUS_FAULT);
		return false;
	}
	/* A 32-bit result zero-extends into the 64-bit register. */
	regs.rax = r.eax;
	regs.rdx = r.edx;
	if (ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0) {
		vmm_msg(cpu->vm, "KVM_SET_REGS: %s", strerror(errno));
		vm_end(cpu->vm, STATUS_FAULT);
		return false;
	}
	return true;
}

/* One `out` (its low byte matters); returns false when the guest ended. */
static bool port_out(struct vcpu *cpu, uint16_t port, const uint8_t *data, int size)
{
	struct vm *vm = cpu->vm;

	switch (port) {
	case PORT_DEBUGCON:
		console_write(vm, data, 1);
		return true;
	case PORT_EXIT:
		/* QEMU's isa-debug-exit (-device isa-debug-exit) ends with (AL << 1) | 1. */
		vm_end(vm, vm->vmm && vm->vmm->opts->qemu_exit_status ? (uint8_t)(data[0] << 1 | 1)
								      : data[0]);
		return false;
	case PORT_HYPERCALL:
		return do_hypercall(cpu, data[0]);
	}
	if (port >= PORT_BIOS_FIRST && port <= PORT_BIOS_LAST)
		return bios_port_out(cpu, port);
	if (vga_is_port(port))
		vga_out(vm, port, data, size);
	else if (port >= PORT_COM1 && port <= PORT_COM1_LAST)
		uart_out(vm, port, data[0]);
	else if ((port == PORT_KBD_DATA || port == PORT_KBD_STATUS) && vm->irqchip)
		kbd_out(vm, port, data[0]);
	else
		lab_port_out(cpu, port, data, size);   /* a lab's device (vmm/lab.h) */
	return true;   /* nothing there: the write is lost, as on real hardware */
}

static void port_in(struct vcpu *cpu, uint16_t port, uint8_t *data, int size)
{
	memset(data, 0xff, size);
	if (port >= PORT_COM1 && port <= PORT_COM1_LAST)
		data[0] = uart_in(cpu->vm, port);
	else if ((port == PORT_KBD_DATA || port == PORT_KBD_STATUS) && cpu->vm->irqchip)
		data[0] = kbd_in(cpu->vm, port);
	else if (vga_is_port(port))
		data[0] = vga_in(cpu->vm, port);
	else if (port == PORT_HYPERCALL)   /* guests that read GETCHAR's result with `in` */
		memcpy(data, &cpu->hc.last_result, (size_t)size < sizeof(uint32_t) ? (size_t)size
										   : sizeof(uint32_t));
	else
		lab_port_in(cpu, port, data, size);   /* a lab's device (vmm/lab.h) */
}

bool ports_handle_io(struct vcpu *cpu)
{
	/* A copy: a wait inside a hypercall may let KVM bring the next exit
	 * into the run area (vcpu_complete_io). */
	struct kvm_run *run = cpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint8_t direction = run->io.direction;
	uint16_t port = run->io.port;
	uint32_t count = run->io.count;
	int size = run->io.size;

	/* `rep outsb` to the console: all the bytes KVM delivered in this exit
	 * (the whole string with hardware virtualization; hosts that emulate
	 * ring-0 code, like nested PVM, deliver one byte per exit). */
	if (direction == KVM_EXIT_IO_OUT && port == PORT_DEBUGCON && size == 1) {
		console_write(cpu->vm, data, count);
		return true;
	}
	/* Other string instructions arrive as `count` elements. */
	for (uint32_t i = 0; i < count && !cpu->exit_pending; i++, data += size) {
		if (direction == KVM_EXIT_IO_OUT) {
			if (!port_out(cpu, port, data, size))
				return false;
		} else {
			port_in(cpu, port, data, size);
		}
	}
	return true;
}
