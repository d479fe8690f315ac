/*
 * setup.c - the CPU modes: which one a vCPU is in, and the CPU state a guest finds at its first instruction, for
 * each start-up mode: real mode as after reset, flat 32-bit protected mode,
 * or 64-bit long mode with identity-mapped paging; and the Multiboot
 * hand-over. The tables it writes into guest RAM live at the addresses
 * named in layout.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "layout.h"
#include "multiboot.h"
#include "vmm.h"
#include "x86/bits.h"
#include "x86/x86.h"

const char *cpu_mode_name(enum cpu_mode mode)
{
	switch (mode) {
	case MODE_REAL: return "real";
	case MODE_PROTECTED: return "protected";
	case MODE_LONG: return "long";
	}
	return "?";
}

enum cpu_mode cpu_mode_of(const struct kvm_sregs *s)
{
	if (!(s->cr0 & CR0_PE))
		return MODE_REAL;
	return (s->efer & EFER_LMA) ? MODE_LONG : MODE_PROTECTED;
}

bool cpu_in_64bit_code(const struct kvm_sregs *s)
{
	return (s->efer & EFER_LMA) && s->cs.l;
}

uint64_t cpu_linear_pc(const struct kvm_regs *r, const struct kvm_sregs *s)
{
	if (cpu_in_64bit_code(s))
		return r->rip;
	return (uint32_t)(s->cs.base + r->rip);
}

/* An 8-byte GDT descriptor from its parts. */
static uint64_t gdt_entry(uint32_t base, uint32_t limit, uint64_t flags)
{
	return ((uint64_t)(limit & 0xffff)) |
	       ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)(base >> 24) << 56) | flags;
}

#define FLAT_LIMIT 0xfffff /* with DESC_G: 4 GiB */
#define DESC_CODE (DESC_P | DESC_S | ((uint64_t)SEG_TYPE_CODE_XR << DESC_TYPE_SHIFT))
#define DESC_DATA (DESC_P | DESC_S | ((uint64_t)SEG_TYPE_DATA_RW << DESC_TYPE_SHIFT))

static void write_gdt(uint8_t *mem)
{
	uint64_t gdt[LAYOUT_GDT_ENTRIES] = {
		0,
		gdt_entry(0, FLAT_LIMIT, DESC_CODE | DESC_DB | DESC_G), /* 0x08: code32 */
		gdt_entry(0, FLAT_LIMIT, DESC_DATA | DESC_DB | DESC_G), /* 0x10: data */
		gdt_entry(0, FLAT_LIMIT, DESC_CODE | DESC_L | DESC_G),  /* 0x18: code64 */
	};

	memcpy(mem + LAYOUT_GDT, gdt, sizeof(gdt));
}

/* Identity map of the first 4 GiB with 2 MiB pages: PML4[0] -> PDPT,
 * PDPT[0..3] -> four page directories of 512 large pages each. */
static void write_page_tables(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + LAYOUT_PML4);
	uint64_t *pdpt = (uint64_t *)(mem + LAYOUT_PDPT);

	memset(mem + LAYOUT_PML4, 0, LAYOUT_PAGING_END - LAYOUT_PML4);
	pml4[0] = LAYOUT_PDPT | PTE_P | PTE_RW;
	for (int d = 0; d < LAYOUT_PD_COUNT; d++) {
		uint64_t pd_addr = LAYOUT_PD + d * PAGE_SIZE;
		uint64_t *pd = (uint64_t *)(mem + pd_addr);

		pdpt[d] = pd_addr | PTE_P | PTE_RW;
		for (int i = 0; i < PT_ENTRIES_64; i++)
			pd[i] = ((uint64_t)d * HUGE_PAGE_1G + i * LARGE_PAGE_2M) |
				PTE_P | PTE_RW | PTE_PS;
	}
}

void cpu_write_tables(uint8_t *mem, uint64_t mem_size, enum cpu_mode mode)
{
	(void)mem_size;
	if (mode == MODE_PROTECTED || mode == MODE_LONG)
		write_gdt(mem);
	if (mode == MODE_LONG)
		write_page_tables(mem);
}

/* A segment as KVM wants it, from a GDT entry of ours. */
static struct kvm_segment flat_segment(uint16_t selector, bool code, bool is64)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = code ? SEG_TYPE_CODE_XR : SEG_TYPE_DATA_RW,
		.present = 1,
		.dpl = 0,
		.db = is64 ? 0 : 1,
		.s = 1,
		.l = is64 ? 1 : 0,
		.g = 1,
	};
}

static void set_real_mode(struct kvm_sregs *s)
{
	struct kvm_segment seg = {
		.base = 0, .limit = 0xffff, .selector = 0,
		.present = 1, .s = 1, .type = SEG_TYPE_DATA_RW,
	};

	s->ds = s->es = s->fs = s->gs = s->ss = seg;
	seg.type = SEG_TYPE_CODE_XR;
	s->cs = seg;
	s->cr0 &= ~(CR0_PE | CR0_PG);
	s->efer = 0;
}

static void set_protected_mode(struct kvm_sregs *s)
{
	s->cs = flat_segment(LAYOUT_SEL_CODE32, true, false);
	s->ds = s->es = s->fs = s->gs = s->ss = flat_segment(LAYOUT_SEL_DATA, false, false);
	s->gdt.base = LAYOUT_GDT;
	s->gdt.limit = LAYOUT_GDT_ENTRIES * 8 - 1;
	s->idt.base = 0;   /* no IDT until the guest loads one */
	s->idt.limit = 0;
	s->cr0 |= CR0_PE;
	s->cr0 &= ~(CR0_PG | CR0_CD | CR0_NW);   /* caches on, as firmware leaves them */
	s->efer = 0;
}

static void set_long_mode(struct kvm_sregs *s)
{
	set_protected_mode(s);
	s->cs = flat_segment(LAYOUT_SEL_CODE64, true, true);
	s->cr3 = LAYOUT_PML4;
	s->cr4 |= CR4_PAE;
	s->cr0 |= CR0_PE | CR0_PG;
	s->efer |= EFER_LME | EFER_LMA;
}

int cpu_setup(struct vcpu *cpu, enum cpu_mode mode, uint64_t entry, char *err)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(cpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return vmm_fail(err, "KVM_GET_SREGS: %s", strerror(errno));
	switch (mode) {
	case MODE_REAL: set_real_mode(&sregs); break;
	case MODE_PROTECTED: set_protected_mode(&sregs); break;
	case MODE_LONG: set_long_mode(&sregs); break;
	}
	if (ioctl(cpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return vmm_fail(err, "KVM_SET_SREGS (%s mode): %s", cpu_mode_name(mode),
				strerror(errno));

	memset(&regs, 0, sizeof(regs));
	regs.rflags = RFLAGS_FIXED;
	regs.rip = entry;
	regs.rsp = LAYOUT_STACK_TOP;
	regs.rdi = cpu->id;          /* which vCPU this is, for --smp guests */
	regs.rsi = cpu->vm->ncpus;   /* ... and how many there are */
	if (ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0)
		return vmm_fail(err, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

#define KIB_SHIFT 10

/* The Multiboot information: memory sizes, a memory map and our name. */
static void write_multiboot_info(uint8_t *mem, uint64_t mem_size)
{
	static const char name[] = "mini-kvm";
	uint64_t at = LAYOUT_MB_INFO;
	struct multiboot_info *mbi = (void *)(mem + at);
	uint64_t low = mem_size < LAYOUT_LOW_MEM_END ? mem_size : LAYOUT_LOW_MEM_END;
	struct multiboot_mmap_entry mmap[2] = {
		{ .size = MB_MMAP_ENTRY_SIZE, .addr = 0, .len = low, .type = MB_MMAP_AVAILABLE },
		{ .size = MB_MMAP_ENTRY_SIZE, .addr = LAYOUT_KERNEL_BASE, .len = mem_size - LAYOUT_KERNEL_BASE,
		  .type = MB_MMAP_AVAILABLE },
	};
	uint64_t mmap_at = at + sizeof(*mbi);
	uint64_t name_at = mmap_at + sizeof(mmap);

	memset(mbi, 0, sizeof(*mbi));
	mbi->flags = MBI_MEMORY | MBI_MMAP | MBI_BOOTLOADER_NAME;
	mbi->mem_lower = low >> KIB_SHIFT;
	mbi->mem_upper = mem_size > LAYOUT_KERNEL_BASE ? (mem_size - LAYOUT_KERNEL_BASE) >> KIB_SHIFT : 0;
	if (mem_size <= LAYOUT_KERNEL_BASE)
		mmap[1].len = 0;
	memcpy(mem + mmap_at, mmap, sizeof(mmap));
	mbi->mmap_addr = mmap_at;
	mbi->mmap_length = sizeof(mmap);
	memcpy(mem + name_at, name, sizeof(name));
	mbi->boot_loader_name = name_at;
}

int cpu_setup_multiboot(struct vcpu *cpu, char *err)
{
	struct kvm_regs regs;

	write_multiboot_info(cpu->vm->mem, cpu->vm->mem_size);
	if (ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0)
		return vmm_fail(err, "KVM_GET_REGS: %s", strerror(errno));
	regs.rax = MB_BOOTLOADER_MAGIC;
	regs.rbx = LAYOUT_MB_INFO;
	if (ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0)
		return vmm_fail(err, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}
