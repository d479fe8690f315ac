/*
 * test_loader.c - unit tests of the guest loaders on images built in
 * memory: good ELF32/ELF64/Multiboot/flat images, and malformed ones
 * (empty, truncated, segments outside RAM or overlapping, entry above RAM).
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "multiboot.h"
#include "loader.h"
#include "vmm.h"

#define RAM (1 << 20)
#define CODE_ADDR 0x7c00

static uint8_t *ram;
static char err[VMM_ERR_LEN];
static const struct load_options flat_opts = { 0, 0, false };

static void setup(void)
{
	ram = calloc(1, RAM);
	err[0] = '\0';
}

static void teardown(void)
{
	free(ram);
}

TestSuite(loader, .init = setup, .fini = teardown);

/* An ELF32 executable with up to two PT_LOAD segments carrying `payload`. */
struct elf32_image {
	Elf32_Ehdr eh;
	Elf32_Phdr ph[2];
	uint8_t payload[64];
};

static struct elf32_image make_elf32(uint32_t paddr, uint32_t filesz, uint32_t memsz)
{
	struct elf32_image im;

	memset(&im, 0, sizeof(im));
	memcpy(im.eh.e_ident, ELFMAG, SELFMAG);
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	im.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im.eh.e_ident[EI_VERSION] = EV_CURRENT;
	im.eh.e_type = ET_EXEC;
	im.eh.e_machine = EM_386;
	im.eh.e_version = EV_CURRENT;
	im.eh.e_entry = paddr;
	im.eh.e_phoff = offsetof(struct elf32_image, ph);
	im.eh.e_ehsize = sizeof(Elf32_Ehdr);
	im.eh.e_phentsize = sizeof(Elf32_Phdr);
	im.eh.e_phnum = 1;
	im.ph[0].p_type = PT_LOAD;
	im.ph[0].p_offset = offsetof(struct elf32_image, payload);
	im.ph[0].p_paddr = im.ph[0].p_vaddr = paddr;
	im.ph[0].p_filesz = filesz;
	im.ph[0].p_memsz = memsz;
	memset(im.payload, 0xf4, sizeof(im.payload));   /* hlt */
	return im;
}

static int load(const void *file, size_t size, struct guest_image *img)
{
	return load_guest_buffer(file, size, ram, RAM, &flat_opts, img, err);
}

Test(loader, elf32_loads_at_physical_address_and_zeroes_bss)
{
	struct elf32_image im = make_elf32(CODE_ADDR, 16, 32);
	struct guest_image img;

	memset(ram + CODE_ADDR, 0xaa, 64);
	cr_assert_eq(load(&im, sizeof(im), &img), 0, "%s", err);
	cr_assert_eq(img.kind, IMAGE_ELF32);
	cr_assert_eq(img.entry, CODE_ADDR);
	cr_assert_eq(ram[CODE_ADDR], 0xf4);
	cr_assert_eq(ram[CODE_ADDR + 15], 0xf4);
	cr_assert_eq(ram[CODE_ADDR + 16], 0, "bss not zeroed");
	cr_assert_eq(ram[CODE_ADDR + 31], 0);
	cr_assert_eq(ram[CODE_ADDR + 32], 0xaa, "wrote past memsz");
	cr_assert_eq(image_default_mode(&img), MODE_REAL);
}

Test(loader, elf64_defaults_to_long_mode)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		uint8_t code[4];
	} im;
	struct guest_image img;

	memset(&im, 0, sizeof(im));
	memcpy(im.eh.e_ident, ELFMAG, SELFMAG);
	im.eh.e_ident[EI_CLASS] = ELFCLASS64;
	im.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im.eh.e_type = ET_EXEC;
	im.eh.e_machine = EM_X86_64;
	im.eh.e_entry = 0x10000;
	im.eh.e_phoff = offsetof(typeof(im), ph);
	im.eh.e_phentsize = sizeof(Elf64_Phdr);
	im.eh.e_phnum = 1;
	im.ph.p_type = PT_LOAD;
	im.ph.p_offset = offsetof(typeof(im), code);
	im.ph.p_paddr = 0x10000;
	im.ph.p_filesz = im.ph.p_memsz = 4;
	cr_assert_eq(load(&im, sizeof(im), &img), 0, "%s", err);
	cr_assert_eq(img.kind, IMAGE_ELF64);
	cr_assert_eq(image_default_mode(&img), MODE_LONG);

	im.eh.e_entry = 0x100000000ULL;   /* 64-bit entry far above RAM */
	cr_assert_eq(load(&im, sizeof(im), &img), -1);
	cr_assert(strstr(err, "entry point 0x100000000 is outside guest RAM"), "%s", err);
}

Test(loader, empty_file)
{
	struct guest_image img;

	cr_assert_eq(load("", 0, &img), -1);
	cr_assert_str_eq(err, "the file is empty");
}

Test(loader, truncated_headers)
{
	struct elf32_image im = make_elf32(CODE_ADDR, 16, 16);
	struct guest_image img;

	cr_assert_eq(load(&im, 20, &img), -1);
	cr_assert(strstr(err, "ELF header is truncated"), "%s", err);
	cr_assert_eq(load(&im, sizeof(Elf32_Ehdr) + 4, &img), -1);
	cr_assert(strstr(err, "program headers extend past the end"), "%s", err);
	cr_assert_eq(load(&im, offsetof(struct elf32_image, payload) + 8, &img), -1);
	cr_assert(strstr(err, "extends past the end of the file"), "%s", err);
}

Test(loader, segment_outside_ram)
{
	struct elf32_image im = make_elf32(RAM - 8, 16, 16);
	struct guest_image img;

	cr_assert_eq(load(&im, sizeof(im), &img), -1);
	cr_assert(strstr(err, "lies outside guest RAM"), "%s", err);
	im = make_elf32(0xfffffff0, 16, 16);   /* would wrap in 32 bits */
	cr_assert_eq(load(&im, sizeof(im), &img), -1);
	cr_assert(strstr(err, "lies outside guest RAM"), "%s", err);
	im = make_elf32(CODE_ADDR, 16, 0xffffffff);   /* huge bss */
	cr_assert_eq(load(&im, sizeof(im), &img), -1);
}

Test(loader, overlapping_segments)
{
	struct elf32_image im = make_elf32(CODE_ADDR, 16, 16);
	struct guest_image img;

	im.eh.e_phnum = 2;
	im.ph[1] = im.ph[0];
	im.ph[1].p_paddr = CODE_ADDR + 8;
	cr_assert_eq(load(&im, sizeof(im), &img), -1);
	cr_assert(strstr(err, "segments overlap"), "%s", err);
}

Test(loader, filesz_larger_than_memsz)
{
	struct elf32_image im = make_elf32(CODE_ADDR, 32, 16);
	struct guest_image img;

	cr_assert_eq(load(&im, sizeof(im), &img), -1);
	cr_assert(strstr(err, "file size larger than its memory size"), "%s", err);
}

Test(loader, wrong_machine_and_type)
{
	struct elf32_image im = make_elf32(CODE_ADDR, 16, 16);
	struct guest_image img;

	im.eh.e_machine = EM_ARM;
	cr_assert_eq(load(&im, sizeof(im), &img), -1);
	cr_assert(strstr(err, "is not i386"), "%s", err);
	im.eh.e_machine = EM_386;
	im.eh.e_type = ET_REL;
	cr_assert_eq(load(&im, sizeof(im), &img), -1);
	cr_assert(strstr(err, "not an executable"), "%s", err);
}

Test(loader, multiboot_elf)
{
	struct elf32_image im = make_elf32(0x100000 - 64, 64, 64);
	struct multiboot_header mb = { .magic = MB_HEADER_MAGIC, .checksum = -(MB_HEADER_MAGIC) };
	struct guest_image img;

	memcpy(im.payload, &mb, 12);
	cr_assert_eq(load(&im, sizeof(im), &img), 0, "%s", err);
	cr_assert_eq(img.kind, IMAGE_MULTIBOOT);
	cr_assert_eq(image_default_mode(&img), MODE_PROTECTED);
}

Test(loader, multiboot_address_header)
{
	/* A raw kernel with the a.out kludge: header at file offset 0. */
	uint8_t file[64];
	struct multiboot_header mb = {
		.magic = MB_HEADER_MAGIC, .flags = MB_FLAG_ADDRESSES,
		.checksum = -(MB_HEADER_MAGIC + MB_FLAG_ADDRESSES),
		.header_addr = 0x20000, .load_addr = 0x20000, .load_end_addr = 0x20040,
		.bss_end_addr = 0x20080, .entry_addr = 0x20020,
	};
	struct guest_image img;

	memset(file, 0x90, sizeof(file));
	memcpy(file, &mb, sizeof(mb));
	ram[0x20050] = 0x55;
	cr_assert_eq(load(file, sizeof(file), &img), 0, "%s", err);
	cr_assert_eq(img.kind, IMAGE_MULTIBOOT);
	cr_assert_eq(img.entry, 0x20020);
	cr_assert_eq(ram[0x20030], 0x90);
	cr_assert_eq(ram[0x20050], 0, "bss not cleared");

	mb.load_end_addr = 0x30000;   /* more than the file holds */
	mb.checksum = -(MB_HEADER_MAGIC + MB_FLAG_ADDRESSES);
	memcpy(file, &mb, sizeof(mb));
	cr_assert_eq(load(file, sizeof(file), &img), -1);
}

Test(loader, multiboot_elf64_is_refused)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		uint8_t code[16];
	} im;
	struct multiboot_header mb = { .magic = MB_HEADER_MAGIC, .checksum = -(MB_HEADER_MAGIC) };
	struct guest_image img;

	memset(&im, 0, sizeof(im));
	memcpy(im.eh.e_ident, ELFMAG, SELFMAG);
	im.eh.e_ident[EI_CLASS] = ELFCLASS64;
	im.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im.eh.e_type = ET_EXEC;
	im.eh.e_machine = EM_X86_64;
	im.eh.e_entry = 0x10000;
	im.eh.e_phoff = offsetof(typeof(im), ph);
	im.eh.e_phentsize = sizeof(Elf64_Phdr);
	im.eh.e_phnum = 1;
	im.ph.p_type = PT_LOAD;
	im.ph.p_offset = offsetof(typeof(im), code);
	im.ph.p_paddr = 0x10000;
	im.ph.p_filesz = im.ph.p_memsz = 16;
	memcpy(im.code, &mb, 12);
	cr_assert_eq(load(&im, sizeof(im), &img), -1);
	cr_assert(strstr(err, "32-bit ELF"), "%s", err);
}

Test(loader, flat_binary_at_load_address)
{
	const struct load_options lo = { 0x1000, 0x1002, true };
	struct guest_image img;

	cr_assert_eq(load_guest_buffer((const uint8_t *)"\x90\x90\xf4", 3, ram, RAM, &lo, &img, err), 0);
	cr_assert_eq(img.kind, IMAGE_FLAT);
	cr_assert_eq(img.entry, 0x1002);
	cr_assert_eq(ram[0x1002], 0xf4);
}

Test(loader, flat_binary_too_large_or_entry_outside)
{
	const struct load_options lo = { RAM - 2, 0, false };
	const struct load_options lo2 = { 0, RAM, true };
	struct guest_image img;

	cr_assert_eq(load_guest_buffer((const uint8_t *)"\x90\x90\xf4", 3, ram, RAM, &lo, &img, err), -1);
	cr_assert(strstr(err, "outside guest RAM"), "%s", err);
	cr_assert_eq(load_guest_buffer((const uint8_t *)"\xf4", 1, ram, RAM, &lo2, &img, err), -1);
	cr_assert(strstr(err, "entry point"), "%s", err);
}

Test(loader, layout_conflicts_with_vmm_tables)
{
	struct elf32_image im = make_elf32(0x1000, 16, 16);
	struct guest_image img;

	cr_assert_eq(load(&im, sizeof(im), &img), 0, "%s", err);
	cr_assert_eq(image_check_layout(&img, MODE_REAL, err), 0);
	cr_assert_eq(image_check_layout(&img, MODE_LONG, err), -1);
	cr_assert(strstr(err, "page tables"), "%s", err);
}

Test(loader, real_file_errors)
{
	struct guest_image img;
	char path[] = "/tmp/kvm-vmm-test-XXXXXX";
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert_eq(load_guest(path, ram, RAM, &flat_opts, &img, err), -1);
	cr_assert(strstr(err, "the file is empty"), "%s", err);
	close(fd);
	unlink(path);
	cr_assert_eq(load_guest("/tmp", ram, RAM, &flat_opts, &img, err), -1);
	cr_assert(strstr(err, "not a regular file"), "%s", err);
	cr_assert_eq(load_guest("/nonexistent", ram, RAM, &flat_opts, &img, err), -1);
	cr_assert(strstr(err, "cannot open /nonexistent"), "%s", err);
}
