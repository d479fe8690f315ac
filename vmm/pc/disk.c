/*
 * disk.c - the boot disk of --disk and --floppy: a raw image of 512-byte
 * sectors, mapped into kvm-vmm's memory. Reads past the end of the image
 * return zeros, as a floppy image padded to its full size would. Unless
 * the user asked for writes to reach the file (--disk-write), the mapping
 * is private: the guest reads back what it wrote, the file never changes.
 * An image that cannot boot is refused with a reason in a BIOS's words.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"
#include "pc/pc.h"

#define BOOT_SIGNATURE_AT 510
#define BOOT_SIGNATURE_0 0x55
#define BOOT_SIGNATURE_1 0xAA

/* A 1.44 MB floppy, and the hard disk geometry a BIOS gives small disks
 * (16 heads, 63 sectors a track, cylinders as many as the image needs, at
 * most 1024 as CHS can address). */
#define FLOPPY_CYLINDERS 80
#define FLOPPY_HEADS 2
#define FLOPPY_SECTORS 18
#define HD_HEADS 16
#define HD_SECTORS 63
#define HD_MAX_CYLINDERS 1024

#define BOOT_FAILED_READ "Boot failed: could not read the boot disk"
#define BOOT_FAILED_SIGNATURE "Boot failed: not a bootable disk"

static void set_geometry(struct disk *d)
{
	if (d->floppy) {
		d->cylinders = FLOPPY_CYLINDERS;
		d->heads = FLOPPY_HEADS;
		d->sectors_per_track = FLOPPY_SECTORS;
	} else {
		uint64_t per_cyl = (uint64_t)HD_HEADS * HD_SECTORS * SECTOR_SIZE;
		uint64_t cyls = (d->size + per_cyl - 1) / per_cyl;

		d->cylinders = cyls < 1 ? 1 : cyls > HD_MAX_CYLINDERS ? HD_MAX_CYLINDERS : (unsigned)cyls;
		d->heads = HD_HEADS;
		d->sectors_per_track = HD_SECTORS;
	}
}

int disk_open(struct disk *d, const char *path, bool floppy, bool writable, char *err)
{
	struct stat st;
	uint8_t *data;
	int fd;

	memset(d, 0, sizeof(*d));
	d->path = path;
	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return vmm_fail(err, BOOT_FAILED_READ " (%s: %s)", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return vmm_fail(err, BOOT_FAILED_READ " (%s: %s)", path, strerror(errno));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return vmm_fail(err, BOOT_FAILED_READ " (%s: a directory, not a disk image)", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return vmm_fail(err, BOOT_FAILED_READ " (%s: not a regular file)", path);
	}
	if (st.st_size < SECTOR_SIZE) {
		close(fd);
		return vmm_fail(err, BOOT_FAILED_READ " (%s: %lld bytes, less than one %d-byte sector)",
				path, (long long)st.st_size, SECTOR_SIZE);
	}
	data = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, writable ? MAP_SHARED : MAP_PRIVATE,
		    fd, 0);
	close(fd);
	if (data == MAP_FAILED)
		return vmm_fail(err, BOOT_FAILED_READ " (%s: mmap: %s)", path, strerror(errno));
	if (data[BOOT_SIGNATURE_AT] != BOOT_SIGNATURE_0 ||
	    data[BOOT_SIGNATURE_AT + 1] != BOOT_SIGNATURE_1) {
		munmap(data, st.st_size);
		return vmm_fail(err, BOOT_FAILED_SIGNATURE
				" (%s: sector 0 does not end with the signature 55 AA)", path);
	}
	d->data = data;
	d->size = (uint64_t)st.st_size;
	d->floppy = floppy;
	d->drive = floppy ? DRIVE_FLOPPY : DRIVE_HARD_DISK;
	set_geometry(d);
	return 0;
}

void disk_close(struct disk *d)
{
	if (d->data)
		munmap(d->data, d->size);
	d->data = NULL;
}

uint64_t disk_chs_sectors(const struct disk *d)
{
	return (uint64_t)d->cylinders * d->heads * d->sectors_per_track;
}

/* How many of the `len` bytes at byte offset `at` lie inside the image. */
static uint64_t bytes_inside(const struct disk *d, uint64_t at, uint64_t len)
{
	if (at >= d->size)
		return 0;
	return d->size - at < len ? d->size - at : len;
}

void disk_read(const struct disk *d, uint64_t lba, unsigned count, uint8_t *dst)
{
	uint64_t len = (uint64_t)count * SECTOR_SIZE;
	uint64_t at = lba * SECTOR_SIZE;
	uint64_t in = lba < d->size / SECTOR_SIZE + 1 ? bytes_inside(d, at, len) : 0;

	if (in)
		memcpy(dst, d->data + at, in);
	memset(dst + in, 0, len - in);
}

void disk_write(struct disk *d, uint64_t lba, unsigned count, const uint8_t *src)
{
	uint64_t len = (uint64_t)count * SECTOR_SIZE;
	uint64_t at = lba * SECTOR_SIZE;
	uint64_t in = lba < d->size / SECTOR_SIZE + 1 ? bytes_inside(d, at, len) : 0;

	if (in)
		memcpy(d->data + at, src, in);
}
