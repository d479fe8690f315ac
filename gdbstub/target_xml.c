/*
 * target_xml.c - builds target.xml, the target description gdb reads with
 * qXfer:features:read. It names every register of the g packet in order,
 * with its size and type, so gdb never has to guess the layout. The
 * registers come from the table in reg_layout.c; this file adds the types
 * they use (flag bits of EFLAGS, MXCSR, CR0, CR4 and EFER from x86_flags.c,
 * the SSE vector union).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gdbstub_internal.h"

/* Output that counts what it would have written, like snprintf. */
struct xml_out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_printf(struct xml_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct xml_out *out, const char *fmt, ...)
{
	char *dst = NULL;
	size_t room = 0;
	va_list ap;

	if (out->len < out->size) {
		dst = out->buf + out->len;
		room = out->size - out->len;
	}
	va_start(ap, fmt);
	int n = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		out->len += (size_t)n;
}

/* --- flag registers: one named field per bit --------------------------- */

struct flags_type {
	const char *id;
	enum gdb_feature feature;
	enum gdb_flags_reg reg;
};

static const struct flags_type flags_types[] = {
	{ "i386_eflags", FEATURE_CORE, GDB_FLAGS_EFLAGS },
	{ "i386_mxcsr", FEATURE_SSE, GDB_FLAGS_MXCSR },
	{ "cr0_flags", FEATURE_SYSTEM, GDB_FLAGS_CR0 },
	{ "cr4_flags", FEATURE_SYSTEM, GDB_FLAGS_CR4 },
	{ "efer_flags", FEATURE_SYSTEM, GDB_FLAGS_EFER },
};

/* The 128-bit SSE register type, as gdb's own sse feature defines it. */
static const char vec128_types[] =
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
	"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
	"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
	"<union id=\"vec128\">\n"
	"<field name=\"v4_float\" type=\"v4f\"/>\n"
	"<field name=\"v2_double\" type=\"v2d\"/>\n"
	"<field name=\"v16_int8\" type=\"v16i8\"/>\n"
	"<field name=\"v8_int16\" type=\"v8i16\"/>\n"
	"<field name=\"v4_int32\" type=\"v4i32\"/>\n"
	"<field name=\"v2_int64\" type=\"v2i64\"/>\n"
	"<field name=\"uint128\" type=\"uint128\"/>\n"
	"</union>\n";

/* Size in bytes of the register that uses type `id`, or 0 if none does. */
static size_t type_size(const struct gdb_layout *layout, const char *id)
{
	for (size_t i = 0; i < layout->count; i++)
		if (strcmp(layout->regs[i].type, id) == 0)
			return gdb_reg_bytes(&layout->regs[i]);
	return 0;
}

static void emit_flags(struct xml_out *out, const struct gdb_layout *layout,
		       const struct flags_type *type)
{
	size_t size = type_size(layout, type->id);
	size_t count;
	const struct gdb_flag_bit *bits = gdb_flag_bits(type->reg, &count);

	if (size == 0)
		return;
	out_printf(out, "<flags id=\"%s\" size=\"%zu\">\n", type->id, size);
	for (size_t i = 0; i < count; i++) {
		const struct gdb_flag_bit *f = &bits[i];
		out_printf(out, "<field name=\"%s\" start=\"%u\" end=\"%u\"/>\n",
			   f->name, f->bit, f->bit);
	}
	out_printf(out, "</flags>\n");
}

static void emit_types(struct xml_out *out, const struct gdb_layout *layout,
		       enum gdb_feature feature)
{
	if (feature == FEATURE_SSE)
		out_printf(out, "%s", vec128_types);
	for (size_t i = 0; i < sizeof(flags_types) / sizeof(flags_types[0]); i++)
		if (flags_types[i].feature == feature)
			emit_flags(out, layout, &flags_types[i]);
}

static void emit_reg(struct xml_out *out, const struct gdb_reg *reg)
{
	out_printf(out, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\"",
		   reg->name, reg->bits, reg->type);
	if (reg->group)
		out_printf(out, " group=\"%s\"", reg->group);
	out_printf(out, "/>\n");
}

static void emit_feature(struct xml_out *out, const struct gdb_layout *layout,
			 enum gdb_feature feature)
{
	out_printf(out, "<feature name=\"%s\">\n", gdb_feature_name(feature));
	emit_types(out, layout, feature);
	for (size_t i = 0; i < layout->count; i++)
		if (layout->regs[i].feature == feature)
			emit_reg(out, &layout->regs[i]);
	out_printf(out, "</feature>\n");
}

static bool feature_used(const struct gdb_layout *layout, enum gdb_feature feature)
{
	for (size_t i = 0; i < layout->count; i++)
		if (layout->regs[i].feature == feature)
			return true;
	return false;
}

/* The bfd architecture name gdb expects for a layout. */
static const char *default_arch(enum gdb_arch arch)
{
	return arch == GDB_ARCH_AMD64 ? "i386:x86-64" : "i386";
}

size_t gdb_target_xml(enum gdb_arch arch, const char *xml_arch, char *buf, size_t size)
{
	const struct gdb_layout *layout = gdb_layout(arch);
	struct xml_out out = { buf, size, 0 };

	if (size > 0)
		buf[0] = '\0';
	out_printf(&out, "<?xml version=\"1.0\"?>\n"
			 "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
			 "<target version=\"1.0\">\n"
			 "<architecture>%s</architecture>\n"
			 /* A bare-metal guest: no operating system. This also
			  * keeps gdb from assuming its default, GNU/Linux. */
			 "<osabi>none</osabi>\n",
		   xml_arch ? xml_arch : default_arch(arch));
	/* The features appear in enum order, which is also the order of the
	 * registers in the table, so register numbers follow the table. A
	 * feature without registers (segments, for i386) is left out. */
	for (int f = 0; f < FEATURE_COUNT; f++)
		if (feature_used(layout, (enum gdb_feature)f))
			emit_feature(&out, layout, (enum gdb_feature)f);
	out_printf(&out, "</target>\n");
	return out.len;
}
