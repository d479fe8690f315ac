/*
 * cpuid.c - what a guest's CPUID instruction answers. KVM could tell us
 * all it supports (KVM_GET_SUPPORTED_CPUID), but where CPUID itself traps
 * to an outer hypervisor (nested hosts) asking costs most of a start-up:
 * KVM executes CPUID for each of its ~75 leaves. Guests here need little:
 * the vendor, baseline features, long mode, and each vCPU's APIC ID. So
 * kvm-vmm answers four leaves itself, with the host's own values masked to
 * features every x86-64 KVM offers a guest.
 */
#include <cpuid.h>
#include <string.h>

#include "x86/x86.h"

#define LEAF_VENDOR 0x0
#define LEAF_FEATURES 0x1
#define LEAF_EXT_MAX 0x80000000
#define LEAF_EXT_FEATURES 0x80000001

/* Leaf 1, EDX. */
#define F_FPU (1U << 0)
#define F_VME (1U << 1)
#define F_DE (1U << 2)
#define F_PSE (1U << 3)
#define F_TSC (1U << 4)
#define F_MSR (1U << 5)
#define F_PAE (1U << 6)
#define F_MCE (1U << 7)
#define F_CX8 (1U << 8)
#define F_APIC (1U << 9)
#define F_SEP (1U << 11)
#define F_MTRR (1U << 12)
#define F_PGE (1U << 13)
#define F_MCA (1U << 14)
#define F_CMOV (1U << 15)
#define F_PAT (1U << 16)
#define F_PSE36 (1U << 17)
#define F_CLFSH (1U << 19)
#define F_MMX (1U << 23)
#define F_FXSR (1U << 24)
#define F_SSE (1U << 25)
#define F_SSE2 (1U << 26)
/* Leaf 1, ECX. */
#define F_SSE3 (1U << 0)
#define F_PCLMULQDQ (1U << 1)
#define F_SSSE3 (1U << 9)
#define F_CX16 (1U << 13)
#define F_SSE41 (1U << 19)
#define F_SSE42 (1U << 20)
#define F_POPCNT (1U << 23)
#define F_HYPERVISOR (1U << 31) /* "you run in a virtual machine" */
/* Leaf 0x80000001. */
#define F_LAHF_LM (1U << 0)     /* ECX */
#define F_SYSCALL (1U << 11)    /* EDX */
#define F_NX (1U << 20)
#define F_LM (1U << 29)

#define LEAF1_EDX (F_FPU | F_VME | F_DE | F_PSE | F_TSC | F_MSR | F_PAE | F_MCE | F_CX8 | \
		   F_APIC | F_SEP | F_MTRR | F_PGE | F_MCA | F_CMOV | F_PAT | F_PSE36 |     \
		   F_CLFSH | F_MMX | F_FXSR | F_SSE | F_SSE2)
#define LEAF1_ECX (F_SSE3 | F_PCLMULQDQ | F_SSSE3 | F_CX16 | F_SSE41 | F_SSE42 | F_POPCNT)
#define EXT_EDX (F_SYSCALL | F_NX | F_LM)
#define EXT_ECX F_LAHF_LM

#define APIC_ID_SHIFT 24               /* leaf 1 EBX[31:24]: initial APIC ID */
#define LEAF1_EBX_KEEP 0x0000FFFFU      /* brand index, CLFLUSH line size */

static struct kvm_cpuid_entry2 leaf(uint32_t function)
{
	struct kvm_cpuid_entry2 e;

	memset(&e, 0, sizeof(e));
	e.function = function;
	__cpuid(function, e.eax, e.ebx, e.ecx, e.edx);
	return e;
}

void cpuid_table(uint32_t apic_id, struct kvm_cpuid_entry2 out[CPUID_ENTRIES])
{
	static struct kvm_cpuid_entry2 host[CPUID_ENTRIES];
	static bool have_host;

	if (!have_host) {   /* the host's leaves, read once */
		host[0] = leaf(LEAF_VENDOR);
		host[1] = leaf(LEAF_FEATURES);
		host[2] = leaf(LEAF_EXT_MAX);
		host[3] = leaf(LEAF_EXT_FEATURES);
		have_host = true;
	}
	memcpy(out, host, sizeof(host));
	out[0].eax = LEAF_FEATURES;                       /* the highest basic leaf */
	out[1].ebx = (out[1].ebx & LEAF1_EBX_KEEP) | apic_id << APIC_ID_SHIFT;
	out[1].ecx = (out[1].ecx & LEAF1_ECX) | F_HYPERVISOR;
	out[1].edx &= LEAF1_EDX;
	out[2].eax = LEAF_EXT_FEATURES;                   /* the highest extended leaf */
	out[3].eax = out[3].ebx = 0;
	out[3].ecx &= EXT_ECX;
	out[3].edx &= EXT_EDX;
}
