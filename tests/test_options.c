/*
 * test_options.c - unit tests of command-line parsing: defaults, every
 * option, sizes with suffixes, and the errors users make.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "layout.h"
#include "options.h"
#include "vmm.h"

static enum parse_result parse(struct vmm_options *o, char *err, int argc, char **argv)
{
	return vmm_parse_args(argc, argv, o, err);
}

#define ARGV(...) ((char *[]){ "kvm-vmm", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "kvm-vmm", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) parse(o, err, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

Test(options, defaults)
{
	struct vmm_options o;
	char err[VMM_ERR_LEN];

	/* argv must outlive the parse: o.guests points into it */
	char *argv[] = { "kvm-vmm", "g.elf", NULL };

	cr_assert_eq(parse(&o, err, 2, argv), PARSE_RUN);
	cr_assert_eq(o.mode, MODE_REAL);
	cr_assert_not(o.mode_given);
	cr_assert_eq(o.mem_size, LAYOUT_MEM_DEFAULT);
	cr_assert_eq(o.smp, 1);
	cr_assert_null(o.gdb);
	cr_assert_eq(o.nguests, 1);
	cr_assert_str_eq(o.guests[0], "g.elf");
}

Test(options, every_option)
{
	struct vmm_options o;
	char err[VMM_ERR_LEN];

	enum parse_result res = PARSE(&o, err, "--mode", "long", "--mem", "32M", "--smp", "4",
				      "--gdb", "127.0.0.1:0", "--stats", "--trace", "--timeout",
				      "2.5", "--load-addr", "0x1000", "--entry", "0x1004", "g.elf");

	cr_assert_eq(res, PARSE_RUN, "%s", err);
	cr_assert_eq(o.mode, MODE_LONG);
	cr_assert(o.mode_given);
	cr_assert_eq(o.mem_size, 32ULL << 20);
	cr_assert_eq(o.smp, 4);
	cr_assert_str_eq(o.gdb, "127.0.0.1:0");
	cr_assert(o.stats && o.trace);
	cr_assert_float_eq(o.timeout, 2.5, 1e-9);
	cr_assert_eq(o.load_addr, 0x1000);
	cr_assert_eq(o.entry, 0x1004);
	cr_assert(o.entry_given);
}

Test(options, sizes)
{
	uint64_t v;

	cr_assert_eq(parse_size("4096", &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(parse_size("64K", &v), 0);
	cr_assert_eq(v, 64 << 10);
	cr_assert_eq(parse_size("16M", &v), 0);
	cr_assert_eq(v, 16 << 20);
	cr_assert_eq(parse_size("1G", &v), 0);
	cr_assert_eq(v, 1ULL << 30);
	cr_assert_eq(parse_size("2MiB", &v), 0);
	cr_assert_eq(v, 2 << 20);
	cr_assert_eq(parse_size("", &v), -1);
	cr_assert_eq(parse_size("-1M", &v), -1);
	cr_assert_eq(parse_size("12Q", &v), -1);
	cr_assert_eq(parse_size("99999999999999999999G", &v), -1);
	cr_assert_eq(parse_size("18446744073709551615G", &v), -1);
}

Test(options, errors)
{
	struct vmm_options o;
	char err[VMM_ERR_LEN];

	cr_assert_eq(PARSE(&o, err, "--mem", "100", "g"), PARSE_ERROR);
	cr_assert(strstr(err, "out of range"), "%s", err);
	cr_assert_eq(PARSE(&o, err, "--mem", "65537", "g"), PARSE_ERROR);
	cr_assert_eq(PARSE(&o, err, "--mem", "4G", "g"), PARSE_ERROR);
	cr_assert_eq(PARSE(&o, err, "--smp", "65", "g"), PARSE_ERROR);
	cr_assert_eq(PARSE(&o, err, "--smp", "2", "a", "b"), PARSE_ERROR);
	cr_assert(strstr(err, "one GUEST"), "%s", err);
	cr_assert_eq(PARSE(&o, err, "--gdb", "1234", "a", "b"), PARSE_ERROR);
	cr_assert_eq(PARSE(&o, err, "--timeout", "abc", "g"), PARSE_ERROR);
	cr_assert_eq(PARSE(&o, err, "--timeout", "0", "g"), PARSE_ERROR);
	cr_assert_eq(PARSE(&o, err, "--gdb"), PARSE_ERROR);
	cr_assert(strstr(err, "needs an argument"), "%s", err);
	cr_assert_eq(PARSE(&o, err, "-x", "g"), PARSE_ERROR);
	cr_assert(strstr(err, "'-x'"), "%s", err);
	cr_assert_eq(PARSE(&o, err, "--stats"), PARSE_ERROR);
	cr_assert(strstr(err, "no GUEST"), "%s", err);
}

Test(options, help_version_check_host)
{
	struct vmm_options o;
	char err[VMM_ERR_LEN];

	cr_assert_eq(PARSE(&o, err, "-h"), PARSE_HELP);
	cr_assert_eq(PARSE(&o, err, "--version"), PARSE_VERSION);
	cr_assert_eq(PARSE(&o, err, "--check-host"), PARSE_RUN);
	cr_assert(o.check_host);
	cr_assert(strstr(vmm_usage(), "--check-host"));
}
