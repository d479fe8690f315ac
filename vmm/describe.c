/*
 * describe.c - turn x86 register values and descriptors into words: the
 * names of set flag bits, the CPU mode, what a segment is. Pure functions.
 */
#include <stdio.h>

#include "describe.h"
#include "x86.h"

struct flag_name {
	uint64_t bit;
	const char *name;
};

static const struct flag_name cr0_flags[] = {
	{ CR0_PE, "PE" }, { CR0_MP, "MP" }, { CR0_EM, "EM" }, { CR0_TS, "TS" }, { CR0_ET, "ET" },
	{ CR0_NE, "NE" }, { CR0_WP, "WP" }, { CR0_AM, "AM" }, { CR0_NW, "NW" }, { CR0_CD, "CD" },
	{ CR0_PG, "PG" }, { 0, NULL },
};
static const struct flag_name cr4_flags[] = {
	{ CR4_VME, "VME" }, { CR4_PVI, "PVI" }, { CR4_TSD, "TSD" }, { CR4_DE, "DE" },
	{ CR4_PSE, "PSE" }, { CR4_PAE, "PAE" }, { CR4_MCE, "MCE" }, { CR4_PGE, "PGE" },
	{ CR4_PCE, "PCE" }, { CR4_OSFXSR, "OSFXSR" }, { CR4_OSXMMEXCPT, "OSXMMEXCPT" },
	{ CR4_LA57, "LA57" }, { CR4_FSGSBASE, "FSGSBASE" }, { CR4_OSXSAVE, "OSXSAVE" },
	{ CR4_SMEP, "SMEP" }, { CR4_SMAP, "SMAP" }, { 0, NULL },
};
static const struct flag_name efer_flags[] = {
	{ EFER_SCE, "SCE" }, { EFER_LME, "LME" }, { EFER_LMA, "LMA" }, { EFER_NXE, "NXE" },
	{ 0, NULL },
};
static const struct flag_name rflags_flags[] = {
	{ RFLAGS_CF, "CF" }, { RFLAGS_PF, "PF" }, { RFLAGS_AF, "AF" }, { RFLAGS_ZF, "ZF" },
	{ RFLAGS_SF, "SF" }, { RFLAGS_TF, "TF" }, { RFLAGS_IF, "IF" }, { RFLAGS_DF, "DF" },
	{ RFLAGS_OF, "OF" }, { RFLAGS_RF, "RF" }, { RFLAGS_VM, "VM" }, { 0, NULL },
};

static void format_flags(char *out, size_t len, uint64_t v, const struct flag_name *names)
{
	size_t n = snprintf(out, len, "[");

	for (int i = 0; names[i].name && n < len; i++)
		if (v & names[i].bit)
			n += snprintf(out + n, len - n, "%s%s", n > 1 ? " " : "", names[i].name);
	if (n < len)
		snprintf(out + n, len - n, "]");
}

void describe_cr0(char *out, size_t len, uint64_t v) { format_flags(out, len, v, cr0_flags); }
void describe_cr4(char *out, size_t len, uint64_t v) { format_flags(out, len, v, cr4_flags); }
void describe_efer(char *out, size_t len, uint64_t v) { format_flags(out, len, v, efer_flags); }
void describe_rflags(char *out, size_t len, uint64_t v) { format_flags(out, len, v, rflags_flags); }

const char *describe_mode(const struct kvm_sregs *s)
{
	if (!(s->cr0 & CR0_PE))
		return "real mode";
	if (s->efer & EFER_LMA)
		return s->cs.l ? "long mode (64-bit)" : "long mode (compatibility)";
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
