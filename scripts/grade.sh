#!/usr/bin/env bash
# grade.sh - grade a student's exercise for one lesson: build it, run it in
# kvm-vmm, and award points per check from the lesson's checks.sh.
#
#   scripts/grade.sh [--quiet] [--file PATH | --solutions] NN   one lesson
#   scripts/grade.sh [--quiet] --all [--solutions]   every lesson, as a table
#
# NN is a lesson number (3, 03) or folder name (03-fibonacci). Without --file
# the student's file is lessons/NN-*/exercise.asm (--solutions: the reference
# solution, lessons/NN-*/solution/exercise.asm); a lesson whose exercise is
# in C has exercise.c instead, compiled with gcc and linked with the files
# its checks.sh names in LINK_WITH. The lesson's checks.sh is
# sourced and calls the check functions below; each prints one line
#   [PASS] 2/2  description        or        [FAIL] 0/2  description — hint
# and the last line is "score: X/Y".
#
# Exit status: 0 when every check that ran passed (full marks, or full marks
# but for checks that had to be skipped: they are shown as SKIP and their
# points are not awarded), 1 when a check failed, 2 for bad usage (no such
# lesson, no such file).
#
# Environment: KVM_VMM, the runner to use (default ./kvm-vmm); GRADE_KEEP=1
# keeps the temporary directory (the ELF, outputs, gdb logs) to look into.
# See docs/teaching.md for how to write a checks.sh.

set -u

usage() {
	cat <<'EOF'
usage: scripts/grade.sh [--quiet] [--file PATH | --solutions] NN
       scripts/grade.sh [--quiet] --all [--solutions]

Grade the exercise of lesson NN (default file: lessons/NN-*/exercise.asm,
or exercise.c for a lesson written in C).
  --file PATH   grade this .asm (or .c) instead (a student's copy, or the solution)
  --quiet       print only one line per check and the score
  --all         grade every lesson that has a checks.sh; print a table
  --solutions   grade the reference solution (solution/exercise.asm) instead
EOF
}

die_usage() {
	echo "grade: $*" >&2
	exit 2
}

QUIET=0
ALL=0
SOLUTIONS=0
FILE=""
LESSON_ARG=""
while [ $# -gt 0 ]; do
	case "$1" in
	-q | --quiet) QUIET=1 ;;
	--all) ALL=1 ;;
	--solutions) SOLUTIONS=1 ;;
	--file)
		[ $# -ge 2 ] || die_usage "--file needs a path"
		FILE="$2"
		shift
		;;
	--file=*) FILE="${1#--file=}" ;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die_usage "unknown option $1 (see --help)" ;;
	*)
		[ -z "$LESSON_ARG" ] || die_usage "one lesson at a time (got $LESSON_ARG and $1)"
		LESSON_ARG="$1"
		;;
	esac
	shift
done

# The student's file is relative to where they ran us; everything else is
# relative to the repository root.
if [ -n "$FILE" ]; then
	[ -f "$FILE" ] || die_usage "no such file: $FILE"
	FILE="$(realpath -- "$FILE")"
fi
SELF="$(realpath -- "${BASH_SOURCE[0]}")"
cd "$(dirname -- "$SELF")/.." || die_usage "cannot find the repository root"

VMM="${KVM_VMM:-./kvm-vmm}"
case "$VMM" in
*/*) ;;
*) VMM="./$VMM" ;;
esac

# Colour only on a terminal, never when quiet or piped.
if [ -t 1 ] && [ "$QUIET" = 0 ] && [ -z "${NO_COLOR:-}" ]; then
	C_PASS=$'\e[32m' C_FAIL=$'\e[31m' C_SKIP=$'\e[33m' C_OFF=$'\e[0m'
else
	C_PASS="" C_FAIL="" C_SKIP="" C_OFF=""
fi

# "the lessons are 01-hello, 02-counter, ..."
lesson_list() {
	local d names=""
	for d in lessons/[0-9][0-9]-*/; do
		[ -d "$d" ] || continue
		d="${d%/}"
		names="${names:+$names, }${d#lessons/}"
	done
	echo "${names:-none}"
}

# find_lesson ARG: print lessons/NN-topic for 3, 03 or 03-topic.
find_lesson() {
	local arg="$1" nn d
	case "$arg" in
	[0-9] | [0-9][0-9]) nn="$(printf '%02d' "$((10#$arg))")" ;;
	[0-9][0-9]-*) nn="${arg%%-*}" ;;
	*) die_usage "'$arg' is not a lesson number: the lessons are $(lesson_list)" ;;
	esac
	for d in lessons/"$nn"-*/; do
		if [ -d "$d" ]; then
			echo "${d%/}"
			return 0
		fi
	done
	die_usage "no lesson $arg: the lessons are $(lesson_list)"
}

# --- grade every lesson, as a table ------------------------------------------
if [ "$ALL" = 1 ]; then
	if [ -n "$LESSON_ARG" ] || [ -n "$FILE" ]; then
		die_usage "--all grades every lesson: give no lesson and no --file"
	fi
	what="exercises"
	[ "$SOLUTIONS" = 1 ] && what="reference solutions"
	if [ "$QUIET" = 0 ]; then
		echo "grading the $what of every lesson that has a checks.sh"
		echo
	fi
	printf '| %-22s | %6s | %4s | %-20s |\n' "lesson" "points" "max" "notes"
	printf '|%s|%s|%s|%s|\n' "------------------------" "-------:" "-----:" "----------------------"
	total=0 total_max=0 failed=0 n=0
	for checks in lessons/[0-9][0-9]-*/checks.sh; do
		[ -f "$checks" ] || continue
		dir="$(dirname -- "$checks")"
		name="$(basename -- "$dir")"
		args=(--quiet)
		[ "$SOLUTIONS" = 1 ] && args+=(--solutions)
		out="$("$SELF" "${args[@]}" "$name" 2>&1)"
		status=$?
		score="$(printf '%s\n' "$out" | sed -n 's/^score: \([0-9]*\/[0-9]*\).*/\1/p' | tail -n 1)"
		notes=""
		if [ -z "$score" ]; then
			score="0/0"
			notes="the grader did not finish: $(printf '%s\n' "$out" | tail -n 1)"
			failed=1
		fi
		got="${score%/*}" max="${score#*/}"
		nfail="$(printf '%s\n' "$out" | grep -c '^ *\[FAIL\]')"
		nskip="$(printf '%s\n' "$out" | grep -c '^ *\[SKIP\]')"
		[ "$nfail" -gt 0 ] && notes="${notes:+$notes; }$nfail failed"
		[ "$nskip" -gt 0 ] && notes="${notes:+$notes; }$nskip skipped"
		[ "$status" -ne 0 ] && failed=1
		printf '| %-22s | %6s | %4s | %-20s |\n' "$name" "$got" "$max" "$notes"
		total=$((total + got))
		total_max=$((total_max + max))
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || die_usage "no lesson has a checks.sh yet"
	printf '| %-22s | %6s | %4s | %-20s |\n' "total" "$total" "$total_max" ""
	echo
	echo "score: $total/$total_max"
	[ "$QUIET" = 1 ] || echo "details of one lesson: make check LESSON=NN$([ "$SOLUTIONS" = 1 ] && echo ' SOLUTIONS=1')"
	exit "$failed"
fi

# --- grade one lesson -------------------------------------------------------
[ -n "$LESSON_ARG" ] || {
	usage >&2
	exit 2
}
LESSON_DIR="$(find_lesson "$LESSON_ARG")" || exit 2
LESSON="$(basename -- "$LESSON_DIR")"
CHECKS="$LESSON_DIR/checks.sh"
[ -f "$CHECKS" ] || die_usage "lesson $LESSON has no checks.sh: nothing to grade"
if [ -z "$FILE" ]; then
	ext=asm   # a lesson in C has exercise.c and no exercise.asm
	[ ! -f "$LESSON_DIR/exercise.asm" ] && [ -f "$LESSON_DIR/exercise.c" ] && ext=c
	FILE="$LESSON_DIR/exercise.$ext"
	[ "$SOLUTIONS" = 1 ] && FILE="$LESSON_DIR/solution/exercise.$ext"
	[ -f "$FILE" ] || die_usage "lesson $LESSON has no $FILE"
	FILE="$(realpath -- "$FILE")"
fi
[ -x "$VMM" ] || die_usage "$VMM is not built yet: run make first"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/grade.XXXXXX")" || die_usage "cannot create a temporary directory"
VMM_PID=""
cleanup() {
	if [ -n "$VMM_PID" ]; then
		kill "$VMM_PID" 2>/dev/null
		wait "$VMM_PID" 2>/dev/null
	fi
	if [ -n "${GRADE_KEEP:-}" ]; then
		echo "grade: kept the build, the runs and the gdb logs in $TMP" >&2
	else
		rm -rf -- "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What a checks.sh may set before its first check (defaults here).
NASM_FORMAT=elf32 # elf32 or elf64, as the lesson's guests are built
LOAD_ADDR=0x7c00  # where the guest is linked (0x100000 above real mode)
ARGS=""           # extra kvm-vmm options, e.g. "--mode protected"
STDIN=""          # a file (in the lesson folder) fed to the guest's stdin
TIMEOUT=10        # seconds before a run counts as hung
BREAK_AT="done"   # the label where check_memory reads memory
GDB_TIMEOUT=20    # seconds for one gdb session (to stop at its label)
# A C exercise (exercise.c): how gcc compiles it, and the lesson's files it
# is linked with (boot code, drivers), e.g. LINK_WITH="boot.asm serial.c".
GUEST_CFLAGS="-m32 -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
-fno-asynchronous-unwind-tables -fcf-protection=none -mgeneral-regs-only -nostdlib -g -O0"
LINK_WITH=""
case "$FILE" in
*.c) LANGUAGE=c ;;
*) LANGUAGE=asm ;;
esac

ELF="$TMP/exercise.elf"
SCORE=0
MAX=0
NFAIL=0
NSKIP=0
BUILD_STATE=""  # "", ok or failed
RUN_STATE=""    # "" or done
RUN_STATUS=0
GDB_STATE=""    # "", or unavailable with GDB_SKIP_WHY
GDB_SHOW_LOG=0  # 1: the last gdb session went wrong; show its log

# note TEXT...: an indented detail under a check line (not with --quiet).
note() {
	[ "$QUIET" = 1 ] && return 0
	local line
	for line in "$@"; do
		printf '         %s\n' "$line"
	done
}
# note_file FILE [MAX_LINES]: the first lines of a file, indented.
note_file() {
	[ "$QUIET" = 1 ] && return 0
	sed -n "1,${2:-12}p" -- "$1" | sed 's/^/         | /'
}

# result pass|fail|skip POINTS DESCRIPTION [HINT]: print and count one check.
result() {
	local verdict="$1" points="$2" desc="$3" hint="${4:-}" got=0 tag colour
	MAX=$((MAX + points))
	case "$verdict" in
	pass)
		got="$points" tag="PASS" colour="$C_PASS"
		SCORE=$((SCORE + points))
		;;
	fail) tag="FAIL" colour="$C_FAIL" NFAIL=$((NFAIL + 1)) ;;
	skip) tag="SKIP" colour="$C_SKIP" NSKIP=$((NSKIP + 1)) ;;
	esac
	if [ "$verdict" = pass ] || [ -z "$hint" ]; then
		printf '  %s[%s]%s %s/%s  %s\n' "$colour" "$tag" "$C_OFF" "$got" "$points" "$desc"
	else
		printf '  %s[%s]%s %s/%s  %s — %s\n' "$colour" "$tag" "$C_OFF" "$got" "$points" "$desc" "$hint"
	fi
}

# A mistake in checks.sh itself: stop, it is not the student's fault.
checks_error() {
	echo "grade: $CHECKS: $*" >&2
	exit 2
}

need_points() {
	case "$1" in
	'' | *[!0-9]*) checks_error "$2: POINTS must be a number, got '$1'" ;;
	esac
}

# compile SOURCE OBJECT: one source file into an object, as the Makefile
# does: .c with gcc and GUEST_CFLAGS, anything else with nasm.
compile() {
	local cflags
	case "$1" in
	*.c)
		read -r -a cflags <<<"$GUEST_CFLAGS"
		gcc "${cflags[@]}" -I"$LESSON_DIR"/ -c -o "$2" "$1"
		;;
	*) nasm -f "$NASM_FORMAT" -g -F dwarf -Iguest/ -I"$LESSON_DIR"/ -o "$2" "$1" ;;
	esac
}

# Build the student's file as the Makefile builds a guest, once; a C
# exercise with the LINK_WITH files of its lesson.
ensure_built() {
	[ -n "$BUILD_STATE" ] && return 0
	local bits=elf_i386 objs=() f n=0
	[ "$NASM_FORMAT" = elf64 ] && bits=elf_x86_64
	BUILD_STATE=ok
	: >"$TMP/build.log"
	for f in $LINK_WITH; do
		[ -f "$LESSON_DIR/$f" ] || checks_error "LINK_WITH: no file $LESSON_DIR/$f"
		n=$((n + 1))
		compile "$LESSON_DIR/$f" "$TMP/with$n.o" >>"$TMP/build.log" 2>&1 || BUILD_STATE=failed
		objs+=("$TMP/with$n.o")
	done
	if [ "$BUILD_STATE" = ok ] &&
		compile "$FILE" "$TMP/exercise.o" >>"$TMP/build.log" 2>&1 &&
		ld -m "$bits" -n --build-id=none --defsym=LOAD_ADDR="$LOAD_ADDR" \
			-T guest/guest.ld -o "$ELF" "${objs[@]}" "$TMP/exercise.o" >>"$TMP/build.log" 2>&1; then
		BUILD_STATE=ok
	else
		BUILD_STATE=failed
	fi
}

# What builds the student's file, for messages: "nasm" or "gcc".
build_tool() {
	if [ "$LANGUAGE" = c ]; then echo gcc; else echo nasm; fi
}

# Split ARGS into words (options never contain spaces).
vmm_args() {
	read -r -a VMM_ARGS <<<"$ARGS"
}

stdin_file() {
	if [ -n "$STDIN" ]; then
		echo "$LESSON_DIR/$STDIN"
	else
		echo /dev/null
	fi
}

# Run the guest once; every output/exit check looks at this one run.
ensure_run() {
	[ -n "$RUN_STATE" ] && return 0
	RUN_STATE="done"
	local VMM_ARGS
	vmm_args
	"$VMM" --timeout "$TIMEOUT" "${VMM_ARGS[@]}" "$ELF" \
		<"$(stdin_file)" >"$TMP/run.out" 2>"$TMP/run.err"
	RUN_STATUS=$?
}

# Why a run ended, for the student.
explain_status() {
	case "$1" in
	124) echo "your program was stopped after ${TIMEOUT} s: an endless loop?" ;;
	1 | 2)
		# kvm-vmm says why on stderr for a guest fault (1) or a refusal (2);
		# with nothing there, the guest itself exited with that code.
		if [ ! -s "$TMP/run.err" ]; then
			echo "your program exited with code $1"
		elif [ "$1" = 1 ]; then
			echo "your program crashed the virtual CPU: $(head -n 1 "$TMP/run.err")"
		else
			echo "kvm-vmm refused to run it: $(head -n 1 "$TMP/run.err")"
		fi
		;;
	0) echo "your program ended with status 0 (hlt, or exit code 0)" ;;
	*) echo "your program exited with code $1" ;;
	esac
}

# show_build_errors: nasm's (gcc's) and ld's complaints, once, under a check line.
BUILD_LOG_SHOWN=0
show_build_errors() {
	[ "$BUILD_LOG_SHOWN" = 1 ] && return 0
	BUILD_LOG_SHOWN=1
	note_file "$TMP/build.log" 10
}

# not_built POINTS DESCRIPTION: the common start of every check but
# check_builds. True (and the check fails) when the program does not build.
not_built() {
	ensure_built
	if [ "$BUILD_STATE" != ok ]; then
		result fail "$1" "$2" "your program does not build: fix the first $(build_tool) error"
		show_build_errors
		return 0
	fi
	return 1
}

# --- the checks a checks.sh calls ---------------------------------------------

# check_builds POINTS "hint": the file assembles (C: compiles) and links.
check_builds() {
	need_points "${1:-}" check_builds
	local points="$1" hint="${2:-read the first error $(build_tool) prints}" desc
	desc="$(basename -- "$FILE") assembles and links"
	[ "$LANGUAGE" = c ] && desc="$(basename -- "$FILE") compiles, assembles and links"
	ensure_built
	if [ "$BUILD_STATE" = ok ]; then
		result pass "$points" "$desc"
	else
		result fail "$points" "$desc" "$hint"
		show_build_errors
	fi
}

# check_output POINTS FILE "hint": stdout equals FILE (in the lesson folder).
check_output() {
	need_points "${1:-}" check_output
	[ $# -ge 2 ] || checks_error "check_output POINTS FILE [HINT]"
	local points="$1" expected="$LESSON_DIR/$2" hint="${3:-}"
	local desc="output is exactly $2"
	[ -f "$expected" ] || checks_error "check_output: no file $expected"
	not_built "$points" "$desc" && return
	ensure_run
	if cmp -s -- "$expected" "$TMP/run.out"; then
		result pass "$points" "$desc"
	else
		result fail "$points" "$desc" "$hint"
		[ "$RUN_STATUS" = 124 ] || [ "$RUN_STATUS" = 1 ] && note "$(explain_status "$RUN_STATUS")"
		if [ "$QUIET" = 0 ]; then
			diff -u --label expected --label "your output" -- "$expected" "$TMP/run.out" \
				>"$TMP/diff" 2>&1
			note_file "$TMP/diff" 14
		fi
	fi
}

# check_output_contains POINTS "text" "hint": stdout contains text.
check_output_contains() {
	need_points "${1:-}" check_output_contains
	[ $# -ge 2 ] || checks_error "check_output_contains POINTS TEXT [HINT]"
	local points="$1" text="$2" hint="${3:-}" out
	local desc="output contains \"$text\""
	not_built "$points" "$desc" && return
	ensure_run
	out="$(cat -- "$TMP/run.out"; echo x)"
	if [[ "$out" == *"$text"* ]]; then
		result pass "$points" "$desc"
	else
		result fail "$points" "$desc" "$hint"
		note "your output began:"
		note_file "$TMP/run.out" 5
	fi
}

# check_exit POINTS CODE "hint": kvm-vmm's exit status (the guest's exit code).
check_exit() {
	need_points "${1:-}" check_exit
	[ $# -ge 2 ] || checks_error "check_exit POINTS CODE [HINT]"
	local points="$1" code="$2" hint="${3:-}"
	local desc="exit status is $code"
	not_built "$points" "$desc" && return
	ensure_run
	if [ "$RUN_STATUS" = "$code" ]; then
		result pass "$points" "$desc"
	else
		result fail "$points" "$desc" "$hint"
		note "$(explain_status "$RUN_STATUS")"
	fi
}

# symbol_address LABEL[+N|-N]: print its address (hex), from the ELF's symbols.
symbol_address() {
	local expr="$1" label offset=0 addr
	case "$expr" in
	*+*) label="${expr%%+*}" offset="${expr#*+}" ;;
	*-*) label="${expr%%-*}" offset="-${expr#*-}" ;;
	*) label="$expr" ;;
	esac
	addr="$(nm -- "$ELF" 2>/dev/null | awk -v l="$label" '$3 == l { print $1; exit }')"
	[ -n "$addr" ] || return 1
	printf '0x%x\n' "$((16#$addr + offset))"
}

# gdb_value LABEL GDB-COMMAND: run the guest under the stub, stop at LABEL,
# run the command, and set GDB_VALUE to the number it printed. Returns 0, or
# 1 (GDB_WHY says why) or 2 (skip: GDB_WHY says what is missing).
gdb_value() {
	local label="$1" cmd="$2" addr port="" i status VMM_ARGS
	GDB_VALUE="" GDB_WHY="" GDB_SHOW_LOG=0
	if [ "$GDB_STATE" = unavailable ]; then
		GDB_WHY="$GDB_SKIP_WHY"
		return 2
	fi
	if ! command -v gdb >/dev/null 2>&1; then
		GDB_STATE=unavailable GDB_SKIP_WHY="gdb is not installed (make deps)"
		GDB_WHY="$GDB_SKIP_WHY"
		return 2
	fi
	if ! addr="$(symbol_address "$label")"; then
		GDB_WHY="there is no label $label in your program"
		return 1
	fi
	vmm_args
	: >"$TMP/gdb-vmm.err"
	"$VMM" --gdb 0 --timeout "$((TIMEOUT + GDB_TIMEOUT))" "${VMM_ARGS[@]}" "$ELF" \
		<"$(stdin_file)" >"$TMP/gdb-vmm.out" 2>"$TMP/gdb-vmm.err" &
	VMM_PID=$!
	for ((i = 0; i < 100; i++)); do
		port="$(sed -n 's/.*gdb: listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
			"$TMP/gdb-vmm.err" | head -n 1)"
		[ -n "$port" ] && break
		kill -0 "$VMM_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$port" ]; then
		if kill -0 "$VMM_PID" 2>/dev/null; then
			kill "$VMM_PID" 2>/dev/null
			wait "$VMM_PID" 2>/dev/null
			VMM_PID=""
			GDB_WHY="kvm-vmm --gdb did not say which port it listens on"
			return 1
		fi
		wait "$VMM_PID"
		status=$?
		VMM_PID=""
		if [ "$status" = 2 ]; then
			# A usage error before listening: this kvm-vmm has no GDB stub.
			GDB_STATE=unavailable
			GDB_SKIP_WHY="the GDB stub is not available ($(head -n 1 "$TMP/gdb-vmm.err"))"
			GDB_WHY="$GDB_SKIP_WHY"
			return 2
		fi
		GDB_WHY="kvm-vmm --gdb exited with status $status before gdb could connect"
		return 1
	fi
	timeout "$GDB_TIMEOUT" gdb -batch -nx "$ELF" \
		-ex "target remote :$port" \
		-ex "break *$addr" \
		-ex continue \
		-ex "$cmd" >"$TMP/gdb.log" 2>&1 </dev/null
	status=$?
	kill "$VMM_PID" 2>/dev/null
	wait "$VMM_PID" 2>/dev/null
	VMM_PID=""
	# Only a value read while stopped at the breakpoint counts: without a
	# live target gdb would read the ELF file instead of guest memory.
	# With several vCPUs (--smp) gdb says "Thread N hit Breakpoint 1, ".
	if grep -Eq '^(Thread [0-9]+ hit )?Breakpoint 1, ' "$TMP/gdb.log"; then
		# "$1 = 0x2a" (print) or "0x7c40 <result>:\t0x0000002a" (x).
		GDB_VALUE="$(sed -n -e 's/^\$[0-9][0-9]* = \(-\{0,1\}0x[0-9a-fA-F][0-9a-fA-F]*\)$/\1/p' \
			-e 's/^0x[0-9a-fA-F]*\( <[^>]*>\)\{0,1\}:[[:space:]]*\(0x[0-9a-fA-F][0-9a-fA-F]*\)[[:space:]]*$/\2/p' \
			"$TMP/gdb.log" | tail -n 1)"
		[ -n "$GDB_VALUE" ] && return 0
		GDB_WHY="gdb stopped at $label but could not read the value"
	elif grep -q 'exited with code\|exited normally' "$TMP/gdb.log"; then
		GDB_WHY="your program ended without reaching $label"
		return 1
	elif [ "$status" = 124 ]; then
		GDB_WHY="gdb did not stop at $label within ${GDB_TIMEOUT} s: an endless loop before it?"
		return 1
	else
		GDB_WHY="gdb did not stop at $label"
	fi
	GDB_SHOW_LOG=1
	return 1
}

# gdb_log_note: after a check's line, what gdb said when it went wrong.
gdb_log_note() {
	if [ "$GDB_SHOW_LOG" = 1 ]; then
		note "gdb said:"
		note_file "$TMP/gdb.log" 8
	fi
}

# is_number VALUE: decimal (42, -1) or hexadecimal (0x2a).
is_number() {
	[[ "$1" =~ ^-?(0[xX][0-9a-fA-F]+|[0-9]+)$ ]]
}
# to_int VALUE: as a shell integer (decimal with leading zeros is not octal).
to_int() {
	local v="$1" sign=1
	if [ "${v:0:1}" = - ]; then
		sign=-1 v="${v:1}"
	fi
	case "$v" in
	0[xX]*) echo "$((sign * 16#${v:2}))" ;;
	*) echo "$((sign * 10#$v))" ;;
	esac
}
same_number() {
	[ "$(to_int "$1")" = "$(to_int "$2")" ]
}

# judge_gdb_value STATUS POINTS DESC HINT WANT WHAT AT: score what
# gdb_value (returning STATUS) read into GDB_VALUE: 2 = the stub is not
# there (skip), 1 = gdb could not read it (fail), else compare with WANT;
# a wrong value is reported as "WHAT was ... at AT".
judge_gdb_value() {
	local r="$1" points="$2" desc="$3" hint="$4" want="$5" what="$6" at="$7"
	if [ "$r" = 2 ]; then
		result skip "$points" "$desc" "$GDB_WHY"
	elif [ "$r" = 1 ]; then
		result fail "$points" "$desc" "${hint:+$hint; }$GDB_WHY"
		gdb_log_note
	elif same_number "$GDB_VALUE" "$want"; then
		result pass "$points" "$desc"
	else
		result fail "$points" "$desc" "$hint"
		note "$what was $GDB_VALUE ($(to_int "$GDB_VALUE")) at $at"
	fi
}

# check_register POINTS LABEL REG VALUE "hint": when the guest reaches LABEL,
# register REG (a gdb name: eax, cx, al, ...) holds VALUE.
check_register() {
	need_points "${1:-}" check_register
	[ $# -ge 4 ] || checks_error "check_register POINTS LABEL REG VALUE [HINT]"
	local points="$1" label="$2" reg="$3" value="$4" hint="${5:-}"
	is_number "$value" || checks_error "check_register: VALUE must be a number, got '$value'"
	local desc="$reg = $value at label $label"
	not_built "$points" "$desc" && return
	gdb_value "$label" "p/x \$$reg"
	judge_gdb_value $? "$points" "$desc" "$hint" "$value" "$reg" "$label"
}

# check_memory POINTS ADDR_OR_LABEL SIZE VALUE "hint": when the guest reaches
# the label BREAK_AT (default done), the SIZE-byte (1, 2, 4, 8) little-endian
# value at ADDR_OR_LABEL (0x7e00, result, result+4) is VALUE.
check_memory() {
	need_points "${1:-}" check_memory
	[ $# -ge 4 ] || checks_error "check_memory POINTS ADDR_OR_LABEL SIZE VALUE [HINT]"
	local points="$1" where="$2" size="$3" value="$4" hint="${5:-}" unit addr
	case "$size" in
	1) unit=b ;;
	2) unit=h ;;
	4) unit=w ;;
	8) unit=g ;;
	*) checks_error "check_memory: SIZE is 1, 2, 4 or 8 bytes, got '$size'" ;;
	esac
	is_number "$value" || checks_error "check_memory: VALUE must be a number, got '$value'"
	local desc="$size-byte value at $where = $value at label $BREAK_AT"
	not_built "$points" "$desc" && return
	if is_number "$where"; then
		addr="$where"
	elif ! addr="$(symbol_address "$where")"; then
		result fail "$points" "$desc" "${hint:+$hint; }there is no label ${where%%[+-]*} in your program"
		return
	fi
	gdb_value "$BREAK_AT" "x/1x$unit $addr"
	judge_gdb_value $? "$points" "$desc" "$hint" "$value" "$where" "$BREAK_AT"
}

# --- grade ------------------------------------------------------------------
if [ "$QUIET" = 0 ]; then
	shown="$FILE"
	case "$FILE" in "$PWD"/*) shown="${FILE#"$PWD"/}" ;; esac
	echo "grading $shown for lesson $LESSON"
fi
# shellcheck source=/dev/null
. "./$CHECKS"
# A checks.sh that never called check_builds still needs a built program.
ensure_built
if [ "$MAX" = 0 ]; then
	checks_error "it awarded no points: call check_builds, check_output, ..."
fi
if [ "$QUIET" = 0 ] && [ "$NSKIP" -gt 0 ]; then
	echo "  ($NSKIP check(s) skipped: their points are not awarded on this machine)"
fi
echo "score: $SCORE/$MAX"
[ "$NFAIL" = 0 ]
