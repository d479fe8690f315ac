/*
 * screen.c - showing a guest's VGA text screen. On a terminal it is drawn
 * live, as QEMU's -display curses does: a thread of its own looks at the
 * buffer at most 30 times a second and redraws only when something changed
 * (characters in colours from their attribute bytes, and the cursor); it
 * alone blocks when the terminal is slow, never a vCPU. When stdout is not
 * a terminal, the final screen is written as text when the guest ends, for
 * whatever reason: each row without its trailing blanks, trailing empty
 * rows dropped. --screen chooses; by default a screen is shown once the
 * guest has written to it, so guests that never touch it print as before.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "vmm.h"
#include "pc/pc.h"

#define FRAME_MS 33                 /* at most ~30 redraws a second */
#define STOP_WAIT_SECONDS 1.0       /* a drawing stuck on the terminal is left behind */
#define UTF8_MAX 3                  /* bytes of one character of code page 437 */
#define SGR_MAX 24                  /* "\033[0;97;47m" and the like */
#define CELL_MAX (UTF8_MAX + SGR_MAX)
#define FRAME_BYTES (VGA_CELLS * CELL_MAX + VGA_ROWS * 8 + 64)
#define ASCII_FIRST 0x20
#define ASCII_LAST 0x7E
#define ATTR_FG_MASK 0x07
#define ATTR_BRIGHT 0x08
#define ATTR_BG_SHIFT 4
#define ANSI_FG 30
#define ANSI_FG_BRIGHT 90
#define ANSI_BG 40

#define ANSI_HOME_CLEAR "\033[H\033[2J"
#define ANSI_HOME "\033[H"
#define ANSI_CLEAR_EOL "\033[K"
#define ANSI_RESET_ATTR "\033[0m"
#define ANSI_SHOW_CURSOR "\033[?25h"
#define ANSI_HIDE_CURSOR "\033[?25l"

/* Code page 437, the PC's character set: the pictures of 0x01-0x1F and
 * the characters 0x80-0xFF, as Unicode. */
static const uint16_t cp437_low[0x20] = {
	0x0020, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022,
	0x25D8, 0x25CB, 0x25D9, 0x2642, 0x2640, 0x266A, 0x266B, 0x263C,
	0x25BA, 0x25C4, 0x2195, 0x203C, 0x00B6, 0x00A7, 0x25AC, 0x21A8,
	0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC,
};
static const uint16_t cp437_high[0x80] = {
	0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7,
	0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
	0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
	0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
	0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
	0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
	0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
	0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
	0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
	0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,
	0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
	0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4,
	0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
	0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
	0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x0020,
};
#define CP437_HOUSE 0x2302          /* 0x7F */
#define CP437_DEL 0x7F

/* VGA colour numbers (blue is 1) to ANSI's (red is 1). */
static const uint8_t vga_to_ansi[8] = { 0, 4, 2, 6, 1, 5, 3, 7 };

/* One character of the screen as UTF-8; returns its length. */
static size_t put_char(uint8_t ch, char *out)
{
	uint16_t cp;

	if (ch >= ASCII_FIRST && ch <= ASCII_LAST) {
		out[0] = (char)ch;
		return 1;
	}
	cp = ch < ASCII_FIRST ? cp437_low[ch] : ch == CP437_DEL ? CP437_HOUSE : cp437_high[ch - 0x80];
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | cp >> 12);
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

#define CP437_NBSP 0xFF              /* shown as a space */

static bool is_blank(uint8_t ch)
{
	return ch == 0 || ch == ' ' || ch == CP437_NBSP;
}

size_t screen_row_text(const struct vga_snapshot *s, int row, char *out)
{
	const uint16_t *cells = s->cells + row * VGA_COLS;
	int last = VGA_COLS - 1;
	size_t n = 0;

	while (last >= 0 && is_blank((uint8_t)cells[last]))
		last--;
	for (int col = 0; col <= last; col++)
		n += put_char((uint8_t)cells[col], out + n);
	out[n] = '\0';
	return n;
}

/* ---- the final screen as text --------------------------------------------------- */

static bool text_wanted(enum screen_mode mode)
{
	return mode == SCREEN_TEXT || (mode == SCREEN_AUTO && !isatty(STDOUT_FILENO));
}

static void write_text(struct vm *vm, bool always)
{
	struct vga_snapshot s;
	char line[VGA_COLS * UTF8_MAX + 2];
	int rows = VGA_ROWS;

	if (!vga_snapshot(vm, &s) || (!always && !vga_written(&s)))
		return;
	while (rows > 0 && screen_row_text(&s, rows - 1, line) == 0)
		rows--;
	console_flush(vm);   /* a partial line of the guest's console first */
	for (int row = 0; row < rows; row++) {
		size_t n = screen_row_text(&s, row, line);

		line[n++] = '\n';
		console_write(vm, line, n);
	}
}

/* ---- live in the terminal ---------------------------------------------------------- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;     /* the drawer sleeps between frames; stop wakes it */
	bool quit, done, started, drawing;
	bool always;             /* draw even before the guest wrote anything */
	pthread_t thread;
	struct vm *vm;
	struct vga_snapshot last;
	bool drawn;
	struct termios saved;
	bool termios_saved;
	char frame[FRAME_BYTES];
} live = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
};

static size_t put_sgr(uint8_t attr, char *out)
{
	int fg = attr & ATTR_FG_MASK, bg = (attr >> ATTR_BG_SHIFT) & ATTR_FG_MASK;

	return (size_t)sprintf(out, "\033[0;%d;%dm",
			       ((attr & ATTR_BRIGHT) ? ANSI_FG_BRIGHT : ANSI_FG) + vga_to_ansi[fg],
			       ANSI_BG + vga_to_ansi[bg]);
}

/* The escape sequences that draw snapshot s (from the top left). */
static size_t render(const struct vga_snapshot *s, char *out, bool first)
{
	size_t n = 0;
	int attr = -1;

	n += (size_t)sprintf(out + n, "%s%s", first ? ANSI_HOME_CLEAR : ANSI_HOME, ANSI_HIDE_CURSOR);
	for (int row = 0; row < VGA_ROWS; row++) {
		for (int col = 0; col < VGA_COLS; col++) {
			uint16_t cell = s->cells[row * VGA_COLS + col];

			if ((cell >> 8) != attr) {
				attr = cell >> 8;
				n += put_sgr((uint8_t)attr, out + n);
			}
			n += put_char((uint8_t)cell ? (uint8_t)cell : ' ', out + n);
		}
		n += (size_t)sprintf(out + n, "%s%s", ANSI_RESET_ATTR, row < VGA_ROWS - 1 ? "\r\n" : "");
		attr = -1;
	}
	if (s->cursor_row >= 0)
		n += (size_t)sprintf(out + n, "\033[%d;%dH%s", s->cursor_row + 1, s->cursor_col + 1,
				     ANSI_SHOW_CURSOR);
	return n;
}

/* Draw the screen if it changed since the last frame. */
static void draw_frame(void)
{
	struct vga_snapshot now;
	size_t n;

	if (!vga_snapshot(live.vm, &now) || (!live.always && !live.drawn && !vga_written(&now)))
		return;
	if (live.drawn && !memcmp(&now, &live.last, sizeof(now)))
		return;
	n = render(&now, live.frame, !live.drawn);
	live.last = now;
	live.drawn = true;
	write_all(STDOUT_FILENO, live.frame, n);   /* may block: no lock held, no vCPU waits */
}

static void *drawer_thread(void *arg)
{
	struct timespec until;

	(void)arg;
	pthread_mutex_lock(&live.lock);
	while (!live.quit) {
		pthread_mutex_unlock(&live.lock);
		draw_frame();
		pthread_mutex_lock(&live.lock);
		until = vmm_deadline(FRAME_MS / 1000.0);
		if (!live.quit)
			pthread_cond_timedwait(&live.wake, &live.lock, &until);
	}
	pthread_mutex_unlock(&live.lock);
	draw_frame();   /* the final screen */
	if (live.drawn) {
		static const char restore[] = ANSI_RESET_ATTR ANSI_SHOW_CURSOR "\033[26;1H";

		write_all(STDOUT_FILENO, restore, sizeof(restore) - 1);
	}
	pthread_mutex_lock(&live.lock);
	live.done = true;
	pthread_cond_broadcast(&live.wake);
	pthread_mutex_unlock(&live.lock);
	return NULL;
}

/* Keys go to the guest one by one, unechoed (Ctrl-C still ends kvm-vmm). */
static void terminal_keys_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &live.saved) < 0)
		return;
	live.termios_saved = true;
	t = live.saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

void screen_start(struct vmm *vmm)
{
	enum screen_mode mode = vmm->opts->screen;
	int e;

	if (vmm->nvms < 1 || !(mode == SCREEN_LIVE || (mode == SCREEN_AUTO && isatty(STDOUT_FILENO))))
		return;
	live.vm = &vmm->vms[0];
	live.always = mode == SCREEN_LIVE || vmm->opts->disk;
	e = vmm_thread_start(&live.thread, drawer_thread, NULL);
	if (e) {
		vmm_msg(live.vm, "cannot start the screen thread (%s): no live screen", strerror(e));
		return;
	}
	live.started = true;
	if (live.always)
		terminal_keys_raw();
}

/* Stop the drawer: it draws the last frame and restores the terminal,
 * unless the terminal has stopped taking output. */
static void live_stop(void)
{
	struct timespec until;
	bool done;

	pthread_mutex_lock(&live.lock);
	live.quit = true;
	pthread_cond_broadcast(&live.wake);
	until = vmm_deadline(STOP_WAIT_SECONDS);
	while (!live.done)
		if (pthread_cond_timedwait(&live.wake, &live.lock, &until) == ETIMEDOUT)
			break;
	done = live.done;
	pthread_mutex_unlock(&live.lock);
	if (done)
		pthread_join(live.thread, NULL);
	else
		pthread_detach(live.thread);
	if (live.termios_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &live.saved);
	live.started = false;
}

void screen_finish(struct vmm *vmm)
{
	enum screen_mode mode = vmm->opts->screen;

	if (live.started) {
		live_stop();
		return;
	}
	if (!text_wanted(mode))
		return;
	for (int g = 0; g < vmm->nvms; g++)
		write_text(&vmm->vms[g], mode == SCREEN_TEXT);
}
