# checks.sh - how lesson 06's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# Real mode, ELF32 at 0x7c00: the grader's defaults, nothing to set.

check_builds 1 "read the first error nasm prints and fix that line"
check_register 4 "done" cx 19 \
	"add one to cx for each a, e, i, o, u (after or al, CASE_BIT both cases look alike)"
check_output 3 exercise-expected.txt "the count printed must be 19: see the register check"
check_exit 1 0 "keep the EXIT 0 at the end"
