#!/usr/bin/env python3
"""debugger.py - the debugger rows of the benchmarks: the same gdb script
against QEMU's gdbstub (TCG), against kvm-vmm's stub, and against the floor,
bench/instant_stub.c (the real RSP server in front of a target that answers
at once, so what is left is gdb's own work per stop). Four scenarios on
bench/watchloop.asm, each a fresh gdb -batch session timed inside gdb:

  stepi      STEPS `stepi`
  continue   CONTINUES `continue` to one breakpoint (a debug register)
  6 breaks   SIX_CONTINUES `continue` with six breakpoints set (two more than
             the debug registers)
  watch      WATCH_HITS hits of a write watchpoint, ~1000 instructions apart

It prints one Markdown table: median seconds per operation, the ratios
kvm-vmm / QEMU and kvm-vmm / floor, and the goal of each row.

usage: bench/debugger.py [--quick] [--out DIR]   (after `make`; from the
repository root)
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

STEPS = 200
CONTINUES = 50
SIX_CONTINUES = 300
WATCH_HITS = 50
RUNS, QUICK_RUNS = 3, 1
GDB_TIMEOUT_S = 600
LISTEN_WAIT_S = 10
LOAD_ADDR = 0x7c00
SECTOR = 512
GUEST = "bench/watchloop.asm"
QEMU_ARGS = ["-accel", "tcg", "-debugcon", "null", "-device",
             "isa-debug-exit,iobase=0xf4,iosize=1", "-display", "none", "-nodefaults"]
LISTENING = re.compile(r"gdb: listening on [0-9.]+:([0-9]+)")

# Goals: (kvm-vmm / QEMU at most, kvm-vmm / floor at most); None: no goal.
GOALS = {
    "stepi": (None, 1.5),
    "continue": (None, 1.5),
    "6 breaks": (0.85, None),
    "watch": (1.0, 1.5),
}

# The gdb script of each scenario (gdb's Python): runs the operations,
# times them, and writes seconds per operation and `ticks` to RESULT.
SCRIPT = r"""
import gdb, json, os, time
def run(setup, op, count):
    for cmd in setup:
        gdb.execute(cmd, to_string=True)
    start = time.perf_counter()
    for _ in range(count):
        gdb.execute(op, to_string=True)
    per_op = (time.perf_counter() - start) / count
    ticks = int(gdb.parse_and_eval("*(short *)&ticks"))
    with open(os.environ["BENCH_RESULT"], "w") as f:
        json.dump({"per_op": per_op, "ticks": ticks}, f)
    gdb.execute("kill", to_string=True)
run(%(setup)r, %(op)r, %(count)d)
"""

SCENARIOS = {
    "stepi": ([], "stepi", STEPS, None),
    "continue": (["break bump"], "continue", CONTINUES, CONTINUES - 1),
    "6 breaks": (["break mark%d" % i for i in range(6)], "continue", SIX_CONTINUES,
                 SIX_CONTINUES // 6 - 1),
    "watch": (["watch *(short *)&ticks"], "continue", WATCH_HITS, WATCH_HITS),
}


def sh(*argv, **kw):
    subprocess.run(argv, check=True, **kw)


def build(out):
    """The guest (ELF, flat image, QEMU disk) and the instant stub."""
    os.makedirs(out, exist_ok=True)
    obj, elf, binary, img = (os.path.join(out, "watchloop" + e)
                             for e in (".o", ".elf", ".bin", ".img"))
    sh("nasm", "-f", "elf32", "-g", "-F", "dwarf", "-Iguest/", "-Ibench/", "-o", obj, GUEST)
    sh("ld", "-m", "elf_i386", "-n", "--build-id=none", "--no-warn-rwx-segments",
       "--defsym=LOAD_ADDR=%#x" % LOAD_ADDR, "-T", "guest/guest.ld", "-o", elf, obj)
    sh("objcopy", "-O", "binary", elf, binary)
    sectors = (os.path.getsize(binary) + SECTOR - 1) // SECTOR
    boot = img + ".boot"
    sh("nasm", "-f", "bin", "-DPAYLOAD_SECTORS=%d" % sectors, "-o", boot, "bench/boot.asm")
    with open(img, "wb") as f:
        for part in (boot, binary):
            with open(part, "rb") as p:
                f.write(p.read())
        f.truncate((sectors + 1) * SECTOR)
    os.remove(boot)
    stub = os.path.join(out, "instant_stub")
    sh("cc", "-O2", "-Wall", "-Wextra", "-Werror", "-Igdbstub", "-o", stub, "bench/instant_stub.c", "build/gdbstub/libgdbstub.a")
    return elf, binary, img, stub


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(proc):
    """The port a stub prints on stderr ("gdb: listening on HOST:PORT")."""
    deadline = time.monotonic() + LISTEN_WAIT_S
    seen = b""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen += line
        m = LISTENING.search(line.decode(errors="replace"))
        if m:
            return int(m.group(1))
        if not line and proc.poll() is not None:
            break
    raise RuntimeError("no gdb port: %s" % seen.decode(errors="replace")[:200])


def start_target(kind, elf, binary, img, stub, vmm):
    """Start one target; returns (process, port, gdb commands to reach the guest)."""
    if kind == "qemu":
        port = free_port()
        proc = subprocess.Popen(["qemu-system-i386", "-drive", "format=raw,file=" + img]
                                + QEMU_ARGS + ["-gdb", "tcp:127.0.0.1:%d" % port, "-S"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        # The BIOS first runs the boot sector at 0x7c00, which loads the guest there.
        return proc, port, ["break *%#x" % LOAD_ADDR, "continue", "continue", "delete"]
    argv = [vmm, "--gdb", "0", elf] if kind == "vmm" else [stub, binary]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    return proc, wait_port(proc), []


def session(kind, scenario, paths, vmm, work):
    """One timed gdb session: seconds per operation and the guest's ticks."""
    setup, op, count, _ = SCENARIOS[scenario]
    elf = paths[0]
    proc, port, reach = start_target(kind, *paths, vmm)
    script = os.path.join(work, "session.py")
    result = os.path.join(work, "result.json")
    with open(script, "w") as f:
        f.write(SCRIPT % {"setup": setup, "op": op, "count": count})
    if os.path.exists(result):
        os.remove(result)
    argv = ["gdb", "-nx", "-batch", "-q", elf, "-ex", "set confirm off",
            "-ex", "target remote 127.0.0.1:%d" % port]
    for cmd in reach:
        argv += ["-ex", cmd]
    argv += ["-x", script]
    try:
        subprocess.run(argv, env=dict(os.environ, BENCH_RESULT=result), timeout=GDB_TIMEOUT_S,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    finally:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with open(result) as f:
        return json.load(f)


def guest_round_seconds(vmm, elf):
    """Seconds one round of bench/watchloop.asm takes under kvm-vmm alone."""
    rounds = int(re.search(r"%define ROUNDS (\d+)", open(GUEST).read()).group(1))
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([vmm, elf], check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times) / rounds


def ratio(a, b):
    return a / b if a and b else None


def fmt_ratio(r, goal):
    if r is None:
        return "-"
    mark = "" if goal is None else (" ✓" if r <= goal else " ✗")
    return "%.2f×%s" % (r, mark)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one run per case")
    ap.add_argument("--out", default="build/bench", help="where to build (default build/bench)")
    args = ap.parse_args()
    vmm = os.environ.get("KVM_VMM", "./kvm-vmm")
    for tool in ("nasm", "ld", "objcopy", "cc", "gdb", "qemu-system-i386"):
        if not shutil.which(tool):
            sys.exit("debugger.py: %s is needed" % tool)
    paths = build(args.out)
    runs = QUICK_RUNS if args.quick else RUNS
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for scenario in SCENARIOS:
            medians = {}
            for kind in ("qemu", "vmm", "floor"):
                times = []
                for _ in range(runs):
                    print("debugger.py: %s, %s" % (scenario, kind), file=sys.stderr)
                    r = session(kind, scenario, paths, vmm, work)
                    want = SCENARIOS[scenario][3]
                    if kind != "floor" and want is not None and r["ticks"] != want:
                        sys.exit("debugger.py: %s on %s ended with ticks = %d, not %d"
                                 % (scenario, kind, r["ticks"], want))
                    times.append(r["per_op"])
                medians[kind] = statistics.median(times)
            rows.append((scenario, medians))
    print("| debugger (per operation, median of %d) | QEMU TCG | kvm-vmm | floor (gdb alone) "
          "| kvm-vmm / QEMU | kvm-vmm / floor |" % runs)
    print("|---|---|---|---|---|---|")
    for scenario, m in rows:
        to_qemu, to_floor = GOALS[scenario]
        print("| %s | %.1f ms | %.1f ms | %.1f ms | %s | %s |" % (
            scenario, 1e3 * m["qemu"], 1e3 * m["vmm"], 1e3 * m["floor"],
            fmt_ratio(ratio(m["vmm"], m["qemu"]), to_qemu),
            fmt_ratio(ratio(m["vmm"], m["floor"]), to_floor)))
    print("\nGoals: watch ≤ 1.0× QEMU, 6 breaks ≤ 0.85× QEMU; stepi, continue and watch "
          "≤ 1.5× the floor (✓ met, ✗ not).")
    print("The guest itself, without a debugger, runs one round (about a thousand "
          "instructions) in %.2f ms under kvm-vmm: part of every `continue` and watch hit "
          "above, where the floor runs nothing." % (1e3 * guest_round_seconds(vmm, paths[0])))


if __name__ == "__main__":
    main()
