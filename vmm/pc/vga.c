/*
 * vga.c - the VGA text screen: the 80x25 buffer at 0xB8000 is plain guest
 * RAM that the guest writes directly; the CRT controller (ports 0x3D4 and
 * 0x3D5) keeps the cursor location (registers 0Eh/0Fh), the cursor shape
 * (0Ah/0Bh) and the start of the visible page (0Ch/0Dh); input status 1
 * (0x3DA) reads like a real card's, with the retrace bits following the
 * clock of a 70 Hz text mode. The BIOS's int 10h text operations are here
 * too: they write the same buffer and keep the BIOS data area's cursor
 * and the CRTC's in step, as a BIOS does.
 */
#include <string.h>
#include <time.h>

#include "layout.h"
#include "vmm.h"
#include "pc/pc.h"

/* CRT controller registers. */
#define CRTC_CURSOR_START 0x0A
#define CRTC_CURSOR_END 0x0B
#define CRTC_START_HIGH 0x0C
#define CRTC_START_LOW 0x0D
#define CRTC_CURSOR_HIGH 0x0E
#define CRTC_CURSOR_LOW 0x0F
#define CRTC_CURSOR_OFF 0x20        /* cursor start register: cursor disabled */
#define CRTC_SCANLINE_MASK 0x1F
#define CURSOR_START_MODE3 0x0D     /* the underline cursor of mode 3 (16-line font) */
#define CURSOR_END_MODE3 0x0E
#define BIOS_CURSOR_SHAPE 0x0607    /* what a BIOS reports for it (CGA lines) */

/* Input status 1: bit 0 while the display is blanked (between lines and
 * frames), bit 3 during vertical retrace. 70 Hz frames of 449 lines. */
#define STATUS_DISPLAY_OFF 0x01
#define STATUS_VRETRACE 0x08
#define FRAME_NS 14268000L
#define LINE_NS 31778L
#define VISIBLE_LINES 400
#define VRETRACE_FIRST_LINE 412
#define VRETRACE_LINES 2
#define HBLANK_NS 6356L             /* of each line, the blank part at its end */

#define VIDEO_MODE_TEXT 3
#define CHAR_HEIGHT 16
#define CRTC_PORT_COLOUR 0x3D4
#define BLANK_CELL (' ' | VGA_ATTR_NORMAL << 8)

void vga_init(struct vga *v)
{
	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->lock, NULL);
	/* As a BIOS leaves mode 3 (a Multiboot kernel finds it so). */
	v->crtc[CRTC_CURSOR_START] = CURSOR_START_MODE3;
	v->crtc[CRTC_CURSOR_END] = CURSOR_END_MODE3;
}

static struct vga *vga_of(struct vm *vm)
{
	struct pc *pc = pc_of(vm);

	return pc ? &pc->vga : NULL;
}

bool vga_is_port(uint16_t port)
{
	return port == PORT_VGA_CRTC_INDEX || port == PORT_VGA_CRTC_DATA || port == PORT_VGA_STATUS;
}

static void crtc_write(struct vga *v, uint8_t val)
{
	if (v->crtc_index < VGA_CRTC_REGS)
		v->crtc[v->crtc_index] = val;
}

void vga_out(struct vm *vm, uint16_t port, const uint8_t *data, int size)
{
	struct vga *v = vga_of(vm);

	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	if (port == PORT_VGA_CRTC_INDEX) {
		v->crtc_index = data[0];
		if (size >= 2)   /* out dx, ax: index in AL, data in AH */
			crtc_write(v, data[1]);
	} else if (port == PORT_VGA_CRTC_DATA) {
		crtc_write(v, data[0]);
	}
	pthread_mutex_unlock(&v->lock);
}

/* Input status 1 by the clock: where the beam of a 70 Hz screen is now. */
static uint8_t input_status(void)
{
	struct timespec ts;
	long in_frame, line, in_line;
	uint8_t st = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	in_frame = ts.tv_nsec % FRAME_NS;
	line = in_frame / LINE_NS;
	in_line = in_frame % LINE_NS;
	if (line >= VISIBLE_LINES || in_line >= LINE_NS - HBLANK_NS)
		st |= STATUS_DISPLAY_OFF;
	if (line >= VRETRACE_FIRST_LINE && line < VRETRACE_FIRST_LINE + VRETRACE_LINES)
		st |= STATUS_VRETRACE;
	return st;
}

uint8_t vga_in(struct vm *vm, uint16_t port)
{
	struct vga *v = vga_of(vm);
	uint8_t val = 0xff;

	if (!v)
		return val;
	pthread_mutex_lock(&v->lock);
	if (port == PORT_VGA_CRTC_INDEX)
		val = v->crtc_index;
	else if (port == PORT_VGA_CRTC_DATA)
		val = v->crtc_index < VGA_CRTC_REGS ? v->crtc[v->crtc_index] : 0;
	else if (port == PORT_VGA_STATUS)
		val = input_status();
	pthread_mutex_unlock(&v->lock);
	return val;
}

static bool has_text_buffer(const struct vm *vm)
{
	return vm->mem && vm_range_ok(vm, LAYOUT_VGA_TEXT, LAYOUT_VGA_TEXT_END - LAYOUT_VGA_TEXT);
}

static uint16_t crtc_word(const struct vga *v, int high)
{
	return (uint16_t)(v->crtc[high] << 8 | v->crtc[high + 1]);
}

bool vga_snapshot(struct vm *vm, struct vga_snapshot *s)
{
	struct vga *v = vga_of(vm);
	const uint32_t buffer_cells = (LAYOUT_VGA_TEXT_END - LAYOUT_VGA_TEXT) / 2;
	uint32_t start, cursor;
	bool cursor_off;

	if (!v || !has_text_buffer(vm))
		return false;
	pthread_mutex_lock(&v->lock);
	start = crtc_word(v, CRTC_START_HIGH) % buffer_cells;
	cursor = crtc_word(v, CRTC_CURSOR_HIGH);
	cursor_off = v->crtc[CRTC_CURSOR_START] & CRTC_CURSOR_OFF;
	for (uint32_t i = 0; i < VGA_CELLS; i++) {
		const uint8_t *cell = vm->mem + LAYOUT_VGA_TEXT + ((start + i) % buffer_cells) * 2;

		s->cells[i] = (uint16_t)(cell[0] | cell[1] << 8);
	}
	pthread_mutex_unlock(&v->lock);
	s->cursor_row = s->cursor_col = -1;
	if (!cursor_off && cursor >= start && cursor - start < VGA_CELLS) {
		s->cursor_row = (int)(cursor - start) / VGA_COLS;
		s->cursor_col = (int)(cursor - start) % VGA_COLS;
	}
	return true;
}

bool vga_written(const struct vga_snapshot *s)
{
	for (int i = 0; i < VGA_CELLS; i++)
		if (s->cells[i])
			return true;
	return false;
}

/* ---- the BIOS's text operations (callers hold no lock) ---------------------- */

static uint8_t *bda(struct vm *vm, unsigned field)
{
	return vm->mem + LAYOUT_BDA + field;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint8_t *cell_at(struct vm *vm, int page, int row, int col)
{
	return vm->mem + LAYOUT_VGA_TEXT + (uint64_t)page * VGA_PAGE_BYTES +
	       ((uint64_t)row * VGA_COLS + col) * 2;
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int valid_page(int page)
{
	return page & (VGA_PAGES - 1);
}

/* The CRTC cursor follows the BDA cursor of the active page (v->lock held). */
static void sync_crtc_cursor(struct vm *vm, struct vga *v)
{
	int page = *bda(vm, BDA_ACTIVE_PAGE) & (VGA_PAGES - 1);
	const uint8_t *pos = bda(vm, BDA_CURSOR_POS + 2 * page);
	uint16_t loc = (uint16_t)(page * VGA_PAGE_BYTES / 2 + pos[1] * VGA_COLS + pos[0]);

	v->crtc[CRTC_CURSOR_HIGH] = (uint8_t)(loc >> 8);
	v->crtc[CRTC_CURSOR_LOW] = (uint8_t)loc;
}

void vga_set_mode3(struct vm *vm, bool clear)
{
	struct vga *v = vga_of(vm);

	if (!v || !has_text_buffer(vm))
		return;
	pthread_mutex_lock(&v->lock);
	if (clear)
		for (int p = 0; p < VGA_PAGES; p++)
			for (int i = 0; i < VGA_CELLS; i++)
				put16(cell_at(vm, p, 0, i), BLANK_CELL);
	*bda(vm, BDA_VIDEO_MODE) = VIDEO_MODE_TEXT;
	put16(bda(vm, BDA_VIDEO_COLS), VGA_COLS);
	put16(bda(vm, BDA_VIDEO_PAGE_SIZE), VGA_PAGE_BYTES);
	put16(bda(vm, BDA_VIDEO_PAGE_START), 0);
	memset(bda(vm, BDA_CURSOR_POS), 0, 2 * VGA_PAGES);
	put16(bda(vm, BDA_CURSOR_SHAPE), BIOS_CURSOR_SHAPE);
	*bda(vm, BDA_ACTIVE_PAGE) = 0;
	put16(bda(vm, BDA_CRTC_PORT), CRTC_PORT_COLOUR);
	*bda(vm, BDA_VIDEO_ROWS) = VGA_ROWS - 1;
	put16(bda(vm, BDA_CHAR_HEIGHT), CHAR_HEIGHT);
	v->crtc[CRTC_START_HIGH] = v->crtc[CRTC_START_LOW] = 0;
	v->crtc[CRTC_CURSOR_START] = CURSOR_START_MODE3;
	v->crtc[CRTC_CURSOR_END] = CURSOR_END_MODE3;
	sync_crtc_cursor(vm, v);
	pthread_mutex_unlock(&v->lock);
}

void vga_get_cursor(struct vm *vm, int page, int *row, int *col)
{
	const uint8_t *pos = bda(vm, BDA_CURSOR_POS + 2 * valid_page(page));

	*col = pos[0];
	*row = pos[1];
}

/* (v->lock held) */
static void set_cursor_locked(struct vm *vm, struct vga *v, int page, int row, int col)
{
	uint8_t *pos = bda(vm, BDA_CURSOR_POS + 2 * valid_page(page));

	pos[0] = (uint8_t)col;
	pos[1] = (uint8_t)row;
	sync_crtc_cursor(vm, v);
}

void vga_set_cursor(struct vm *vm, int page, int row, int col)
{
	struct vga *v = vga_of(vm);

	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	set_cursor_locked(vm, v, page, row, col);
	pthread_mutex_unlock(&v->lock);
}

void vga_set_cursor_shape(struct vm *vm, uint8_t start, uint8_t end)
{
	struct vga *v = vga_of(vm);

	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	put16(bda(vm, BDA_CURSOR_SHAPE), (uint16_t)(start << 8 | end));
	v->crtc[CRTC_CURSOR_START] = start & (CRTC_SCANLINE_MASK | CRTC_CURSOR_OFF);
	v->crtc[CRTC_CURSOR_END] = end & CRTC_SCANLINE_MASK;
	pthread_mutex_unlock(&v->lock);
}

uint16_t vga_cursor_shape(struct vm *vm)
{
	return get16(bda(vm, BDA_CURSOR_SHAPE));
}

void vga_set_page(struct vm *vm, int page)
{
	struct vga *v = vga_of(vm);
	uint16_t start = (uint16_t)(valid_page(page) * VGA_PAGE_BYTES / 2);

	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	*bda(vm, BDA_ACTIVE_PAGE) = (uint8_t)valid_page(page);
	put16(bda(vm, BDA_VIDEO_PAGE_START), (uint16_t)(start * 2));
	v->crtc[CRTC_START_HIGH] = (uint8_t)(start >> 8);
	v->crtc[CRTC_START_LOW] = (uint8_t)start;
	sync_crtc_cursor(vm, v);
	pthread_mutex_unlock(&v->lock);
}

int vga_active_page(struct vm *vm)
{
	return *bda(vm, BDA_ACTIVE_PAGE) & (VGA_PAGES - 1);
}

/* Scroll a window (v->lock held); see vga_scroll(). */
static void scroll_locked(struct vm *vm, int page, int lines, uint8_t attr, int r1, int c1,
			  int r2, int c2)
{
	int height, width;

	r1 = clamp(r1, 0, VGA_ROWS - 1);
	r2 = clamp(r2, 0, VGA_ROWS - 1);
	c1 = clamp(c1, 0, VGA_COLS - 1);
	c2 = clamp(c2, 0, VGA_COLS - 1);
	if (r2 < r1 || c2 < c1)
		return;
	height = r2 - r1 + 1;
	width = c2 - c1 + 1;
	if (lines == 0 || lines >= height || -lines >= height)
		lines = height;   /* clear the window */
	for (int i = 0; i < height; i++) {
		/* Up: rows move from below, top first; down: from above, bottom first. */
		int row = lines > 0 ? r1 + i : r2 - i;
		int from = lines > 0 ? row + lines : row + lines;

		if (from >= r1 && from <= r2 && lines != height)
			memmove(cell_at(vm, page, row, c1), cell_at(vm, page, from, c1), width * 2);
		else
			for (int c = c1; c <= c2; c++)
				put16(cell_at(vm, page, row, c), (uint16_t)(' ' | attr << 8));
	}
}

void vga_scroll(struct vm *vm, int page, int lines, uint8_t attr, int r1, int c1, int r2, int c2)
{
	struct vga *v = vga_of(vm);

	if (!v || !has_text_buffer(vm))
		return;
	pthread_mutex_lock(&v->lock);
	scroll_locked(vm, valid_page(page), lines, attr, r1, c1, r2, c2);
	pthread_mutex_unlock(&v->lock);
}

void vga_teletype(struct vm *vm, int page, uint8_t ch, uint8_t attr, bool use_attr)
{
	struct vga *v = vga_of(vm);
	int row, col;

	if (!v || !has_text_buffer(vm))
		return;
	page = valid_page(page);
	pthread_mutex_lock(&v->lock);
	vga_get_cursor(vm, page, &row, &col);
	row = clamp(row, 0, VGA_ROWS - 1);
	col = clamp(col, 0, VGA_COLS - 1);
	switch (ch) {
	case '\a':
		break;
	case '\b':
		if (col > 0)
			col--;
		break;
	case '\r':
		col = 0;
		break;
	case '\n':
		row++;
		break;
	default: {
		uint8_t *cell = cell_at(vm, page, row, col);

		cell[0] = ch;
		if (use_attr)
			cell[1] = attr;
		if (++col == VGA_COLS) {
			col = 0;
			row++;
		}
	}
	}
	if (row == VGA_ROWS) {
		/* The new bottom line takes the attribute of the cell at the
		 * cursor, as the IBM BIOS does. */
		uint8_t fill = cell_at(vm, page, VGA_ROWS - 1, col)[1];

		scroll_locked(vm, page, 1, fill, 0, 0, VGA_ROWS - 1, VGA_COLS - 1);
		row = VGA_ROWS - 1;
	}
	set_cursor_locked(vm, v, page, row, col);
	pthread_mutex_unlock(&v->lock);
}

void vga_write_chars(struct vm *vm, int page, uint8_t ch, uint8_t attr, bool use_attr,
		     unsigned count)
{
	struct vga *v = vga_of(vm);
	int row, col;

	if (!v || !has_text_buffer(vm))
		return;
	page = valid_page(page);
	pthread_mutex_lock(&v->lock);
	vga_get_cursor(vm, page, &row, &col);
	for (unsigned at = (unsigned)(clamp(row, 0, VGA_ROWS - 1) * VGA_COLS +
				      clamp(col, 0, VGA_COLS - 1));
	     count > 0 && at < VGA_CELLS; count--, at++) {
		uint8_t *cell = cell_at(vm, page, 0, (int)at);

		cell[0] = ch;
		if (use_attr)
			cell[1] = attr;
	}
	pthread_mutex_unlock(&v->lock);
}

uint16_t vga_read_cell(struct vm *vm, int page)
{
	struct vga *v = vga_of(vm);
	int row, col;
	uint16_t cell;

	if (!v || !has_text_buffer(vm))
		return 0;
	page = valid_page(page);
	pthread_mutex_lock(&v->lock);
	vga_get_cursor(vm, page, &row, &col);
	cell = get16(cell_at(vm, page, clamp(row, 0, VGA_ROWS - 1), clamp(col, 0, VGA_COLS - 1)));
	pthread_mutex_unlock(&v->lock);
	return cell;
}
