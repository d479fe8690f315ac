# checks.sh - how lesson 08's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# Starts in real mode, ELF32 at 0x7c00 (the defaults): the guest switches to
# protected mode itself.

check_builds 1 "read the first error nasm prints and fix that line"
# At done the CPU has set the accessed bit (access byte 0x92 -> 0x93) in the
# descriptor it loaded into FS: it writes to the GDT itself.
check_memory 3 gdt_window 8 0x00CF93200000FFFF \
	"copy gdt_data and put the base 0x00200000 in it: base bits 16-23 are byte 4 (0x20), bits 24-31 byte 7"
check_register 2 "done" fs 0x18 \
	"after the far jump: mov ax, WINDOW_SEL / mov fs, ax"
check_output 3 exercise-expected.txt \
	"with FS = 0x18 and base 0x200000, fs:0 is linear 0x200000: eax reads MAGIC back"
check_exit 1 0 "keep the EXIT 0 at the end"
