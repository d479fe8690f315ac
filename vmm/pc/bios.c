/*
 * bios.c - the VMM side of the BIOS (bios/bios.asm) of a guest booted
 * with --disk or --floppy: boot set-up (the ROM at 0xF0000, the CPU at the
 * reset vector F000:FFF0) and the services the ROM hands over with one
 * `out` each: video (int 10h), disk (int 13h), system (int 15h), POST.
 * Each reads the caller's registers, does the work on guest memory and
 * writes the results back; CF and ZF go into the FLAGS that `int` pushed,
 * at SS:SP+4, since the ROM's handler is just `out; iret`.
 * docs/pc.md lists every service.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "layout.h"
#include "options.h"
#include "vmm.h"
#include "pc/pc.h"
#include "x86/bits.h"

/* The ROM, linked in from bios/rom.S. */
extern const uint8_t bios_rom[], bios_rom_end[];

#define REAL_MODE_SEGMENT_SHIFT 4
#define RESET_CS 0xF000
#define RESET_IP (LAYOUT_RESET_VECTOR - LAYOUT_BIOS_ROM)
#define FLAGS_ON_STACK 4         /* int pushed FLAGS, CS, IP: FLAGS at SP+4 */
#define FLAGS_CF 0x0001          /* the low 16 bits of RFLAGS */
#define AH_UNSUPPORTED 0x86
#define MIN_BIOS_MEM LAYOUT_REAL_MODE_LIMIT

/* int 13h status codes (AH). */
#define DISK_OK 0x00
#define DISK_BAD_COMMAND 0x01
#define DISK_NOT_FOUND 0x04      /* sector not found */
#define DISK_TYPE_FLOPPY_NO_CHANGE_LINE 0x01  /* AH=15h */
#define DISK_TYPE_HARD_DISK 0x03
#define EDD_CHECK_IN 0x55AA      /* AH=41h: BX in ... */
#define EDD_CHECK_OUT 0xAA55     /* ... and out */
#define EDD_VERSION_3 0x30
#define EDD_FIXED_DISK_ACCESS 0x0001
#define DAP_MIN_SIZE 0x10        /* disk address packet of AH=42h/43h */
#define DRIVE_PARAMS_MIN_SIZE 0x1A /* AH=48h result buffer */
#define FLOPPY_TYPE_1440K 0x04
#define INT_DISKETTE_PARAMS 0x1E /* IVT entry pointing at the DPT */
#define CHS_SECTOR_MASK 0x3F
#define CHS_CYL_HIGH_MASK 0xC0
#define CHS_CYL_HIGH_SHIFT 2

/* int 15h. */
#define E820_FUNCTION 0xE820
#define E801_FUNCTION 0xE801
#define SMAP_SIGNATURE 0x534D4150 /* "SMAP" */
#define E820_ENTRY_SIZE 20
#define E820_USABLE 1
#define E820_RESERVED 2
#define A20_DISABLE 0x2400
#define A20_ENABLE 0x2401
#define A20_STATUS 0x2402
#define A20_SUPPORT 0x2403
#define A20_SUPPORT_KBD_AND_PORT92 0x0003
#define EXT_MEM_FUNCTION 0x88
#define EXT_MEM_MAX_KB 0xFFFF
#define E801_LOW_MAX_KB 0x3C00   /* 1 MiB to 16 MiB, in KiB */
#define SIXTEEN_MIB (16ULL << 20)
#define KIB 1024ULL
#define BLOCK_64K (64ULL << 10)

/* BDA equipment word: a maths coprocessor, 80x25 colour video, and a
 * floppy drive when booted from one. */
#define EQUIP_FLOPPY 0x0001
#define EQUIP_FPU 0x0002
#define EQUIP_VIDEO_80X25_COLOUR 0x0020
#define COM1_PORT 0x3F8

/* int 10h. */
#define VIDEO_MODE_MASK 0x7F
#define VIDEO_MODE_NO_CLEAR 0x80
#define VIDEO_MODE_TEXT_BW 2
#define VIDEO_MODE_TEXT 3
#define STRING_UPDATE_CURSOR 0x01 /* AH=13h, AL bits */
#define STRING_WITH_ATTRS 0x02
#define DCC_FUNCTION 0x1A        /* AH=1Ah AL=00h: display combination */
#define DCC_VGA_COLOUR 0x08

/* One service call: the caller's registers, read once, written back once. */
struct call {
	struct vcpu *cpu;
	struct vm *vm;
	struct pc *pc;
	struct kvm_regs r;
	struct kvm_sregs s;
};

static uint8_t lo8(uint64_t v) { return (uint8_t)v; }
static uint8_t hi8(uint64_t v) { return (uint8_t)(v >> 8); }
static uint16_t lo16(uint64_t v) { return (uint16_t)v; }
static void set_lo8(__u64 *reg, uint8_t v) { *reg = (*reg & ~0xffULL) | v; }
static void set_hi8(__u64 *reg, uint8_t v) { *reg = (*reg & ~0xff00ULL) | (uint64_t)v << 8; }
static void set_lo16(__u64 *reg, uint16_t v) { *reg = (*reg & ~0xffffULL) | v; }
static void set_lo32(__u64 *reg, uint32_t v) { *reg = v; }

/* Guest memory at seg:off, len bytes, or NULL if outside RAM. */
static uint8_t *at_seg(struct call *c, const struct kvm_segment *seg, uint32_t off, uint64_t len)
{
	uint64_t linear = seg->base + off;

	return vm_range_ok(c->vm, linear, len) ? c->vm->mem + linear : NULL;
}

/* Set or clear a bit of the caller's FLAGS (on its stack, see above). */
static void set_caller_flag(struct call *c, uint16_t flag, bool on)
{
	uint8_t *f = at_seg(c, &c->s.ss, (uint16_t)(c->r.rsp + FLAGS_ON_STACK), 2);
	uint16_t v;

	if (!f)
		return;
	v = (uint16_t)(f[0] | f[1] << 8);
	v = on ? (v | flag) : (v & ~flag);
	f[0] = (uint8_t)v;
	f[1] = (uint8_t)(v >> 8);
}

/* The end of most calls: AH = status, CF set when it is not 0. */
static void finish_status(struct call *c, uint8_t status)
{
	set_hi8(&c->r.rax, status);
	set_caller_flag(c, FLAGS_CF, status != 0);
}

/* A function this BIOS does not have: AH = 86h, CF set; --trace names it. */
static void unsupported(struct call *c, unsigned vector)
{
	if (c->vm->vmm && c->vm->vmm->opts->trace)
		fprintf(stderr, "trace: bios: int %02Xh AH=%02Xh (AX=%04Xh) is not supported: "
			"CF set, AH=86h\n", vector, hi8(c->r.rax), lo16(c->r.rax));
	finish_status(c, AH_UNSUPPORTED);
}

static uint8_t *bda(struct call *c, unsigned field)
{
	return c->vm->mem + LAYOUT_BDA + field;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* ---- POST and boot ---------------------------------------------------------- */

static void system_call(struct call *c)
{
	struct disk *d = &c->pc->disk;

	switch (lo8(c->r.rax)) {
	case SYS_POST:
		put16(bda(c, BDA_COM_PORTS), COM1_PORT);
		put16(bda(c, BDA_EQUIPMENT),
		      EQUIP_FPU | EQUIP_VIDEO_80X25_COLOUR | (d->floppy ? EQUIP_FLOPPY : 0));
		put16(bda(c, BDA_MEM_KB), (uint16_t)(LAYOUT_EBDA / KIB));
		put16(bda(c, BDA_EBDA_SEGMENT), (uint16_t)(LAYOUT_EBDA >> REAL_MODE_SEGMENT_SHIFT));
		*bda(c, BDA_HARD_DISKS) = d->floppy ? 0 : 1;
		vga_set_mode3(c->vm, true);
		break;
	case SYS_BOOT_DRIVE:
		set_lo8(&c->r.rdx, d->drive);
		break;
	}
}

/* ---- int 10h: video ------------------------------------------------------------- */

static void video_write_string(struct call *c)
{
	uint8_t mode = lo8(c->r.rax), attr = lo8(c->r.rbx);
	int page = hi8(c->r.rbx), row, col;
	unsigned count = lo16(c->r.rcx);
	unsigned step = mode & STRING_WITH_ATTRS ? 2 : 1;
	const uint8_t *s = at_seg(c, &c->s.es, lo16(c->r.rbp), (uint64_t)count * step);

	if (!s)
		return;
	vga_get_cursor(c->vm, page, &row, &col);
	vga_set_cursor(c->vm, page, hi8(c->r.rdx), lo8(c->r.rdx));
	for (unsigned i = 0; i < count; i++)
		vga_teletype(c->vm, page, s[i * step], step == 2 ? s[i * step + 1] : attr, true);
	if (!(mode & STRING_UPDATE_CURSOR))
		vga_set_cursor(c->vm, page, row, col);
}

static void video_call(struct call *c)
{
	struct vm *vm = c->vm;
	uint8_t ah = hi8(c->r.rax), al = lo8(c->r.rax);
	int page = hi8(c->r.rbx), row, col;

	switch (ah) {
	case 0x00: {   /* set video mode */
		uint8_t mode = al & VIDEO_MODE_MASK;

		if (mode != VIDEO_MODE_TEXT && mode != VIDEO_MODE_TEXT_BW) {
			unsupported(c, 0x10);
			return;
		}
		vga_set_mode3(vm, !(al & VIDEO_MODE_NO_CLEAR));
		return;
	}
	case 0x01:   /* cursor shape: CH start line, CL end line */
		vga_set_cursor_shape(vm, hi8(c->r.rcx), lo8(c->r.rcx));
		return;
	case 0x02:   /* set cursor: BH page, DH row, DL column */
		vga_set_cursor(vm, page, hi8(c->r.rdx), lo8(c->r.rdx));
		return;
	case 0x03:   /* get cursor and shape */
		vga_get_cursor(vm, page, &row, &col);
		set_lo16(&c->r.rdx, (uint16_t)(row << 8 | col));
		set_lo16(&c->r.rcx, vga_cursor_shape(vm));
		set_lo16(&c->r.rax, 0);
		return;
	case 0x05:   /* select the active page */
		vga_set_page(vm, al);
		return;
	case 0x06:   /* scroll up, 0x07 down, on the active page: AL lines, */
	case 0x07:   /* BH attribute of new lines, CH,CL to DH,DL the window */
		vga_scroll(vm, vga_active_page(vm), ah == 0x06 ? al : -(int)al, hi8(c->r.rbx), hi8(c->r.rcx),
			   lo8(c->r.rcx), hi8(c->r.rdx), lo8(c->r.rdx));
		return;
	case 0x08:   /* read character and attribute at the cursor */
		set_lo16(&c->r.rax, vga_read_cell(vm, page));
		return;
	case 0x09:   /* write character (AL) and attribute (BL) CX times */
	case 0x0A:   /* ... character only */
		vga_write_chars(vm, page, al, lo8(c->r.rbx), ah == 0x09, lo16(c->r.rcx));
		return;
	case 0x0E:   /* teletype, on the active page whatever BH says */
		vga_teletype(vm, vga_active_page(vm), al, 0, false);
		return;
	case 0x0F:   /* get mode: AL mode, AH columns, BH page */
		set_lo16(&c->r.rax, (uint16_t)(VGA_COLS << 8 | *bda(c, BDA_VIDEO_MODE)));
		set_hi8(&c->r.rbx, (uint8_t)vga_active_page(vm));
		return;
	case 0x13:
		video_write_string(c);
		return;
	case DCC_FUNCTION:
		if (al == 0x00) {
			set_lo8(&c->r.rax, DCC_FUNCTION);
			set_lo16(&c->r.rbx, DCC_VGA_COLOUR);
			return;
		}
		break;
	}
	unsupported(c, 0x10);
}

/* ---- int 13h: disk ------------------------------------------------------------------ */

/* Read or write `count` sectors at `lba` from/to seg:off; a status. */
static uint8_t transfer(struct call *c, bool write, uint64_t lba, unsigned count,
			const struct kvm_segment *seg, uint32_t off)
{
	uint8_t *buf = at_seg(c, seg, off, (uint64_t)count * SECTOR_SIZE);

	if (!buf)
		return DISK_BAD_COMMAND;
	if (write)
		disk_write(&c->pc->disk, lba, count, buf);
	else
		disk_read(&c->pc->disk, lba, count, buf);
	return DISK_OK;
}

/* AH=02h/03h: CH cylinder (low 8 bits), CL sector (1-based) and the
 * cylinder's high bits, DH head, AL count, ES:BX buffer. A transfer may
 * go on across tracks and heads: it continues at the next LBA. */
static uint8_t chs_transfer(struct call *c, bool write)
{
	const struct disk *d = &c->pc->disk;
	uint8_t cl = lo8(c->r.rcx), count = lo8(c->r.rax);
	unsigned cyl = hi8(c->r.rcx) | (unsigned)(cl & CHS_CYL_HIGH_MASK) << CHS_CYL_HIGH_SHIFT;
	unsigned sector = cl & CHS_SECTOR_MASK, head = hi8(c->r.rdx);
	uint8_t status;

	if (count == 0 || sector == 0 || sector > d->sectors_per_track || head >= d->heads ||
	    cyl >= d->cylinders)
		return DISK_BAD_COMMAND;
	status = transfer(c, write, ((uint64_t)cyl * d->heads + head) * d->sectors_per_track + sector - 1,
			  count, &c->s.es, lo16(c->r.rbx));
	if (status != DISK_OK)
		set_lo8(&c->r.rax, 0);   /* sectors transferred */
	return status;
}

/* AH=42h/43h: the disk address packet at DS:SI. */
static uint8_t lba_transfer(struct call *c, bool write)
{
	const uint8_t *dap = at_seg(c, &c->s.ds, lo16(c->r.rsi), DAP_MIN_SIZE);
	struct kvm_segment buf_seg;

	if (!dap || dap[0] < DAP_MIN_SIZE)
		return DISK_BAD_COMMAND;
	memset(&buf_seg, 0, sizeof(buf_seg));
	buf_seg.base = (uint64_t)get16(dap + 6) << REAL_MODE_SEGMENT_SHIFT;
	return transfer(c, write, get64(dap + 8), get16(dap + 2), &buf_seg, get16(dap + 4));
}

/* AH=08h: the geometry, as CHS maxima. */
static void drive_parameters(struct call *c)
{
	const struct disk *d = &c->pc->disk;
	unsigned max_cyl = d->cylinders - 1;

	set_hi8(&c->r.rcx, (uint8_t)max_cyl);
	set_lo8(&c->r.rcx, (uint8_t)(d->sectors_per_track |
				     ((max_cyl >> CHS_CYL_HIGH_SHIFT) & CHS_CYL_HIGH_MASK)));
	set_hi8(&c->r.rdx, (uint8_t)(d->heads - 1));
	set_lo8(&c->r.rdx, 1);   /* drives of this kind */
	set_lo8(&c->r.rax, 0);
	if (d->floppy) {
		const uint8_t *vec = c->vm->mem + LAYOUT_IVT + INT_DISKETTE_PARAMS * 4;

		set_lo8(&c->r.rbx, FLOPPY_TYPE_1440K);
		set_lo16(&c->r.rdi, get16(vec));
		c->s.es.selector = get16(vec + 2);
		c->s.es.base = (uint64_t)c->s.es.selector << REAL_MODE_SEGMENT_SHIFT;
	}
}

/* AH=48h: extended drive parameters into the buffer at DS:SI. */
static uint8_t extended_parameters(struct call *c)
{
	const struct disk *d = &c->pc->disk;
	uint8_t *p = at_seg(c, &c->s.ds, lo16(c->r.rsi), DRIVE_PARAMS_MIN_SIZE);

	if (!p || get16(p) < DRIVE_PARAMS_MIN_SIZE)
		return DISK_BAD_COMMAND;
	put16(p, DRIVE_PARAMS_MIN_SIZE);
	put16(p + 2, 0);   /* information flags */
	put32(p + 4, d->cylinders);
	put32(p + 8, d->heads);
	put32(p + 12, d->sectors_per_track);
	put64(p + 16, (d->size + SECTOR_SIZE - 1) / SECTOR_SIZE);
	put16(p + 24, SECTOR_SIZE);
	return DISK_OK;
}

static void disk_call(struct call *c)
{
	struct disk *d = &c->pc->disk;
	uint8_t ah = hi8(c->r.rax), status;

	if (lo8(c->r.rdx) != d->drive && ah != 0x00) {
		finish_status(c, DISK_BAD_COMMAND);   /* no such drive */
		return;
	}
	switch (ah) {
	case 0x00:   /* reset */
		status = DISK_OK;
		break;
	case 0x01:   /* status of the last operation */
		status = d->last_status;
		set_lo8(&c->r.rax, status);
		finish_status(c, DISK_OK);
		return;
	case 0x02:
	case 0x03:
		status = chs_transfer(c, ah == 0x03);
		break;
	case 0x04:   /* verify: every sector reads */
		status = DISK_OK;
		break;
	case 0x08:
		drive_parameters(c);
		status = DISK_OK;
		break;
	case 0x15:   /* disk type */
		if (d->floppy) {
			finish_status(c, DISK_TYPE_FLOPPY_NO_CHANGE_LINE);
			set_caller_flag(c, FLAGS_CF, false);
		} else {
			uint64_t n = disk_chs_sectors(d);

			set_lo16(&c->r.rcx, (uint16_t)(n >> 16));
			set_lo16(&c->r.rdx, (uint16_t)n);
			finish_status(c, DISK_TYPE_HARD_DISK);
			set_caller_flag(c, FLAGS_CF, false);
		}
		return;
	case 0x41:   /* extensions present? (hard disks) */
		if (d->floppy || lo16(c->r.rbx) != EDD_CHECK_IN) {
			status = DISK_BAD_COMMAND;
			break;
		}
		set_lo16(&c->r.rbx, EDD_CHECK_OUT);
		set_lo16(&c->r.rcx, EDD_FIXED_DISK_ACCESS);
		finish_status(c, EDD_VERSION_3);
		set_caller_flag(c, FLAGS_CF, false);
		return;
	case 0x42:
	case 0x43:
		status = d->floppy ? DISK_BAD_COMMAND : lba_transfer(c, ah == 0x43);
		break;
	case 0x48:
		status = d->floppy ? DISK_BAD_COMMAND : extended_parameters(c);
		break;
	default:
		unsupported(c, 0x13);
		d->last_status = AH_UNSUPPORTED;
		return;
	}
	d->last_status = status;
	finish_status(c, status);
}

/* ---- int 15h: system ----------------------------------------------------------------- */

struct e820_entry {
	uint64_t base, len;
	uint32_t type;
};

/* The memory map: conventional memory, the EBDA, the BIOS ROM, RAM above
 * 1 MiB. Returns the number of entries. */
static int memory_map(const struct vm *vm, struct e820_entry map[4])
{
	int n = 0;

	map[n++] = (struct e820_entry){ 0, LAYOUT_EBDA, E820_USABLE };
	map[n++] = (struct e820_entry){ LAYOUT_EBDA, LAYOUT_EBDA_END - LAYOUT_EBDA, E820_RESERVED };
	map[n++] = (struct e820_entry){ LAYOUT_BIOS_ROM, LAYOUT_BIOS_ROM_SIZE, E820_RESERVED };
	if (vm->mem_size > LAYOUT_REAL_MODE_LIMIT)
		map[n++] = (struct e820_entry){ LAYOUT_REAL_MODE_LIMIT,
						vm->mem_size - LAYOUT_REAL_MODE_LIMIT, E820_USABLE };
	return n;
}

static void e820(struct call *c)
{
	struct e820_entry map[4];
	int n = memory_map(c->vm, map);
	uint32_t index = (uint32_t)c->r.rbx;
	uint8_t *out = at_seg(c, &c->s.es, lo16(c->r.rdi), E820_ENTRY_SIZE);

	if ((uint32_t)c->r.rdx != SMAP_SIGNATURE || index >= (uint32_t)n || !out ||
	    (uint32_t)c->r.rcx < E820_ENTRY_SIZE) {
		finish_status(c, AH_UNSUPPORTED);
		return;
	}
	put64(out, map[index].base);
	put64(out + 8, map[index].len);
	put32(out + 16, map[index].type);
	set_lo32(&c->r.rax, SMAP_SIGNATURE);
	set_lo32(&c->r.rcx, E820_ENTRY_SIZE);
	set_lo32(&c->r.rbx, index + 1 < (uint32_t)n ? index + 1 : 0);
	set_caller_flag(c, FLAGS_CF, false);
}

static uint64_t kib_above_1m(const struct vm *vm, uint64_t limit)
{
	uint64_t top = vm->mem_size < limit ? vm->mem_size : limit;

	return top > LAYOUT_REAL_MODE_LIMIT ? (top - LAYOUT_REAL_MODE_LIMIT) / KIB : 0;
}

static void sysconf_call(struct call *c)
{
	uint16_t ax = lo16(c->r.rax);

	if ((uint32_t)c->r.rax == E820_FUNCTION) {
		e820(c);
		return;
	}
	switch (ax) {
	case A20_DISABLE:   /* A20 stays on: RAM never wraps at 1 MiB here */
	case A20_ENABLE:
		finish_status(c, 0);
		return;
	case A20_STATUS:
		set_lo8(&c->r.rax, 1);
		finish_status(c, 0);
		return;
	case A20_SUPPORT:
		set_lo16(&c->r.rbx, A20_SUPPORT_KBD_AND_PORT92);
		finish_status(c, 0);
		return;
	case E801_FUNCTION: {
		uint64_t low = kib_above_1m(c->vm, SIXTEEN_MIB);
		uint64_t high = c->vm->mem_size > SIXTEEN_MIB ? (c->vm->mem_size - SIXTEEN_MIB) / BLOCK_64K : 0;

		set_lo16(&c->r.rax, (uint16_t)(low > E801_LOW_MAX_KB ? E801_LOW_MAX_KB : low));
		set_lo16(&c->r.rcx, lo16(c->r.rax));
		set_lo16(&c->r.rbx, (uint16_t)high);
		set_lo16(&c->r.rdx, (uint16_t)high);
		set_caller_flag(c, FLAGS_CF, false);
		return;
	}
	}
	if (hi8(ax) == EXT_MEM_FUNCTION) {
		uint64_t kb = kib_above_1m(c->vm, UINT64_MAX);

		set_lo16(&c->r.rax, (uint16_t)(kb > EXT_MEM_MAX_KB ? EXT_MEM_MAX_KB : kb));
		set_caller_flag(c, FLAGS_CF, false);
		return;
	}
	unsupported(c, 0x15);
}

/* ---- the port ----------------------------------------------------------------------- */

static bool call_failed(struct vcpu *cpu, const char *what)
{
	vmm_msg(cpu->vm, "BIOS call: %s: %s", what, strerror(errno));
	vm_end(cpu->vm, STATUS_FAULT);
	return false;
}

bool bios_port_out(struct vcpu *cpu, uint16_t port)
{
	struct call c = { .cpu = cpu, .vm = cpu->vm, .pc = pc_of(cpu->vm) };

	if (!c.pc || !c.pc->bios)
		return true;   /* no BIOS: nothing listens on these ports */
	if (ioctl(cpu->fd, KVM_GET_REGS, &c.r) < 0)
		return call_failed(cpu, "KVM_GET_REGS");
	if (ioctl(cpu->fd, KVM_GET_SREGS, &c.s) < 0)
		return call_failed(cpu, "KVM_GET_SREGS");
	struct kvm_segment es = c.s.es;

	switch (port) {
	case PORT_BIOS_SYSTEM: system_call(&c); break;
	case PORT_BIOS_VIDEO: video_call(&c); break;
	case PORT_BIOS_DISK: disk_call(&c); break;
	case PORT_BIOS_SYSCONF: sysconf_call(&c); break;
	case PORT_BIOS_UNSUPP: unsupported(&c, lo8(c.r.rax)); break;
	}
	if (ioctl(cpu->fd, KVM_SET_REGS, &c.r) < 0)
		return call_failed(cpu, "KVM_SET_REGS");
	if (memcmp(&es, &c.s.es, sizeof(es)) && ioctl(cpu->fd, KVM_SET_SREGS, &c.s) < 0)
		return call_failed(cpu, "KVM_SET_SREGS");
	return true;
}

/* ---- boot set-up ------------------------------------------------------------------------ */

int bios_boot_setup(struct vm *vm, const struct vmm_options *o, char *err)
{
	struct pc *pc = pc_of(vm);
	size_t rom_size = (size_t)(bios_rom_end - bios_rom);

	if (!pc)
		return vmm_fail(err, "internal: no PC state for the guest");
	if (vm->mem_size < MIN_BIOS_MEM) {
		vmm_fail(err, "%s: a PC needs at least 1M of --mem (its BIOS ends at 1 MiB)",
			 o->disk);
		return STATUS_USAGE;
	}
	if (rom_size != LAYOUT_BIOS_ROM_SIZE)
		return vmm_fail(err, "internal: the BIOS ROM is %zu bytes, not 64 KiB", rom_size);
	if (disk_open(&pc->disk, o->disk, o->floppy, o->disk_write, err) < 0)
		return STATUS_USAGE;
	pc->bios = true;
	memcpy(vm->mem + LAYOUT_BIOS_ROM, bios_rom, rom_size);
	vm->mode = MODE_REAL;
	memset(&vm->image, 0, sizeof(vm->image));
	vm->image.kind = IMAGE_FLAT;
	vm->image.entry = LAYOUT_RESET_VECTOR;
	vm->image.nsegs = 1;
	vm->image.seg[0].start = LAYOUT_BIOS_ROM;
	vm->image.seg[0].end = LAYOUT_BIOS_ROM + LAYOUT_BIOS_ROM_SIZE;
	for (int i = 0; i < vm->ncpus; i++) {
		struct vcpu *cpu = &vm->cpus[i];
		struct kvm_sregs s;
		struct kvm_regs r;

		if (cpu_setup(cpu, MODE_REAL, 0, err) < 0)
			return -1;
		if (ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0 || ioctl(cpu->fd, KVM_GET_REGS, &r) < 0)
			return vmm_fail(err, "reading the vCPU state: %s", strerror(errno));
		/* As after a reset: CS:IP = F000:FFF0, the other registers 0. */
		s.cs.selector = RESET_CS;
		s.cs.base = (uint64_t)RESET_CS << REAL_MODE_SEGMENT_SHIFT;
		memset(&r, 0, sizeof(r));
		r.rflags = RFLAGS_FIXED;
		r.rip = RESET_IP;
		if (ioctl(cpu->fd, KVM_SET_SREGS, &s) < 0 || ioctl(cpu->fd, KVM_SET_REGS, &r) < 0)
			return vmm_fail(err, "setting the reset state: %s", strerror(errno));
	}
	return 0;
}
