#!/usr/bin/env bash
# debug.sh - `make debug LESSON=NN`: run a lesson guest under kvm-vmm's GDB
# stub and attach gdb to it in the same terminal, with the lesson's gdbinit.
# Quitting gdb ends the VMM. gdb reads the terminal, so the guest's stdin
# is the file in $INPUT (make debug LESSON=NN INPUT=file), else empty.
#   usage: scripts/debug.sh VMM GUEST GDBINIT [kvm-vmm options...]
set -u
vmm=$1 guest=$2 gdbinit=$3
shift 3
port=1234    # the port every lesson's gdbinit connects to

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The guest's own output still reaches this terminal; the stub's messages
# go to the log until it listens.
"$vmm" --gdb "$port" "$@" "$guest" 2>"$log" <"${INPUT:-/dev/null}" &
pid=$!
for _ in $(seq 100); do
	grep -q "gdb: listening" "$log" && break
	if ! kill -0 "$pid" 2>/dev/null; then
		cat "$log" >&2
		echo "debug: kvm-vmm could not start its GDB stub on port $port" \
		     "(is another 'make debug' running?)" >&2
		exit 1
	fi
	sleep 0.05
done
cat "$log" >&2
tail -n0 -f "$log" >&2 &
tailer=$!
gdb -q "$guest" -x "$gdbinit"
kill "$pid" "$tailer" 2>/dev/null
wait "$pid" 2>/dev/null
exit 0
