# checks.sh - how lesson 12's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# A 64-bit guest linked at 1 MiB, as lesson.mk builds it. gdb stops only in
# ring 0 on this host, so every gdb check is at a kernel label.

NASM_FORMAT=elf64
LOAD_ADDR=0x100000

check_builds 1 "read the first error nasm prints and fix that line"
check_register 3 "sys_report" rdi 333833500 \
	"in user_main, add rcx * rcx to rbx for rcx = 1..1000, then mov eax, SYS_REPORT / mov rdi, rbx / int VEC_SYSCALL"
check_memory 3 reported 8 333833500 \
	"sys_report must keep the value: mov [reported], rdi"
check_output 2 exercise-expected.txt \
	"sys_report prints \"kernel: the program reported \", PUTNUM edi, then a newline"
check_exit 1 0 "keep the exit(0) system call at the end of user_main"
