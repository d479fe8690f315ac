#!/usr/bin/env bash
# run.sh - the benchmark harness behind `make bench`: runs every case side by
# side on this host, checks each one's output once, times repeated runs and
# prints one Markdown table (median, min, max, ratio, target) after a
# description of the host. Progress goes to stderr; the report goes to
# stdout and to $BENCH_OUT/results.md.
#
# Rows: 1 start-up, 2 exit cost, 3 compute, 4 debugging, 5 memory,
# 6 scaling, 7 PC boot (docs/performance.md says what each one shows).
#
# Run it through `make bench` (or `make bench QUICK=1`), which builds the
# guests and programs in $BENCH_OUT and passes the workload sizes.
set -u -o pipefail

: "${BENCH_OUT:?run me through make bench}" "${BENCH_EXITS:?}" "${BENCH_SCALE_EXITS:?}"
: "${BENCH_FIB_RING3:?}" "${BENCH_FIB_RING0:?}"
QUICK=${QUICK:-}
BENCH_ROWS=${BENCH_ROWS:-1 2 3 4 5 6 7}   # e.g. BENCH_ROWS=4: only the debugging row
VMM=${KVM_VMM:-./kvm-vmm}
OUT=$BENCH_OUT

# Timed runs per case. Slow cases (QEMU booting its BIOS under KVM, gdb
# sessions) get fewer; SCALE_ROUNDS is for row 6.
if [ "$QUICK" = 1 ]; then
	RUNS=3
	RUNS_SLOW=1
	SCALE_ROUNDS=2
	WARMUP=0
else
	RUNS=10
	RUNS_SLOW=3
	SCALE_ROUNDS=5
	WARMUP=1
fi
STEPS=2000                       # row 4: stepi per gdb session
SCALE_GUESTS="1 2 4 8 16"        # row 6: guests per kvm-vmm process
OUTS_PER_LINE=100                # bench/exits.asm prints lines of 100 bytes
QEMU_EXIT_OK=1                   # isa-debug-exit: status (code << 1) | 1, code 0
CHECK_TIMEOUT=120                # seconds for one checking run
GDB_TIMEOUT=120                  # seconds for one gdb session
LISTEN_WAIT=10                   # seconds to wait for kvm-vmm's "gdb: listening"
RSS_TARGET_KIB=4096              # row 5 target: 4 MiB
STARTUP_TARGET=50                # row 1 target: kvm-vmm this many times faster than TCG
PCBOOT_TARGET=50                 # row 7 target: the same for a disk boot through a BIOS
EXIT_TARGET=1.10                 # row 2 target: kvm-vmm / floor
COMPUTE_TARGET=1.10              # row 3 target: ring 3 / native

QEMU_ARGS="-debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=1 -display none -nodefaults"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

log() { printf 'bench: %s\n' "$*" >&2; }

# ---- numbers -----------------------------------------------------------------

# stats FILE: "median min max" of the numbers in FILE, one per line.
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.9g %.9g %.9g\n", m, v[1], v[NR] }'
}

# scale FILE OFFSET DIVISOR: each number x of FILE as (x - OFFSET) / DIVISOR.
scale() {
	awk -v o="$2" -v d="$3" '{ printf "%.9g\n", ($1 - o) / d }' "$1"
}

# calc EXPR: evaluate an awk expression.
calc() { awk "BEGIN { printf \"%.9g\\n\", $1 }"; }

# fmt_time SECONDS: three significant digits in s, ms, µs or ns.
fmt_time() {
	awk -v t="$1" 'function sig(v) {
		if (v >= 100) return sprintf("%.0f", v)
		if (v >= 10) return sprintf("%.1f", v)
		return sprintf("%.2f", v) }
	BEGIN {
		a = t < 0 ? -t : t
		if (a >= 1) print sig(t) " s"
		else if (a >= 1e-3) print sig(t * 1e3) " ms"
		else if (a >= 1e-6) print sig(t * 1e6) " µs"
		else print sig(t * 1e9) " ns" }'
}

# fmt_mib KIB: KiB as MiB with two decimals.
fmt_mib() { awk -v k="$1" 'BEGIN { printf "%.2f MiB", k / 1024 }'; }

# fmt_ratio X: "1.23×" (three significant digits).
fmt_ratio() {
	awk -v r="$1" 'BEGIN {
		if (r >= 100) printf "%.0f×", r
		else if (r >= 10) printf "%.1f×", r
		else printf "%.2f×", r }'
}

# ---- the table -----------------------------------------------------------------

ROWS=()                          # table lines, printed at the end
LAST_NUM=""

# row NUM BENCHMARK CASE MEDIAN MIN MAX RATIO NOTE: one table line; the
# benchmark is named on the first line of its row only.
row() {
	local what=$2
	[ "$1" = "$LAST_NUM" ] && what=""
	LAST_NUM=$1
	ROWS+=("| $1 | $what | $3 | $4 | $5 | $6 | $7 | $8 |")
}

# row_na NUM BENCHMARK CASE REASON
row_na() { row "$1" "$2" "$3" "n/a ($4)" "" "" "" ""; }

# result NUM BENCHMARK CASE LABEL UNIT REF NOTE [TARGET CONDITION]: the line
# of a measured case from the numbers in $WORK/CASE.val (one per run, in
# UNIT: "s" or "KiB"): median, min, max, and the ratio of the median to REF
# ("=" for the reference itself, empty for none). With TARGET, the note
# starts with "TARGET: met" or "missed" by the awk CONDITION on m (the
# median) and r (the ratio). Leaves the median in MEDIAN (empty if n/a).
result() {
	local num=$1 what=$2 name=$3 label=$4 unit=$5 ref=$6 note=$7
	local target=${8:-} cond=${9:-} m lo hi r="" fmt=fmt_time verdict
	MEDIAN=""
	note=${note#; }
	if ! ok "$name"; then
		row_na "$num" "$what" "$label" "${REASON_OF[$name]:-not measured}"
		return
	fi
	[ "$unit" = KiB ] && fmt=fmt_mib
	read -r m lo hi < <(stats "$WORK/$name.val")
	MEDIAN=$m
	if [ "$ref" = "=" ]; then
		r=1
	elif [ -n "$ref" ]; then
		r=$(calc "$m / $ref")
	fi
	if [ -n "$target" ] && [ -n "$r" ]; then
		verdict=$(awk -v m="$m" -v r="$r" "BEGIN { print ($cond) ? \"**met**\" : \"**missed**\" }")
		note="$target: $verdict${note:+; $note}"
	fi
	row "$num" "$what" "$label" "$("$fmt" "$m")" "$("$fmt" "$lo")" "$("$fmt" "$hi")" \
		"${r:+$(fmt_ratio "$r")}" "$note"
}

# ---- running things ------------------------------------------------------------

# A case is one command to check and time. CMD[name] is its command line
# (no argument has spaces: hyperfine splits it as a shell would),
# SAMPLES[name] how many timed runs it gets, REASON_OF[name] why it is n/a.
declare -A CMD SAMPLES REASON_OF

# add_case NAME STATUS WANT_FILE RUNS CMD...: declare a case and run it
# once (check) to compare its exit status and stdout with what it must give.
add_case() {
	local name=$1 status=$2 want=$3 runs=$4
	shift 4
	CMD[$name]="$*"
	SAMPLES[$name]=$runs
	REASON_OF[$name]=""
	check "$name" "$status" "$want" "$@" || REASON_OF[$name]=$REASON
}

# ok NAME: the case exists and passed its check.
ok() { [ -n "${CMD[$1]:-}" ] && [ -z "${REASON_OF[$1]:-}" ]; }

# check NAME EXPECTED_STATUS EXPECTED_OUTPUT_FILE CMD...: run CMD once and
# compare its status and stdout. On failure sets REASON and returns 1.
# The run is also a sample: its wall time goes to $WORK/NAME.check.wall and
# its peak RSS (KiB) to $WORK/NAME.check.rss.
check() {
	local name=$1 want_status=$2 want_out=$3 status t0
	shift 3
	t0=$EPOCHREALTIME
	/usr/bin/time -v -o "$WORK/$name.check.time" timeout "$CHECK_TIMEOUT" "$@" \
		> "$WORK/$name.out" 2> "$WORK/$name.err" < /dev/null
	status=$?
	calc "$EPOCHREALTIME - $t0" > "$WORK/$name.check.wall"
	rss_of "$WORK/$name.check.time" > "$WORK/$name.check.rss"
	if [ "$status" = 124 ]; then
		REASON="no exit within $CHECK_TIMEOUT s"
	elif [ "$status" != "$want_status" ]; then
		REASON="exit status $status: $(head -c 120 "$WORK/$name.err" | tr '\n|' '  ')"
	elif ! cmp -s "$want_out" "$WORK/$name.out"; then
		REASON="wrong output"
	else
		return 0
	fi
	log "$name: $REASON"
	return 1
}

# time_cases NAME...: time the cases that passed their check, in rounds:
# each round runs each case once with hyperfine (no shell, output to
# /dev/null), so that a change in the machine's load hits every case
# alike. A first round warms up (not in QUICK mode, not for slow cases). A
# case takes part in its first SAMPLES rounds; with SAMPLES = 1 its
# checking run is the sample. Each run's wall time, in seconds, goes to
# $WORK/NAME.val, its CPU time (user + system, all threads) to
# $WORK/NAME.cpu.
time_cases() {
	local name round rounds=0
	for name; do
		ok "$name" || continue
		: > "$WORK/$name.val"
		: > "$WORK/$name.cpu"
		[ "${SAMPLES[$name]}" -gt "$rounds" ] && rounds=${SAMPLES[$name]}
	done
	log "timing $* ($rounds rounds)"
	for ((round = -WARMUP; round < rounds; round++)); do
		for name; do
			ok "$name" || continue
			if [ "${SAMPLES[$name]}" = 1 ]; then
				[ "$round" = 0 ] && cp "$WORK/$name.check.wall" "$WORK/$name.val"
				continue
			fi
			[ "$round" -lt "${SAMPLES[$name]}" ] || continue
			[ "$round" -lt 0 ] && [ "${SAMPLES[$name]}" -lt "$RUNS" ] && continue
			if ! hyperfine -N -i --style none --output null --runs 1 \
				--export-json "$WORK/$name.json" "${CMD[$name]}" \
				> /dev/null 2> "$WORK/$name.hf.err"; then
				REASON_OF[$name]="hyperfine failed: $(head -c 100 "$WORK/$name.hf.err" | tr '\n|' '  ')"
				log "$name: ${REASON_OF[$name]}"
				continue
			fi
			[ "$round" -lt 0 ] && continue
			jq -r '.results[0].times[]' "$WORK/$name.json" >> "$WORK/$name.val"
			jq -r '.results[0] | .user + .system' "$WORK/$name.json" >> "$WORK/$name.cpu"
		done
	done
}

# per_unit NAME DIVISOR [OFFSET_CASE]: turn the wall and CPU times of NAME
# into time per unit of work: (run - median of OFFSET_CASE, if given) /
# DIVISOR.
per_unit() {
	local name=$1 div=$2 offset=0 lo hi kind
	ok "$name" || return 0
	if [ -n "${3:-}" ] && ! ok "$3"; then
		REASON_OF[$name]="its fib(0) twin: ${REASON_OF[$3]:-not measured}"
		return 0
	fi
	for kind in val cpu; do
		[ -s "$WORK/$name.$kind" ] || continue
		if [ -n "${3:-}" ]; then
			[ -s "$WORK/$3.$kind" ] || { : > "$WORK/$name.$kind"; continue; }
			read -r offset lo hi < <(stats "$WORK/$3.$kind")
		fi
		scale "$WORK/$name.$kind" "$offset" "$div" > "$WORK/$name.per"
		mv "$WORK/$name.per" "$WORK/$name.$kind"
	done
}

# cpu_note NAME [REF_NAME]: "; CPU time T" (median, per unit as the wall
# times), with its ratio to REF_NAME's; empty without CPU times.
cpu_note() {
	local m lo hi r
	[ -s "$WORK/$1.cpu" ] || return 0
	read -r m lo hi < <(stats "$WORK/$1.cpu")
	printf '; CPU time %s' "$(fmt_time "$m")"
	if [ -n "${2:-}" ] && [ -s "$WORK/$2.cpu" ]; then
		read -r r lo hi < <(stats "$WORK/$2.cpu")
		printf ' (%s)' "$(fmt_ratio "$(calc "$m / $r")")"
	fi
}

# rss_of FILE: the peak RSS (KiB) in the report of /usr/bin/time -v.
rss_of() { awk -F': *' '/Maximum resident set size/ { print $2 }' "$1"; }

# peak_rss NAME RUNS: peak RSS (KiB) of RUNS runs of case NAME, from
# /usr/bin/time -v, to $WORK/NAME.rss.val; its checking run is the first.
peak_rss() {
	local name=$1 runs=$2 i
	if ! ok "$name"; then
		REASON_OF[$name.rss]="does not run here: ${REASON_OF[$name]:-not measured}"
		return
	fi
	log "peak RSS of $name ($runs runs)"
	cp "$WORK/$name.check.rss" "$WORK/$name.rss.val"
	for ((i = 1; i < runs; i++)); do
		# shellcheck disable=SC2086 # CMD is a word list
		/usr/bin/time -v -o "$WORK/$name.time" ${CMD[$name]} > /dev/null 2>&1 < /dev/null
		rss_of "$WORK/$name.time" >> "$WORK/$name.rss.val"
	done
	CMD[$name.rss]=${CMD[$name]}
	REASON_OF[$name.rss]=""
}

host_is_pvm() { [ -d /sys/module/kvm_pvm ]; }

# ---- the host ------------------------------------------------------------------

host_header() {
	local cpu kvm_line exit_line
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	"$VMM" --check-host > "$WORK/check-host" 2>&1
	kvm_line=$(grep -m1 '^host:' "$WORK/check-host" || echo "host: (kvm-vmm --check-host failed)")
	exit_line=$(grep -m1 '^exit round trip' "$WORK/check-host" || true)
	echo "## mini-kvm benchmark"
	echo
	echo "- CPU: $cpu, $(nproc) cores online; Linux $(uname -r)"
	echo "- /dev/kvm ${kvm_line#host: }"
	[ -n "$exit_line" ] && echo "- kvm-vmm --check-host: $exit_line"
	echo "- kvm-vmm $("$VMM" --version | awk '{ print $2 }') (commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- vmm gdbstub 2>/dev/null || echo ', with uncommitted changes in vmm/ or gdbstub/')), $(qemu-system-i386 --version | head -1), $(gdb --version | head -1), $(hyperfine --version)"
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); runs per case: $RUNS (slow cases: $RUNS_SLOW; scaling: $SCALE_ROUNDS)$([ "$QUICK" = 1 ] && echo '; QUICK=1')"
}

# load_average: the 1-minute load average (runnable tasks; compare with the cores).
load_average() { cut -d' ' -f1 /proc/loadavg; }

# ---- row 1: start-up -------------------------------------------------------------

# startup_cases: lesson 01 (with an exit at its end) under kvm-vmm, the
# floor, and QEMU with TCG and with KVM; rows 1 and 5 use them.
startup_cases() {
	local qemu="-drive format=raw,file=$OUT/hello-exit.img $QEMU_ARGS"
	[ -n "${CMD[startup-vmm]:-}" ] && return
	printf 'Hello, KVM!\n' > "$WORK/hello.want"
	add_case startup-vmm 0 "$WORK/hello.want" "$RUNS" "$VMM" "$OUT/hello-exit.elf"
	add_case startup-floor 0 "$WORK/hello.want" "$RUNS" "$OUT/floor" "$OUT/hello-exit.bin"
	# shellcheck disable=SC2086 # word lists
	add_case startup-tcg "$QEMU_EXIT_OK" "$WORK/hello.want" "$RUNS" \
		qemu-system-i386 -accel tcg $qemu
	# shellcheck disable=SC2086
	add_case startup-kvm "$QEMU_EXIT_OK" "$WORK/hello.want" "$RUNS_SLOW" \
		qemu-system-i386 -accel kvm $qemu
}

bench_startup() {
	local what="start-up: lesson 01 to exit, whole process" ref bios
	startup_cases
	time_cases startup-vmm startup-floor startup-tcg startup-kvm
	result 1 "$what" startup-vmm "kvm-vmm" s "=" \
		"reference; ratio = time ÷ kvm-vmm$(cpu_note startup-vmm)"
	ref=$MEDIAN
	result 1 "$what" startup-floor "floor: bench/floor.c, same image" s "$ref" \
		"bare KVM API: the least a KVM process pays here$(cpu_note startup-floor startup-vmm)"
	result 1 "$what" startup-tcg "qemu-system-i386 -accel tcg" s "$ref" \
		"$(cpu_note startup-tcg startup-vmm)" \
		"target kvm-vmm ≥ ${STARTUP_TARGET}× faster" "r >= $STARTUP_TARGET"
	bios="its BIOS runs in ring 0"
	host_is_pvm && bios="$bios, emulated on nested PVM"
	result 1 "$what" startup-kvm "qemu-system-i386 -accel kvm" s "$ref" \
		"$bios$(cpu_note startup-kvm startup-vmm)"
}

# ---- row 2: exit cost ------------------------------------------------------------

bench_exits() {
	local what="exit cost: $BENCH_EXITS \`out\` to 0xE9 (whole process ÷ $BENCH_EXITS)"
	local bin=$OUT/exits-$BENCH_EXITS.bin
	# The expected output: lines of 99 dots and a newline.
	awk -v n="$((BENCH_EXITS / OUTS_PER_LINE))" -v w="$((OUTS_PER_LINE - 1))" 'BEGIN {
		line = sprintf("%" w "s", ""); gsub(/ /, ".", line)
		for (i = 0; i < n; i++) print line }' > "$WORK/exits.want"
	add_case exits-floor 0 "$WORK/exits.want" "$RUNS" "$OUT/floor" "$bin"
	add_case exits-vmm 0 "$WORK/exits.want" "$RUNS" "$VMM" --load-addr 0x7c00 "$bin"
	time_cases exits-floor exits-vmm
	per_unit exits-floor "$BENCH_EXITS"
	per_unit exits-vmm "$BENCH_EXITS"
	result 2 "$what" exits-floor "floor: bench/floor.c, bare KVM API" s "=" \
		"reference; ratio = time ÷ floor$(cpu_note exits-floor)"
	result 2 "$what" exits-vmm "kvm-vmm, the same flat image" s "$MEDIAN" \
		"$(cpu_note exits-vmm exits-floor)" "target ≤ ${EXIT_TARGET}× floor" "r <= $EXIT_TARGET"
}

# ---- row 3: compute --------------------------------------------------------------

# fib N / fib_calls N: fib(N), and the calls the recursive kernel makes.
fib() { awk -v n="$1" 'BEGIN { a = 0; b = 1; for (i = 0; i < n; i++) { t = a + b; a = b; b = t }; print a }'; }
fib_calls() { echo $((2 * $(fib $(($1 + 1))) - 1)); }

# compute_cases NAME N STATUS CMD_FOR_N CMD_FOR_0: a case computing fib(N)
# and its twin NAME-empty, the same vehicle computing fib(0) (start-up,
# set-up and exit: what the case costs besides the work).
compute_cases() {
	local name=$1 n=$2 status=$3
	fib "$n" > "$WORK/fib-$n.want"
	# shellcheck disable=SC2086 # word lists
	add_case "$name" "$status" "$WORK/fib-$n.want" "$RUNS" $4
	# shellcheck disable=SC2086
	add_case "$name-empty" "$status" "$WORK/fib-0.want" "$RUNS" $5
}

bench_compute() {
	local what="compute: recursive fib, time per call (start-up subtracted)"
	local n3=$BENCH_FIB_RING3 n0=$BENCH_FIB_RING0 ref ring0_note
	local native=$OUT/compute_native qemu="qemu-system-x86_64 -accel tcg -drive format=raw,file=$OUT/compute-r3-n"
	local name names=()
	echo 0 > "$WORK/fib-0.want"
	compute_cases native-asm "$n3" 0 "$native asm $n3" "$native asm 0"
	compute_cases native-c "$n3" 0 "$native c $n3" "$native c 0"
	compute_cases ring3 "$n3" 0 "$VMM $OUT/compute-r3-n$n3.elf" "$VMM $OUT/compute-r3-n0.elf"
	compute_cases ring0 "$n0" 0 "$VMM $OUT/compute-r0-n$n0.elf" "$VMM $OUT/compute-r0-n0.elf"
	compute_cases tcg "$n3" "$QEMU_EXIT_OK" "$qemu$n3.img $QEMU_ARGS" "${qemu}0.img $QEMU_ARGS"
	for name in native-asm native-c ring3 ring0 tcg; do names+=("$name" "$name-empty"); done
	time_cases "${names[@]}"
	for name in native-asm native-c ring3 tcg; do
		per_unit "$name" "$(fib_calls "$n3")" "$name-empty"
	done
	per_unit ring0 "$(fib_calls "$n0")" ring0-empty

	result 3 "$what" native-asm "native, the guest's instructions, fib($n3)" s "=" \
		"reference; ratio = time ÷ native$(cpu_note native-asm)"
	ref=$MEDIAN
	result 3 "$what" native-c "native, C (cc -O2), fib($n3)" s "$ref" \
		"the compiler's code, for comparison$(cpu_note native-c native-asm)"
	result 3 "$what" ring3 "kvm-vmm, ring 3, fib($n3)" s "$ref" \
		"$(cpu_note ring3 native-asm)" "target ≤ ${COMPUTE_TARGET}× native" "r <= $COMPUTE_TARGET"
	ring0_note="ring-0 code runs natively on this host"
	host_is_pvm && ring0_note="ring-0 code is emulated on nested PVM"
	result 3 "$what" ring0 "kvm-vmm, ring 0, fib($n0)" s "$ref" \
		"$ring0_note$(cpu_note ring0 native-asm)"
	result 3 "$what" tcg "qemu-system-x86_64 -accel tcg, ring 3, fib($n3)" s "$ref" \
		"the same image as kvm-vmm ring 3$(cpu_note tcg native-asm)"
}

# ---- row 4: debugging --------------------------------------------------------------

# The gdb commands of one session, after `target remote`: STEPS stepi,
# timed inside gdb, then where the guest got to (pc, ax, cx).
gdb_timed_steps() {
	cat <<EOF
python
import time
t = time.perf_counter()
gdb.execute("stepi $STEPS", to_string=True)
print("STEPI_SECONDS %.6f" % (time.perf_counter() - t))
reg = lambda name: int(gdb.parse_and_eval(name))
print("STEPI_STATE pc=0x%x ax=%d cx=%d" % (reg("\$pc"), reg("\$eax") & 0xffff, reg("\$ecx") & 0xffff))
end
kill
EOF
}

# steps_expected: the state bench/steps.asm is in after STEPS instructions:
# two set-up instructions, then loops of inc ax (1 byte), dec cx (1 byte),
# jnz count, starting from cx = STEP_LOOPS.
steps_expected() {
	local count loops k
	count=$(nm "$OUT/steps.elf" | awk '$3 == "count" { print $1 }')
	loops=$(awk '/^%define STEP_LOOPS/ { print $3 }' bench/steps.asm)
	k=$((STEPS - 2))
	printf 'pc=0x%x ax=%d cx=%d\n' $((0x$count + k % 3)) \
		$((k / 3 + (k % 3 >= 1))) $((loops - k / 3 - (k % 3 >= 2)))
}

# free_port: a TCP port nobody listens on now.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

# wait_gone PID: wait for a process of ours to end; kill it after a while.
wait_gone() {
	local pid=$1 i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# gdb_session_vmm: one session against kvm-vmm's stub; prints gdb's output.
# Returns 2 when kvm-vmm rejects --gdb (no stub), 1 on other failures.
gdb_session_vmm() {
	local elf=$OUT/steps.elf pid port="" i
	"$VMM" --gdb 0 "$elf" > /dev/null 2> "$WORK/gdb-vmm.err" < /dev/null &
	pid=$!
	for ((i = 0; i < LISTEN_WAIT * 10; i++)); do
		port=$(sed -n 's/^gdb: listening on [0-9.]*:\([0-9]*\).*/\1/p' "$WORK/gdb-vmm.err" | head -1)
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$port" ]; then
		wait_gone "$pid"
		REASON="$(head -c 100 "$WORK/gdb-vmm.err" | tr '\n|' '  ')"
		grep -q -- '--gdb' "$WORK/gdb-vmm.err" && return 2
		return 1
	fi
	gdb_timed_steps > "$WORK/gdb.cmds"
	timeout "$GDB_TIMEOUT" gdb -nx -batch -q "$elf" -ex "target remote 127.0.0.1:$port" \
		-x "$WORK/gdb.cmds" 2>&1
	wait_gone "$pid"
}

# gdb_session_qemu: the same against QEMU's gdbstub (TCG); QEMU starts in
# its BIOS, so gdb first runs to the guest's entry: the boot sector runs at
# 0x7c00 first, the guest it loads there second.
gdb_session_qemu() {
	local elf=$OUT/steps.elf img=$OUT/steps.img port pid
	port=$(free_port)
	# shellcheck disable=SC2086 # QEMU_ARGS is a word list
	qemu-system-i386 -accel tcg -drive "format=raw,file=$img" $QEMU_ARGS \
		-gdb "tcp:127.0.0.1:$port" -S > /dev/null 2> "$WORK/gdb-qemu.err" < /dev/null &
	pid=$!
	gdb_timed_steps > "$WORK/gdb.cmds"
	timeout "$GDB_TIMEOUT" gdb -nx -batch -q "$elf" \
		-ex "target remote 127.0.0.1:$port" -ex "break *0x7c00" -ex continue -ex continue \
		-ex "delete" -x "$WORK/gdb.cmds" 2>&1
	wait_gone "$pid"
}

# gdb_sample NAME: one session of case NAME (gdb-qemu or gdb-vmm): the
# seconds its STEPS stepi took go to $WORK/NAME.val, the state it reached to
# $WORK/NAME.state. On failure the case gets its REASON_OF.
gdb_sample() {
	local name=$1 rc
	REASON=""
	"gdb_session_${name#gdb-}" > "$WORK/$name.log"
	rc=$?
	if [ "$rc" = 2 ]; then
		REASON_OF[$name]="stub not available"
	elif ! grep -q '^STEPI_SECONDS' "$WORK/$name.log"; then
		REASON_OF[$name]=${REASON:-"gdb session failed: $(grep -v '^$' "$WORK/$name.log" | tail -1 | head -c 100 | tr '|' ' ')"}
		cp "$WORK/$name.log" "$OUT/$name.failed.log"   # kept for a look
	else
		awk '/^STEPI_SECONDS/ { print $2 }' "$WORK/$name.log" >> "$WORK/$name.val"
		sed -n 's/^STEPI_STATE //p' "$WORK/$name.log" >> "$WORK/$name.state"
		return
	fi
	log "$name: ${REASON_OF[$name]}"
}

# steps_note NAME: empty if every session of NAME ended where STEPS steps
# lead, else how many did not and where they ended.
steps_note() {
	local want wrong
	ok "$1" || return 0
	want=$(steps_expected)
	wrong=$(grep -cvxF "$want" "$WORK/$1.state")
	[ "$wrong" = 0 ] && return
	log "$1: sessions ended at: $(sort "$WORK/$1.state" | uniq -c | tr '\n' ';') expected $want"
	printf '**%s of %s sessions did not end at %s** (but at %s)' "$wrong" \
		"$(wc -l < "$WORK/$1.state")" "$want" \
		"$(grep -vxF "$want" "$WORK/$1.state" | sort -u | head -2 | tr '\n' ' ')"
}

bench_gdb() {
	local what="debugging: gdb -batch, $STEPS \`stepi\` (time per stepi, inside gdb)"
	local name round note
	for name in gdb-qemu gdb-vmm; do
		CMD[$name]="a gdb session"
		REASON_OF[$name]=""
		: > "$WORK/$name.val"
		: > "$WORK/$name.state"
	done
	log "timing gdb-qemu gdb-vmm ($RUNS_SLOW rounds of one session each)"
	for ((round = 0; round < RUNS_SLOW; round++)); do
		for name in gdb-qemu gdb-vmm; do
			ok "$name" && gdb_sample "$name"
		done
	done
	per_unit gdb-qemu "$STEPS"
	per_unit gdb-vmm "$STEPS"
	note=$(steps_note gdb-qemu)
	result 4 "$what" gdb-qemu "QEMU gdbstub (-S, TCG)" s "=" \
		"reference; ratio = time ÷ QEMU${note:+; $note}"
	result 4 "$what" gdb-vmm "kvm-vmm --gdb" s "$MEDIAN" "$(steps_note gdb-vmm)" \
		"target faster than QEMU" "r < 1"
}

# ---- row 5: memory -------------------------------------------------------------------

bench_memory() {
	local what="memory: peak RSS, lesson 01 (/usr/bin/time -v)"
	startup_cases
	peak_rss startup-vmm "$RUNS"
	peak_rss startup-tcg "$RUNS"
	peak_rss startup-kvm "$RUNS_SLOW"
	local ref
	result 5 "$what" startup-vmm.rss "kvm-vmm" KiB "=" "ratio = RSS ÷ kvm-vmm" \
		"target ≤ 4 MiB" "m <= $RSS_TARGET_KIB"
	ref=$MEDIAN
	result 5 "$what" startup-tcg.rss "qemu-system-i386 -accel tcg" KiB "$ref" ""
	result 5 "$what" startup-kvm.rss "qemu-system-i386 -accel kvm" KiB "$ref" ""
}

# ---- row 6: scaling -----------------------------------------------------------------

# Cases scale-N: N guests in one kvm-vmm. Timed in rounds like the rest,
# but by hand: the wall time around /usr/bin/time, which gives the RSS.
bench_scaling() {
	local what="scaling: N guests of $BENCH_SCALE_EXITS exits each, one kvm-vmm (wall time)"
	local elf=$OUT/exits-$BENCH_SCALE_EXITS.elf n i round t0 ref="" rss
	for n in $SCALE_GUESTS; do
		local guests=""
		for ((i = 0; i < n; i++)); do guests="$guests $elf"; done
		CMD[scale-$n]="$VMM$guests"
		REASON_OF[scale-$n]=""
		: > "$WORK/scale-$n.val"
		: > "$WORK/scale-$n.rss.val"
		: > "$WORK/scale-$n.cpu"
		local lines want=$((n * BENCH_SCALE_EXITS / OUTS_PER_LINE))
		# shellcheck disable=SC2086 # a word list
		lines=$(timeout "$CHECK_TIMEOUT" ${CMD[scale-$n]} 2> /dev/null | grep -c .)
		[ "$lines" = "$want" ] || REASON_OF[scale-$n]="$lines output lines, expected $want"
	done
	log "timing scaling with $SCALE_GUESTS guests ($SCALE_ROUNDS rounds)"
	for ((round = 0; round < SCALE_ROUNDS; round++)); do
		for n in $SCALE_GUESTS; do
			ok "scale-$n" || continue
			t0=$EPOCHREALTIME
			# shellcheck disable=SC2086
			/usr/bin/time -f '%M %U %S' -o "$WORK/scale.time" ${CMD[scale-$n]} > /dev/null 2>&1
			calc "$EPOCHREALTIME - $t0" >> "$WORK/scale-$n.val"
			tail -1 "$WORK/scale.time" | awk '{ print $1 }' >> "$WORK/scale-$n.rss.val"
			tail -1 "$WORK/scale.time" | awk -v n="$n" '{ print ($2 + $3) / n }' >> "$WORK/scale-$n.cpu"
		done
	done
	for n in $SCALE_GUESTS; do
		if ! ok "scale-$n"; then
			row_na 6 "$what" "$n guest(s)" "${REASON_OF[scale-$n]}"
			continue
		fi
		rss=$(stats "$WORK/scale-$n.rss.val" | cut -d' ' -f1)
		result 6 "$what" "scale-$n" "$n guest$([ "$n" -gt 1 ] && echo s)" s "${ref:-=}" \
			"peak RSS $(fmt_mib "$rss"), $(fmt_mib "$(calc "$rss / $n")") per guest"
		[ -z "$ref" ] && ref=$MEDIAN
		ROWS[-1]="${ROWS[-1]% |}; wall per guest $(fmt_time "$(calc "$MEDIAN / $n")")$(cpu_note "scale-$n") per guest |"
	done
}

# ---- main ------------------------------------------------------------------------------
# ---- row 7: a PC boot ------------------------------------------------------------

# A disk image booted through each side's own BIOS to its first character
# on the screen: kvm-vmm --disk against QEMU with SeaBIOS and its VGA BIOS
# (no -nodefaults: int 10h needs the VGA card).
bench_pcboot() {
	local what="PC boot: disk image to its first character on the screen" ref
	local qemu="-drive format=raw,file=$OUT/pcboot.disk -debugcon stdio -display none"
	qemu="$qemu -device isa-debug-exit,iobase=0xf4,iosize=1"
	printf 'B\n' > "$WORK/pcboot.want"
	add_case pcboot-vmm 0 "$WORK/pcboot.want" "$RUNS" "$VMM" --screen none --disk "$OUT/pcboot.disk"
	# shellcheck disable=SC2086 # word lists
	add_case pcboot-tcg "$QEMU_EXIT_OK" "$WORK/pcboot.want" "$RUNS" \
		qemu-system-i386 -accel tcg $qemu
	time_cases pcboot-vmm pcboot-tcg
	result 7 "$what" pcboot-vmm "kvm-vmm --disk (its BIOS, bios/bios.asm)" s "=" \
		"reference; ratio = time ÷ kvm-vmm$(cpu_note pcboot-vmm)"
	ref=$MEDIAN
	result 7 "$what" pcboot-tcg "qemu-system-i386 -accel tcg (SeaBIOS)" s "$ref" \
		"$(cpu_note pcboot-tcg pcboot-vmm)" \
		"target kvm-vmm ≥ ${PCBOOT_TARGET}× faster" "r >= $PCBOOT_TARGET"
}

for tool in hyperfine jq /usr/bin/time qemu-system-i386 qemu-system-x86_64 gdb ss nm; do
	command -v "$tool" > /dev/null || { echo "bench: $tool is missing (make deps)" >&2; exit 1; }
done
[ -x "$VMM" ] || { echo "bench: $VMM is missing (make)" >&2; exit 1; }

# bench_row NUM NAME FUNCTION: run one row (if in BENCH_ROWS), logging
# how long it took.
bench_row() {
	local t0=$EPOCHREALTIME
	case " $BENCH_ROWS " in *" $1 "*) ;; *) return 0 ;; esac
	log "row $1: $2"
	"$3"
	log "row $1 took $(fmt_time "$(calc "$EPOCHREALTIME - $t0")")"
}

started=$EPOCHREALTIME
HEADER=$(host_header)
LOAD_BEFORE=$(load_average)
bench_row 1 start-up bench_startup
bench_row 2 "exit cost" bench_exits
bench_row 3 compute bench_compute
bench_row 4 debugging bench_gdb
bench_row 5 memory bench_memory
bench_row 6 scaling bench_scaling
bench_row 7 "PC boot" bench_pcboot
LOAD_AFTER=$(load_average)

{
	echo "$HEADER"
	echo "- load average (1 min) before / after: $LOAD_BEFORE / $LOAD_AFTER on $(nproc) cores"
	if awk -v a="$LOAD_BEFORE" -v b="$LOAD_AFTER" -v c="$(nproc)" 'BEGIN { exit !(a > c || b > c) }'; then
		echo "- **the machine was busy**: other processes competed for the CPUs, so wall times include waiting; cases were timed in alternation, so compare ratios"
	fi
	echo
	echo "| # | benchmark | case | median | min | max | ratio | target / note |"
	echo "|---|---|---|---:|---:|---:|---:|---|"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "Harness wall time: $(fmt_time "$(calc "$EPOCHREALTIME - $started")")."
} | tee "$OUT/results.md"
