# checks.sh - how lesson 04's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# Real mode, ELF32 at 0x7c00: the grader's defaults, nothing to set.

check_builds 1 "read the first error nasm prints and fix that line"
check_output 4 exercise-expected.txt \
	"each line is \"7 x N = P\" and a newline, for N = 1 to 10: mind the spaces"
check_exit 1 0 "keep the EXIT 0 after the loop"
# Read at the label done (BREAK_AT, the default).
check_memory 2 products 1 7 "store each product's low byte at [products + bx - 1], bx = cx"
check_memory 2 products+9 1 70 "the last product, 7 x 10 = 70, goes to products[9]"
