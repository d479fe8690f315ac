# checks.sh - how lesson 01's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# Real mode, ELF32 at 0x7c00: the grader's defaults, nothing to set.

check_builds 1 "read the first error nasm prints and fix that line"
check_output 3 exercise-expected.txt \
	"the message must be exactly \"Hello from my first guest!\" and a newline (10)"
check_exit 3 3 "after the loop: mov al, 3 then out PORT_EXIT, al"
check_register 3 "done" ecx 27 "add one to ecx for each byte printed (inc ecx after the out)"
