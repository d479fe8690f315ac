/*
 * test_figures.c - the figures cannot drift: every SVG of docs/figures/ was
 * drawn from its current source (scripts/figures.py --check: the SVG records
 * its source's SHA-256; the memory map's source is written from
 * vmm/layout.h), and each document shows the figures it needs.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define FIGURES_TIMEOUT_S 60

Test(figures, drawn_from_their_current_sources)
{
	char *argv[] = { "python3", "scripts/figures.py", "--check", NULL };
	struct run_result r;

	cr_assert_eq(run_argv(&r, argv, NULL, FIGURES_TIMEOUT_S), 0);
	cr_expect_eq(r.status, 0, "stale figures (run make figures):\n%s", r.err);
	run_free(&r);
}

/* A figure whose source changed is reported: a copy of the figures in a
 * temporary folder, with one more line in a source. */
Test(figures, a_changed_source_is_found)
{
	char dir[] = "/tmp/test_figures_XXXXXX";
	char copy[512], *argv[] = { "python3", "scripts/figures.py", "--check", "--dir", dir, NULL };
	char *cp[] = { "sh", "-c", copy, NULL };
	struct run_result r;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(copy, sizeof(copy), "cp docs/figures/* %s/ && echo '// changed' >> %s/vm-exit.dot",
		 dir, dir);
	cr_assert_eq(run_argv(&r, cp, NULL, FIGURES_TIMEOUT_S), 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);
	run_argv(&r, argv, NULL, FIGURES_TIMEOUT_S);
	cr_expect_eq(r.status, 1, "%s", r.err);
	assert_has(r.err, "vm-exit.svg is missing or older than its source");
	cr_expect(!strstr(r.err, "page-walk"), "%s", r.err);
	run_free(&r);
	snprintf(copy, sizeof(copy), "rm -rf %s", dir);
	run_argv(&r, cp, NULL, FIGURES_TIMEOUT_S);
	run_free(&r);
}

Test(figures, each_document_shows_its_figures)
{
	static const struct { const char *doc, *figure; } wanted[] = {
		{ "docs/architecture.md", "figures/vm-exit.svg" },
		{ "docs/architecture.md", "figures/memory-map.svg" },
		{ "lessons/01-hello/README.md", "docs/figures/memory-map.svg" },
		{ "lessons/08-protected-mode/README.md", "docs/figures/descriptor-gdt.svg" },
		{ "lessons/09-paging/README.md", "docs/figures/page-walk.svg" },
		{ "lessons/11-interrupts/README.md", "docs/figures/idt-gate.svg" },
		{ "lessons/12-user-mode/README.md", "docs/figures/tss-ring-switch.svg" },
		{ "lessons/13-smp/README.md", "docs/figures/smp-start.svg" },
	};

	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		char *text = slurp(wanted[i].doc, NULL);
		char svg[256];

		cr_assert_not_null(text, "cannot read %s", wanted[i].doc);
		cr_expect(strstr(text, wanted[i].figure), "%s does not show %s", wanted[i].doc,
			  wanted[i].figure);
		free(text);
		snprintf(svg, sizeof(svg), "docs/figures/%s",
			 strrchr(wanted[i].figure, '/') + 1);
		cr_expect_eq(access(svg, R_OK), 0, "%s is missing", svg);
	}
}
