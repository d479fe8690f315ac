/*
 * loader.h - putting a guest file into guest RAM (loader.c): ELF32/ELF64
 * by their program headers, Multiboot v1 kernels, flat binaries. The file
 * is untrusted: every offset, size and address is checked first.
 */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x86/x86.h"

enum image_kind { IMAGE_FLAT, IMAGE_ELF32, IMAGE_ELF64, IMAGE_MULTIBOOT };

#define IMAGE_MAX_SEGMENTS 16

struct guest_image {
	enum image_kind kind;
	int elf_class;            /* 32 or 64 for ELF and Multiboot ELF, 0 for flat */
	uint64_t entry;           /* physical address of the first instruction */
	int nsegs;                /* loaded ranges [start, end) in guest RAM */
	struct { uint64_t start, end; } seg[IMAGE_MAX_SEGMENTS];
};

struct load_options {
	uint64_t load_addr;       /* flat binaries: where to load */
	uint64_t entry;           /* flat binaries: where to start */
	bool entry_given;
};

/*
 * Load the guest file at path into guest RAM mem[0..mem_size): an ELF by its
 * PT_LOAD program headers at their physical addresses, a Multiboot v1 kernel
 * as the spec says, anything else as a flat binary. Returns 0, or -1 with
 * err (VMM_ERR_LEN bytes).
 */
int load_guest(const char *path, uint8_t *mem, uint64_t mem_size,
	       const struct load_options *lo, struct guest_image *img, char *err);
/* Same, from a file already in memory (for tests and fuzzing). */
int load_guest_buffer(const uint8_t *file, size_t size, uint8_t *mem, uint64_t mem_size,
		      const struct load_options *lo, struct guest_image *img, char *err);
/* The mode an image starts in when --mode is not given. */
enum cpu_mode image_default_mode(const struct guest_image *img);
/* Fail (-1 with err) if the image cannot start in `mode`: a loaded segment
 * overlaps guest memory the VMM writes for that mode, or a real-mode entry
 * point lies where real mode cannot reach (at or above 1 MiB). */
int image_check_layout(const struct guest_image *img, enum cpu_mode mode, char *err);
/* "flat binary", "ELF32", "ELF64", "Multiboot kernel". */
const char *image_kind_name(enum image_kind kind);
/* True if [addr, addr+len) lies inside one loaded segment of img. */
bool image_contains(const struct guest_image *img, uint64_t addr);

#endif
