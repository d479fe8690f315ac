# checks.sh - how lesson 11's exercise is graded: sourced by scripts/grade.sh,
# which provides the check_* functions (see docs/teaching.md).
# A 64-bit guest linked at 1 MiB, as lesson.mk builds it; it needs the
# interrupt hardware of --irqchip and reads its keys from exercise-input.txt.
# The solution ends in a few milliseconds (1 s without the EOI): an endless
# #UD loop is stopped sooner than the default 10 s.
NASM_FORMAT=elf64
LOAD_ADDR=0x100000
ARGS="--irqchip"
STDIN=exercise-input.txt
TIMEOUT=5
GDB_TIMEOUT=10

check_builds 1 "read the first error nasm prints and fix that line"
check_memory 3 ud_count 4 3 \
	"install the #UD gate (vector 6) in idt_setup; in ud_handler add 1 to ud_count and UD2_LEN to the saved RIP at [rsp] before iretq"
check_memory 3 nkeys 4 8 \
	"every key of \"hi there\" must reach keyboard_handler: end it with an EOI (PIC_EOI to port PIC1_CMD), or the PIC never sends the second key"
check_output 2 exercise-expected.txt \
	"a crash right after \"executing ud2\" is a missing #UD gate; \"got 1 keys\" is a missing EOI"
check_exit 1 0 "keep the EXIT 0 at the end; status 1 is a crash (a triple fault), 124 an endless #UD loop"
