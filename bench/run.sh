#!/usr/bin/env bash
# run.sh - the benchmark harness behind `make bench`: runs every case side by
# side on this host, checks each one's output once, times repeated runs and
# prints one Markdown table (median, min, max, ratio, target) preceded by a
# description of the host. Progress goes to stderr, the table to stdout.
#
# Rows: 1 start-up, 2 exit cost, 3 compute, 4 debugging, 5 memory,
# 6 scaling (see docs/performance.md for what each one shows).
#
# Run it through `make bench` (or `make bench QUICK=1`), which builds the
# guests and programs in $BENCH_OUT and passes the workload sizes.
set -u -o pipefail

: "${BENCH_OUT:?run me through make bench}" "${BENCH_EXITS:?}" "${BENCH_SCALE_EXITS:?}"
: "${BENCH_FIB_RING3:?}" "${BENCH_FIB_RING0:?}"
QUICK=${QUICK:-}
BENCH_ROWS=${BENCH_ROWS:-1 2 3 4 5 6}   # e.g. BENCH_ROWS=4: only the debugging row
VMM=${KVM_VMM:-./kvm-vmm}
OUT=$BENCH_OUT

# Repetitions per case. Slow cases (QEMU booting its BIOS under KVM, gdb
# sessions) get fewer.
if [ "$QUICK" = 1 ]; then
	RUNS=3
	RUNS_SLOW=1
	WARMUP=0
else
	RUNS=10
	RUNS_SLOW=5
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
EXIT_TARGET=1.10                 # row 2 target: kvm-vmm / floor
COMPUTE_TARGET=1.10              # row 3 target: ring 3 / native

QEMU_ARGS=(-debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=1 -display none -nodefaults)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ROWS=()                          # table lines, printed at the end

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

# fmt_time SECONDS: three significant digits in s, ms, us or ns.
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

# met COND: "met" or "missed" for an awk condition.
met() { awk "BEGIN { print ($1) ? \"**met**\" : \"**missed**\" }"; }

# ---- the table -----------------------------------------------------------------

# row NUM BENCHMARK CASE MEDIAN MIN MAX RATIO NOTE
row() {
	ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 | $8 |")
}

# row_na NUM BENCHMARK CASE REASON
row_na() { row "$1" "$2" "$3" "n/a ($4)" "" "" "" ""; }

# ---- running things ------------------------------------------------------------

# check NAME EXPECTED_STATUS EXPECTED_OUTPUT_FILE CMD...: run CMD once and
# compare its status and stdout. On failure sets REASON and returns 1.
# The run is also a sample: its wall time goes to $WORK/NAME.check.wall and
# its peak RSS (KiB) to $WORK/NAME.check.rss (hf and peak_rss use them).
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

# hf NAME RUNS CMD...: time CMD with hyperfine (no shell, output to
# /dev/null); the wall time of each run, in seconds, goes to $WORK/NAME.
# With RUNS = 1 (slow cases in QUICK mode) the checking run is the sample.
hf() {
	local name=$1 runs=$2 warmup=$WARMUP
	shift 2
	if [ "$runs" -le 1 ] && [ -s "$WORK/$name.check.wall" ]; then
		log "timing $name: the checking run is the sample"
		cp "$WORK/$name.check.wall" "$WORK/$name"
		return 0
	fi
	[ "$runs" -lt 3 ] && warmup=0
	log "timing $name ($runs runs): $*"
	if ! hyperfine -N -i --style none --output null --runs "$runs" --warmup "$warmup" \
		--export-json "$WORK/$name.json" "$*" > /dev/null 2> "$WORK/$name.hf.err"; then
		REASON="hyperfine failed: $(head -c 100 "$WORK/$name.hf.err" | tr '\n|' '  ')"
		log "$name: $REASON"
		return 1
	fi
	jq -r '.results[0].times[]' "$WORK/$name.json" > "$WORK/$name"
}

# rss_of FILE: the peak RSS (KiB) in the report of /usr/bin/time -v.
rss_of() { awk -F': *' '/Maximum resident set size/ { print $2 }' "$1"; }

# peak_rss NAME RUNS CHECKED CMD...: peak RSS (KiB) of RUNS runs of CMD,
# from /usr/bin/time -v, to $WORK/NAME; the checking run CHECKED (a check
# NAME) counts as the first.
peak_rss() {
	local name=$1 runs=$2 checked=$3 i=0
	shift 3
	log "peak RSS of $name ($runs runs): $*"
	: > "$WORK/$name"
	if [ -s "$WORK/$checked.check.rss" ]; then
		cat "$WORK/$checked.check.rss" >> "$WORK/$name"
		i=1
	fi
	for (( ; i < runs; i++)); do
		/usr/bin/time -v -o "$WORK/$name.time" "$@" > /dev/null 2>&1 < /dev/null
		rss_of "$WORK/$name.time" >> "$WORK/$name"
	done
}

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
	echo "- kvm-vmm $("$VMM" --version | awk '{ print $2 }') (commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- vmm 2>/dev/null || echo ', vmm/ modified')), $(qemu-system-i386 --version | head -1), $(gdb --version | head -1), $(hyperfine --version)"
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); runs per case: $RUNS (slow cases: $RUNS_SLOW)$([ "$QUICK" = 1 ] && echo '; QUICK=1')"
	echo
}

# ---- row 1: start-up -------------------------------------------------------------

bench_startup() {
	local what="start-up: lesson 01 to exit, whole process"
	local elf=$OUT/hello-exit.elf img=$OUT/hello-exit.img
	local ref="" m lo hi accel
	printf 'Hello, KVM!\n' > "$WORK/hello.want"

	if check startup-vmm 0 "$WORK/hello.want" "$VMM" "$elf" &&
		hf startup-vmm "$RUNS" "$VMM" "$elf"; then
		read -r m lo hi < <(stats "$WORK/startup-vmm")
		ref=$m
		row 1 "$what" "kvm-vmm" "$(fmt_time "$m")" "$(fmt_time "$lo")" "$(fmt_time "$hi")" \
			"1.00×" "reference; ratio = time ÷ kvm-vmm"
	else
		row_na 1 "$what" "kvm-vmm" "$REASON"
	fi
	for accel in tcg kvm; do
		local runs=$RUNS note=""
		[ "$accel" = kvm ] && runs=$RUNS_SLOW
		local cmd=(qemu-system-i386 -accel "$accel" -drive "format=raw,file=$img" "${QEMU_ARGS[@]}")
		if check "startup-$accel" "$QEMU_EXIT_OK" "$WORK/hello.want" "${cmd[@]}" &&
			hf "startup-$accel" "$runs" "${cmd[@]}"; then
			read -r m lo hi < <(stats "$WORK/startup-$accel")
			local ratio="" ; [ -n "$ref" ] && ratio=$(calc "$m / $ref")
			if [ "$accel" = tcg ] && [ -n "$ref" ]; then
				note="target kvm-vmm ≥ ${STARTUP_TARGET}× faster: $(met "$ratio >= $STARTUP_TARGET") ($(fmt_ratio "$ratio"))"
			fi
			row 1 "" "qemu-system-i386 -accel $accel" "$(fmt_time "$m")" "$(fmt_time "$lo")" \
				"$(fmt_time "$hi")" "${ratio:+$(fmt_ratio "$ratio")}" "$note"
		else
			row_na 1 "" "qemu-system-i386 -accel $accel" "$REASON"
		fi
	done
}

# ---- row 2: exit cost ------------------------------------------------------------

bench_exits() {
	local what="exit cost: $BENCH_EXITS \`out\` to 0xE9 (whole process ÷ $BENCH_EXITS)"
	local bin=$OUT/exits-$BENCH_EXITS.bin ref="" m lo hi ratio
	# The expected output: lines of 99 dots and a newline.
	awk -v n="$((BENCH_EXITS / OUTS_PER_LINE))" -v w="$((OUTS_PER_LINE - 1))" 'BEGIN {
		line = sprintf("%" w "s", ""); gsub(/ /, ".", line)
		for (i = 0; i < n; i++) print line }' > "$WORK/exits.want"

	if check exits-floor 0 "$WORK/exits.want" "$OUT/floor" "$bin" &&
		hf exits-floor "$RUNS" "$OUT/floor" "$bin"; then
		scale "$WORK/exits-floor" 0 "$BENCH_EXITS" > "$WORK/exits-floor.per"
		read -r m lo hi < <(stats "$WORK/exits-floor.per")
		ref=$m
		row 2 "$what" "floor: bench/floor.c, bare KVM API" "$(fmt_time "$m")" "$(fmt_time "$lo")" \
			"$(fmt_time "$hi")" "1.00×" "reference; ratio = time ÷ floor"
	else
		row_na 2 "$what" "floor: bench/floor.c, bare KVM API" "$REASON"
	fi
	if check exits-vmm 0 "$WORK/exits.want" "$VMM" --load-addr 0x7c00 "$bin" &&
		hf exits-vmm "$RUNS" "$VMM" --load-addr 0x7c00 "$bin"; then
		scale "$WORK/exits-vmm" 0 "$BENCH_EXITS" > "$WORK/exits-vmm.per"
		read -r m lo hi < <(stats "$WORK/exits-vmm.per")
		local note="" r=""
		if [ -n "$ref" ]; then
			ratio=$(calc "$m / $ref")
			r=$(fmt_ratio "$ratio")
			note="target ≤ ${EXIT_TARGET}× floor: $(met "$ratio <= $EXIT_TARGET")"
		fi
		row 2 "" "kvm-vmm" "$(fmt_time "$m")" "$(fmt_time "$lo")" "$(fmt_time "$hi")" "$r" "$note"
	else
		row_na 2 "" "kvm-vmm" "$REASON"
	fi
}

# ---- row 3: compute --------------------------------------------------------------

# fib N / fib_calls N: fib(N), and the calls the recursive kernel makes.
fib() { awk -v n="$1" 'BEGIN { a = 0; b = 1; for (i = 0; i < n; i++) { t = a + b; a = b; b = t }; print a }'; }
fib_calls() { echo $((2 * $(fib $(($1 + 1))) - 1)); }

# compute_case NAME LABEL N EXPECTED_STATUS CMD_WORK... -- CMD_EMPTY...:
# time the work and the same vehicle computing fib(0); per call is
# (run - median of the empty runs) / calls. Sets PER_CALL (median) or REASON.
compute_case() {
	local name=$1 n=$2 status=$3
	shift 3
	local work=() empty=()
	while [ "$1" != "--" ]; do work+=("$1"); shift; done
	shift
	empty=("$@")
	printf '%s\n' "$(fib "$n")" > "$WORK/$name.want"
	printf '0\n' > "$WORK/$name-empty.want"
	PER_CALL=""
	check "$name" "$status" "$WORK/$name.want" "${work[@]}" || return 1
	check "$name-empty" "$status" "$WORK/$name-empty.want" "${empty[@]}" || return 1
	hf "$name-empty" "$RUNS" "${empty[@]}" || return 1
	hf "$name" "$RUNS" "${work[@]}" || return 1
	local e lo hi
	read -r e lo hi < <(stats "$WORK/$name-empty")
	scale "$WORK/$name" "$e" "$(fib_calls "$n")" > "$WORK/$name.per"
	read -r PER_CALL PER_LO PER_HI < <(stats "$WORK/$name.per")
}

bench_compute() {
	local n3=$BENCH_FIB_RING3 n0=$BENCH_FIB_RING0
	local what="compute: recursive fib, time per call (start-up subtracted)"
	local ref="" note r

	if compute_case native-asm "$n3" 0 "$OUT/compute_native" asm "$n3" -- "$OUT/compute_native" asm 0; then
		ref=$PER_CALL
		row 3 "$what" "native, the guest's instructions, fib($n3)" "$(fmt_time "$PER_CALL")" \
			"$(fmt_time "$PER_LO")" "$(fmt_time "$PER_HI")" "1.00×" "reference; ratio = time ÷ native"
	else
		row_na 3 "$what" "native, the guest's instructions" "$REASON"
	fi
	if compute_case native-c "$n3" 0 "$OUT/compute_native" c "$n3" -- "$OUT/compute_native" c 0; then
		row 3 "" "native, C (cc -O2), fib($n3)" "$(fmt_time "$PER_CALL")" "$(fmt_time "$PER_LO")" \
			"$(fmt_time "$PER_HI")" "${ref:+$(fmt_ratio "$(calc "$PER_CALL / $ref")")}" "compiler's code, for comparison"
	else
		row_na 3 "" "native, C (cc -O2)" "$REASON"
	fi
	if compute_case ring3 "$n3" 0 "$VMM" "$OUT/compute-r3-n$n3.elf" -- "$VMM" "$OUT/compute-r3-n0.elf"; then
		note="" r=""
		if [ -n "$ref" ]; then
			r=$(calc "$PER_CALL / $ref")
			note="target ≤ ${COMPUTE_TARGET}× native: $(met "$r <= $COMPUTE_TARGET")"
			r=$(fmt_ratio "$r")
		fi
		row 3 "" "kvm-vmm, ring 3, fib($n3)" "$(fmt_time "$PER_CALL")" "$(fmt_time "$PER_LO")" \
			"$(fmt_time "$PER_HI")" "$r" "$note"
	else
		row_na 3 "" "kvm-vmm, ring 3" "$REASON"
	fi
	if compute_case ring0 "$n0" 0 "$VMM" "$OUT/compute-r0-n$n0.elf" -- "$VMM" "$OUT/compute-r0-n0.elf"; then
		note="ring-0 code is emulated on nested PVM"
		host_is_pvm || note="ring-0 code runs natively on this host"
		row 3 "" "kvm-vmm, ring 0, fib($n0)" "$(fmt_time "$PER_CALL")" "$(fmt_time "$PER_LO")" \
			"$(fmt_time "$PER_HI")" "${ref:+$(fmt_ratio "$(calc "$PER_CALL / $ref")")}" "$note"
	else
		row_na 3 "" "kvm-vmm, ring 0" "$REASON"
	fi
	local q=(qemu-system-x86_64 -accel tcg)
	if compute_case tcg "$n3" "$QEMU_EXIT_OK" \
		"${q[@]}" -drive "format=raw,file=$OUT/compute-r3-n$n3.img" "${QEMU_ARGS[@]}" -- \
		"${q[@]}" -drive "format=raw,file=$OUT/compute-r3-n0.img" "${QEMU_ARGS[@]}"; then
		row 3 "" "qemu-system-x86_64 -accel tcg, ring 3, fib($n3)" "$(fmt_time "$PER_CALL")" \
			"$(fmt_time "$PER_LO")" "$(fmt_time "$PER_HI")" \
			"${ref:+$(fmt_ratio "$(calc "$PER_CALL / $ref")")}" "same image as kvm-vmm ring 3"
	else
		row_na 3 "" "qemu-system-x86_64 -accel tcg" "$REASON"
	fi
}

host_is_pvm() { [ -d /sys/module/kvm_pvm ]; }

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
	qemu-system-i386 -accel tcg -drive "format=raw,file=$img" "${QEMU_ARGS[@]}" \
		-gdb "tcp:127.0.0.1:$port" -S > /dev/null 2> "$WORK/gdb-qemu.err" < /dev/null &
	pid=$!
	gdb_timed_steps > "$WORK/gdb.cmds"
	timeout "$GDB_TIMEOUT" gdb -nx -batch -q "$elf" \
		-ex "target remote 127.0.0.1:$port" -ex "break *0x7c00" -ex continue -ex continue \
		-ex "delete" -x "$WORK/gdb.cmds" 2>&1
	wait_gone "$pid"
}

# gdb_case NAME: RUNS_SLOW sessions; seconds of each $STEPS stepi to
# $WORK/NAME, the state each one reached to $WORK/NAME.state.
gdb_case() {
	local name=$1 i rc
	: > "$WORK/$name"
	: > "$WORK/$name.state"
	log "timing $name ($RUNS_SLOW sessions of $STEPS stepi)"
	for ((i = 0; i < RUNS_SLOW; i++)); do
		"gdb_session_${name#gdb-}" > "$WORK/$name.log"
		rc=$?
		[ "$rc" = 2 ] && return 2
		if ! grep -q '^STEPI_SECONDS' "$WORK/$name.log"; then
			REASON=${REASON:-"gdb session failed: $(grep -v '^$' "$WORK/$name.log" | tail -1 | head -c 100 | tr '|' ' ')"}
			log "$name: $REASON"
			return 1
		fi
		awk '/^STEPI_SECONDS/ { print $2 }' "$WORK/$name.log" >> "$WORK/$name"
		sed -n 's/^STEPI_STATE //p' "$WORK/$name.log" >> "$WORK/$name.state"
	done
}

# steps_note NAME: empty if every session of NAME ended where STEPS steps
# lead, else which states it saw instead.
steps_note() {
	local want wrong
	want=$(steps_expected)
	wrong=$(grep -cvxF "$want" "$WORK/$1.state")
	[ "$wrong" = 0 ] && return
	log "$1: sessions ended at: $(sort "$WORK/$1.state" | uniq -c | tr '\n' ';') expected $want"
	printf '; **%s of %s sessions did not end at %s** (saw %s)' "$wrong" \
		"$(wc -l < "$WORK/$1.state")" "$want" \
		"$(grep -vxF "$want" "$WORK/$1.state" | sort -u | head -2 | tr '\n' ' ')"
}

bench_gdb() {
	local what="debugging: gdb -batch, $STEPS \`stepi\` (time per stepi, inside gdb)"
	local ref="" m lo hi rc qemu_note=""
	REASON=""
	gdb_case gdb-qemu
	rc=$?
	if [ "$rc" = 0 ]; then
		scale "$WORK/gdb-qemu" 0 "$STEPS" > "$WORK/gdb-qemu.per"
		read -r m lo hi < <(stats "$WORK/gdb-qemu.per")
		ref=$m
		qemu_note="reference$(steps_note gdb-qemu)"
	else
		qemu_note=$REASON
	fi
	REASON=""
	gdb_case gdb-vmm
	rc=$?
	if [ "$rc" = 0 ]; then
		local vm vlo vhi note="" r=""
		scale "$WORK/gdb-vmm" 0 "$STEPS" > "$WORK/gdb-vmm.per"
		read -r vm vlo vhi < <(stats "$WORK/gdb-vmm.per")
		if [ -n "$ref" ]; then
			r=$(calc "$vm / $ref")
			note="target faster than QEMU: $(met "$r < 1"); ratio = time ÷ QEMU"
			r=$(fmt_ratio "$r")
		fi
		row 4 "$what" "kvm-vmm --gdb" "$(fmt_time "$vm")" "$(fmt_time "$vlo")" "$(fmt_time "$vhi")" \
			"$r" "$note$(steps_note gdb-vmm)"
	elif [ "$rc" = 2 ]; then
		row_na 4 "$what" "kvm-vmm --gdb" "stub not available"
	else
		row_na 4 "$what" "kvm-vmm --gdb" "$REASON"
	fi
	if [ -n "$ref" ]; then
		row 4 "" "QEMU gdbstub (-S, TCG)" "$(fmt_time "$m")" "$(fmt_time "$lo")" "$(fmt_time "$hi")" \
			"1.00×" "$qemu_note"
	else
		row_na 4 "" "QEMU gdbstub (-S, TCG)" "$qemu_note"
	fi
}

# ---- row 5: memory -------------------------------------------------------------------

bench_memory() {
	local what="memory: peak RSS, lesson 01 (/usr/bin/time -v)"
	local ref="" m lo hi accel
	peak_rss rss-vmm "$RUNS" startup-vmm "$VMM" "$OUT/hello-exit.elf"
	if read -r m lo hi < <(stats "$WORK/rss-vmm"); then
		ref=$m
		row 5 "$what" "kvm-vmm" "$(fmt_mib "$m")" "$(fmt_mib "$lo")" "$(fmt_mib "$hi")" "1.00×" \
			"target ≤ 4 MiB: $(met "$m <= $RSS_TARGET_KIB"); ratio = RSS ÷ kvm-vmm"
	else
		row_na 5 "$what" "kvm-vmm" "no measurement"
	fi
	for accel in tcg kvm; do
		local runs=$RUNS
		[ "$accel" = kvm ] && runs=$RUNS_SLOW
		if [ ! -s "$WORK/startup-$accel" ]; then
			row_na 5 "" "qemu-system-i386 -accel $accel" "does not run here, see row 1"
			continue
		fi
		peak_rss "rss-$accel" "$runs" "startup-$accel" qemu-system-i386 -accel "$accel" \
			-drive "format=raw,file=$OUT/hello-exit.img" "${QEMU_ARGS[@]}"
		read -r m lo hi < <(stats "$WORK/rss-$accel")
		row 5 "" "qemu-system-i386 -accel $accel" "$(fmt_mib "$m")" "$(fmt_mib "$lo")" \
			"$(fmt_mib "$hi")" "${ref:+$(fmt_ratio "$(calc "$m / $ref")")}" ""
	done
}

# ---- row 6: scaling -----------------------------------------------------------------

bench_scaling() {
	local what="scaling: N guests of $BENCH_SCALE_EXITS exits in one kvm-vmm (wall time)"
	local elf=$OUT/exits-$BENCH_SCALE_EXITS.elf n i ref="" first=1
	for n in $SCALE_GUESTS; do
		local guests=() label="$n guest$([ "$n" -gt 1 ] && echo s)"
		for ((i = 0; i < n; i++)); do guests+=("$elf"); done
		local lines want=$((n * BENCH_SCALE_EXITS / OUTS_PER_LINE))
		lines=$(timeout "$CHECK_TIMEOUT" "$VMM" "${guests[@]}" 2>/dev/null | grep -c .)
		local label_what=""
		[ "$first" = 1 ] && label_what=$what
		first=0
		if [ "$lines" != "$want" ]; then
			row_na 6 "$label_what" "$label" "$lines output lines, expected $want"
			continue
		fi
		log "timing scaling with $n guests ($RUNS runs)"
		: > "$WORK/scale-$n"
		: > "$WORK/scale-$n.rss"
		for ((i = 0; i < RUNS; i++)); do
			local t0=$EPOCHREALTIME
			/usr/bin/time -f %M -o "$WORK/scale.time" "$VMM" "${guests[@]}" > /dev/null 2>&1
			local t1=$EPOCHREALTIME
			calc "$t1 - $t0" >> "$WORK/scale-$n"
			tail -1 "$WORK/scale.time" >> "$WORK/scale-$n.rss"
		done
		local m lo hi rm rlo rhi
		read -r m lo hi < <(stats "$WORK/scale-$n")
		read -r rm rlo rhi < <(stats "$WORK/scale-$n.rss")
		[ -z "$ref" ] && ref=$m
		row 6 "$label_what" "$label" "$(fmt_time "$m")" "$(fmt_time "$lo")" "$(fmt_time "$hi")" \
			"$(fmt_ratio "$(calc "$m / $ref")")" \
			"peak RSS $(fmt_mib "$rm"), $(fmt_mib "$(calc "$rm / $n")") per guest; $(fmt_time "$(calc "$m / $n")") wall per guest"
	done
}

# ---- main ------------------------------------------------------------------------------

for tool in hyperfine jq /usr/bin/time qemu-system-i386 qemu-system-x86_64 gdb ss; do
	command -v "$tool" > /dev/null || { echo "bench: $tool is missing (make deps)" >&2; exit 1; }
done
[ -x "$VMM" ] || { echo "bench: $VMM is missing (make)" >&2; exit 1; }

started=$EPOCHREALTIME
HEADER=$(host_header)
# bench_row NUM NAME FUNCTION: run one row (if in BENCH_ROWS), logging
# how long it took.
bench_row() {
	local t0=$EPOCHREALTIME
	case " $BENCH_ROWS " in *" $1 "*) ;; *) return 0 ;; esac
	log "row $1: $2"
	"$3"
	log "row $1 took $(fmt_time "$(calc "$EPOCHREALTIME - $t0")")"
}
bench_row 1 start-up bench_startup
bench_row 2 "exit cost" bench_exits
bench_row 3 compute bench_compute
bench_row 4 debugging bench_gdb
bench_row 5 memory bench_memory
bench_row 6 scaling bench_scaling

echo "$HEADER"
echo "| # | benchmark | case | median | min | max | ratio | target / note |"
echo "|---|---|---|---:|---:|---:|---:|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Harness wall time: $(fmt_time "$(calc "$EPOCHREALTIME - $started")")."
