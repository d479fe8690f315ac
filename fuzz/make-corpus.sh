#!/usr/bin/env bash
# fuzz/make-corpus.sh - regenerate the seed corpus in fuzz/corpus/ from real
# guests and real gdb sessions. Run from anywhere; needs a built ./kvm-vmm
# (make), nasm, ld and gdb. The seeds are committed: run this only when
# the guests or the protocol change.
#
# Each seed starts with the configuration byte its target reads first (see
# the FUZZ_* bits in fuzz/fuzz_loader.c and fuzz/fuzz_rsp.c).
set -euo pipefail
cd "$(dirname "$0")/.."

out=fuzz/corpus
tmp=$(mktemp -d)
vmm_pid=
trap 'rm -rf "$tmp"; [ -n "$vmm_pid" ] && kill "$vmm_pid" 2>/dev/null; true' EXIT
mkdir -p "$out/loader" "$out/rsp"
make -s kvm-vmm guests

# ---- loader: config = kind | mem << 2 | load << 4 | ENTRY 0x40 | MB_ELF 0x80
# kinds: 0 flat, 1 ELF32, 2 ELF64, 3 Multiboot (one slot byte follows);
# mem: 0 64K, 1 1M+64K, 2 2M, 3 4M; load: 0 0x0, 1 0x7c00, 2 0x100000, 3 0xfff0
loader_seed() { # name config-hex file [slot-hex]
	{ printf "\\x$2"; [ $# -gt 3 ] && printf "\\x$4"; cat "$3"; } > "$out/loader/$1"
}
loader_seed elf32-hello 05 lessons/01-hello/hello.elf
loader_seed elf32-gdb-real 05 tests/guests/gdb_real.elf
loader_seed elf32-at-1m 09 tests/guests/ports_pm.elf
loader_seed elf64-ports 0a tests/guests/ports_long.elf
loader_seed elf64-gdb-long 0a tests/guests/gdb_long.elf
loader_seed flat-seed-hello 04 tests/guests/flat/seed_hello.bin
loader_seed flat-at-7c00-entry 54 tests/guests/flat/seed_hello.bin
nasm -f elf32 -Iguest/ -o "$tmp/mb.o" fuzz/seeds/multiboot_elf.asm
ld -m elf_i386 -n --build-id=none --no-warn-rwx-segments --defsym=LOAD_ADDR=0x100000 \
   -T guest/guest.ld -o "$tmp/mb.elf" "$tmp/mb.o"
nasm -f bin -Iguest/ -o "$tmp/mb.bin" fuzz/seeds/multiboot_aout.asm
loader_seed multiboot-elf 8b "$tmp/mb.elf" 00
loader_seed multiboot-aout 0b "$tmp/mb.bin" 00

# ---- rsp: config = (ncpus-1) | AMD64 0x04 | I8086 0x08 | FRAMED 0x10 | ...
# A real gdb session against kvm-vmm, logged with `set remotelogfile`: what
# gdb sent, raw (as the stream it was) and framed (one payload a line).
gdb_session() { # name guest config-raw config-framed hex-digits-of-reg-0 gdb-commands...
	local name=$1 guest=$2 raw=$3 framed=$4 reg0=$5
	shift 5
	local args=() c port
	for c in "$@"; do args+=(-ex "$c"); done
	./kvm-vmm --gdb 0 "$guest" > /dev/null 2> "$tmp/vmm.err" &
	vmm_pid=$!
	for _ in $(seq 100); do
		port=$(sed -n 's/^gdb: listening on 127.0.0.1://p' "$tmp/vmm.err")
		[ -n "$port" ] && break
		sleep 0.1
	done
	gdb -batch -nx "$guest" -ex "set remotelogfile $tmp/remote.log" \
	    -ex "target remote :$port" "${args[@]}" > /dev/null 2>&1 || true
	wait "$vmm_pid" || true
	vmm_pid=
	# "w <escaped bytes>" lines are what gdb wrote; printf %b undoes \xNN.
	{ printf "\\x$raw"; sed -n 's/^w //p' "$tmp/remote.log" | while IFS= read -r l; do
		printf '%b' "$l"; done; } > "$out/rsp/$name-raw"
	# Framed, plus what the fuzzer would hardly guess: a G and a P of the
	# right length (the registers of the first g reply, written back).
	local regs
	regs=$(sed -n '/^w \$g#67$/{n;s/^r +\{0,1\}\$\([0-9a-fx]*\)#..$/\1/p;q}' "$tmp/remote.log")
	{ printf "\\x$framed"; sed -n 's/^w +\{0,1\}\$\(.*\)#..$/\1/p' "$tmp/remote.log" |
		while IFS= read -r l; do printf '%b\n' "$l"; done
	  [ -n "$regs" ] && printf 'G%s\nP0=%s\n' "$regs" "${regs:0:$reg0}"; } > "$out/rsp/$name-framed"
}
gdb_session real-mode tests/guests/gdb_real.elf 08 18 8 \
	"break done" "continue" "p/x \$ecx" "x/4xw &counter" "set var *(int *)&counter = 5" \
	"watch *(int *)&counter" "stepi" "info registers" "delete" "continue"
gdb_session long-mode tests/guests/gdb_long.elf 04 14 16 \
	"break done" "continue" "p/x \$rcx" "x/1dw &counter" "monitor info sregs" \
	"monitor info pagetable" "info threads" "stepi" "delete" "continue"

# Hand-written hostile sessions (framed): what no gdb sends.
{ printf '\x11'; printf '%b\n' 'qSupported:swbreak+;hwbreak+' 'QStartNoAckMode' 'Hg2' 'Hc-1' 'T2' 'T9' \
	'mffffffffffffffff,2' 'm0,ffffffffffffffff' 'mfff0,20' 'M9000,4:deadbeef' \
	'X9000,4:}]}]ab' 'X9000,1:}' 'G00' 'P0=0000' 'pffffffff' 'Z5,7c00,1' 'Z2,9000,8' \
	'Z3,fffffffffffffffc,8' 'z0,1234,1' 'vCont;s:1;c' 'vCont;c:9' 'C05;7c00' \
	'!\x03' 'qRcmd,626967' 'qRcmd,' 'qThreadExtraInfo,2' \
	'qXfer:features:read:target.xml:ffffffff,ffff' 'D;1' 'k'; } > "$out/rsp/hostile-framed"
# And raw: run-length encoding past the packet size, bad checksums, Ctrl-C.
{ printf '\x01$A'; for _ in $(seq 200); do printf '*~'; done; printf '#00$g#00$g#zz\x03+-$?#3f'; } \
	> "$out/rsp/hostile-raw"
ls -l "$out"/*
