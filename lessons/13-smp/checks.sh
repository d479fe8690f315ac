# checks.sh - how lesson 13's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# A 64-bit guest linked at 1 MiB, run on four vCPUs, as lesson.mk says.

NASM_FORMAT=elf64
LOAD_ADDR=0x100000
ARGS="--smp 4"

check_builds 1 "read the first error nasm prints and fix that line"
check_memory 3 sum 8 5000 \
	"spin_lock must loop on xchg eax, [lock_word] until the old value is UNLOCKED, and spin_unlock must store UNLOCKED; otherwise additions get lost"
check_register 2 "done" rax 3 \
	"mov eax, 1 / lock xadd [finished], rax leaves the old count in rax; only the CPU that sees NCPUS - 1 may fall through to done"
check_output 3 exercise-expected.txt \
	"the last CPU prints the sum: it must reach done, and the sum must be exact"
check_exit 1 0 "keep the EXIT 0 after the sum is printed"
