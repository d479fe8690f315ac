/*
 * x86.h - the x86 side of the runner: CPU modes and their set-up
 * (setup.c), what CPUID answers (cpuid.c), reading guest memory by linear address through the guest's
 * own page tables (paging.c), registers and descriptors in words
 * (describe.c), and the report of a guest that died (dump.c). The named
 * register bits are in bits.h.
 */
#ifndef VMM_X86_H
#define VMM_X86_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vcpu;
struct vm;

/* ---- CPU modes (setup.c) --------------------------------------------------- */

enum cpu_mode { MODE_REAL, MODE_PROTECTED, MODE_LONG };
#define CPU_MODES 3

/* "real", "protected" or "long". */
const char *cpu_mode_name(enum cpu_mode mode);
/* The mode the CPU is in now: real (CR0.PE clear), long (EFER.LMA set,
 * compatibility mode included) or protected. */
enum cpu_mode cpu_mode_of(const struct kvm_sregs *s);
/* True when the CPU runs 64-bit code (long mode and CS.L). */
bool cpu_in_64bit_code(const struct kvm_sregs *s);
/* The linear address of the next instruction (CS.base + RIP outside
 * 64-bit code): what gdb calls the PC. */
uint64_t cpu_linear_pc(const struct kvm_regs *r, const struct kvm_sregs *s);

/* The CPUID a vCPU answers (cpuid.c): vendor, baseline features, long
 * mode, and APIC ID apic_id in leaf 1; the host's values masked to what
 * every x86-64 KVM offers. Cheap where CPUID traps (nested hosts), unlike
 * KVM_GET_SUPPORTED_CPUID. Call it from one thread at a time. */
#define CPUID_ENTRIES 4
void cpuid_table(uint32_t apic_id, struct kvm_cpuid_entry2 out[CPUID_ENTRIES]);

/* Write the tables `mode` needs into guest RAM (GDT, page tables). */
void cpu_write_tables(uint8_t *mem, uint64_t mem_size, enum cpu_mode mode);
/* Set the registers of vCPU cpu for `mode`, starting at `entry` (segments,
 * control registers, stack, RDI = vCPU id, RSI = vCPU count). Returns 0 or
 * -1 with err. */
int cpu_setup(struct vcpu *cpu, enum cpu_mode mode, uint64_t entry, char *err);
/* Multiboot: EAX = magic, EBX = information structure (written to RAM). */
int cpu_setup_multiboot(struct vcpu *cpu, char *err);

/* ---- page walks (paging.c) ------------------------------------------------- */

/* The registers that decide how an address is translated. */
struct paging_regs {
	uint64_t cr0, cr3, cr4, efer;
};

enum paging_mode {
	PAGING_NONE,  /* CR0.PG clear: linear = physical */
	PAGING_32,    /* 2-level 32-bit paging (4 KiB, and 4 MiB with CR4.PSE) */
	PAGING_PAE,   /* 3-level PAE paging */
	PAGING_4LEVEL /* 4-level long-mode paging */
};

/* The paging registers of a vCPU state. */
struct paging_regs paging_regs_of(const struct kvm_sregs *s);
enum paging_mode paging_mode_of(const struct paging_regs *r);
const char *paging_mode_name(enum paging_mode m);

/*
 * Translate `linear` to *phys using the page tables in mem[0..mem_size).
 * Returns 0, or -1 when the address is not mapped (or a table lies outside
 * RAM). If page_size is not NULL it receives the size of the mapping page
 * (on failure: the span that the missing entry would have mapped) and
 * flags the entry's permission bits (PTE_RW, PTE_US, PTE_NX).
 */
int paging_translate(const struct paging_regs *r, const uint8_t *mem, uint64_t mem_size,
		     uint64_t linear, uint64_t *phys, uint64_t *page_size, uint64_t *flags);

/* Copy len bytes from linear address addr to buf, or from buf to addr,
 * page by page through the page tables. Returns 0, or -1 if any byte is
 * unmapped or outside RAM; paging_write then has written nothing. */
int paging_read(const struct paging_regs *r, const uint8_t *mem, uint64_t mem_size,
		uint64_t addr, void *buf, size_t len);
int paging_write(const struct paging_regs *r, uint8_t *mem, uint64_t mem_size,
		 uint64_t addr, const void *buf, size_t len);

/* Guest memory of vm by linear address, through the page tables that the
 * vCPU state s points to: paging_read/paging_write on the guest's RAM. */
int x86_read_linear(const struct vm *vm, const struct kvm_sregs *s, uint64_t addr, void *buf,
		    size_t len);
int x86_write_linear(struct vm *vm, const struct kvm_sregs *s, uint64_t addr, const void *buf,
		     size_t len);

/* Call fn for every mapped range, merging neighbours that map
 * contiguously with the same flags. Stops early if fn returns non-zero.
 * Returns false if it gave up after too many mappings (a guest can build
 * tables that would take minutes to walk). */
typedef int (*paging_visit_fn)(void *arg, uint64_t linear, uint64_t phys, uint64_t size,
			       uint64_t flags);
bool paging_walk(const struct paging_regs *r, const uint8_t *mem, uint64_t mem_size,
		 paging_visit_fn fn, void *arg);

/* ---- in words (describe.c) ---------------------------------------------------- */

/* "[PE ET PG]": the names of the bits set in a register value. */
void describe_cr0(char *out, size_t len, uint64_t v);
void describe_cr4(char *out, size_t len, uint64_t v);
void describe_efer(char *out, size_t len, uint64_t v);
void describe_rflags(char *out, size_t len, uint64_t v);
/* "real mode", "protected mode (32-bit)", "long mode (64-bit)", ... The
 * thread description gdb sees; scripts/gdb/minikvm.py takes "(16-bit)"
 * in it to mean 16-bit code. */
const char *describe_mode(const struct kvm_sregs *s);
/* "64-bit code", "32-bit data", "not present", "system" for a segment. */
const char *describe_segment_kind(const struct kvm_segment *s);
/* One line: "cs 0008  base ...  limit ...  type b  dpl 0  32-bit code". */
void describe_segment(char *out, size_t len, const char *name, const struct kvm_segment *s);
/* Decode an 8-byte GDT/LDT descriptor into a kvm_segment (selector too). */
void describe_decode_descriptor(uint64_t desc, uint16_t selector, struct kvm_segment *seg);

/* ---- instructions KVM could not emulate (complete.c) ------------------------ */

/* On hosts that emulate ring-0 code (nested PVM), `int N`, `int3`, `into`
 * and `iretd` in 32-bit protected mode end in an emulation failure;
 * kvm-vmm carries them out itself, as the CPU would. cpu just exited with
 * KVM_EXIT_INTERNAL_ERROR: if it is such an instruction, do it (registers,
 * segments, stack) and return true: the vCPU runs on. False leaves
 * everything as it was, for the fault report. */
bool x86_complete_failed_instruction(struct vcpu *cpu);

/* ---- fault reports (dump.c) ------------------------------------------------- */

/* Print the one-line reason ("kvm-vmm: guest fault: ..."), the decoded
 * registers of cpu and, when one can be told, the likely cause. */
void dump_fault(struct vcpu *cpu, const char *reason);
/* Print the registers of cpu to stderr. */
void dump_registers(struct vcpu *cpu);
/* When cpu called a BIOS service that is not there, or its instruction
 * pointer (less `back` bytes) lies outside every segment of the guest file
 * (it ran past the end), say so in buf and return it; else NULL. */
const char *explain_stray_pc(struct vcpu *cpu, unsigned back, char *buf, size_t len);
/* After a hlt: a note on stderr if cpu halted outside its program. */
void note_stray_halt(struct vcpu *cpu);

#endif
