#!/usr/bin/env bash
# fuzz/run.sh SECONDS TARGET... - run each libFuzzer target (built by
# `make fuzz-build` as build/fuzz/fuzz_TARGET) for SECONDS, starting from its
# committed seeds in fuzz/corpus/TARGET/ and what earlier runs kept in
# build/fuzz/corpus/TARGET/. Prints one summary line per target (runs,
# executions per second, coverage); on a crash, the end of its log and
# where the crashing input was saved, and exits non-zero.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=$1
shift
# Per input: a few seconds at most, and memory well below the machine's.
per_input_timeout=10
rss_limit_mb=2048
status=0
mkdir -p build/fuzz/crashes
for t in "$@"; do
	bin=build/fuzz/fuzz_$t
	work=build/fuzz/corpus/$t
	log=build/fuzz/$t.log
	dict=()
	[ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
	mkdir -p "$work"
	"$bin" -max_total_time="$seconds" -timeout="$per_input_timeout" \
	       -rss_limit_mb="$rss_limit_mb" -print_final_stats=1 \
	       -artifact_prefix="build/fuzz/crashes/$t-" "${dict[@]}" \
	       "$work" "fuzz/corpus/$t" > "$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1)
	if [ "$rc" -ne 0 ]; then
		echo "fuzz_$t: FAILED (status $rc) after ${runs:-?} runs; log $log:"
		tail -40 "$log"
		ls build/fuzz/crashes/"$t"-* 2>/dev/null
		status=1
	else
		echo "fuzz_$t: ${runs:-?} runs in ${seconds} s (${speed:-?}/s), $cov"
	fi
done
exit $status
