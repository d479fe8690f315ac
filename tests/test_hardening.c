/*
 * test_hardening.c - regression tests for the bugs the fuzzers found
 * (fuzz/): each test names the bug it keeps fixed. The bugs were undefined
 * behaviour that the plain build survives, so these tests fail where it
 * matters: in `make test SANITIZE=1`, where UBSan aborts.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "multiboot.h"
#include "loader.h"
#include "vmm.h"

#define RAM (2 << 20)
#define CODE_ADDR 0x7c00
#define KERNEL_ADDR 0x100000
#define ODD 1 /* added to an offset or address to misalign it */
#define HLT 0xf4
#define HELLO "lessons/01-hello/hello.elf"

static uint8_t *ram;
static char err[VMM_ERR_LEN];
static const struct load_options flat_opts = { 0, 0, false };

static void setup(void)
{
	ram = calloc(1, RAM);
	cr_assert(ram);
	err[0] = '\0';
}

static void teardown(void)
{
	free(ram);
}

TestSuite(hardening, .init = setup, .fini = teardown);

/* An ELF of `class` with one PT_LOAD of one HLT byte at CODE_ADDR, its
 * program header at file offset phoff (any value); size in *size. */
static uint8_t *elf_with_phdr_at(int class, size_t phoff, size_t *size)
{
	bool is64 = class == ELFCLASS64;
	size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t code_off = phoff + phsize;
	uint8_t *f;

	*size = code_off + 1;
	f = calloc(1, *size);
	cr_assert(f);
	memcpy(f, ELFMAG, SELFMAG);
	f[EI_CLASS] = (uint8_t)class;
	f[EI_DATA] = ELFDATA2LSB;
	f[EI_VERSION] = EV_CURRENT;
	if (is64) {
		Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64,
				  .e_version = EV_CURRENT, .e_entry = CODE_ADDR, .e_phoff = phoff,
				  .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
				  .e_phnum = 1 };
		Elf64_Phdr ph = { .p_type = PT_LOAD, .p_offset = code_off, .p_vaddr = CODE_ADDR,
				  .p_paddr = CODE_ADDR, .p_filesz = 1, .p_memsz = 1 };

		memcpy(eh.e_ident, f, EI_NIDENT);
		memcpy(f, &eh, sizeof(eh));
		memcpy(f + phoff, &ph, sizeof(ph));
	} else {
		Elf32_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_386,
				  .e_version = EV_CURRENT, .e_entry = CODE_ADDR,
				  .e_phoff = (Elf32_Off)phoff, .e_ehsize = sizeof(Elf32_Ehdr),
				  .e_phentsize = sizeof(Elf32_Phdr), .e_phnum = 1 };
		Elf32_Phdr ph = { .p_type = PT_LOAD, .p_offset = (Elf32_Off)code_off,
				  .p_vaddr = CODE_ADDR, .p_paddr = CODE_ADDR, .p_filesz = 1,
				  .p_memsz = 1 };

		memcpy(eh.e_ident, f, EI_NIDENT);
		memcpy(f, &eh, sizeof(eh));
		memcpy(f + phoff, &ph, sizeof(ph));
	}
	f[code_off] = HLT;
	return f;
}

/* Bug (fuzz_loader): the ELF loader read program headers in place, at the
 * offset the file gives; an odd e_phoff made that a misaligned access
 * (undefined behaviour: UBSan aborted kvm-vmm). Headers are copied now. */
Test(hardening, elf_program_headers_at_an_odd_offset)
{
	int classes[] = { ELFCLASS32, ELFCLASS64 };

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		size_t size, phoff = (classes[i] == ELFCLASS64 ? sizeof(Elf64_Ehdr)
							       : sizeof(Elf32_Ehdr)) + ODD;
		uint8_t *f = elf_with_phdr_at(classes[i], phoff, &size);
		struct guest_image img;

		cr_assert_eq(load_guest_buffer(f, size, ram, RAM, &flat_opts, &img, err), 0, "%s",
			     err);
		cr_assert_eq(img.entry, CODE_ADDR);
		cr_assert_eq(img.nsegs, 1);
		cr_assert_eq(ram[CODE_ADDR], HLT);
		free(f);
	}
}

/* Same bug, from the other side: a caller's buffer need not be aligned
 * either (the ELF header, and a Multiboot header, were read in place). */
Test(hardening, files_at_an_odd_address)
{
	size_t size;
	uint8_t *f = elf_with_phdr_at(ELFCLASS64, sizeof(Elf64_Ehdr), &size);
	uint8_t *odd = malloc(size + ODD);
	struct guest_image img;
	struct multiboot_header mb = {
		.magic = MB_HEADER_MAGIC, .flags = MB_FLAG_ADDRESSES,
		.checksum = -(MB_HEADER_MAGIC + MB_FLAG_ADDRESSES),
		.header_addr = KERNEL_ADDR, .load_addr = KERNEL_ADDR,
		.load_end_addr = 0, .bss_end_addr = 0, .entry_addr = KERNEL_ADDR + sizeof(mb),
	};
	uint8_t *mb_odd = malloc(sizeof(mb) + 1 + ODD);

	cr_assert(odd && mb_odd);
	memcpy(odd + ODD, f, size);
	cr_assert_eq(load_guest_buffer(odd + ODD, size, ram, RAM, &flat_opts, &img, err), 0, "%s",
		     err);
	cr_assert_eq(img.kind, IMAGE_ELF64);
	cr_assert_eq(ram[CODE_ADDR], HLT);

	memcpy(mb_odd + ODD, &mb, sizeof(mb));
	mb_odd[ODD + sizeof(mb)] = HLT;
	cr_assert_eq(load_guest_buffer(mb_odd + ODD, sizeof(mb) + 1, ram, RAM, &flat_opts, &img,
				       err), 0, "%s", err);
	cr_assert_eq(img.kind, IMAGE_MULTIBOOT);
	cr_assert_eq(img.entry, KERNEL_ADDR + sizeof(mb));
	cr_assert_eq(ram[KERNEL_ADDR + sizeof(mb)], HLT);
	free(f);
	free(odd);
	free(mb_odd);
}

/* The same, end to end: lesson 01 with its program headers moved to an
 * odd offset at the end of the file still runs. */
Test(hardening, kvm_vmm_runs_an_elf_with_odd_program_headers)
{
	size_t len;
	char *elf = slurp(HELLO, &len);
	char path[] = "/tmp/kvm-vmm-odd-phdr-XXXXXX";
	Elf32_Ehdr eh;
	size_t phbytes, newoff;
	char *moved;
	int fd;
	struct run_result r;

	cr_assert(elf && len >= sizeof(eh));
	memcpy(&eh, elf, sizeof(eh));
	phbytes = (size_t)eh.e_phnum * eh.e_phentsize;
	newoff = len + ODD;
	moved = calloc(1, newoff + phbytes);
	cr_assert(moved);
	memcpy(moved, elf, len);
	memcpy(moved + newoff, elf + eh.e_phoff, phbytes);
	eh.e_phoff = (Elf32_Off)newoff;
	memcpy(moved, &eh, sizeof(eh));
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, moved, newoff + phbytes), (ssize_t)(newoff + phbytes));
	close(fd);
	cr_assert_eq(run_vmm(&r, NULL, 30, path, NULL), 0);
	unlink(path);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "Hello, KVM!\n");
	cr_assert_str_eq(r.err, "");
	run_free(&r);
	free(elf);
	free(moved);
}
