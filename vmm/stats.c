/*
 * stats.c - counting made visible: --stats prints each guest's VM exits by
 * reason and hypercalls by number at the end; --trace prints every exit as
 * it happens, to show what a guest costs the hypervisor.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

const char *exit_reason_name(unsigned reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG", [KVM_EXIT_HLT] = "HLT", [KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN", [KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY", [KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR", [KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_NMI] = "NMI", [KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT", [KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "OTHER";
}

void stats_print(struct vmm *vmm, double wall_seconds)
{
	for (int g = 0; g < vmm->nvms; g++) {
		struct vm *vm = &vmm->vms[g];
		struct vcpu_stats sum;
		uint64_t total = 0;

		memset(&sum, 0, sizeof(sum));
		for (int i = 0; i < vm->ncpus; i++) {
			const struct vcpu_stats *st = &vm->cpus[i].stats;

			for (int r = 0; r < EXIT_REASONS; r++)
				sum.exits[r] += st->exits[r];
			for (int h = 0; h < HC_COUNT; h++)
				sum.hypercalls[h] += st->hypercalls[h];
			sum.hypercalls_unknown += st->hypercalls_unknown;
		}
		for (int r = 0; r < EXIT_REASONS; r++)
			total += sum.exits[r];
		fprintf(stderr, "stats: guest %d (%s): %d vCPU%s, exit status %d\n", g, vm->path,
			vm->ncpus, vm->ncpus > 1 ? "s" : "", vm->status);
		fprintf(stderr, "stats:   VM exits: %llu\n", (unsigned long long)total);
		for (int r = 0; r < EXIT_REASONS; r++)
			if (sum.exits[r])
				fprintf(stderr, "stats:     %-16s %llu\n", exit_reason_name(r),
					(unsigned long long)sum.exits[r]);
		for (int h = 0; h < HC_COUNT; h++)
			if (sum.hypercalls[h])
				fprintf(stderr, "stats:   hypercall %d %-8s %llu\n", h,
					hypercall_name(h), (unsigned long long)sum.hypercalls[h]);
		if (sum.hypercalls_unknown)
			fprintf(stderr, "stats:   hypercall unknown    %llu\n",
				(unsigned long long)sum.hypercalls_unknown);
	}
	fprintf(stderr, "stats: wall time %.3f ms\n", wall_seconds * 1e3);
}

void trace_exit(struct vcpu *cpu)
{
	struct kvm_run *run = cpu->run;
	struct kvm_regs regs;
	char detail[128] = "";
	char who[32] = "";

	if (ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0)
		memset(&regs, 0, sizeof(regs));
	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		const uint8_t *data = (const uint8_t *)run + run->io.data_offset;

		if (run->io.direction == KVM_EXIT_IO_OUT)
			snprintf(detail, sizeof(detail), " out port 0x%x size %u count %u value 0x%x",
				 run->io.port, run->io.size, run->io.count, data[0]);
		else
			snprintf(detail, sizeof(detail), " in port 0x%x size %u count %u",
				 run->io.port, run->io.size, run->io.count);
		if (run->io.port == PORT_HYPERCALL && run->io.direction == KVM_EXIT_IO_OUT) {
			const char *name = hypercall_name(data[0]);

			snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
				 " hypercall %s", name ? name : "unknown (EAX=0xffffffff)");
		}
		break;
	}
	case KVM_EXIT_MMIO:
		snprintf(detail, sizeof(detail), " %s address 0x%llx len %u (no device)",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len);
		break;
	}
	if (cpu->vm->vmm && cpu->vm->vmm->nvms > 1)
		snprintf(who, sizeof(who), "[%d] ", cpu->vm->index);
	fprintf(stderr, "trace: %svcpu %d exit %s rip 0x%llx%s\n", who, cpu->id,
		exit_reason_name(run->exit_reason), regs.rip, detail);
}
