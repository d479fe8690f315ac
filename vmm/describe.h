/*
 * describe.h - x86 state in words, for people: flag names of CR0, CR4,
 * EFER and RFLAGS, segment descriptors, the CPU mode. Shared by the fault
 * dump and the gdb `monitor` commands.
 */
#ifndef VMM_DESCRIBE_H
#define VMM_DESCRIBE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

/* "[PE ET PG]": the names of the bits set in a register value. */
void describe_cr0(char *out, size_t len, uint64_t v);
void describe_cr4(char *out, size_t len, uint64_t v);
void describe_efer(char *out, size_t len, uint64_t v);
void describe_rflags(char *out, size_t len, uint64_t v);
/* "real mode", "protected mode (32-bit)", "long mode (64-bit)", ... */
const char *describe_mode(const struct kvm_sregs *s);
/* "64-bit code", "32-bit data", "not present", "system" for a segment. */
const char *describe_segment_kind(const struct kvm_segment *s);
/* One line: "cs 0008  base ...  limit ...  type b  dpl 0  32-bit code". */
void describe_segment(char *out, size_t len, const char *name, const struct kvm_segment *s);
/* Decode an 8-byte GDT/LDT descriptor into a kvm_segment (selector too). */
void describe_decode_descriptor(uint64_t desc, uint16_t selector, struct kvm_segment *seg);

#endif
