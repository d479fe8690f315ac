/*
 * test_docs.c - the documents tell the truth: every command they show still
 * works, prints what they say it prints, and every gdb session they show
 * can be replayed against the real stub.
 *
 * The documents: README.md and the .md files of docs/ at the top of the
 * repository, every lessons/NN-topic/README.md and every
 * labs/NN-topic/README.md. A code block is a fenced block (``` or ~~~) or
 * an indented one (4 spaces or more, after a blank line).
 *
 * (a) Commands (Test docs/commands_work).
 *   Run: a code line that starts with ./kvm-vmm, `make run` or `make check`,
 *   or a pipeline into ./kvm-vmm (`echo hi | ./kvm-vmm ...`); and a command
 *   written inline as the only code span that opens a paragraph ending with
 *   ':' ("`./kvm-vmm --stats x.elf` prints:"), when a code block with no
 *   command in it follows (that block is then its expected output).
 *   Not run: other make targets (debug, test, bench, deps, grade...: they
 *   are interactive, slow or install things); lines with --gdb (they wait
 *   for gdb in a second terminal); lines naming a lesson's exercise (the
 *   student's file: what it does is up to them); lines with a placeholder,
 *   a word in capitals (GUEST, NN), a guest file without a directory
 *   (guest1.elf) or a file in ~/: examples for the reader's own files.
 *   How: `sh -c LINE` from the repository root, stdin /dev/null (a command
 *   that waits for typing sees the end of input at once), with a time
 *   limit, one command after the other: make commands must not race on the
 *   build. ./kvm-vmm is the runner under test ($KVM_VMM); make runs with -s.
 *   Passes when: it ends in time, not by a signal; its status is not 2
 *   (bad usage, unloadable guest; for make, the recipe's "Error N" is not 2
 *   and make itself did not fail) unless the document says so; it prints
 *   no "kvm-vmm: ..." error line that the document does not show; and it
 *   prints the output the document shows.
 *   Expected output: the lines after the command in the same block (blank
 *   lines skipped) up to the next line that looks like a command (it starts
 *   with ./, #, or a command word such as make, gdb, echo). They must
 *   appear as consecutive lines of the command's stdout, or of its stderr;
 *   a line "..." stands for any number of lines; a number with a time unit
 *   ("2.278 ms") matches any number. `echo $?  # N` after a command, or
 *   "status N" in the command's own comment, means its status must be N
 *   (a guest may exit with 2 on purpose).
 *
 * (b) gdb sessions (Test docs/gdb_sessions_replay).
 *   A session is a section (a # or ## heading) whose title contains
 *   "session" and whose code blocks have lines starting with "(gdb) ".
 *   Its gdbinit is the one the section names with `-x PATH`, else the one
 *   of lesson NN for `make debug LESSON=NN`. The gdbinit's comment
 *   "# First: ./kvm-vmm --gdb 1234 GUEST [< INPUT]" says how to start the
 *   VMM: the test runs that with --gdb 0 (and INPUT on stdin), then
 *   `gdb -batch -nx GUEST` (a disk boot, "# First: ./kvm-vmm --gdb 1234
 *   --disk IMAGE", names no ELF: GUEST is then the first .elf of the
 *   comment "# Then: gdb GUEST -x ...") with the gdbinit's commands (its `target remote`
 *   aimed at the port kvm-vmm printed), then every command typed after
 *   "(gdb) " in the section, in order.
 *   Passes when: gdb ends in time and reports none of the errors in
 *   gdb_errors[] (unless on a line the transcript shows: a session may
 *   show what does not work); the stops the transcript shows ("Breakpoint
 *   N, ...", watchpoint hits with their old and new values, the inferior's
 *   exit) appear in gdb's output in the same order (a line that gdb
 *   wrapped in the reader's terminal matches by its start); every line of
 *   the transcript that shows an address or a value (a hex number: a
 *   breakpoint's address, x/ and info registers output, a disassembled
 *   instruction) is one that gdb or kvm-vmm printed in the replay (a line
 *   marked "guest| ", as make debug shows the guest's output: a piece of
 *   kvm-vmm's stdout), unless the gdbinit's line "# Varies: START; ..."
 *   says lines that start so change from run to run; else the test fails
 *   with those lines, as a diff against the replay
 *   (python3 scripts/transcripts.py rewrites them); and kvm-vmm
 *   ends by itself, with the guest's exit or killed by gdb's quit, and
 *   reports no error of its own.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define CMD_TIMEOUT_S     120 /* one documented command */
#define REPLAY_TIMEOUT_S  300 /* one replayed session (watchpoints single-step) */
#define VMM_END_TIMEOUT_S 30  /* kvm-vmm after gdb has gone */
#define MAX_EXPECT        200 /* expected-output lines of one command */
#define MAX_GDB           200 /* gdb commands or stop lines of one session */
#define MAX_SHOWN         4000 /* lines of one session's transcript */
#define MAX_VARIES        16   /* "# Varies:" entries of one gdbinit */
#define GUEST_MARK        "guest| " /* make debug's mark on the guest's output */

/* What gdb prints when a documented command no longer works. */
static const char *const gdb_errors[] = {
	"No symbol",                       /* a label was renamed */
	"Cannot access memory",            /* the stub refused an address */
	"not supported",                   /* e.g. "monitor" without qRcmd */
	"Undefined command",
	"Undefined info command",
	"A syntax error",
	"Invalid ",
	"Cannot insert",                   /* a breakpoint the stub refused */
	"Could not insert",
	"Couldn't",
	"Remote connection closed",
	"Remote communication error",
	"Ignoring packet error",
	"The program is not being run",    /* the guest ended too early */
	"The program has no registers now",
	"unknown monitor command",
	"warning: ",
};

/* ---- a document, cut into lines ------------------------------------------ */

struct doc {
	const char *path;
	char *text;    /* the file; '\n's replaced by NULs */
	char **line;   /* line[i]: the i-th line (0-based) */
	char **code;   /* code[i]: its text inside a code block, without the
			* block's indentation; NULL for a prose line */
	int *block;    /* block[i]: which code block, or -1 */
	int *heading;  /* heading[i]: the # or ## heading line above, or -1 */
	int n;
};

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool is_blank(const char *s)
{
	return *skip_spaces(s) == '\0';
}

static int indent_of(const char *s)
{
	return (int)(skip_spaces(s) - s);
}

static bool is_fence(const char *s)
{
	const char *t = skip_spaces(s);

	return t - s < 4 && (starts_with(t, "```") || starts_with(t, "~~~"));
}

/* Cut the trailing spaces off a line, in place. */
static char *rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Find the code blocks and the heading of every line. */
static void doc_mark(struct doc *d)
{
	int block = -1, blocks = 0, heading = -1, base = 0;
	bool fenced = false, indented = false;

	for (int i = 0; i < d->n; i++) {
		char *l = d->line[i];
		bool after_blank = i == 0 || is_blank(d->line[i - 1]);

		d->code[i] = NULL;
		d->block[i] = -1;
		if (fenced) {
			if (is_fence(l)) {
				fenced = false;
			} else {
				d->code[i] = l;
				d->block[i] = block;
			}
		} else if (is_fence(l)) {
			fenced = true;
			indented = false;
			block = blocks++;
		} else if (is_blank(l)) {
			if (indented) {
				d->code[i] = l + strlen(l);
				d->block[i] = block;
			}
		} else if (indent_of(l) >= 4 && (indented || after_blank)) {
			if (!indented) {
				indented = true;
				block = blocks++;
				base = indent_of(l);
			}
			d->code[i] = indent_of(l) >= base ? l + base : (char *)skip_spaces(l);
			d->block[i] = block;
		} else {
			indented = false;
			if (starts_with(l, "# ") || starts_with(l, "## "))
				heading = i;
		}
		d->heading[i] = heading;
	}
}

static void doc_load(struct doc *d, const char *path)
{
	char *p;
	int n = 1;

	memset(d, 0, sizeof(*d));
	d->path = path;
	d->text = slurp(path, NULL);
	cr_assert_not_null(d->text, "cannot read %s", path);
	for (p = d->text; *p; p++)
		n += *p == '\n';
	d->line = calloc(n, sizeof(*d->line));
	d->code = calloc(n, sizeof(*d->code));
	d->block = calloc(n, sizeof(*d->block));
	d->heading = calloc(n, sizeof(*d->heading));
	cr_assert(d->line && d->code && d->block && d->heading);
	for (p = d->text; p;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		d->line[d->n++] = rtrim(p);
		p = nl ? nl + 1 : NULL;
	}
	doc_mark(d);
}

static void doc_free(struct doc *d)
{
	free(d->text);
	free(d->line);
	free(d->code);
	free(d->block);
	free(d->heading);
}

/* README.md, docs/NAME.md, lessons/NN-topic/README.md and
 * labs/NN-topic/README.md, in that order. */
static void find_documents(glob_t *g)
{
	cr_assert_eq(glob("README.md", 0, NULL, g), 0, "no README.md: run from the repository root");
	glob("docs/*.md", GLOB_APPEND, NULL, g);
	glob("lessons/*/README.md", GLOB_APPEND, NULL, g);
	glob("labs/*/README.md", GLOB_APPEND, NULL, g);
}

/* ---- (a) documented commands ----------------------------------------------- */

struct command {
	const char *doc;
	int lineno;               /* 1-based, for messages */
	char *text;               /* the command as the document writes it */
	const char *expect[MAX_EXPECT];
	int nexpect;
	int status;               /* from `echo $?  # N`, or -1 */
};

/* A line this test runs: ./kvm-vmm ..., make run, make check, or a
 * pipeline into ./kvm-vmm. */
static bool is_runnable(const char *s)
{
	return starts_with(s, "./kvm-vmm ") || strcmp(s, "./kvm-vmm") == 0 ||
	       starts_with(s, "make run ") || strcmp(s, "make run") == 0 ||
	       starts_with(s, "make check ") || strcmp(s, "make check") == 0 ||
	       strstr(s, "| ./kvm-vmm ") != NULL;
}

/* A line a reader types (ends the expected output of the command above). */
static bool looks_like_command(const char *s)
{
	static const char *const words[] = { "make", "gdb", "echo", "cd", "git", "sudo", "sh",
					     "bash", "cat", "printf", "qemu-system-i386",
					     "qemu-system-x86_64", "nasm", "ld", NULL };
	size_t len = strcspn(s, " ");

	if (starts_with(s, "./") || starts_with(s, "#") || starts_with(s, "$ "))
		return true;
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) == len && strncmp(s, words[i], len) == 0)
			return true;
	return false;
}

/* `echo $?  # 7` gives 7; anything else -1. */
static int echo_status(const char *s)
{
	const char *hash;

	if (!starts_with(s, "echo $?"))
		return -1;
	hash = strchr(s, '#');
	if (!hash || !isdigit((unsigned char)*skip_spaces(hash + 1)))
		return -1;
	return atoi(skip_spaces(hash + 1));
}

/* Why a runnable line is not run, or NULL to run it. */
static const char *skip_reason(const char *cmd)
{
	char buf[1024];
	char *comment, *word, *save = NULL;

	if (strstr(cmd, "--gdb"))
		return "waits for gdb in a second terminal";
	if (strstr(cmd, "exercise."))
		return "runs the student's exercise";
	snprintf(buf, sizeof(buf), "%s", cmd);
	comment = strstr(buf, " #");
	if (comment)
		*comment = '\0';
	for (word = strtok_r(buf, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		const char *value = word[0] != '-' && strchr(word, '=') ? strchr(word, '=') + 1 : word;
		size_t len = strlen(value);
		bool capitals = len >= 2;

		for (const char *p = value; *p; p++)
			capitals &= isupper((unsigned char)*p) || *p == '_';
		if (capitals)
			return "a placeholder in capitals";
		if (len > 4 && strcmp(value + len - 4, ".elf") == 0 && !strchr(value, '/'))
			return "a guest file without a directory (an example name)";
		if (starts_with(value, "~/"))
			return "a file of the reader's own (~/...)";
	}
	return NULL;
}

/* "... # prints x, status 2": the status a command's own comment states,
 * or -1. */
static int status_in_comment(const char *cmd)
{
	const char *comment = strstr(cmd, " #"), *s;

	if (!comment)
		return -1;
	for (s = strstr(comment, "status "); s; s = strstr(s + 1, "status "))
		if (isdigit((unsigned char)s[strlen("status ")]))
			return atoi(s + strlen("status "));
	return -1;
}

static struct command *add_command(struct command **cmds, int *n, const struct doc *d, int i,
				   const char *text)
{
	struct command *c;

	*cmds = realloc(*cmds, (*n + 1) * sizeof(**cmds));
	cr_assert_not_null(*cmds);
	c = &(*cmds)[(*n)++];
	memset(c, 0, sizeof(*c));
	c->doc = d->path;
	c->lineno = i + 1;
	c->text = strdup(text);
	c->status = status_in_comment(text);
	return c;
}

/* Commands on code lines, with the output and status shown after them. */
static void commands_in_blocks(const struct doc *d, struct command **cmds, int *n)
{
	struct command *cur = NULL; /* the command whose output may follow */

	for (int i = 0; i < d->n; i++) {
		const char *s;

		if (!d->code[i])
			continue;
		if (i == 0 || d->block[i - 1] != d->block[i])
			cur = NULL;   /* a new block */
		s = skip_spaces(d->code[i]);
		if (!*s)
			continue;
		if (is_runnable(s)) {
			cur = add_command(cmds, n, d, i, s);
		} else if (echo_status(s) >= 0) {
			if (cur)
				cur->status = echo_status(s);
			cur = NULL;
		} else if (looks_like_command(s)) {
			cur = NULL;
		} else if (cur && cur->nexpect < MAX_EXPECT) {
			cur->expect[cur->nexpect++] = d->code[i];
		}
	}
}

/* "`./kvm-vmm --stats x.elf` prints:" followed by a block of output. */
static void commands_inline(const struct doc *d, struct command **cmds, int *n)
{
	for (int i = 0; i < d->n; i++) {
		char para[4096] = "", span[1024];
		const char *end;
		int first = i, next;
		struct command *c;

		if (d->code[i] || is_blank(d->line[i]))
			continue;
		/* The paragraph: prose lines up to a blank line or a code block. */
		for (; i < d->n && !d->code[i] && !is_blank(d->line[i]); i++)
			snprintf(para + strlen(para), sizeof(para) - strlen(para), "%s ",
				 d->line[i]);
		next = i--;   /* i: its last line; next: the first code line after it */
		rtrim(para);
		while (next < d->n && !d->code[next] &&
		       (is_blank(d->line[next]) || is_fence(d->line[next])))
			next++;
		/* One code span, at the start, and a ':' at the end. */
		end = para[0] == '`' ? strchr(para + 1, '`') : NULL;
		if (!end || strchr(end + 1, '`') || para[strlen(para) - 1] != ':' ||
		    next >= d->n || !d->code[next])
			continue;
		snprintf(span, sizeof(span), "%.*s", (int)(end - para - 1), para + 1);
		if (!is_runnable(span))
			continue;
		c = add_command(cmds, n, d, first, span);
		for (int j = next; j < d->n && d->block[j] == d->block[next]; j++) {
			const char *s = skip_spaces(d->code[j]);

			if (is_runnable(s) || looks_like_command(s)) {
				c->nexpect = 0;   /* a block of commands, not of output */
				break;
			}
			if (*s && c->nexpect < MAX_EXPECT)
				c->expect[c->nexpect++] = d->code[j];
		}
	}
}

/* The command as run: ./kvm-vmm is the runner under test, make is quiet. */
static char *as_run(const char *cmd)
{
	const char *vmm = vmm_path();
	char *out = calloc(1, strlen(cmd) * 4 + strlen(vmm) * 8 + 16);
	const char *p = cmd;

	cr_assert_not_null(out);
	if (starts_with(p, "make ")) {
		strcat(out, "make -s ");
		p += strlen("make ");
	}
	while (*p) {
		bool word_start = p == cmd || p[-1] == ' ';

		if (word_start && starts_with(p, "./kvm-vmm") && (p[9] == ' ' || !p[9])) {
			strcat(out, vmm);
			p += strlen("./kvm-vmm");
		} else {
			strncat(out, p++, 1);
		}
	}
	return out;
}

/* A line with times made comparable: "2.278 ms" becomes "N ms". */
static void normalise(char *out, size_t size, const char *line)
{
	static const char *const units[] = { " ms", " us", " µs", " ns", " s", NULL };
	size_t o = 0;

	while (*line && o + 2 < size) {
		const char *end = line;
		bool timed = false;

		if (isdigit((unsigned char)*line) && (o == 0 || !isalnum((unsigned char)out[o - 1]))) {
			while (isdigit((unsigned char)*end) || *end == '.')
				end++;
			for (int u = 0; units[u] && !timed; u++)
				timed = starts_with(end, units[u]) &&
					!isalpha((unsigned char)end[strlen(units[u])]);
		}
		if (timed) {
			out[o++] = 'N';
			line = end;
		} else {
			out[o++] = *line++;
		}
	}
	out[o] = '\0';
	rtrim(out);
}

static bool same_line(const char *expected, const char *actual)
{
	char a[1024], b[1024];

	normalise(a, sizeof(a), expected);
	normalise(b, sizeof(b), actual);
	return strcmp(a, b) == 0;
}

/* Is expected the whole actual line, or its start up to a space? A
 * terminal transcript may show a long line wrapped (gdb wraps at the
 * terminal's width, and not in batch mode). */
static bool same_start(const char *expected, const char *actual)
{
	size_t len = strlen(expected);

	return same_line(expected, actual) ||
	       (len > 0 && strncmp(expected, actual, len) == 0 && actual[len] == ' ');
}

/* Do expect[e..] match actual[a..], "..." matching any run of lines? */
static bool match_from(const char *const *expect, int ne, char **actual, int na)
{
	if (ne == 0)
		return true;
	if (strcmp(expect[0], "...") == 0) {
		for (int skip = 0; skip <= na; skip++)
			if (match_from(expect + 1, ne - 1, actual + skip, na - skip))
				return true;
		return false;
	}
	return na > 0 && same_line(expect[0], actual[0]) &&
	       match_from(expect + 1, ne - 1, actual + 1, na - 1);
}

/* Cut a copy of text into lines; returns how many (at most max). */
static int split_lines(char *copy, char **lines, int max)
{
	int n = 0;

	for (char *p = copy; p && *p && n < max;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		lines[n++] = p;
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

/* Are the expected lines somewhere in text, as consecutive lines? */
static bool output_matches(const struct command *c, const char *text)
{
	char *copy = strdup(text);
	char **lines = calloc(100000, sizeof(*lines));
	int n = split_lines(copy, lines, 100000);
	bool ok = false;

	for (int start = 0; start <= n && !ok; start++)
		ok = match_from(c->expect, c->nexpect, lines + start, n - start);
	free(lines);
	free(copy);
	return ok;
}

/* Is this "kvm-vmm: ..." line one the document shows? */
static bool shown(const struct command *c, const char *line)
{
	for (int i = 0; i < c->nexpect; i++)
		if (same_line(c->expect[i], line))
			return true;
	return false;
}

/* The status of make's failed recipe ("make: *** [...] Error 7"), or -1
 * when make itself failed (no such target, ...). */
static int recipe_status(const char *err)
{
	const char *e = strstr(err, "] Error ");

	return e ? atoi(e + strlen("] Error ")) : -1;
}

static void check_command(const struct command *c)
{
	char *cmd = as_run(c->text);
	char *argv[] = { "sh", "-c", cmd, NULL };
	struct run_result r;
	int status;
	char *copy, *lines[4096];
	int n;

	cr_assert_eq(run_argv(&r, argv, NULL, CMD_TIMEOUT_S), 0, "cannot start sh");
	cr_expect_not(r.timed_out, "%s:%d: `%s` did not end within %d s", c->doc, c->lineno,
		      c->text, CMD_TIMEOUT_S);
	status = r.status;
	if (starts_with(c->text, "make ") && status != 0) {
		status = recipe_status(r.err);
		cr_expect_geq(status, 0, "%s:%d: make failed for `%s`:\n%s", c->doc, c->lineno,
			      c->text, r.err);
	}
	cr_expect(status != 2 || c->status == 2,
		  "%s:%d: `%s` exits with status 2 (bad usage or unloadable guest):\n%s%s",
		  c->doc, c->lineno, c->text, r.out, r.err);
	cr_expect_lt(status, 128, "%s:%d: `%s` was killed by signal %d", c->doc, c->lineno,
		     c->text, status - 128);
	if (c->status >= 0)
		cr_expect_eq(r.status, c->status, "%s:%d: `%s` exits with %d, the document says %d",
			     c->doc, c->lineno, c->text, r.status, c->status);
	copy = strdup(r.err);
	n = split_lines(copy, lines, 4096);
	for (int i = 0; i < n; i++)
		cr_expect(!starts_with(lines[i], "kvm-vmm: ") || shown(c, lines[i]),
			  "%s:%d: `%s` prints an error the document does not show: %s", c->doc,
			  c->lineno, c->text, lines[i]);
	free(copy);
	if (c->nexpect > 0) {
		char want[8192] = "";

		for (int i = 0; i < c->nexpect; i++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s\n",
				 c->expect[i]);
		cr_expect(output_matches(c, r.out) || output_matches(c, r.err),
			  "%s:%d: `%s` no longer prints what the document shows.\n"
			  "document:\n%s\nstdout:\n%s\nstderr:\n%s",
			  c->doc, c->lineno, c->text, want, r.out, r.err);
	}
	run_free(&r);
	free(cmd);
}

Test(docs, commands_work, .timeout = 1800)
{
	glob_t g;
	int ran = 0, compared = 0;

	find_documents(&g);
	for (size_t f = 0; f < g.gl_pathc; f++) {
		struct doc d;
		struct command *cmds = NULL;
		int n = 0;

		doc_load(&d, g.gl_pathv[f]);
		commands_in_blocks(&d, &cmds, &n);
		commands_inline(&d, &cmds, &n);
		for (int i = 0; i < n; i++) {
			cr_log_info("docs: %s:%d: %s%s", cmds[i].doc, cmds[i].lineno, cmds[i].text,
				    skip_reason(cmds[i].text) ? "  [not run]" : "");
			if (!skip_reason(cmds[i].text)) {
				check_command(&cmds[i]);
				ran++;
				compared += cmds[i].nexpect > 0 || cmds[i].status >= 0;
			}
			free(cmds[i].text);
		}
		free(cmds);
		doc_free(&d);
	}
	globfree(&g);
	cr_log_info("docs: ran %d documented commands, %d with their output or status", ran,
		    compared);
	cr_expect_gt(ran, 0, "no documented command found");
	cr_expect_gt(compared, 0, "no documented output found");
}

/* ---- (b) gdb sessions --------------------------------------------------------- */

struct session {
	const char *doc;
	int lineno;                 /* its heading, 1-based */
	char gdbinit[512];
	const char *cmd[MAX_GDB];   /* what the reader types after "(gdb) " */
	int ncmd;
	const char *stop[MAX_GDB];  /* where the transcript says the guest stopped */
	int nstop;
	const char *shown[MAX_SHOWN]; /* every line of the transcript */
	int nshown;
};

/* "Breakpoint 1, main () at ...", "Hardware watchpoint 2: x", "Old value = 0",
 * "[Inferior 1 (Remote target) exited normally]": what gdb prints when the
 * guest stops or ends (not "Breakpoint 1 at 0x7c00: ...", which sets it). */
static bool is_stop_report(const char *s)
{
	static const char *const kinds[] = { "Breakpoint ", "Temporary breakpoint ",
					     "Hardware watchpoint ", "Watchpoint ",
					     "Hardware read watchpoint ",
					     "Hardware access (read/write) watchpoint ", NULL };

	if (starts_with(s, "Old value = ") || starts_with(s, "New value = ") ||
	    starts_with(s, "[Inferior "))
		return true;
	for (int k = 0; kinds[k]; k++) {
		const char *p = s + strlen(kinds[k]);

		if (!starts_with(s, kinds[k]) || !isdigit((unsigned char)*p))
			continue;
		while (isdigit((unsigned char)*p))
			p++;
		return *p == ',' || *p == ':';
	}
	return false;
}

/* The gdbinit a session section names: `-x PATH`, or make debug LESSON=NN. */
static bool session_gdbinit(const struct doc *d, int heading, char *out, size_t size)
{
	for (int i = heading + 1; i < d->n && d->heading[i] == heading; i++) {
		const char *x = strstr(d->line[i], " -x ");

		if (x) {
			x = skip_spaces(x + 4);
			snprintf(out, size, "%.*s", (int)strcspn(x, " `'\")"), x);
			if (strstr(out, "gdbinit"))
				return true;
		}
	}
	for (int i = heading + 1; i < d->n && d->heading[i] == heading; i++) {
		const char *l = strstr(d->line[i], "LESSON=");
		char pattern[64];
		glob_t g;
		bool found;

		if (!l || !isdigit((unsigned char)l[7]))
			continue;
		snprintf(pattern, sizeof(pattern), "lessons/%.*s-*/gdbinit",
			 (int)strspn(l + 7, "0123456789"), l + 7);
		found = glob(pattern, 0, NULL, &g) == 0;
		if (found)
			snprintf(out, size, "%s", g.gl_pathv[0]);
		globfree(&g);
		return found;
	}
	return false;
}

/* Every session of a document (sections titled "... session ..."). */
static int find_sessions(const struct doc *d, struct session *s, int max)
{
	int n = 0;

	for (int h = 0; h < d->n && n < max; h++) {
		struct session *cur = &s[n];

		if (d->heading[h] != h || !strcasestr(d->line[h], "session"))
			continue;
		memset(cur, 0, sizeof(*cur));
		cur->doc = d->path;
		cur->lineno = h + 1;
		for (int i = h + 1; i < d->n && d->heading[i] == h; i++) {
			const char *c = d->code[i];

			if (c && cur->nshown < MAX_SHOWN)
				cur->shown[cur->nshown++] = c;
			if (c && starts_with(c, "(gdb) ") && *skip_spaces(c + 6) &&
			    cur->ncmd < MAX_GDB)
				cur->cmd[cur->ncmd++] = skip_spaces(c + 6);
			else if (c && is_stop_report(c) && cur->nstop < MAX_GDB)
				cur->stop[cur->nstop++] = c;
		}
		if (cur->ncmd == 0)
			continue;   /* a section about sessions, with none in it */
		cr_expect(session_gdbinit(d, h, cur->gdbinit, sizeof(cur->gdbinit)),
			  "%s:%d: the session names no gdbinit (-x PATH or make debug LESSON=NN)",
			  d->path, h + 1);
		n++;
	}
	return n;
}

/* How to run a session, from its gdbinit. */
struct replay {
	char *init;                 /* the gdbinit's text, cut into lines */
	char *vmm_argv[32];         /* kvm-vmm --gdb 0 ... */
	const char *guest;          /* the ELF gdb loads */
	const char *input;          /* kvm-vmm's stdin, or NULL */
	const char *setup[MAX_GDB]; /* the gdbinit's commands */
	int nsetup;
	char *varies[MAX_VARIES];   /* "# Varies: A; B": lines that start so change
				     * from run to run (a clock, the vCPU that came first) */
	int nvaries;
};

/* The first word of a line that ends in .elf, or NULL (line is cut into
 * words). */
static const char *first_elf(char *line)
{
	char *save = NULL;

	for (char *w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (strlen(w) > 4 && strcmp(w + strlen(w) - 4, ".elf") == 0)
			return w;
	return NULL;
}

static bool replay_prepare(struct replay *r, const struct session *s)
{
	char *lines[MAX_GDB], *first = NULL, *then = NULL, *save = NULL;
	int n, argc = 0;

	memset(r, 0, sizeof(*r));
	r->init = slurp(s->gdbinit, NULL);
	cr_expect_not_null(r->init, "%s:%d: cannot read %s", s->doc, s->lineno, s->gdbinit);
	if (!r->init)
		return false;
	n = split_lines(r->init, lines, MAX_GDB);
	for (int i = 0; i < n; i++) {
		char *t = (char *)skip_spaces(rtrim(lines[i]));

		if (starts_with(t, "# First:"))
			first = t + strlen("# First:");
		else if (starts_with(t, "# Then:"))
			then = t + strlen("# Then:");
		else if (starts_with(t, "# Varies:"))
			for (char *v = strtok_r(t + strlen("# Varies:"), ";", &save);
			     v && r->nvaries < MAX_VARIES; v = strtok_r(NULL, ";", &save))
				r->varies[r->nvaries++] = (char *)skip_spaces(rtrim(v));
		else if (*t && *t != '#')
			r->setup[r->nsetup++] = t;
	}
	cr_expect_not_null(first, "%s has no line '# First: ./kvm-vmm --gdb 1234 GUEST'",
			   s->gdbinit);
	if (!first)
		return false;
	save = NULL;
	r->vmm_argv[argc++] = (char *)vmm_path();
	r->vmm_argv[argc++] = "--gdb";
	r->vmm_argv[argc++] = "0";
	strtok_r(first, " \t", &save);   /* ./kvm-vmm */
	for (char *w = strtok_r(NULL, " \t", &save); w && argc < 30; w = strtok_r(NULL, " \t", &save)) {
		if (strcmp(w, "--gdb") == 0) {
			strtok_r(NULL, " \t", &save);   /* its port */
		} else if (strcmp(w, "<") == 0) {
			r->input = strtok_r(NULL, " \t", &save);
		} else {
			r->vmm_argv[argc++] = w;
			if (!r->guest && strlen(w) > 4 && strcmp(w + strlen(w) - 4, ".elf") == 0)
				r->guest = w;
		}
	}
	if (!r->guest && then)
		r->guest = first_elf(then);
	cr_expect_not_null(r->guest, "%s: neither the First nor the Then line names a .elf",
			   s->gdbinit);
	return r->guest != NULL;
}

/* Feed kvm-vmm's stdin: the session's input (it must fit a pipe), then EOF. */
static void feed_input(struct child *vmm, const char *path)
{
	if (path) {
		size_t len;
		char *data = slurp(path, &len);

		cr_expect_not_null(data, "cannot read %s", path);
		cr_expect_lt(len, 60000, "%s is too big to feed through a pipe", path);
		if (data && len < 60000)
			cr_expect_eq(write(vmm->in_fd, data, len), (ssize_t)len);
		free(data);
	}
	close(vmm->in_fd);
	vmm->in_fd = -1;
}

/* No line of gdb's output reports an error, unless the transcript shows
 * that very line (a session may show what does not work, on purpose). */
static void check_gdb_errors(const struct session *s, const char *text,
			     const struct run_result *g)
{
	char *copy = strdup(text), *lines[20000];
	int n = split_lines(copy, lines, 20000);

	for (int i = 0; i < n; i++) {
		bool in_transcript = false;

		for (int j = 0; j < s->nshown && !in_transcript; j++)
			in_transcript = same_line(s->shown[j], rtrim(lines[i]));
		for (size_t e = 0; e < sizeof(gdb_errors) / sizeof(gdb_errors[0]); e++)
			cr_expect(in_transcript || !strstr(lines[i], gdb_errors[e]),
				  "%s:%d: replaying the session, gdb says \"%s\":\n%s\n%s",
				  s->doc, s->lineno, lines[i], g->out, g->err);
	}
	free(copy);
}

/* Does a transcript line show an address or a value (a hex number)? */
static bool shows_a_number(const char *line)
{
	for (const char *p = strstr(line, "0x"); p; p = strstr(p + 1, "0x"))
		if (isxdigit((unsigned char)p[2]))
			return true;
	return false;
}

/* Is line one of the lines of text (any of them, start-matched as gdb may
 * wrap a long line in the reader's terminal)? */
static bool printed(const char *line, char **lines, int n)
{
	for (int i = 0; i < n; i++)
		if (same_start(line, rtrim(lines[i])))
			return true;
	return false;
}

/* Every transcript line that shows an address or a value (a hex number)
 * must be one gdb or kvm-vmm printed in the replay: a build that moves a
 * label or changes a value makes the document stale, and the message is a
 * diff of the lines that moved, with what the replay printed. */
static void check_numbers(const struct session *s, const struct replay *rp,
			  const struct run_result *g, const struct run_result *v)
{
	const char *texts[] = { g->out, g->err, v->out, v->err };
	char *copies[4], *lines[4 * 20000], diff[8192] = "";
	int n = 0, stale = 0;

	for (int t = 0; t < 4; t++) {
		copies[t] = strdup(texts[t] ? texts[t] : "");
		n += split_lines(copies[t], lines + n, 20000);
	}
	for (int j = 0; j < s->nshown; j++) {
		const char *line = s->shown[j];

		bool varies = false;

		for (int k = 0; k < rp->nvaries; k++)
			varies |= starts_with(skip_spaces(line), rp->varies[k]);
		if (starts_with(line, "(gdb) ") || !shows_a_number(line) || varies ||
		    printed(line, lines, n))
			continue;
		/* The guest's own output, as make debug marks it: kvm-vmm printed it. */
		if (starts_with(line, GUEST_MARK) && strstr(v->out, line + strlen(GUEST_MARK)))
			continue;
		stale++;
		snprintf(diff + strlen(diff), sizeof(diff) - strlen(diff), "- %s\n", line);
	}
	cr_expect_eq(stale, 0, "%s:%d: %d transcript line(s) with an address or value the "
		     "replay did not print (the build moved them: regenerate the transcript):\n"
		     "%s--- the replay printed:\n%s", s->doc, s->lineno, stale, diff, g->out);
	for (int t = 0; t < 4; t++)
		free(copies[t]);
}

static void replay_session(const struct session *s)
{
	struct replay rp;
	struct child vmm;
	struct run_result g, v;
	char target[64], *gdb_argv[4 + 4 * MAX_GDB + 1], *copy, *out[20000];
	int argc = 0, n, pos = 0, port;

	if (!replay_prepare(&rp, s)) {
		free(rp.init);
		return;
	}
	cr_assert_eq(child_start(&vmm, rp.vmm_argv), 0);
	port = child_wait_gdb_port(&vmm, 10);
	if (port < 0) {
		kill(vmm.pid, SIGKILL);
		child_wait(&vmm, 5, NULL);
		cr_expect_fail("%s:%d: kvm-vmm did not start its stub: %s", s->doc, s->lineno,
			       vmm.err_buf);
		free(rp.init);
		return;
	}
	snprintf(target, sizeof(target), "target remote :%d", port);
	feed_input(&vmm, rp.input);

	gdb_argv[argc++] = "gdb";
	gdb_argv[argc++] = "-batch";
	gdb_argv[argc++] = "-nx";
	gdb_argv[argc++] = (char *)rp.guest;
	for (int i = 0; i < rp.nsetup; i++) {
		gdb_argv[argc++] = "-ex";
		gdb_argv[argc++] = starts_with(rp.setup[i], "target remote") ? target
									: (char *)rp.setup[i];
	}
	for (int i = 0; i < s->ncmd; i++) {
		gdb_argv[argc++] = "-ex";
		gdb_argv[argc++] = (char *)s->cmd[i];
	}
	gdb_argv[argc] = NULL;
	cr_assert_eq(run_argv(&g, gdb_argv, NULL, REPLAY_TIMEOUT_S), 0, "cannot start gdb");
	child_wait(&vmm, VMM_END_TIMEOUT_S, &v);

	/* gdb: in time, no errors, stopped where the transcript says. */
	cr_expect_not(g.timed_out, "%s:%d: gdb did not end within %d s:\n%s%s", s->doc,
		      s->lineno, REPLAY_TIMEOUT_S, g.out, g.err);
	check_gdb_errors(s, g.out, &g);
	check_gdb_errors(s, g.err, &g);
	copy = strdup(g.out);
	n = split_lines(copy, out, 20000);
	for (int i = 0; i < s->nstop; i++) {
		while (pos < n && !same_start(s->stop[i], rtrim(out[pos])))
			pos++;
		cr_expect_lt(pos, n, "%s:%d: the transcript shows \"%s\", the replay did not "
				     "(in this order):\n%s", s->doc, s->lineno, s->stop[i], g.out);
		if (pos == n)
			break;
		pos++;
	}
	free(copy);
	check_numbers(s, &rp, &g, &v);

	/* kvm-vmm: ended by itself, with the guest or by gdb's kill, no error. */
	cr_expect_not(v.timed_out, "%s:%d: kvm-vmm did not end after gdb: %s", s->doc,
		      s->lineno, v.err);
	cr_expect(v.status < 128 || (v.status == 137 && strstr(v.err, "killed by gdb")),
		  "%s:%d: kvm-vmm ended with status %d: %s", s->doc, s->lineno, v.status, v.err);
	copy = strdup(v.err);
	n = split_lines(copy, out, 20000);
	for (int i = 0; i < n; i++)
		cr_expect(!starts_with(out[i], "kvm-vmm: ") ||
				  strcmp(rtrim(out[i]), "kvm-vmm: killed by gdb") == 0,
			  "%s:%d: kvm-vmm reports an error during the session: %s\n%s", s->doc,
			  s->lineno, out[i], v.err);
	free(copy);
	run_free(&g);
	run_free(&v);
	free(rp.init);
}

Test(docs, gdb_sessions_replay, .timeout = 1800)
{
	glob_t g;
	int sessions = 0;

	find_documents(&g);
	for (size_t f = 0; f < g.gl_pathc; f++) {
		struct doc d;
		struct session *s = calloc(8, sizeof(*s));
		int n;

		cr_assert_not_null(s);
		doc_load(&d, g.gl_pathv[f]);
		n = find_sessions(&d, s, 8);
		for (int i = 0; i < n; i++)
			replay_session(&s[i]);
		sessions += n;
		free(s);
		doc_free(&d);
	}
	globfree(&g);
	cr_log_info("docs: replayed %d gdb sessions", sessions);
	cr_expect_gt(sessions, 0, "no gdb session found in the documents");
}

/* Unit checks of the conventions above, on small made-up documents. */
Test(docs, conventions)
{
	char path[] = "/tmp/test_docs_XXXXXX";
	int fd = mkstemp(path);
	const char *text =
		"# T\n"
		"\n"
		"    ./kvm-vmm a/b.elf\n"
		"    Hello\n"
		"\n"
		"    ...\n"
		"    make debug LESSON=01\n"
		"    not output\n"
		"    ./kvm-vmm GUEST\n"
		"    echo $?   # 7\n"
		"    ./kvm-vmm c/d.elf   # prints x, status 3\n"
		"\n"
		"Not `make check` nor `./kvm-vmm a/b.elf` here:\n"
		"\n"
		"    x\n"
		"\n"
		"`./kvm-vmm --stats x/y.elf` shows\n"
		"this:\n"
		"\n"
		"```\n"
		"stats: wall time 1.5 ms\n"
		"```\n"
		"A list item:\n"
		"   continued, not code\n";
	struct doc d;
	struct command *cmds = NULL;
	int n = 0;
	char norm[64];

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	doc_load(&d, path);
	commands_in_blocks(&d, &cmds, &n);
	commands_inline(&d, &cmds, &n);
	unlink(path);
	cr_assert_eq(n, 4);
	cr_expect_str_eq(cmds[0].text, "./kvm-vmm a/b.elf");
	cr_assert_eq(cmds[0].nexpect, 2);   /* Hello, ... ; make debug ends it */
	cr_expect_str_eq(cmds[0].expect[0], "Hello");
	cr_expect_str_eq(cmds[0].expect[1], "...");
	cr_expect_str_eq(cmds[1].text, "./kvm-vmm GUEST");
	cr_expect_eq(cmds[1].status, 7);
	cr_expect_not_null(skip_reason(cmds[1].text));
	cr_expect_null(skip_reason(cmds[0].text));
	cr_expect_not_null(skip_reason("./kvm-vmm --gdb 1234 a/b.elf"));
	cr_expect_not_null(skip_reason("./kvm-vmm guest1.elf guest2.elf"));
	cr_expect_null(skip_reason("make run LESSON=03   # build and run"));
	cr_expect_eq(cmds[2].status, 3);
	cr_expect_str_eq(cmds[3].text, "./kvm-vmm --stats x/y.elf");
	cr_assert_eq(cmds[3].nexpect, 1);
	normalise(norm, sizeof(norm), "stats: wall time 12.75 ms");
	cr_expect_str_eq(norm, "stats: wall time N ms");
	cr_expect(same_line(cmds[3].expect[0], "stats: wall time 3.000 ms"));
	cr_expect_not(same_line("VM exits: 13", "VM exits: 14"));
	for (int i = 0; i < n; i++)
		free(cmds[i].text);
	free(cmds);
	doc_free(&d);
}
