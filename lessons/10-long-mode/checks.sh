# checks.sh - how lesson 10's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# A 64-bit ELF linked at 0x7c00 and started in real mode, as lesson.mk
# builds and runs the lesson's guests.

NASM_FORMAT=elf64
LOAD_ADDR=0x7c00
ARGS="--mode real"

check_builds 1 "read the first error nasm prints and fix that line"
check_register 2 "done" cr4 0x20 \
	"mov eax, cr4 / or eax, CR4_PAE / mov cr4, eax"
check_register 3 "done" rax 0x500 \
	"preflight prints which setting is missing: CR4.PAE, CR3 = pml4 (mov eax, pml4 / mov cr3, eax) or EFER.LME (mov ecx, MSR_EFER / rdmsr / or eax, EFER_LME / wrmsr)"
check_output 3 exercise-expected.txt \
	"a line starting with preflight: names the setting that is still missing"
check_exit 1 0 "exit code 3 comes from preflight: a setting is missing"
