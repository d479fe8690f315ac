# checks.sh - how lesson 03's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# Real mode, ELF32 at 0x7c00: the grader's defaults, nothing to set.

check_builds 1 "read the first error nasm prints and fix that line"
check_register 4 "done" eax 46368 \
	"step (eax, ebx) = (ebx, eax + ebx) N times before done; F(24) = 46368"
check_output 3 exercise-expected.txt "the loop must leave F(24) in eax: done prints it"
check_exit 1 0 "keep the EXIT 0 at the end"
