# checks.sh - how lesson 14's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# exercise.c is C: grade.sh compiles it with gcc (its GUEST_CFLAGS: -m32
# -ffreestanding ..., as lesson.mk's KERNEL_CFLAGS) and links it at 1 MiB
# with the lesson's boot code and serial driver. A Multiboot kernel starts
# in protected mode: no ARGS needed. The gdb checks stop at the function
# done(), which the kernel calls once it has counted.

LOAD_ADDR=0x100000
LINK_WITH="boot.asm serial.c"

check_builds 1 "read the first error gcc prints and fix that line"
check_memory 2 region_count 4 2 \
	"count each memory-map entry in region_count, and step to the next with at += e->size + sizeof(e->size)"
check_memory 3 available_kib 4 15999 \
	"add (uint32_t)(e->len >> KIB_SHIFT) to available_kib for the entries whose type is MMAP_AVAILABLE"
check_output 3 exercise-expected.txt \
	"one line per entry: \"  region N: X KiB available\" (or reserved), N from 0"
check_exit 1 0 "kmain must return EXIT_OK"
