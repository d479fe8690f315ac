/*
 * describe.c - turn x86 register values and descriptors into words: the
 * names of set flag bits, the CPU mode, what a segment is. Pure functions.
 */
#include <stdio.h>

#include "gdbstub.h"
#include "x86/bits.h"
#include "x86/x86.h"

/* "[PE ET PG]" from the bit names gdb's target description uses too. */
static void format_flags(char *out, size_t len, uint64_t v, enum gdb_flags_reg reg)
{
	size_t count, n = snprintf(out, len, "[");
	const struct gdb_flag_bit *bits = gdb_flag_bits(reg, &count);

	for (size_t i = 0; i < count && n < len; i++)
		if (*bits[i].name && (v & BIT(bits[i].bit)))
			n += snprintf(out + n, len - n, "%s%s", n > 1 ? " " : "", bits[i].name);
	if (n < len)
		snprintf(out + n, len - n, "]");
}

void describe_cr0(char *out, size_t len, uint64_t v) { format_flags(out, len, v, GDB_FLAGS_CR0); }
void describe_cr4(char *out, size_t len, uint64_t v) { format_flags(out, len, v, GDB_FLAGS_CR4); }
void describe_efer(char *out, size_t len, uint64_t v) { format_flags(out, len, v, GDB_FLAGS_EFER); }
void describe_rflags(char *out, size_t len, uint64_t v)
{
	format_flags(out, len, v, GDB_FLAGS_EFLAGS);
}

const char *describe_mode(const struct kvm_sregs *s)
{
	switch (cpu_mode_of(s)) {
	case MODE_REAL:
		return "real mode";
	case MODE_LONG:
		return s->cs.l ? "long mode (64-bit)" : "long mode (compatibility)";
	case MODE_PROTECTED:
		break;
	}
	return s->cs.db ? "protected mode (32-bit)" : "protected mode (16-bit)";
}

const char *describe_segment_kind(const struct kvm_segment *s)
{
	if (!s->present)
		return "not present";
	if (!s->s)
		return "system";
	if (s->type & SEG_TYPE_CODE)
		return s->l ? "64-bit code" : s->db ? "32-bit code" : "16-bit code";
	return s->db ? "32-bit data" : "16-bit data";
}

void describe_segment(char *out, size_t len, const char *name, const struct kvm_segment *s)
{
	snprintf(out, len, "%-3s %04x  base %016llx  limit %08x  type %x  dpl %u  %s", name,
		 s->selector, (unsigned long long)s->base, s->limit, s->type, s->dpl,
		 describe_segment_kind(s));
}

void describe_decode_descriptor(uint64_t d, uint16_t selector, struct kvm_segment *seg)
{
	uint32_t limit = (d & 0xffff) | ((d >> 32) & 0xf0000);

	seg->selector = selector;
	seg->base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000);
	seg->g = !!(d & DESC_G);
	seg->limit = seg->g ? (limit << 12) | 0xfff : limit;
	seg->type = (d >> DESC_TYPE_SHIFT) & 0xf;
	seg->s = !!(d & DESC_S);
	seg->dpl = (d >> DESC_DPL_SHIFT) & 3;
	seg->present = !!(d & DESC_P);
	seg->avl = !!(d & DESC_AVL);
	seg->l = !!(d & DESC_L);
	seg->db = !!(d & DESC_DB);
	seg->unusable = !seg->present;
}
