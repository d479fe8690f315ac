# checks.sh - how lesson 07's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# Real mode, ELF32 at 0x7c00 (the defaults); the guest reads its stdin.

STDIN=exercise-input.txt        # 12, 7, 30 and 100 (no newline at the very end)

check_builds 1 "read the first error nasm prints and fix that line"
check_register 3 "done" esi 149 \
	"build each number digit by digit (edi = edi * 10 + digit) and add it to esi in end_number"
check_output 3 exercise-expected.txt \
	"at done: mov ebx, esi / HYPERCALL HC_PUTNUM, then bl = 10 / HYPERCALL HC_PUTCHAR"
check_exit 2 4 "count each number in ebp (inc ebp in end_number), then mov ebx, ebp / HYPERCALL HC_EXIT"
