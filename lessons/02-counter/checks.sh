# checks.sh - how lesson 02's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# Real mode, ELF32 at 0x7c00: the grader's defaults, nothing to set.

check_builds 1 "read the first error nasm prints and fix that line"
check_output 4 exercise-expected.txt \
	"start at '9' and loop down while bl >= '0' (dec bl, cmp bl, '0', jae count)"
check_memory 3 printed 2 10 "add one to the word at [printed] for each digit (inc word [printed])"
