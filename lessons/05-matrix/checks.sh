# checks.sh - how lesson 05's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# Real mode, ELF32 at 0x7c00: the grader's defaults, nothing to set.

check_builds 1 "read the first error nasm prints and fix that line"
check_output 4 exercise-expected.txt \
	"result[i] is the sum over k of matrix[i][k] * vector[k]: 1*3 + 2*1 + 3*2 = 11 for row 0"
# Read at the label done (BREAK_AT, the default); result is an array of words.
check_memory 2 result 2 11 "result[0] = 1*3 + 2*1 + 3*2 = 11"
check_memory 2 result+4 2 47 "result[2] = 7*3 + 8*1 + 9*2 = 47: is si stepping along row 2?"
