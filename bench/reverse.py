#!/usr/bin/env python3
"""reverse.py - the reverse-debugging row of the benchmarks (--record,
vmm/gdb/record.c), on tests/guests/reverse.asm built with LOOPS rounds of a
4-instruction loop that stores to memory each round (next to `marker`),
then SETTLE rounds of a 2-instruction loop that stores nothing, after
`flag` was set and cleared. Each measurement is a fresh gdb -batch session
timed inside gdb (its Python API):

  recording    `continue` over the loop with --record (instructions/second)
  stepping     the same `continue` with no recording but a write watchpoint
               that single-steps (KVM_VMM_GDB_AVOID=debugreg,readonly,unmapped):
               what the stub already paid for single-step-and-compare
  reverse-stepi  at the end of the recording: median and worst of REPEAT
  reverse-continue  from the end, back to the write of `flag` (most of the
               recording back, over stretches that did not write its page),
               then on to the write of `marker`, RCONTINUE_BACK instructions
               further back over stretches that all wrote its page (the
               goal's case: each of them is replayed)
  memory       `monitor record`'s history and kvm-vmm's peak RSS at the end;
               the long run with --record-limit MEMORY_LIMIT_MIB, to show the
               bound holding (the oldest history dropped)

It prints one Markdown table with the goals of docs/gdb.md. usage:
bench/reverse.py [--quick] [--out DIR] (after `make`; from the repository
root). --quick: 1 million instructions; else 1 million for the timings
and 10 million for the memory row.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

GUEST = "tests/guests/reverse.asm"
LOAD_ADDR = 0x7c00
INSNS_PER_LOOP = 4
INSNS_PER_SETTLE = 2
TIMING_INSNS = 1_000_000
MEMORY_INSNS = 10_000_000
REPEAT = 20
MEMORY_LIMIT_MIB = 16
RCONTINUE_BACK = 100_000   # instructions between the writes of marker and flag
LISTENING = re.compile(r"gdb: listening on [0-9.]+:([0-9]+)")
GDB_TIMEOUT_S = 3600
INPUT = b"xyz"
AVOID = "debugreg,readonly,unmapped"   # every watchpoint single-steps

# Goals (docs/gdb.md): seconds at most.
REVERSE_STEPI_GOAL_S = 0.050
REVERSE_CONTINUE_GOAL_S = 2.0

SCRIPT = r"""
import gdb, json, os, re, statistics, time
out = {}
def timed(cmd):
    t = time.perf_counter()
    gdb.execute(cmd, to_string=True)
    return time.perf_counter() - t
gdb.execute("break after_time", to_string=True)
gdb.execute("continue", to_string=True)
gdb.execute("delete", to_string=True)
mode = os.environ["BENCH_MODE"]
if mode == "record":
    gdb.execute("monitor record on", to_string=True)
else:
    gdb.execute("watch *(char *)&last_byte", to_string=True)
gdb.execute("break done", to_string=True)
out["forward_s"] = timed("continue")
if mode == "record":
    gdb.execute("delete", to_string=True)
    steps = [timed("reverse-stepi") for _ in range(%(repeat)d)]
    out["rstepi_median_s"] = statistics.median(steps)
    out["rstepi_max_s"] = max(steps)
    text = gdb.execute("monitor record", to_string=True)
    out["history_mib"] = float(re.search(r"memory: ([0-9.]+) MiB", text).group(1))
if mode == "record" and os.environ["BENCH_RCONTINUE"] == "1":
    gdb.execute("watch *(short *)&flag", to_string=True)
    out["rcontinue_far_s"] = timed("reverse-continue")
    out["rcontinue_far_at_writer"] = int(gdb.parse_and_eval("$pc == &flag_cleared"))
    gdb.execute("delete", to_string=True)
    gdb.execute("watch *(short *)&marker", to_string=True)
    out["rcontinue_s"] = timed("reverse-continue")
    out["rcontinue_at_writer"] = int(gdb.parse_and_eval("$pc == &after_time"))
with open(os.environ["BENCH_RESULT"], "w") as f:
    json.dump(out, f)
gdb.execute("kill", to_string=True)
"""


def sh(*argv):
    subprocess.run(argv, check=True)


def build(out, loops, settle):
    """The guest with `loops` rounds of its storing loop, `settle` of the other."""
    obj, elf = (os.path.join(out, "reverse-%d-%d%s" % (loops, settle, e))
                for e in (".o", ".elf"))
    sh("nasm", "-f", "elf32", "-g", "-F", "dwarf", "-Iguest/", "-DLOOPS=%d" % loops,
       "-DSETTLE=%d" % settle, "-o", obj, GUEST)
    sh("ld", "-m", "elf_i386", "-n", "--build-id=none", "--no-warn-rwx-segments",
       "--defsym=LOAD_ADDR=%#x" % LOAD_ADDR, "-T", "guest/guest.ld", "-o", elf, obj)
    return elf


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def session(vmm, elf, mode, out, extra_args, rcontinue=True):
    """One kvm-vmm and one gdb -batch; returns the script's results."""
    env = dict(os.environ)
    if mode == "step":
        env["KVM_VMM_GDB_AVOID"] = AVOID
    proc = subprocess.Popen([vmm, "--gdb", "0"] + extra_args + [elf], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    proc.stdin.write(INPUT)
    proc.stdin.close()
    port = None
    while port is None:
        line = proc.stderr.readline().decode(errors="replace")
        if not line:
            raise RuntimeError("kvm-vmm printed no gdb port")
        m = LISTENING.search(line)
        port = m and int(m.group(1))
    script = os.path.join(out, "reverse_bench.py")
    with open(script, "w") as f:
        f.write(SCRIPT % {"repeat": REPEAT})
    result = os.path.join(out, "reverse_result.json")
    rss = 0
    genv = dict(os.environ, BENCH_MODE=mode, BENCH_RESULT=result,
                BENCH_RCONTINUE="1" if rcontinue else "0")
    gdb = subprocess.Popen(["gdb", "-batch", "-nx", elf, "-ex", "target remote :%d" % port,
                            "-x", script], env=genv, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    while gdb.poll() is None:
        try:
            rss = max(rss, peak_rss_kib(proc.pid))
            gdb.wait(timeout=0.5)
        except (subprocess.TimeoutExpired, FileNotFoundError):
            pass
    proc.wait(timeout=30)
    with open(result) as f:
        data = json.load(f)
    data["rss_kib"] = rss
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=None)
    ap.add_argument("--vmm", default="./kvm-vmm")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="reverse-bench-")
    os.makedirs(out, exist_ok=True)
    elf = build(out, RCONTINUE_BACK // INSNS_PER_LOOP,
                (TIMING_INSNS - RCONTINUE_BACK) // INSNS_PER_SETTLE)
    print("reverse debugging: %d instructions..." % TIMING_INSNS, file=sys.stderr)
    rec = session(args.vmm, elf, "record", out, [])
    step = session(args.vmm, elf, "step", out, [])
    rows = [
        ("recording, µs per instruction", "%.1f" % (rec["forward_s"] / TIMING_INSNS * 1e6),
         "no more than stepping"),
        ("single-step-and-compare, µs per instruction",
         "%.1f" % (step["forward_s"] / TIMING_INSNS * 1e6), ""),
        ("reverse-stepi at 1M recorded, median / worst ms",
         "%.1f / %.1f" % (rec["rstepi_median_s"] * 1e3, rec["rstepi_max_s"] * 1e3),
         "< %d" % (REVERSE_STEPI_GOAL_S * 1e3)),
        ("reverse-continue to a write 900k instructions back, its page not written"
         " since, s", "%.2f%s" % (rec["rcontinue_far_s"],
                                  "" if rec["rcontinue_far_at_writer"] else " (missed!)"), ""),
        ("reverse-continue to a write 100k instructions further back, its page written"
         " every round, s",
         "%.2f%s" % (rec["rcontinue_s"], "" if rec["rcontinue_at_writer"] else " (missed!)"),
         "< %g" % REVERSE_CONTINUE_GOAL_S),
        ("history at 1M instructions, MiB", "%.1f" % rec["history_mib"], "< 256 (the limit)"),
        ("kvm-vmm peak RSS at 1M, MiB", "%.1f" % (rec["rss_kib"] / 1024), ""),
    ]
    if not args.quick:
        big = build(out, MEMORY_INSNS // INSNS_PER_LOOP, 1)
        print("reverse debugging: %d instructions..." % MEMORY_INSNS, file=sys.stderr)
        mem = session(args.vmm, big, "record", out,
                      ["--record-limit", str(MEMORY_LIMIT_MIB)], rcontinue=False)
        rows.append(("history at 10M instructions, --record-limit %d, MiB" % MEMORY_LIMIT_MIB,
                     "%.1f" % mem["history_mib"], "<= %d" % MEMORY_LIMIT_MIB))
        rows.append(("kvm-vmm peak RSS at 10M, --record-limit %d, MiB" % MEMORY_LIMIT_MIB,
                     "%.1f" % (mem["rss_kib"] / 1024), ""))
    print("| reverse debugging | measured | goal |")
    print("|---|---|---|")
    for name, value, goal in rows:
        print("| %s | %s | %s |" % (name, value, goal))


if __name__ == "__main__":
    main()
