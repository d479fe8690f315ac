/*
 * pc.h - the parts of a PC that kvm-vmm adds for --disk/--floppy and for
 * guests that use the VGA text screen: the BIOS's ports (bios.c, which
 * carries out the services of bios/bios.asm), the boot disk (disk.c), the
 * VGA text screen and its CRT controller (vga.c), and how the screen is
 * shown: live in a terminal or as text at the end (screen.c).
 *
 * Every guest has a struct pc (pc_of()); only a guest booted from a disk
 * has a BIOS and a disk. docs/pc.md describes the machine.
 */
#ifndef VMM_PC_H
#define VMM_PC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vmm;
struct vcpu;
struct vmm_options;

/* The BIOS's ports (the same numbers are in bios/bios.asm). Each `out`
 * is one service call; the VMM reads and writes the caller's registers. */
#define PORT_BIOS_SYSTEM 0xE0   /* AL = SYS_* below */
#define PORT_BIOS_VIDEO 0xE1    /* int 10h */
#define PORT_BIOS_DISK 0xE2     /* int 13h */
#define PORT_BIOS_SYSCONF 0xE3  /* int 15h */
#define PORT_BIOS_UNSUPP 0xE4   /* AL = interrupt, AH = the function asked for */
#define PORT_BIOS_FIRST PORT_BIOS_SYSTEM
#define PORT_BIOS_LAST PORT_BIOS_UNSUPP
#define SYS_POST 0              /* fill the BDA's host-dependent fields, video mode 3 */
#define SYS_BOOT_DRIVE 1        /* DL = the boot drive */

/* VGA ports: CRT controller index/data, input status 1. */
#define PORT_VGA_CRTC_INDEX 0x3D4
#define PORT_VGA_CRTC_DATA 0x3D5
#define PORT_VGA_STATUS 0x3DA

/* Fields of the BIOS data area, as offsets from its start (layout.h:
 * LAYOUT_BDA); bios/bios.asm uses the same. */
#define BDA_COM_PORTS 0x00      /* 4 words: I/O ports of COM1-COM4 */
#define BDA_EBDA_SEGMENT 0x0E   /* word: segment of the extended BDA */
#define BDA_EQUIPMENT 0x10      /* word: int 11h */
#define BDA_MEM_KB 0x13         /* word: KiB of conventional memory, int 12h */
#define BDA_VIDEO_MODE 0x49
#define BDA_VIDEO_COLS 0x4A     /* word */
#define BDA_VIDEO_PAGE_SIZE 0x4C /* word: bytes */
#define BDA_VIDEO_PAGE_START 0x4E /* word: byte offset of the active page */
#define BDA_CURSOR_POS 0x50     /* 8 words, one a page: column, then row */
#define BDA_CURSOR_SHAPE 0x60   /* word: end line, then start line */
#define BDA_ACTIVE_PAGE 0x62
#define BDA_CRTC_PORT 0x63      /* word: 0x3D4 for colour */
#define BDA_HARD_DISKS 0x75
#define BDA_VIDEO_ROWS 0x84     /* rows - 1 */
#define BDA_CHAR_HEIGHT 0x85    /* word: scan lines a character */

#define SECTOR_SIZE 512
#define DRIVE_FLOPPY 0x00
#define DRIVE_HARD_DISK 0x80

/* ---- disk.c: a raw image of 512-byte sectors --------------------------------- */

struct disk {
	const char *path;
	uint8_t *data;          /* the image, mapped (privately unless writable) */
	uint64_t size;          /* bytes in the file */
	uint8_t drive;          /* BIOS drive number: 0x00 floppy, 0x80 hard disk */
	bool floppy;
	unsigned cylinders, heads, sectors_per_track;
	uint8_t last_status;    /* int 13h AH=01h */
};

/* Open and check the boot image: a regular file of at least one sector
 * that ends sector 0 with 0x55 0xAA. Writes reach the file only when
 * `writable`. Returns 0, or -1 with a BIOS-like reason in err. */
int disk_open(struct disk *d, const char *path, bool floppy, bool writable, char *err);
void disk_close(struct disk *d);
/* Copy `count` sectors from LBA `lba` to dst; past the end of the image
 * they read as zeros, as on a padded floppy. */
void disk_read(const struct disk *d, uint64_t lba, unsigned count, uint8_t *dst);
/* Copy `count` sectors from src to LBA `lba`; what lies past the end of
 * the image is dropped. */
void disk_write(struct disk *d, uint64_t lba, unsigned count, const uint8_t *src);
/* Sectors the geometry describes (cylinders x heads x sectors). */
uint64_t disk_chs_sectors(const struct disk *d);

/* ---- vga.c: the text screen and the CRT controller ------------------------------- */

#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_CELLS (VGA_COLS * VGA_ROWS)
#define VGA_PAGE_BYTES 0x1000   /* one text page in the buffer */
#define VGA_PAGES 8
#define VGA_ATTR_NORMAL 0x07    /* light grey on black */
#define VGA_CRTC_REGS 0x19

struct vga {
	pthread_mutex_t lock;   /* CRTC registers and the BIOS's writes to the buffer */
	uint8_t crtc_index;
	uint8_t crtc[VGA_CRTC_REGS];
};

/* A copy of what the screen shows. */
struct vga_snapshot {
	uint16_t cells[VGA_CELLS];  /* character | attribute << 8 */
	int cursor_row, cursor_col; /* -1 when the cursor is off or off-screen */
};

void vga_init(struct vga *v);
bool vga_is_port(uint16_t port);
void vga_out(struct vm *vm, uint16_t port, const uint8_t *data, int size);
uint8_t vga_in(struct vm *vm, uint16_t port);
/* Copy the visible page and the cursor. False if the guest's RAM does not
 * reach the text buffer. */
bool vga_snapshot(struct vm *vm, struct vga_snapshot *s);
/* True once the guest wrote anything into the visible page (RAM starts
 * zeroed, and a written screen never is all zeros). */
bool vga_written(const struct vga_snapshot *s);

/* BIOS text operations (int 10h), on page `page` of the buffer; they keep
 * the BDA's cursor and the CRTC's cursor registers in step. */
void vga_set_mode3(struct vm *vm, bool clear);
void vga_get_cursor(struct vm *vm, int page, int *row, int *col);
void vga_set_cursor(struct vm *vm, int page, int row, int col);
void vga_set_cursor_shape(struct vm *vm, uint8_t start, uint8_t end);
uint16_t vga_cursor_shape(struct vm *vm);
void vga_set_page(struct vm *vm, int page);
int vga_active_page(struct vm *vm);
/* Teletype: control characters BEL, BS, LF, CR act; others are written
 * at the cursor (with attr if use_attr, else keeping the cell's), which
 * advances, wraps and scrolls the page at the bottom. */
void vga_teletype(struct vm *vm, int page, uint8_t ch, uint8_t attr, bool use_attr);
/* Scroll the window (r1,c1)-(r2,c2) up (lines > 0) or down (< 0); 0 or
 * more lines than the window has clears it. New lines get attr. */
void vga_scroll(struct vm *vm, int page, int lines, uint8_t attr, int r1, int c1, int r2, int c2);
/* Write ch `count` times from the cursor without moving it, with attr
 * (or keeping each cell's attribute when !use_attr). */
void vga_write_chars(struct vm *vm, int page, uint8_t ch, uint8_t attr, bool use_attr,
		     unsigned count);
/* The cell at the cursor: character | attribute << 8. */
uint16_t vga_read_cell(struct vm *vm, int page);

/* ---- screen.c: showing the screen ------------------------------------------------- */

enum screen_mode {
	SCREEN_AUTO,  /* live on a terminal, else text at the end; only once written */
	SCREEN_TEXT,  /* the final screen as text on stdout */
	SCREEN_LIVE,  /* drawn in the terminal as it changes */
	SCREEN_NONE,
};

/* Start showing guest 0's screen live if the mode says so (after the
 * guests are set up, before they run). */
void screen_start(struct vmm *vmm);
/* At the end, whatever the reason, after every vCPU stopped: stop the
 * live drawing and restore the terminal, or write the final screens as
 * text through the console. */
void screen_finish(struct vmm *vmm);
/* One row of the screen as UTF-8 text, trailing blanks removed; returns
 * its length (out holds at least VGA_COLS * 3 + 1 bytes). */
size_t screen_row_text(const struct vga_snapshot *s, int row, char *out);

/* ---- pc.c and bios.c: per-guest state, boot, BIOS ports ------------------------------ */

struct pc {
	struct vga vga;
	bool bios;            /* booted from a disk through our BIOS */
	struct disk disk;
};

/* Give every guest of vmm its struct pc (before any guest is set up).
 * Returns 0, or -1 with err. */
int pc_init(struct vmm *vmm, char *err);
/* Release them (disk images included). */
void pc_release(struct vmm *vmm);
/* The struct pc of guest vm, NULL for VMs outside a vmm (the probe's). */
struct pc *pc_of(const struct vm *vm);

/* Boot guest vm from the disk image of the options: check and map the
 * image, put the BIOS ROM at 0xF0000, start every vCPU at the reset
 * vector. Returns 0, STATUS_USAGE for an image that cannot boot (err says
 * why, as a BIOS would), or -1 for a host failure. */
int bios_boot_setup(struct vm *vm, const struct vmm_options *o, char *err);
/* An `out` to a BIOS port: carry out the service. False when the guest
 * ended (a host failure). */
bool bios_port_out(struct vcpu *cpu, uint16_t port);

#endif
