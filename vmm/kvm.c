/*
 * kvm.c - the KVM plumbing: open /dev/kvm, create a VM with its guest RAM,
 * create its vCPUs with their shared kvm_run areas, and tear it all down.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"
#include "x86/x86.h"

static int kvm = -1;

/* Where KVM may put the TSS and identity map it needs for real mode on
 * Intel VT-x: three pages just below 4 GiB, far above any guest RAM. */
#define KVM_TSS_ADDR 0xfffbd000UL
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ULL

int kvm_fd(void)
{
	return kvm;
}

int kvm_open(char *err)
{
	int version;

	if (kvm >= 0)
		return 0;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		int e = errno;

		kvm = -1;
		if (e == ENOENT)
			return vmm_fail(err, "cannot open /dev/kvm: no such device — this machine has "
					"no KVM (enable virtualization in the BIOS, or modprobe kvm_intel/kvm_amd)");
		if (e == EACCES || e == EPERM)
			return vmm_fail(err, "cannot open /dev/kvm: %s — add your user to the kvm "
					"group (sudo usermod -aG kvm $USER, then log in again)", strerror(e));
		return vmm_fail(err, "cannot open /dev/kvm: %s%s", strerror(e), vmm_errno_hint(e));
	}
	version = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		close(kvm);
		kvm = -1;
		return vmm_fail(err, "/dev/kvm speaks API version %d, expected %d", version,
				KVM_API_VERSION);
	}
	return 0;
}

bool vm_range_ok(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	return gpa <= vm->mem_size && len <= vm->mem_size - gpa;
}

/* Every vCPU gets the CPUID of x86/cpuid.c, with its own APIC ID. */
static int vcpu_set_cpuid(struct vcpu *cpu, char *err)
{
	struct {
		struct kvm_cpuid2 head;
		struct kvm_cpuid_entry2 entries[CPUID_ENTRIES];
	} c;

	memset(&c, 0, sizeof(c));
	c.head.nent = CPUID_ENTRIES;
	cpuid_table((uint32_t)cpu->id, c.entries);
	if (ioctl(cpu->fd, KVM_SET_CPUID2, &c) < 0)
		return vmm_fail(err, "KVM_SET_CPUID2: %s", strerror(errno));
	return 0;
}

static int vcpu_create(struct vm *vm, struct vcpu *cpu, int id, char *err)
{
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	cpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (cpu->fd < 0)
		return vmm_fail(err, "cannot create vCPU %d (KVM_CREATE_VCPU): %s%s", id,
				strerror(errno), vmm_errno_hint(errno));
	if (run_size < (int)sizeof(struct kvm_run))
		return vmm_fail(err, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	cpu->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
	if (cpu->run == MAP_FAILED) {
		cpu->run = NULL;
		return vmm_fail(err, "mmap of vCPU %d run area: %s%s", id, strerror(errno),
				vmm_errno_hint(errno));
	}
	return vcpu_set_cpuid(cpu, err);
}

/* KVM's own 8259 PICs, I/O APIC and 8254 PIT; the local APICs come with
 * the vCPUs. Must happen before any vCPU is created. */
static int create_irqchip(struct vm *vm, char *err)
{
	struct kvm_pit_config pit = { .flags = 0 };

	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return vmm_fail(err, "--irqchip: KVM_CREATE_IRQCHIP: %s (this host's KVM has no "
				"in-kernel interrupt controller)", strerror(errno));
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0)
		return vmm_fail(err, "--irqchip: KVM_CREATE_PIT2: %s", strerror(errno));
	vm->irqchip = true;
	return 0;
}

/* An AP waits for a startup IPI when KVM emulates the local APICs; these
 * guests expect every vCPU to start at the entry point, as without an
 * irqchip. */
static int make_runnable(struct vcpu *cpu, char *err)
{
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };

	if (ioctl(cpu->fd, KVM_SET_MP_STATE, &runnable) < 0)
		return vmm_fail(err, "vCPU %d: KVM_SET_MP_STATE: %s", cpu->id, strerror(errno));
	return 0;
}

bool kvm_has_readonly_mem(void)
{
	return kvm >= 0 && ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
}

/* Slot `slot` maps guest RAM [start, end) (size 0 deletes the slot). */
static int set_slot(struct vm *vm, uint32_t slot, uint64_t start, uint64_t end, bool readonly)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.flags = readonly ? KVM_MEM_READONLY : vm->log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0,
		.guest_phys_addr = start,
		.memory_size = end - start,
		.userspace_addr = (uintptr_t)vm->mem + start,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
}

int vm_map_ram(struct vm *vm, const struct phys_range *ro, int nro, int *slots, char *err)
{
	uint64_t at = 0;
	int n = 0;

	/* Slots may not overlap: take the old ones away first. */
	for (int i = 0; i < *slots; i++)
		set_slot(vm, (uint32_t)i, 0, 0, false);
	*slots = 0;
	vm->map_generation++;
	vm->one_slot = nro == 0;
	for (int i = 0; i <= nro; i++) {
		uint64_t ro_start = i < nro ? ro[i].start : vm->mem_size;

		if (ro_start > at && set_slot(vm, (uint32_t)n++, at, ro_start, false) < 0)
			goto fail;
		if (i < nro && !ro[i].absent &&
		    set_slot(vm, (uint32_t)n++, ro[i].start, ro[i].end, true) < 0)
			goto fail;
		at = i < nro ? ro[i].end : vm->mem_size;
	}
	*slots = n;
	return 0;
fail:
	vmm_fail(err, "KVM_SET_USER_MEMORY_REGION (slot %d): %s", n - 1, strerror(errno));
	for (int i = 0; i < n; i++)
		set_slot(vm, (uint32_t)i, 0, 0, false);
	*slots = set_slot(vm, 0, 0, vm->mem_size, false) == 0 ? 1 : 0;
	vm->one_slot = *slots == 1;
	return -1;
}

int vm_dirty_log(struct vm *vm, bool on)
{
	vm->log_dirty = on;
	vm->map_generation++;
	if (!vm->one_slot)
		return 0;   /* the slots take the flag when they are mapped again */
	return set_slot(vm, 0, 0, vm->mem_size, false);
}

int vm_dirty_log_read(struct vm *vm, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };

	if (!vm->log_dirty || !vm->one_slot) {
		errno = EINVAL;
		return -1;
	}
	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

int vm_create(struct vm *vm, uint64_t mem_size, int ncpus, bool irqchip, char *err)
{
	struct kvm_userspace_memory_region region;
	uint64_t map = KVM_IDENTITY_MAP_ADDR;

	vm->fd = -1;
	vm->mem = NULL;
	vm->cpus = NULL;
	vm->ncpus = 0;
	vm->log_dirty = vm->one_slot = false;
	vm->map_generation = 0;
	atomic_init(&vm->ending, false);
	atomic_init(&vm->stop_wanted, false);
	atomic_init(&vm->status, STATUS_OK);
	console_init(vm);
	uart_init(vm);
	if (kvm_open(err) < 0)
		return -1;
	vm->fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return vmm_fail(err, "KVM_CREATE_VM: %s%s", strerror(errno), vmm_errno_hint(errno));
	/* Needed for real mode on Intel VT-x; other hosts may not know them. */
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0 && errno != ENOTTY && errno != EINVAL)
		return vmm_fail(err, "KVM_SET_TSS_ADDR: %s", strerror(errno));
	if (ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &map) < 0 && errno != ENOTTY &&
	    errno != EINVAL)
		return vmm_fail(err, "KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
	if (irqchip && create_irqchip(vm, err) < 0)
		return -1;

	/* Anonymous and MAP_NORESERVE: pages cost nothing until touched. */
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return vmm_fail(err, "cannot reserve %llu bytes of guest RAM: %s",
				(unsigned long long)mem_size, strerror(errno));
	}
	vm->mem_size = mem_size;
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size,
		.userspace_addr = (uintptr_t)vm->mem,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return vmm_fail(err, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	vm->one_slot = true;

	vm->cpus = calloc(ncpus, sizeof(*vm->cpus));
	if (!vm->cpus)
		return vmm_fail(err, "out of memory");
	for (int i = 0; i < ncpus; i++) {
		struct vcpu *cpu = &vm->cpus[i];

		cpu->vm = vm;
		cpu->id = i;
		cpu->fd = -1;
		pthread_mutex_init(&cpu->kick_lock, NULL);
		vm->ncpus = i + 1;
		if (vcpu_create(vm, cpu, i, err) < 0)
			return -1;
		if (irqchip && i > 0 && make_runnable(cpu, err) < 0)
			return -1;
	}
	if (irqchip)
		kbd_init(vm);
	return 0;
}

void vm_destroy(struct vm *vm)
{
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	for (int i = 0; i < vm->ncpus; i++) {
		if (vm->cpus[i].run)
			munmap(vm->cpus[i].run, run_size);
		if (vm->cpus[i].fd >= 0)
			close(vm->cpus[i].fd);
		pthread_mutex_destroy(&vm->cpus[i].kick_lock);
	}
	free(vm->cpus);
	vm->cpus = NULL;
	vm->ncpus = 0;
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	vm->mem = NULL;
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
}

void vm_forget(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++)
		pthread_mutex_destroy(&vm->cpus[i].kick_lock);
	free(vm->cpus);
	vm->cpus = NULL;
	vm->ncpus = 0;
}
