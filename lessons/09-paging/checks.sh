# checks.sh - how lesson 09's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# A 64-bit guest at 1 MiB, started in long mode, as lesson.mk builds it.

NASM_FORMAT=elf64
LOAD_ADDR=0x100000

check_builds 1 "read the first error nasm prints and fix that line"
# At done the CPU has used the entry and set its accessed bit (0x20):
# 0x300003 written, 0x300023 read back.
check_memory 3 pt_high 8 0x300023 \
	"pt_high's entry 0 is the physical page plus the flags: mov rax, WINDOW_PHYS + PTE_FLAGS / mov [pt_high], rax"
check_register 3 "done" eax 0x600DF00D \
	"the read at 0x40000000 walks PML4[0] -> PDPT[1] -> pd_high[0] -> pt_high[0]: fill all three new entries"
check_output 2 exercise-expected.txt \
	"a page fault at 0x40000000 means one of the three entries is missing or not present"
check_exit 1 0 "exit code 14 means the page fault handler ran: the window is not mapped yet"
