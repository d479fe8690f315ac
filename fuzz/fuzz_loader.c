/*
 * fuzz_loader.c - libFuzzer target for the guest loaders (vmm/loader.c):
 * arbitrary files go through load_guest_buffer() into guest RAM that is
 * exactly as large as the VMM would map, so ASan sees any byte written or
 * read outside it.
 *
 * Input: byte 0 chooses the loader and the set-up (FUZZ_* below); the rest
 * is the file. The kind makes sure each loader gets real coverage even from
 * random bytes: ELF32 and ELF64 get the ELF magic and their class stamped
 * on, Multiboot a valid header magic and checksum at a 4-aligned offset
 * unless the file has one (the a.out-kludge form, or a Multiboot ELF when
 * FUZZ_MB_ELF keeps an ELF file an ELF);
 * flat files are loaded as they are.
 *
 * Besides the sanitizers, the oracle checks what a successful load
 * promises: every segment inside RAM, none overlapping, the entry point in
 * RAM, the kind consistent with the file.
 */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "multiboot.h"
#include "vmm.h"

#define FUZZ_KIND_MASK 0x03
enum { KIND_FLAT, KIND_ELF32, KIND_ELF64, KIND_MULTIBOOT };
#define FUZZ_MEM_SHIFT 2      /* bits 2-3: guest RAM size */
#define FUZZ_MEM_MASK 0x03
#define FUZZ_LOAD_SHIFT 4     /* bits 4-5: --load-addr for flat files */
#define FUZZ_LOAD_MASK 0x03
#define FUZZ_ENTRY 0x40       /* --entry given */
#define FUZZ_MB_ELF 0x80      /* Multiboot: keep an ELF file an ELF */

/* A Multiboot input has one more byte before the file: where to put a
 * header if the file has none, in MB_ALIGN units. */

static const uint64_t mem_sizes[] = {
	LAYOUT_MEM_MIN, LAYOUT_KERNEL_BASE + LAYOUT_MEM_MIN, 2 << 20, 4 << 20,
};
static const uint64_t load_addrs[] = { 0, 0x7c00, LAYOUT_KERNEL_BASE, 0xfff0 };
#define FUZZ_ENTRY_ADDR 0x7c05

static uint8_t *rams[sizeof(mem_sizes) / sizeof(mem_sizes[0])];

static void stamp_elf(uint8_t *file, size_t size, int class)
{
	if (size < EI_NIDENT)
		return;
	memcpy(file, ELFMAG, SELFMAG);
	file[EI_CLASS] = (uint8_t)class;
	file[EI_DATA] = ELFDATA2LSB;
}

/* Does the file already carry a Multiboot header (magic and checksum)? */
static bool has_multiboot(const uint8_t *file, size_t size)
{
	for (size_t off = 0; off + MB_HEADER_MIN <= size && off < MB_SEARCH; off += MB_ALIGN) {
		uint32_t h[3];

		memcpy(h, file + off, sizeof(h));
		if (h[0] == MB_HEADER_MAGIC && (uint32_t)(h[0] + h[1] + h[2]) == 0)
			return true;
	}
	return false;
}

/* Unless it has one, give the file a header that find_multiboot()
 * accepts, at a 4-aligned offset chosen by `slot`. */
static void stamp_multiboot(uint8_t *file, size_t size, unsigned slot)
{
	size_t off = (size_t)slot * MB_ALIGN;
	uint32_t magic = MB_HEADER_MAGIC, flags, checksum;

	if (MB_HEADER_MIN > size || has_multiboot(file, size))
		return;
	if (off + MB_HEADER_MIN > size)
		off = 0;
	memcpy(file + off, &magic, sizeof(magic));
	memcpy(&flags, file + off + 4, sizeof(flags));
	checksum = -(magic + flags);
	memcpy(file + off + 8, &checksum, sizeof(checksum));
}

static void check_image(const struct guest_image *img, uint64_t mem_size)
{
	if (img->nsegs < 0 || img->nsegs > IMAGE_MAX_SEGMENTS)
		abort();
	if (img->entry >= mem_size)
		abort();
	for (int i = 0; i < img->nsegs; i++) {
		if (img->seg[i].start > img->seg[i].end || img->seg[i].end > mem_size)
			abort();
		for (int j = 0; j < i; j++)
			if (img->seg[i].start < img->seg[j].end && img->seg[j].start < img->seg[i].end)
				abort();
	}
	if ((img->kind == IMAGE_ELF32 && img->elf_class != 32) ||
	    (img->kind == IMAGE_ELF64 && img->elf_class != 64) ||
	    (img->kind == IMAGE_MULTIBOOT && img->elf_class != 32) ||
	    (img->kind == IMAGE_FLAT && img->elf_class != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_image img;
	struct load_options lo;
	char err[VMM_ERR_LEN];
	uint8_t config, *file;
	unsigned mem_index, slot = 0;
	uint64_t mem_size;

	if (size < 2)
		return 0;
	config = data[0];
	mem_index = (config >> FUZZ_MEM_SHIFT) & FUZZ_MEM_MASK;
	mem_size = mem_sizes[mem_index];
	if (!rams[mem_index]) {
		rams[mem_index] = malloc(mem_size);
		if (!rams[mem_index])
			abort();
	}
	data++;
	size--;
	if ((config & FUZZ_KIND_MASK) == KIND_MULTIBOOT) {
		slot = data[0];
		data++;
		size--;
	}
	/* The file in a buffer of its own size, so that reading past its
	 * end is caught too. */
	file = malloc(size ? size : 1);
	if (!file)
		abort();
	memcpy(file, data, size);
	switch (config & FUZZ_KIND_MASK) {
	case KIND_ELF32:
		stamp_elf(file, size, ELFCLASS32);
		break;
	case KIND_ELF64:
		stamp_elf(file, size, ELFCLASS64);
		break;
	case KIND_MULTIBOOT:
		if (!(config & FUZZ_MB_ELF) && size >= SELFMAG && memcmp(file, ELFMAG, SELFMAG) == 0)
			file[0] ^= 0x80; /* not an ELF: the a.out kludge */
		stamp_multiboot(file, size, slot);
		break;
	}
	lo.load_addr = load_addrs[(config >> FUZZ_LOAD_SHIFT) & FUZZ_LOAD_MASK];
	lo.entry_given = config & FUZZ_ENTRY;
	lo.entry = FUZZ_ENTRY_ADDR;
	err[0] = '\0';
	if (load_guest_buffer(file, size, rams[mem_index], mem_size, &lo, &img, err) == 0) {
		check_image(&img, mem_size);
		for (int mode = MODE_REAL; mode <= MODE_LONG; mode++)
			image_check_layout(&img, (enum cpu_mode)mode, err);
		(void)image_default_mode(&img);
		(void)image_kind_name(img.kind);
	} else if (err[0] == '\0' || !memchr(err, '\0', sizeof(err))) {
		abort(); /* a failure always says why */
	}
	free(file);
	return 0;
}
