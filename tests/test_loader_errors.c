/*
 * test_loader_errors.c - what ./kvm-vmm FILE does with guest files the
 * loader must refuse or describe truthfully: a Multiboot kernel with a
 * wrong header checksum, one that asks for a video mode, a real-mode ELF
 * entered at or above 1 MiB, a truncated ELF (all: status 2 and one line
 * saying why), and the Multiboot memory map of a 64 KiB guest. The bad
 * files are built here, byte by byte, into temporary files.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define STATUS_USAGE 2
#define RUN_BOUND_S 10.0        /* kill kvm-vmm after this */
#define GUEST_TIMEOUT "2"       /* --timeout for guests that should not run */
#define MIB 0x100000U
#define CODE_ADDR 0x7c00U       /* where the well-formed real-mode part lives */

/* Multiboot v1 header (specification 0.6.96, section 3.1). */
#define MB_MAGIC 0x1BADB002U
#define MB_FLAG_VIDEO_MODE (1U << 2)
#define MB_FLAG_ADDRESSES (1U << 16)    /* the a.out-kludge address fields follow */
#define MB_KERNEL_ADDR MIB

/* The whole program of every file here: mov al, 0; out 0xF4, al (exit 0). */
static const uint8_t exit_0[] = { 0xB0, 0x00, 0xE6, 0xF4 };

/* A Multiboot kernel in the a.out-kludge form: the header gives the load
 * addresses, the code follows it. */
struct multiboot_kernel {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
	uint8_t code[sizeof(exit_0)];
};

static struct multiboot_kernel make_multiboot(uint32_t flags)
{
	struct multiboot_kernel k;

	memset(&k, 0, sizeof(k));
	k.magic = MB_MAGIC;
	k.flags = flags | MB_FLAG_ADDRESSES;
	k.checksum = -(k.magic + k.flags);
	k.header_addr = MB_KERNEL_ADDR;
	k.load_addr = MB_KERNEL_ADDR;
	k.entry_addr = MB_KERNEL_ADDR + offsetof(struct multiboot_kernel, code);
	memcpy(k.code, exit_0, sizeof(exit_0));
	return k;
}

/* An ELF32 executable with one PT_LOAD segment at `addr`, entered there. */
struct elf32_file {
	Elf32_Ehdr eh;
	Elf32_Phdr ph;
	uint8_t code[sizeof(exit_0)];
};

static struct elf32_file make_elf32(uint32_t addr)
{
	struct elf32_file f;

	memset(&f, 0, sizeof(f));
	memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
	f.eh.e_ident[EI_CLASS] = ELFCLASS32;
	f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f.eh.e_ident[EI_VERSION] = EV_CURRENT;
	f.eh.e_type = ET_EXEC;
	f.eh.e_machine = EM_386;
	f.eh.e_version = EV_CURRENT;
	f.eh.e_entry = addr;
	f.eh.e_phoff = offsetof(struct elf32_file, ph);
	f.eh.e_ehsize = sizeof(Elf32_Ehdr);
	f.eh.e_phentsize = sizeof(Elf32_Phdr);
	f.eh.e_phnum = 1;
	f.ph.p_type = PT_LOAD;
	f.ph.p_offset = offsetof(struct elf32_file, code);
	f.ph.p_vaddr = f.ph.p_paddr = addr;
	f.ph.p_filesz = f.ph.p_memsz = sizeof(exit_0);
	f.ph.p_flags = PF_R | PF_X;
	memcpy(f.code, exit_0, sizeof(exit_0));
	return f;
}

/* Write `len` bytes into a new temporary file; its path goes into `path`
 * (a "/tmp/kvm-vmm-loader-XXXXXX" buffer). */
static void write_temp(char *path, const void *bytes, size_t len)
{
	int fd = mkstemp(path);

	cr_assert(fd >= 0, "mkstemp");
	cr_assert_eq(write(fd, bytes, len), (ssize_t)len);
	close(fd);
}

static int count_lines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* Run kvm-vmm [option option2] FILE on the bytes; expect status 2 and one
 * line on stderr that contains `why` (any case), unless `why` is NULL. */
static void expect_refused(const void *bytes, size_t len, const char *option,
			   const char *option2, const char *why)
{
	char path[] = "/tmp/kvm-vmm-loader-XXXXXX";
	struct run_result r;

	write_temp(path, bytes, len);
	if (option)
		run_vmm(&r, NULL, RUN_BOUND_S, "--timeout", GUEST_TIMEOUT, option, option2, path,
			NULL);
	else
		run_vmm(&r, NULL, RUN_BOUND_S, "--timeout", GUEST_TIMEOUT, path, NULL);
	unlink(path);
	cr_assert_not(r.timed_out, "kvm-vmm hung on the file");
	cr_assert_eq(r.status, STATUS_USAGE, "status %d, not %d; stderr: '%s'", r.status,
		     STATUS_USAGE, r.err);
	cr_assert_eq(count_lines(r.err), 1, "not one line on stderr: '%s'", r.err);
	if (why)
		cr_assert(strcasestr(r.err, why), "stderr does not say '%s': '%s'", why, r.err);
	run_free(&r);
}

Test(liveness, loader_multiboot_header_with_a_wrong_checksum_is_refused, .timeout = 30)
{
	struct multiboot_kernel k = make_multiboot(0);

	k.checksum += 1;
	expect_refused(&k, sizeof(k), NULL, NULL, "checksum");
}

Test(liveness, loader_multiboot_kernel_asking_for_a_video_mode_is_refused, .timeout = 30)
{
	struct multiboot_kernel k = make_multiboot(MB_FLAG_VIDEO_MODE);

	expect_refused(&k, sizeof(k), NULL, NULL, "video");
}

Test(liveness, loader_real_mode_entry_at_1mib_is_refused, .timeout = 30)
{
	struct elf32_file f = make_elf32(MIB);

	expect_refused(&f, sizeof(f), "--mode", "real", "real");
}

Test(liveness, loader_truncated_elf_is_refused, .timeout = 30)
{
	struct elf32_file f = make_elf32(CODE_ADDR);

	f.ph.p_filesz = f.ph.p_memsz = 4096;   /* the file holds 4 bytes of it */
	expect_refused(&f, sizeof(f), NULL, NULL, NULL);
}

/* tests/guests/liveness_mb_lowmem.asm checks its Multiboot information
 * against 64 KiB and exits with 0 only if nothing lies beyond. */
Test(liveness, loader_multiboot_memory_map_fits_64k_of_ram, .timeout = 30)
{
	struct run_result r;

	run_vmm(&r, NULL, RUN_BOUND_S, "--timeout", GUEST_TIMEOUT, "--mem", "64K",
		"tests/guests/liveness_mb_lowmem.elf", NULL);
	cr_assert_not(r.timed_out, "kvm-vmm hung");
	cr_assert_eq(r.status, 0, "the guest found memory beyond its 64 KiB (status %d):\n%s%s",
		     r.status, r.out, r.err);
	run_free(&r);
}
