/*
 * loader.c - put a guest file into guest RAM: ELF32/ELF64 by their PT_LOAD
 * program headers, Multiboot v1 kernels (ELF or the a.out-kludge address
 * header), and flat binaries. The file is untrusted: every offset, size and
 * address is checked against the file and the RAM before a byte is copied.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout.h"
#include "loader.h"
#include "multiboot.h"
#include "vmm.h"

#define LOADER_MAX_FILE (LAYOUT_MEM_MAX)

const char *image_kind_name(enum image_kind kind)
{
	switch (kind) {
	case IMAGE_FLAT: return "flat binary";
	case IMAGE_ELF32: return "ELF32";
	case IMAGE_ELF64: return "ELF64";
	case IMAGE_MULTIBOOT: return "Multiboot kernel";
	}
	return "?";
}

enum cpu_mode image_default_mode(const struct guest_image *img)
{
	if (img->kind == IMAGE_MULTIBOOT)
		return MODE_PROTECTED;
	if (img->kind == IMAGE_ELF64)
		return MODE_LONG;
	return MODE_REAL;
}

/* Record [start, start+size) as loaded; refuse overlaps and too many. */
static int add_segment(struct guest_image *img, uint64_t start, uint64_t size, char *err)
{
	uint64_t end = start + size;

	if (size == 0)
		return 0;
	for (int i = 0; i < img->nsegs; i++) {
		if (start < img->seg[i].end && img->seg[i].start < end)
			return vmm_fail(err, "segments overlap: 0x%llx-0x%llx and 0x%llx-0x%llx",
					(unsigned long long)start, (unsigned long long)end,
					(unsigned long long)img->seg[i].start,
					(unsigned long long)img->seg[i].end);
	}
	if (img->nsegs == IMAGE_MAX_SEGMENTS)
		return vmm_fail(err, "more than %d loadable segments", IMAGE_MAX_SEGMENTS);
	img->seg[img->nsegs].start = start;
	img->seg[img->nsegs].end = end;
	img->nsegs++;
	return 0;
}

/* Copy filesz bytes from file[off] to mem[paddr] and zero up to memsz. */
static int load_segment(const uint8_t *file, size_t size, uint8_t *mem, uint64_t mem_size,
			uint64_t off, uint64_t filesz, uint64_t paddr, uint64_t memsz,
			struct guest_image *img, char *err)
{
	if (filesz > memsz)
		return vmm_fail(err, "segment at 0x%llx has a file size larger than its memory size",
				(unsigned long long)paddr);
	if (off > size || filesz > size - off)
		return vmm_fail(err, "segment at 0x%llx extends past the end of the file (truncated?)",
				(unsigned long long)paddr);
	if (paddr > mem_size || memsz > mem_size - paddr)
		return vmm_fail(err, "segment 0x%llx-0x%llx lies outside guest RAM (0x0-0x%llx): "
				"link it lower or raise --mem",
				(unsigned long long)paddr, (unsigned long long)(paddr + memsz),
				(unsigned long long)mem_size);
	if (add_segment(img, paddr, memsz, err) < 0)
		return -1;
	memcpy(mem + paddr, file + off, filesz);
	memset(mem + paddr + filesz, 0, memsz - filesz);
	return 0;
}

static int check_entry(uint64_t entry, uint64_t mem_size, char *err)
{
	if (entry >= mem_size)
		return vmm_fail(err, "entry point 0x%llx is outside guest RAM (0x0-0x%llx)",
				(unsigned long long)entry, (unsigned long long)mem_size);
	return 0;
}

/*
 * The ELF loaders for both classes share one shape; the macro-free way is
 * to convert each program header into this common form first.
 */
struct phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static int load_elf(const uint8_t *file, size_t size, uint8_t *mem, uint64_t mem_size,
		    struct guest_image *img, char *err)
{
	int is64 = file[EI_CLASS] == ELFCLASS64;
	uint64_t phoff, entry;
	unsigned phnum, phentsize, machine, type;

	if (file[EI_CLASS] != ELFCLASS32 && file[EI_CLASS] != ELFCLASS64)
		return vmm_fail(err, "ELF class %u is neither 32- nor 64-bit", file[EI_CLASS]);
	if (file[EI_DATA] != ELFDATA2LSB)
		return vmm_fail(err, "ELF file is not little-endian: not an x86 program");
	if (size < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return vmm_fail(err, "ELF header is truncated (%zu bytes)", size);
	/* Headers are copied out, never read in place: the file gives their
	 * offsets, and nothing makes those aligned. */
	if (is64) {
		Elf64_Ehdr eh;

		memcpy(&eh, file, sizeof(eh));
		phoff = eh.e_phoff; phnum = eh.e_phnum; phentsize = eh.e_phentsize;
		entry = eh.e_entry; machine = eh.e_machine; type = eh.e_type;
	} else {
		Elf32_Ehdr eh;

		memcpy(&eh, file, sizeof(eh));
		phoff = eh.e_phoff; phnum = eh.e_phnum; phentsize = eh.e_phentsize;
		entry = eh.e_entry; machine = eh.e_machine; type = eh.e_type;
	}
	if (machine != (is64 ? EM_X86_64 : EM_386))
		return vmm_fail(err, "ELF machine %u is not %s", machine, is64 ? "x86-64" : "i386");
	if (type != ET_EXEC)
		return vmm_fail(err, "ELF type %u is not an executable (link it, e.g. with ld)", type);
	if (phnum == 0)
		return vmm_fail(err, "ELF file has no program headers: nothing to load");
	if (phentsize != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
		return vmm_fail(err, "ELF program header size %u is wrong", phentsize);
	if (phoff > size || (uint64_t)phnum * phentsize > size - phoff)
		return vmm_fail(err, "ELF program headers extend past the end of the file");

	img->kind = is64 ? IMAGE_ELF64 : IMAGE_ELF32;
	img->elf_class = is64 ? 64 : 32;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *p = file + phoff + (uint64_t)i * phentsize;
		struct phdr ph;

		if (is64) {
			Elf64_Phdr ph64;

			memcpy(&ph64, p, sizeof(ph64));
			ph = (struct phdr){ ph64.p_type, ph64.p_offset, ph64.p_paddr,
					    ph64.p_filesz, ph64.p_memsz };
		} else {
			Elf32_Phdr ph32;

			memcpy(&ph32, p, sizeof(ph32));
			ph = (struct phdr){ ph32.p_type, ph32.p_offset, ph32.p_paddr,
					    ph32.p_filesz, ph32.p_memsz };
		}
		if (ph.type != PT_LOAD)
			continue;
		if (load_segment(file, size, mem, mem_size, ph.offset, ph.filesz, ph.paddr,
				 ph.memsz, img, err) < 0)
			return -1;
	}
	if (img->nsegs == 0)
		return vmm_fail(err, "ELF file has no loadable (PT_LOAD) segment");
	img->entry = entry;
	return check_entry(entry, mem_size, err);
}

/* Find a Multiboot v1 header in the first MB_SEARCH bytes and copy it to
 * *h (fields past the end of the file read as 0); false if none. The
 * address fields are only there (and only read) with MB_FLAG_ADDRESSES.
 * *bad_at gets the offset of a magic number whose checksum is wrong (or
 * is left alone). */
static bool find_multiboot(const uint8_t *file, size_t size, struct multiboot_header *h,
			   size_t *offset, long *bad_at)
{
	size_t limit = size < MB_SEARCH ? size : MB_SEARCH;

	for (size_t off = 0; off + MB_HEADER_MIN <= limit; off += MB_ALIGN) {
		size_t have = size - off < sizeof(*h) ? size - off : sizeof(*h);

		memset(h, 0, sizeof(*h));
		memcpy(h, file + off, have);
		if (h->magic != MB_HEADER_MAGIC)
			continue;
		if ((uint32_t)(h->magic + h->flags + h->checksum)) {
			if (*bad_at < 0)
				*bad_at = (long)off;
			continue;
		}
		if ((h->flags & MB_FLAG_ADDRESSES) && have < sizeof(*h))
			continue;   /* truncated: not a usable header */
		*offset = off;
		return true;
	}
	return false;
}

/* Multiboot "a.out kludge": the header gives the load addresses. */
static int load_multiboot_addresses(const uint8_t *file, size_t size, size_t hdr_off,
				    const struct multiboot_header *h, uint8_t *mem,
				    uint64_t mem_size, struct guest_image *img, char *err)
{
	uint64_t load_end = h->load_end_addr ? h->load_end_addr : 0;
	uint64_t file_off, filesz, memsz;

	if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > hdr_off)
		return vmm_fail(err, "Multiboot header: header_addr/load_addr are inconsistent");
	file_off = hdr_off - (h->header_addr - h->load_addr);
	if (load_end == 0)
		filesz = size - file_off;
	else if (load_end < h->load_addr)
		return vmm_fail(err, "Multiboot header: load_end_addr is below load_addr");
	else
		filesz = load_end - h->load_addr;
	memsz = filesz;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < h->load_addr + filesz)
			return vmm_fail(err, "Multiboot header: bss_end_addr is below the loaded image");
		memsz = h->bss_end_addr - h->load_addr;
	}
	if (load_segment(file, size, mem, mem_size, file_off, filesz, h->load_addr, memsz,
			 img, err) < 0)
		return -1;
	img->entry = h->entry_addr;
	return check_entry(img->entry, mem_size, err);
}

int load_guest_buffer(const uint8_t *file, size_t size, uint8_t *mem, uint64_t mem_size,
		      const struct load_options *lo, struct guest_image *img, char *err)
{
	struct multiboot_header mb_header;
	const struct multiboot_header *mb = NULL;
	size_t mb_off = 0;
	long mb_bad = -1;
	int is_elf = size >= SELFMAG && memcmp(file, ELFMAG, SELFMAG) == 0;

	memset(img, 0, sizeof(*img));
	if (size == 0)
		return vmm_fail(err, "the file is empty");
	if (find_multiboot(file, size, &mb_header, &mb_off, &mb_bad))
		mb = &mb_header;
	else if (mb_bad >= 0)
		return vmm_fail(err, "the Multiboot header at offset 0x%lx has a wrong checksum "
				"(magic + flags + checksum must be 0 modulo 2^32): fix the kernel's "
				"header", mb_bad);
	if (mb && (mb->flags & MB_FLAG_REQUIRED & ~MB_FLAGS_SUPPORTED))
		return vmm_fail(err, "the Multiboot kernel requires %s (header flags 0x%x), which "
				"kvm-vmm cannot provide",
				(mb->flags & MB_FLAG_VIDEO_MODE) ? "a video mode" : "an unknown feature",
				mb->flags);
	if (mb && (mb->flags & MB_FLAG_ADDRESSES) && !is_elf) {
		if (load_multiboot_addresses(file, size, mb_off, mb, mem, mem_size, img, err) < 0)
			return -1;
		img->kind = IMAGE_MULTIBOOT;
		img->elf_class = 32;
		return 0;
	}
	if (is_elf) {
		if (size < EI_NIDENT)
			return vmm_fail(err, "ELF header is truncated (%zu bytes)", size);
		if (load_elf(file, size, mem, mem_size, img, err) < 0)
			return -1;
		if (mb) {
			if (img->elf_class != 32)
				return vmm_fail(err, "a Multiboot v1 kernel must be a 32-bit ELF");
			img->kind = IMAGE_MULTIBOOT;
		}
		return 0;
	}
	/* Flat binary. */
	img->kind = IMAGE_FLAT;
	if (load_segment(file, size, mem, mem_size, 0, size, lo->load_addr, size, img, err) < 0)
		return -1;
	img->entry = lo->entry_given ? lo->entry : lo->load_addr;
	return check_entry(img->entry, mem_size, err);
}

/* True when a file reads as text (a program's source, a README), not as
 * machine code: no NUL byte, no control character but tab, newline and
 * carriage return, and at least one newline. Machine code has zero bytes. */
static bool looks_like_text(const uint8_t *file, size_t size)
{
	bool newline = false;

	for (size_t i = 0; i < size; i++) {
		if (file[i] == '\n')
			newline = true;
		else if ((file[i] < ' ' && file[i] != '\t' && file[i] != '\r') || file[i] == 0x7f)
			return false;
	}
	return newline;
}

static bool has_suffix(const char *path, const char *suffix)
{
	size_t n = strlen(path), m = strlen(suffix);

	return n >= m && strcmp(path + n - m, suffix) == 0;
}

/* Refuse a text file with what to do instead: it is source, not a program. */
static int refuse_text(const char *path, char *err)
{
	if (has_suffix(path, ".asm") || has_suffix(path, ".inc") || has_suffix(path, ".s"))
		return vmm_fail(err, "%s is NASM source, not a program: build it with make, "
				"then run the .elf (make builds lessons/NN-topic/NAME.asm as "
				"NAME.elf; make run FILE=%s builds and runs it)", path, path);
	if (has_suffix(path, ".c") || has_suffix(path, ".h"))
		return vmm_fail(err, "%s is C source, not a program: build it with make, "
				"then run the .elf (make run FILE=%s builds and runs it)",
				path, path);
	return vmm_fail(err, "%s is a text file, not a program: kvm-vmm runs an ELF, a "
			"Multiboot kernel or a flat binary", path);
}

int load_guest(const char *path, uint8_t *mem, uint64_t mem_size,
	       const struct load_options *lo, struct guest_image *img, char *err)
{
	struct stat st;
	uint8_t *file;
	size_t got = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return vmm_fail(err, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return vmm_fail(err, "%s is not a regular file", path);
	}
	if ((uint64_t)st.st_size > mem_size || (uint64_t)st.st_size > LOADER_MAX_FILE) {
		close(fd);
		return vmm_fail(err, "%s: %lld bytes do not fit in %llu bytes of guest RAM (--mem)",
				path, (long long)st.st_size, (unsigned long long)mem_size);
	}
	file = malloc(st.st_size ? st.st_size : 1);
	if (!file) {
		close(fd);
		return vmm_fail(err, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, file + got, st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (got < (size_t)st.st_size) {
		free(file);
		return vmm_fail(err, "%s: read %zu of its %lld bytes: %s", path, got,
				(long long)st.st_size, errno ? strerror(errno) : "the file shrank");
	}
	if ((got < SELFMAG || memcmp(file, ELFMAG, SELFMAG) != 0) && looks_like_text(file, got)) {
		free(file);
		return refuse_text(path, err);
	}
	ret = load_guest_buffer(file, got, mem, mem_size, lo, img, err);
	free(file);
	if (ret < 0) {
		char reason[VMM_ERR_LEN];

		memcpy(reason, err, VMM_ERR_LEN);
		return vmm_fail(err, "%s: %s", path, reason);
	}
	return 0;
}

bool image_contains(const struct guest_image *img, uint64_t addr)
{
	for (int i = 0; i < img->nsegs; i++)
		if (addr >= img->seg[i].start && addr < img->seg[i].end)
			return true;
	return false;
}

int image_check_layout(const struct guest_image *img, enum cpu_mode mode, char *err)
{
	uint64_t lo = 0, hi = 0;
	const char *what = NULL;

	if (mode == MODE_REAL && img->entry >= LAYOUT_REAL_MODE_LIMIT)
		return vmm_fail(err, "its entry point 0x%llx lies above 1 MiB, which real mode "
				"cannot reach: link it below 0x100000, or start it with "
				"--mode protected or --mode long",
				(unsigned long long)img->entry);
	if (img->kind == IMAGE_MULTIBOOT) {
		lo = LAYOUT_GDT; hi = LAYOUT_MB_INFO_END;
		what = "the GDT and Multiboot information";
	} else if (mode == MODE_LONG) {
		lo = LAYOUT_GDT; hi = LAYOUT_PAGING_END;
		what = "the GDT and page tables";
	} else if (mode == MODE_PROTECTED) {
		lo = LAYOUT_GDT; hi = LAYOUT_GDT + LAYOUT_GDT_ENTRIES * 8;
		what = "the GDT";
	}
	if (!what)
		return 0;
	for (int i = 0; i < img->nsegs; i++) {
		if (img->seg[i].start < hi && lo < img->seg[i].end)
			return vmm_fail(err, "its segment 0x%llx-0x%llx overlaps %s that kvm-vmm "
					"writes at 0x%llx-0x%llx for %s mode; link it at 0x%llx",
					(unsigned long long)img->seg[i].start,
					(unsigned long long)img->seg[i].end, what,
					(unsigned long long)lo, (unsigned long long)hi,
					cpu_mode_name(mode), (unsigned long long)LAYOUT_KERNEL_BASE);
	}
	return 0;
}
