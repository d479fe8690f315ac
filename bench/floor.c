/*
 * floor.c - the floor for the exit-cost benchmark: the least a program
 * must do to run a real-mode guest with the bare KVM API. It loads a flat
 * image at 0x7c00, starts it in real mode and loops on KVM_RUN: bytes
 * written to port 0xE9 go to stdout (buffered by stdio), a byte written to
 * port 0xF4 ends the program with that status, HLT ends it with 0.
 * No threads, no checks beyond what running needs, no other devices.
 *
 * usage: floor IMAGE.bin   (the flat binary of a guest linked at 0x7c00)
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_MEM_SIZE (1UL << 20)   /* 1 MiB of RAM: real mode sees no more */
#define LOAD_ADDR 0x7c00             /* like a boot sector, and like kvm-vmm */
#define STACK_TOP 0x7c00
#define PORT_DEBUGCON 0xE9
#define PORT_EXIT 0xF4
#define RFLAGS_FIXED 0x2             /* bit 1 of RFLAGS always reads 1 */
#define TSS_ADDR 0xfffbd000UL        /* VT-x real mode needs these three pages */
#define STATUS_FAULT 1

static void die(const char *what)
{
	perror(what);
	exit(STATUS_FAULT);
}

static void load_image(const char *path, uint8_t *mem)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		die(path);
	n = fread(mem + LOAD_ADDR, 1, GUEST_MEM_SIZE - LOAD_ADDR, f);
	if (n == 0 || ferror(f))
		die(path);
	fclose(f);
}

static void set_real_mode(int vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = LOAD_ADDR;
	regs.rsp = STACK_TOP;
	regs.rflags = RFLAGS_FIXED;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region;
	struct kvm_run *run;
	uint8_t *mem;
	int kvm, vm, vcpu, run_size;

	if (argc != 2) {
		fprintf(stderr, "usage: %s IMAGE.bin\n", argv[0]);
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	ioctl(vm, KVM_SET_TSS_ADDR, TSS_ADDR);   /* only VT-x needs it */

	mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	load_image(argv[1], mem);
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = GUEST_MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	set_real_mode(vcpu);

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			die("KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			uint8_t *data = (uint8_t *)run + run->io.data_offset;

			if (run->io.direction != KVM_EXIT_IO_OUT)
				break;   /* reads of other ports: nothing there */
			if (run->io.port == PORT_DEBUGCON)
				fwrite(data, run->io.size, run->io.count, stdout);
			else if (run->io.port == PORT_EXIT) {
				fflush(stdout);
				return data[0];
			}
			break;
		}
		case KVM_EXIT_HLT:
			fflush(stdout);
			return 0;
		default:
			fprintf(stderr, "floor: unexpected exit reason %u\n", run->exit_reason);
			return STATUS_FAULT;
		}
	}
}
