/*
 * regs.c - the register layout gdb sees: which registers, in which order,
 * how wide, and where each one lives in struct gdb_regs. target.xml and
 * the g/G/p/P packets are both generated from these two tables, so they
 * cannot disagree. The order and names follow gdb's own i386 features
 * (gdb checks them when it validates target.xml).
 */
#include <stddef.h>
#include <string.h>

#include "gdbstub_internal.h"

#define FIELD_SIZE(field) sizeof(((struct gdb_regs *)0)->field)

/* A register stored as a number (uint32_t or uint64_t field). */
#define NUM(name, bits, type, group, feature, field)                          \
	{ name, bits, type, group, feature, offsetof(struct gdb_regs, field), \
	  FIELD_SIZE(field), REG_NUMBER }
/* A register stored as raw bytes (x87 and SSE registers). */
#define BYTES(name, bits, type, group, feature, field)                        \
	{ name, bits, type, group, feature, offsetof(struct gdb_regs, field), \
	  FIELD_SIZE(field), REG_BYTES }

#define X87_BITS 80
#define XMM_BITS 128
#define BITS_PER_BYTE 8

/* The x87 registers: the same in both layouts, and required by gdb in the
 * core feature. */
#define X87_REGS                                                    \
	BYTES("st0", X87_BITS, "i387_ext", NULL, FEATURE_CORE, st[0]), \
	BYTES("st1", X87_BITS, "i387_ext", NULL, FEATURE_CORE, st[1]), \
	BYTES("st2", X87_BITS, "i387_ext", NULL, FEATURE_CORE, st[2]), \
	BYTES("st3", X87_BITS, "i387_ext", NULL, FEATURE_CORE, st[3]), \
	BYTES("st4", X87_BITS, "i387_ext", NULL, FEATURE_CORE, st[4]), \
	BYTES("st5", X87_BITS, "i387_ext", NULL, FEATURE_CORE, st[5]), \
	BYTES("st6", X87_BITS, "i387_ext", NULL, FEATURE_CORE, st[6]), \
	BYTES("st7", X87_BITS, "i387_ext", NULL, FEATURE_CORE, st[7]), \
	NUM("fctrl", 32, "int", "float", FEATURE_CORE, fctrl),         \
	NUM("fstat", 32, "int", "float", FEATURE_CORE, fstat),         \
	NUM("ftag", 32, "int", "float", FEATURE_CORE, ftag),           \
	NUM("fiseg", 32, "int", "float", FEATURE_CORE, fiseg),         \
	NUM("fioff", 32, "int", "float", FEATURE_CORE, fioff),         \
	NUM("foseg", 32, "int", "float", FEATURE_CORE, foseg),         \
	NUM("fooff", 32, "int", "float", FEATURE_CORE, fooff),         \
	NUM("fop", 32, "int", "float", FEATURE_CORE, fop)

/* Segment selectors: 32 bits wide in both layouts, as in gdb. */
#define SEGMENT_REGS                                                  \
	NUM("cs", 32, "int32", NULL, FEATURE_CORE, seg[GDB_CS]),     \
	NUM("ss", 32, "int32", NULL, FEATURE_CORE, seg[GDB_SS]),     \
	NUM("ds", 32, "int32", NULL, FEATURE_CORE, seg[GDB_DS]),     \
	NUM("es", 32, "int32", NULL, FEATURE_CORE, seg[GDB_ES]),     \
	NUM("fs", 32, "int32", NULL, FEATURE_CORE, seg[GDB_FS]),     \
	NUM("gs", 32, "int32", NULL, FEATURE_CORE, seg[GDB_GS])

#define XMM(n) BYTES("xmm" #n, XMM_BITS, "vec128", NULL, FEATURE_SSE, xmm[n])

/* Segment bases (in feature `seg_feature`), the kernel GS base (the MSR
 * `swapgs` exchanges with gs_base), control registers (cr8: the task
 * priority) and EFER, `bits` wide: the same set as QEMU's stub. */
#define SYSTEM_REGS(bits, seg_feature)                                      \
	NUM("fs_base", bits, "int", NULL, seg_feature, fs_base),           \
	NUM("gs_base", bits, "int", NULL, seg_feature, gs_base),           \
	NUM("k_gs_base", bits, "int", NULL, FEATURE_SYSTEM, k_gs_base),    \
	NUM("cr0", bits, "cr0_flags", NULL, FEATURE_SYSTEM, cr0),          \
	NUM("cr2", bits, "data_ptr", NULL, FEATURE_SYSTEM, cr2),           \
	NUM("cr3", bits, "int", NULL, FEATURE_SYSTEM, cr3),                \
	NUM("cr4", bits, "cr4_flags", NULL, FEATURE_SYSTEM, cr4),          \
	NUM("cr8", bits, "int", NULL, FEATURE_SYSTEM, cr8),                \
	NUM("efer", bits, "efer_flags", NULL, FEATURE_SYSTEM, efer)

/* 32-bit layout. Note gdb's i386 order: eax ecx edx ebx esp ebp esi edi. */
static const struct gdb_reg i386_regs[] = {
	NUM("eax", 32, "int32", NULL, FEATURE_CORE, gpr[GDB_RAX]),
	NUM("ecx", 32, "int32", NULL, FEATURE_CORE, gpr[GDB_RCX]),
	NUM("edx", 32, "int32", NULL, FEATURE_CORE, gpr[GDB_RDX]),
	NUM("ebx", 32, "int32", NULL, FEATURE_CORE, gpr[GDB_RBX]),
	NUM("esp", 32, "data_ptr", NULL, FEATURE_CORE, gpr[GDB_RSP]),
	NUM("ebp", 32, "data_ptr", NULL, FEATURE_CORE, gpr[GDB_RBP]),
	NUM("esi", 32, "int32", NULL, FEATURE_CORE, gpr[GDB_RSI]),
	NUM("edi", 32, "int32", NULL, FEATURE_CORE, gpr[GDB_RDI]),
	NUM("eip", 32, "code_ptr", NULL, FEATURE_CORE, rip),
	NUM("eflags", 32, "i386_eflags", NULL, FEATURE_CORE, rflags),
	SEGMENT_REGS,
	X87_REGS,
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	NUM("mxcsr", 32, "i386_mxcsr", "vector", FEATURE_SSE, mxcsr),
	/* Not in org.gnu.gdb.i386.segments: gdb 13 with its default
	 * GNU/Linux OS ABI fails an internal assertion on a 32-bit target
	 * description with that feature. In our own feature gdb shows them
	 * all the same. */
	SYSTEM_REGS(32, FEATURE_SYSTEM),
};

/* 64-bit layout: general registers in amd64 order, like gdb_regs.gpr. */
static const struct gdb_reg amd64_regs[] = {
	NUM("rax", 64, "int64", NULL, FEATURE_CORE, gpr[GDB_RAX]),
	NUM("rbx", 64, "int64", NULL, FEATURE_CORE, gpr[GDB_RBX]),
	NUM("rcx", 64, "int64", NULL, FEATURE_CORE, gpr[GDB_RCX]),
	NUM("rdx", 64, "int64", NULL, FEATURE_CORE, gpr[GDB_RDX]),
	NUM("rsi", 64, "int64", NULL, FEATURE_CORE, gpr[GDB_RSI]),
	NUM("rdi", 64, "int64", NULL, FEATURE_CORE, gpr[GDB_RDI]),
	NUM("rbp", 64, "data_ptr", NULL, FEATURE_CORE, gpr[GDB_RBP]),
	NUM("rsp", 64, "data_ptr", NULL, FEATURE_CORE, gpr[GDB_RSP]),
	NUM("r8", 64, "int64", NULL, FEATURE_CORE, gpr[8]),
	NUM("r9", 64, "int64", NULL, FEATURE_CORE, gpr[9]),
	NUM("r10", 64, "int64", NULL, FEATURE_CORE, gpr[10]),
	NUM("r11", 64, "int64", NULL, FEATURE_CORE, gpr[11]),
	NUM("r12", 64, "int64", NULL, FEATURE_CORE, gpr[12]),
	NUM("r13", 64, "int64", NULL, FEATURE_CORE, gpr[13]),
	NUM("r14", 64, "int64", NULL, FEATURE_CORE, gpr[14]),
	NUM("r15", 64, "int64", NULL, FEATURE_CORE, gpr[15]),
	NUM("rip", 64, "code_ptr", NULL, FEATURE_CORE, rip),
	NUM("eflags", 32, "i386_eflags", NULL, FEATURE_CORE, rflags),
	SEGMENT_REGS,
	X87_REGS,
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
	NUM("mxcsr", 32, "i386_mxcsr", "vector", FEATURE_SSE, mxcsr),
	SYSTEM_REGS(64, FEATURE_SEGMENTS),
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct gdb_layout i386_layout = { i386_regs, ARRAY_SIZE(i386_regs) };
static const struct gdb_layout amd64_layout = { amd64_regs, ARRAY_SIZE(amd64_regs) };

const struct gdb_layout *gdb_layout(enum gdb_arch arch)
{
	return arch == GDB_ARCH_AMD64 ? &amd64_layout : &i386_layout;
}

size_t gdb_reg_bytes(const struct gdb_reg *reg)
{
	return reg->bits / BITS_PER_BYTE;
}

size_t gdb_layout_bytes(const struct gdb_layout *layout)
{
	size_t bytes = 0;

	for (size_t i = 0; i < layout->count; i++)
		bytes += gdb_reg_bytes(&layout->regs[i]);
	return bytes;
}

const char *gdb_feature_name(enum gdb_feature feature)
{
	switch (feature) {
	case FEATURE_CORE:
		return "org.gnu.gdb.i386.core";
	case FEATURE_SSE:
		return "org.gnu.gdb.i386.sse";
	case FEATURE_SEGMENTS:
		return "org.gnu.gdb.i386.segments";
	case FEATURE_SYSTEM:
	case FEATURE_COUNT:
		break;
	}
	/* A name gdb does not know: it shows the registers without
	 * interpreting them. */
	return "org.mini-kvm.system";
}

/* Mask of the low `bits` bits of a 64-bit value. */
static uint64_t low_mask(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

static uint64_t field_load(const struct gdb_reg *reg, const struct gdb_regs *regs)
{
	const uint8_t *field = (const uint8_t *)regs + reg->offset;

	if (reg->field_size == sizeof(uint32_t)) {
		uint32_t v;
		memcpy(&v, field, sizeof(v));
		return v;
	}
	uint64_t v;
	memcpy(&v, field, sizeof(v));
	return v;
}

static void field_store(const struct gdb_reg *reg, struct gdb_regs *regs, uint64_t value)
{
	uint8_t *field = (uint8_t *)regs + reg->offset;

	if (reg->field_size == sizeof(uint32_t)) {
		uint32_t v = (uint32_t)value;
		memcpy(field, &v, sizeof(v));
		return;
	}
	memcpy(field, &value, sizeof(value));
}

void gdb_reg_get(const struct gdb_reg *reg, const struct gdb_regs *regs, uint8_t *out)
{
	size_t size = gdb_reg_bytes(reg);

	if (reg->storage == REG_BYTES) {
		memcpy(out, (const uint8_t *)regs + reg->offset, size);
		return;
	}
	uint64_t value = field_load(reg, regs);
	for (size_t i = 0; i < size; i++)
		out[i] = (uint8_t)(value >> (i * BITS_PER_BYTE)); /* little-endian */
}

void gdb_reg_set(const struct gdb_reg *reg, struct gdb_regs *regs, const uint8_t *in)
{
	size_t size = gdb_reg_bytes(reg);

	if (reg->storage == REG_BYTES) {
		memcpy((uint8_t *)regs + reg->offset, in, size);
		return;
	}
	uint64_t value = 0;
	for (size_t i = 0; i < size; i++)
		value |= (uint64_t)in[i] << (i * BITS_PER_BYTE);
	uint64_t mask = low_mask(reg->bits);
	uint64_t old = field_load(reg, regs);
	field_store(reg, regs, (old & ~mask) | (value & mask));
}
