/*
 * x86_flags.c - the names of the bits of the x86 flag registers (EFLAGS,
 * MXCSR, CR0, CR4, EFER), as gdb's own target descriptions name them.
 * target.xml gives them to gdb; the VMM prints registers with them too.
 */
#include "gdbstub.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* gdb's own i386_eflags; the nameless bit 1 is reserved (always 1). */
static const struct gdb_flag_bit eflags_bits[] = {
	{ 0, "CF" }, { 1, "" }, { 2, "PF" }, { 4, "AF" }, { 6, "ZF" },
	{ 7, "SF" }, { 8, "TF" }, { 9, "IF" }, { 10, "DF" }, { 11, "OF" },
	{ 14, "NT" }, { 16, "RF" }, { 17, "VM" }, { 18, "AC" }, { 19, "VIF" },
	{ 20, "VIP" }, { 21, "ID" },
};

static const struct gdb_flag_bit mxcsr_bits[] = {
	{ 0, "IE" }, { 1, "DE" }, { 2, "ZE" }, { 3, "OE" }, { 4, "UE" },
	{ 5, "PE" }, { 6, "DAZ" }, { 7, "IM" }, { 8, "DM" }, { 9, "ZM" },
	{ 10, "OM" }, { 11, "UM" }, { 12, "PM" }, { 15, "FZ" },
};

static const struct gdb_flag_bit cr0_bits[] = {
	{ 0, "PE" }, { 1, "MP" }, { 2, "EM" }, { 3, "TS" }, { 4, "ET" },
	{ 5, "NE" }, { 16, "WP" }, { 18, "AM" }, { 29, "NW" }, { 30, "CD" },
	{ 31, "PG" },
};

static const struct gdb_flag_bit cr4_bits[] = {
	{ 0, "VME" }, { 1, "PVI" }, { 2, "TSD" }, { 3, "DE" }, { 4, "PSE" },
	{ 5, "PAE" }, { 6, "MCE" }, { 7, "PGE" }, { 8, "PCE" }, { 9, "OSFXSR" },
	{ 10, "OSXMMEXCPT" }, { 11, "UMIP" }, { 12, "LA57" }, { 13, "VMXE" },
	{ 14, "SMXE" }, { 16, "FSGSBASE" }, { 17, "PCIDE" }, { 18, "OSXSAVE" },
	{ 20, "SMEP" }, { 21, "SMAP" }, { 22, "PKE" },
};

static const struct gdb_flag_bit efer_bits[] = {
	{ 0, "SCE" }, { 8, "LME" }, { 10, "LMA" }, { 11, "NXE" },
	{ 12, "SVME" }, { 13, "LMSLE" }, { 14, "FFXSR" }, { 15, "TCE" },
};

const struct gdb_flag_bit *gdb_flag_bits(enum gdb_flags_reg reg, size_t *count)
{
	switch (reg) {
	case GDB_FLAGS_EFLAGS: *count = COUNT(eflags_bits); return eflags_bits;
	case GDB_FLAGS_MXCSR: *count = COUNT(mxcsr_bits); return mxcsr_bits;
	case GDB_FLAGS_CR0: *count = COUNT(cr0_bits); return cr0_bits;
	case GDB_FLAGS_CR4: *count = COUNT(cr4_bits); return cr4_bits;
	case GDB_FLAGS_EFER: *count = COUNT(efer_bits); return efer_bits;
	}
	*count = 0;
	return NULL;
}
