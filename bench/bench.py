#!/usr/bin/env python3
"""bench.py - the benchmark behind `make bench`: runs kvm-vmm, the bare-KVM
floor (bench/floor.c), native code and QEMU side by side on this host,
checks each case's output once, times repeated runs in alternation and
prints one Markdown table (median, min, max, ratio, target verdict) after
a description of the host. Progress goes to stderr; the report goes to
stdout and to OUT/results.md, and every sample to OUT/results.json.

Rows: 1 start-up, 2 exit cost, 3 compute, 4 debugging, 5 memory,
6 scaling (docs/performance.md says what each one shows).

Run it through `make bench` (or `make bench QUICK=1`, `make bench
BENCH_ROWS="2 3"`), which builds the guests and programs in OUT
(build/bench/) and passes the workload sizes."""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

from harness import GNU_TIME, Case, Harness, log, median, one_line, run_measured
from report import (Table, cores, cpu_note, fmt_mib, fmt_ratio, fmt_time, host_header,
                    host_is_pvm, load_lines, missing_tools)

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
GDB_SCRIPT = os.path.join(BENCH_DIR, "gdb_steps.py")
STEPS_ASM = os.path.join(BENCH_DIR, "steps.asm")

TOOLS = ["hyperfine", "qemu-system-i386", "qemu-system-x86_64", "gdb", GNU_TIME]

STEPS = 2000                     # row 4: stepi per gdb session
SCALE_GUESTS = [1, 2, 4, 8, 16]  # row 6: guests per kvm-vmm process
OUTS_PER_LINE = 100              # bench/exits.asm prints lines of 100 bytes
QEMU_EXIT_OK = 1                 # isa-debug-exit: status (code << 1) | 1, code 0
GDB_TIMEOUT = 120                # seconds for one gdb session
LISTEN_WAIT = 10                 # seconds to wait for kvm-vmm's "gdb: listening"
STOP_WAIT = 5                    # seconds a stub gets to end after gdb's `kill`
POLL = 0.01                      # seconds between looks at a stub's stderr

STARTUP_TARGET = 50              # row 1: kvm-vmm this many times faster than TCG
PCBOOT_TARGET = 50               # row 7: the same for a disk boot through each side's BIOS
FLOOR_TARGET = 1.15              # row 1: kvm-vmm / floor
EXIT_TARGET = 1.10               # row 2: kvm-vmm / floor
COMPUTE_TARGET = 1.10            # row 3: ring 3 / native
RSS_TARGET_KIB = 4096            # row 5: 4 MiB

# The targets as the table states them: (text, test(median, ratio)); the
# ratio is that of the line's median to its row's reference.
TARGET_TCG = (f"target kvm-vmm ≥ {STARTUP_TARGET}× faster", lambda m, r: r >= STARTUP_TARGET)
TARGET_PCBOOT = (f"target kvm-vmm ≥ {PCBOOT_TARGET}× faster", lambda m, r: r >= PCBOOT_TARGET)
TARGET_FLOOR = (f"target kvm-vmm ≤ {FLOOR_TARGET:.2f}× floor",   # on the floor's line:
                lambda m, r: 1 / r <= FLOOR_TARGET)              # r = floor ÷ kvm-vmm
TARGET_EXIT = (f"target ≤ {EXIT_TARGET:.2f}× floor", lambda m, r: r <= EXIT_TARGET)
TARGET_COMPUTE = (f"target ≤ {COMPUTE_TARGET:.2f}× native", lambda m, r: r <= COMPUTE_TARGET)
TARGET_GDB = ("target faster than QEMU", lambda m, r: r < 1)
TARGET_RSS = ("target ≤ 4 MiB", lambda m, r: m <= RSS_TARGET_KIB)

QEMU_ARGS = ["-debugcon", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=1",
             "-display", "none", "-nodefaults"]


class Bench:
    """One run of the benchmark: its settings, its cases, its table."""

    def __init__(self, args, work):
        self.vmm = args.vmm
        self.out = args.out
        self.exits = args.exits
        self.scale_exits = args.scale_exits
        self.fib_ring3 = args.fib_ring3
        self.fib_ring0 = args.fib_ring0
        self.work = work
        # Timed runs per case. Slow cases (QEMU booting its BIOS under KVM,
        # gdb sessions) get fewer; scale_rounds is for row 6.
        if args.quick:
            self.runs, self.runs_slow, self.scale_rounds, warmup = 3, 1, 2, 0
        else:
            self.runs, self.runs_slow, self.scale_rounds, warmup = 10, 3, 5, 1
        self.h = Harness(work, self.runs, warmup)
        self.table = Table()
        self.extra = {}           # samples that are no case's own (rows 4 and 6)

    def path(self, name):
        return os.path.join(self.out, name)

    def case(self, name):
        return self.h.cases[name]

    # ---- row 1: start-up -----------------------------------------------------

    def startup_cases(self):
        """Lesson 01 (with an exit at its end) under kvm-vmm, the floor, and
        QEMU with TCG and with KVM; rows 1 and 5 use them."""
        hello = b"Hello, KVM!\n"
        qemu = ["-drive", f"format=raw,file={self.path('hello-exit.img')}", *QEMU_ARGS]
        self.h.add_case("startup-vmm", [self.vmm, self.path("hello-exit.elf")], 0, hello,
                        self.runs)
        self.h.add_case("startup-floor", [self.path("floor"), self.path("hello-exit.bin")], 0,
                        hello, self.runs)
        self.h.add_case("startup-tcg", ["qemu-system-i386", "-accel", "tcg", *qemu],
                        QEMU_EXIT_OK, hello, self.runs)
        self.h.add_case("startup-kvm", ["qemu-system-i386", "-accel", "kvm", *qemu],
                        QEMU_EXIT_OK, hello, self.runs_slow)

    def row_startup(self):
        what = "start-up: lesson 01 to exit, whole process"
        self.startup_cases()
        self.h.time_cases(["startup-vmm", "startup-floor", "startup-tcg", "startup-kvm"])
        vmm, floor = self.case("startup-vmm"), self.case("startup-floor")
        tcg, kvm = self.case("startup-tcg"), self.case("startup-kvm")
        t = self.table
        ref = t.result(1, what, "kvm-vmm", vmm.wall, ref="=", reason=vmm.reason,
                       note="reference; ratio = time ÷ kvm-vmm" + cpu_note(vmm.cpu))
        over_floor = ""   # the target's own ratio, by wall and by CPU time
        if ref and floor.ok and floor.wall:
            by_cpu = f" ({fmt_ratio(median(vmm.cpu) / median(floor.cpu))} by CPU time)"
            over_floor = f"kvm-vmm = {fmt_ratio(ref / median(floor.wall))} floor{by_cpu}; "
        t.result(1, what, "floor: bench/floor.c, same image", floor.wall, ref=ref,
                 reason=floor.reason,
                 target=TARGET_FLOOR,
                 note=over_floor + "bare KVM API: the least a KVM process pays here"
                 + cpu_note(floor.cpu, vmm.cpu))
        t.result(1, what, "qemu-system-i386 -accel tcg", tcg.wall, ref=ref, reason=tcg.reason,
                 target=TARGET_TCG,
                 note=cpu_note(tcg.cpu, vmm.cpu))
        bios = "its BIOS runs in ring 0" + (", emulated on nested PVM" if host_is_pvm() else "")
        t.result(1, what, "qemu-system-i386 -accel kvm", kvm.wall, ref=ref, reason=kvm.reason,
                 note=bios + cpu_note(kvm.cpu, vmm.cpu))

    # ---- row 7: a PC boot -------------------------------------------------------

    def row_pcboot(self):
        """A boot sector on its own, booted by each side's BIOS to its first
        character: kvm-vmm --disk (bios/bios.asm) against QEMU with SeaBIOS
        and its VGA BIOS (int 10h needs the VGA card)."""
        what = "PC boot: disk image to its first character on the screen"
        disk = self.path("pcboot.disk")
        want = b"B\n"
        self.h.add_case("pcboot-vmm", [self.vmm, "--screen", "none", "--disk", disk], 0, want,
                        self.runs)
        self.h.add_case("pcboot-tcg", ["qemu-system-i386", "-accel", "tcg", "-drive",
                                       f"format=raw,file={disk}", "-debugcon", "stdio",
                                       "-display", "none", "-device",
                                       "isa-debug-exit,iobase=0xf4,iosize=1"],
                        QEMU_EXIT_OK, want, self.runs)
        self.h.time_first_output(["pcboot-vmm", "pcboot-tcg"])
        self.h.time_cases(["pcboot-vmm", "pcboot-tcg"])
        vmm, tcg = self.case("pcboot-vmm"), self.case("pcboot-tcg")
        t = self.table
        vmm_label = "kvm-vmm --disk (its BIOS, bios/bios.asm)"
        tcg_label = "qemu-system-i386 -accel tcg (SeaBIOS)"
        ref = t.result(7, what, vmm_label, vmm.first, ref="=", reason=vmm.reason,
                       note="reference; ratio = time ÷ kvm-vmm; until the character "
                            "reaches stdout")
        t.result(7, what, tcg_label, tcg.first, ref=ref, reason=tcg.reason,
                 target=TARGET_PCBOOT)
        whole = ", whole process (start to exit)"
        ref = t.result(7, what, vmm_label + whole, vmm.wall, ref="=", reason=vmm.reason,
                       note="reference; includes closing the VM" + cpu_note(vmm.cpu))
        t.result(7, what, tcg_label + whole, tcg.wall, ref=ref, reason=tcg.reason,
                 note=cpu_note(tcg.cpu, vmm.cpu))

    # ---- row 2: exit cost ------------------------------------------------------

    def row_exits(self):
        n = self.exits
        what = f"exit cost: {n} `out` to 0xE9 (whole process ÷ {n})"
        image = self.path(f"exits-{n}.bin")
        # The expected output: lines of 99 dots and a newline.
        want = (b"." * (OUTS_PER_LINE - 1) + b"\n") * (n // OUTS_PER_LINE)
        floor = self.h.add_case("exits-floor", [self.path("floor"), image], 0, want, self.runs)
        vmm = self.h.add_case("exits-vmm", [self.vmm, "--load-addr", "0x7c00", image], 0, want,
                              self.runs)
        self.h.time_cases(["exits-floor", "exits-vmm"])
        t = self.table
        ref = t.result(2, what, "floor: bench/floor.c, bare KVM API", per_unit(floor.wall, n),
                       ref="=", reason=floor.reason,
                       note="reference; ratio = time ÷ floor" + cpu_note(per_unit(floor.cpu, n)))
        t.result(2, what, "kvm-vmm, the same flat image", per_unit(vmm.wall, n), ref=ref,
                 reason=vmm.reason,
                 target=TARGET_EXIT,
                 note=cpu_note(per_unit(vmm.cpu, n), per_unit(floor.cpu, n)))

    # ---- row 3: compute ----------------------------------------------------------

    def compute_cases(self, name, n, status, argv_n, argv_0):
        """A case computing fib(n) and its twin NAME-empty, the same vehicle
        computing fib(0) (start-up, set-up and exit: what the case costs
        besides the work)."""
        self.h.add_case(name, argv_n, status, f"{fib(n)}\n".encode(), self.runs)
        self.h.add_case(f"{name}-empty", argv_0, status, b"0\n", self.runs)

    def compute_per_call(self, name, n):
        """Wall and CPU time per call of case `name` computing fib(n), its
        fib(0) twin's median subtracted; or the reason it is n/a."""
        case, twin = self.case(name), self.case(f"{name}-empty")
        if not case.ok:
            return [], [], case.reason
        if not twin.ok:
            return [], [], f"its fib(0) twin: {twin.reason}"
        calls = fib_calls(n)
        return (per_unit(case.wall, calls, median(twin.wall)),
                per_unit(case.cpu, calls, median(twin.cpu)), "")

    def row_compute(self):
        n3, n0 = self.fib_ring3, self.fib_ring0
        native = self.path("compute_native")

        def tcg(n):
            return ["qemu-system-x86_64", "-accel", "tcg", "-drive",
                    f"format=raw,file={self.path(f'compute-r3-n{n}.img')}", *QEMU_ARGS]

        self.compute_cases("native-asm", n3, 0, [native, "asm", n3], [native, "asm", 0])
        self.compute_cases("native-c", n3, 0, [native, "c", n3], [native, "c", 0])
        self.compute_cases("ring3", n3, 0, [self.vmm, self.path(f"compute-r3-n{n3}.elf")],
                           [self.vmm, self.path("compute-r3-n0.elf")])
        self.compute_cases("ring0", n0, 0, [self.vmm, self.path(f"compute-r0-n{n0}.elf")],
                           [self.vmm, self.path("compute-r0-n0.elf")])
        self.compute_cases("tcg", n3, QEMU_EXIT_OK, tcg(n3), tcg(0))
        names = []
        for name in ["native-asm", "native-c", "ring3", "ring0", "tcg"]:
            names += [name, f"{name}-empty"]
        self.h.time_cases(names)

        what = "compute: recursive fib, time per call (start-up subtracted)"
        ring0 = ("ring-0 code is emulated on nested PVM" if host_is_pvm()
                 else "ring-0 code runs natively on this host")
        lines = [("native-asm", n3, f"native, the guest's instructions, fib({n3})", None,
                  "reference; ratio = time ÷ native"),
                 ("native-c", n3, f"native, C (cc -O2), fib({n3})", None,
                  "the compiler's code, for comparison"),
                 ("ring3", n3, f"kvm-vmm, ring 3, fib({n3})", TARGET_COMPUTE, ""),
                 ("ring0", n0, f"kvm-vmm, ring 0, fib({n0})", None, ring0),
                 ("tcg", n3, f"qemu-system-x86_64 -accel tcg, ring 3, fib({n3})", None,
                  "the same image as kvm-vmm ring 3")]
        ref, ref_cpu = "=", None
        for name, n, label, target, note in lines:
            wall, cpu, reason = self.compute_per_call(name, n)
            m = self.table.result(3, what, label, wall, ref=ref, reason=reason, target=target,
                                  note=note + cpu_note(cpu, ref_cpu))
            if ref == "=":   # the first line, native-asm, is the reference
                ref, ref_cpu = m, cpu

    # ---- row 4: debugging ---------------------------------------------------------

    def gdb_session(self, name):
        """One gdb session of case `name` (gdb-vmm or gdb-qemu) running
        bench/gdb_steps.py; returns its JSON result, or a Case-style reason
        string when it failed."""
        elf = self.path("steps.elf")
        err_path = os.path.join(self.work, f"{name}.err")
        with open(err_path, "wb") as err:
            if name == "gdb-vmm":
                stub = subprocess.Popen([self.vmm, "--gdb", "0", elf], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=err)
                port = listening_port(stub, err_path)
            else:
                port = free_port()
                stub = subprocess.Popen(
                    ["qemu-system-i386", "-accel", "tcg", "-drive",
                     f"format=raw,file={self.path('steps.img')}", *QEMU_ARGS,
                     "-gdb", f"tcp:127.0.0.1:{port}", "-S"],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        if port is None:
            stop(stub)
            with open(err_path, "rb") as f:
                text = one_line(f.read(), 100)
            return "stub not available" if "--gdb" in text else (text or "no gdb port")
        result_path = os.path.join(self.work, f"{name}.json")
        if os.path.exists(result_path):
            os.unlink(result_path)
        env = dict(os.environ, BENCH_GDB_PORT=str(port), BENCH_GDB_STEPS=str(STEPS),
                   BENCH_GDB_RESULT=result_path, BENCH_GDB_BOOT="1" if name == "gdb-qemu" else "0")
        try:
            proc = subprocess.run(["gdb", "-nx", "-batch", "-q", elf, "-x", GDB_SCRIPT],
                                  env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=GDB_TIMEOUT)
            output = proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as e:
            output = ((e.stdout or b"") + (e.stderr or b"")
                      + f"\nno end within {GDB_TIMEOUT} s".encode())
        stop(stub)
        if os.path.exists(result_path):
            with open(result_path) as f:
                return json.load(f)
        with open(self.path(f"{name}.failed.log"), "wb") as f:   # kept for a look
            f.write(output)
        lines = [l for l in output.decode(errors="replace").splitlines() if l.strip()]
        return "gdb session failed: " + one_line(lines[-1] if lines else "no output", 100)

    def row_gdb(self):
        what = f"debugging: gdb -batch, {STEPS} `stepi` (time per stepi, inside gdb)"
        names = ["gdb-qemu", "gdb-vmm"]
        cases = {n: Case(n, ["a gdb session"], 0, b"", self.runs_slow) for n in names}
        states = {n: [] for n in names}
        log(f"timing {' '.join(names)} ({self.runs_slow} rounds of one session each)")
        for _ in range(self.runs_slow):
            for name in names:
                case = cases[name]
                if not case.ok:
                    continue
                result = self.gdb_session(name)
                if isinstance(result, str):
                    case.fail(result)
                    continue
                case.wall.append(result["seconds"] / STEPS)
                states[name].append(result)
        for name in names:
            self.extra[name] = {"seconds_per_stepi": cases[name].wall, "states": states[name],
                                "reason": cases[name].reason}
        qemu, vmm = cases["gdb-qemu"], cases["gdb-vmm"]
        ref = self.table.result(4, what, "QEMU gdbstub (-S, TCG)", qemu.wall, ref="=",
                                reason=qemu.reason,
                                note="reference; ratio = time ÷ QEMU"
                                + steps_note(states["gdb-qemu"]))
        self.table.result(4, what, "kvm-vmm --gdb", vmm.wall, ref=ref, reason=vmm.reason,
                          target=TARGET_GDB,
                          note=steps_note(states["gdb-vmm"]))

    # ---- row 5: memory --------------------------------------------------------------

    def row_memory(self):
        what = "memory: peak RSS, lesson 01 (GNU time's %M)"
        self.startup_cases()
        rows = [("startup-vmm", "kvm-vmm", self.runs),
                ("startup-tcg", "qemu-system-i386 -accel tcg", self.runs),
                ("startup-kvm", "qemu-system-i386 -accel kvm", self.runs_slow)]
        ref = "="
        for name, label, runs in rows:
            case = self.case(name)
            self.h.peak_rss(name, runs)
            reason = f"does not run here: {case.reason}" if case.reason else ""
            if ref == "=":
                ref = self.table.result(5, what, label, case.rss, "KiB", "=", reason=reason,
                                        target=TARGET_RSS,
                                        note="ratio = RSS ÷ kvm-vmm")
            else:
                self.table.result(5, what, label, case.rss, "KiB", ref, reason=reason)

    # ---- row 6: scaling ---------------------------------------------------------------

    def row_scaling(self):
        """N guests in one kvm-vmm process, timed in rounds like the rest but
        by run_measured, under GNU time, which gives the peak RSS."""
        what = f"scaling: N guests of {self.scale_exits} exits each, one kvm-vmm (wall time)"
        elf = self.path(f"exits-{self.scale_exits}.elf")
        cases = {}
        for n in SCALE_GUESTS:
            case = cases[n] = Case(f"scale-{n}", [self.vmm] + [elf] * n, 0, b"", self.scale_rounds)
            want = n * self.scale_exits // OUTS_PER_LINE
            out_path = os.path.join(self.work, f"{case.name}.out")
            with open(out_path, "wb") as out:
                run = run_measured(case.argv, stdout=out)
            with open(out_path, "rb") as f:
                lines = sum(1 for line in f.read().splitlines() if line)
            if run.status != 0:
                case.fail(f"exit status {run.status}")
            elif lines != want:
                case.fail(f"{lines} output lines, expected {want}")
        log(f"timing scaling with {' '.join(map(str, SCALE_GUESTS))} guests "
            f"({self.scale_rounds} rounds)")
        for _ in range(self.scale_rounds):
            for n, case in cases.items():
                if case.ok:
                    run = run_measured(case.argv, rss_path=self.h.rss_path)
                    case.wall.append(run.wall)
                    case.rss.append(run.rss_kib)
                    case.cpu.append(run.cpu / n)
        self.extra.update({c.name: {"argv": c.argv, "wall": c.wall, "cpu_per_guest": c.cpu,
                                    "rss_kib": c.rss, "reason": c.reason} for c in cases.values()})
        ref = "="
        for n, case in cases.items():
            label = f"{n} guest" + ("s" if n > 1 else "")
            if not case.ok:
                self.table.na(6, what, label, case.reason)
                continue
            rss = median(case.rss)
            per_guest = fmt_time(median(case.wall) / n)
            note = (f"peak RSS {fmt_mib(rss)}, {fmt_mib(rss / n)} per guest; "
                    f"wall per guest {per_guest}{cpu_note(case.cpu)} per guest")
            m = self.table.result(6, what, label, case.wall, ref=ref, note=note)
            if ref == "=":
                ref = m

    # ---- the report ----------------------------------------------------------------------

    def samples(self):
        """Every sample of this run, for results.json."""
        cases = {name: {"argv": c.argv, "reason": c.reason, "wall": c.wall, "cpu": c.cpu,
                        "rss_kib": c.rss} for name, c in self.h.cases.items()}
        return {"cases": cases, "other": self.extra}


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def fib_calls(n):
    """The calls the recursive kernel makes for fib(n): 2·fib(n+1) − 1."""
    return 2 * fib(n + 1) - 1


def per_unit(values, units, offset=0.0):
    """Each whole-process value as (value − offset) ÷ units: time per unit of work."""
    return [(v - offset) / units for v in values]


def listening_port(stub, err_path):
    """The port kvm-vmm --gdb 0 listens on, from its stderr line `gdb:
    listening on HOST:PORT`; None if it ends or says nothing in time."""
    pattern = re.compile(rb"^gdb: listening on [0-9.]+:(\d+)", re.M)
    deadline = time.monotonic() + LISTEN_WAIT
    while time.monotonic() < deadline:
        with open(err_path, "rb") as f:
            found = pattern.search(f.read())
        if found:
            return int(found.group(1))
        if stub.poll() is not None:
            return None
        time.sleep(POLL)
    return None


def free_port():
    """A TCP port nobody listens on now, as the kernel picks one."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc):
    """Wait for a process of ours to end; kill it after STOP_WAIT seconds."""
    try:
        proc.wait(timeout=STOP_WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def step_loops():
    """STEP_LOOPS of bench/steps.asm: the loop counter's start value."""
    with open(STEPS_ASM) as f:
        return int(re.search(r"^%define STEP_LOOPS (\d+)", f.read(), re.M).group(1))


def steps_expected(count):
    """Where bench/steps.asm is after STEPS instructions: two set-up
    instructions, then loops of inc ax (1 byte), dec cx (1 byte), jnz count,
    from cx = STEP_LOOPS. `count` is the loop's address."""
    k = STEPS - 2
    return {"pc": count + k % 3, "ax": k // 3 + (k % 3 >= 1),
            "cx": step_loops() - k // 3 - (k % 3 >= 2)}


def state_text(s):
    return f"pc={s['pc']:#x} ax={s['ax']} cx={s['cx']}"


def steps_note(states):
    """Empty if every session ended where STEPS steps lead, else "; " and
    how many did not and where they ended."""
    if not states:
        return ""
    want = state_text(steps_expected(states[0]["count"]))
    got = [state_text(s) for s in states]
    wrong = [g for g in got if g != want]
    if not wrong:
        return ""
    log(f"sessions ended at: {'; '.join(got)}; expected {want}")
    return (f"; **{len(wrong)} of {len(got)} sessions did not end at {want}** "
            f"(but at {' / '.join(sorted(set(wrong))[:2])})")


ROWS = [(1, "start-up", Bench.row_startup), (2, "exit cost", Bench.row_exits),
        (3, "compute", Bench.row_compute), (4, "debugging", Bench.row_gdb),
        (5, "memory", Bench.row_memory), (6, "scaling", Bench.row_scaling),
        (7, "PC boot", Bench.row_pcboot)]


def parse_args():
    p = argparse.ArgumentParser(description="kvm-vmm against QEMU, native code and bare KVM")
    p.add_argument("--quick", action="store_true", help="fewer runs (make bench QUICK=1)")
    p.add_argument("--rows", default="", help='rows to run, e.g. "2 3" (default: all)')
    p.add_argument("--vmm", default="./kvm-vmm", help="the kvm-vmm to measure")
    p.add_argument("--out", default="build/bench", help="where make put the guests and programs")
    p.add_argument("--exits", type=int, required=True, help="row 2: `out`s in one run")
    p.add_argument("--scale-exits", type=int, required=True, help="row 6: `out`s per guest")
    p.add_argument("--fib-ring3", type=int, required=True,
                   help="row 3: fib(n) natively, in ring 3 and under QEMU")
    p.add_argument("--fib-ring0", type=int, required=True, help="row 3: fib(n) in ring 0")
    return p.parse_args()


def main():
    args = parse_args()
    rows = {int(r) for r in args.rows.split()} or {num for num, _, _ in ROWS}
    missing = missing_tools(TOOLS)
    if missing:
        print(f"bench: {', '.join(missing)} missing (make deps)", file=sys.stderr)
        return 1
    if not os.access(args.vmm, os.X_OK):
        print(f"bench: {args.vmm} is missing (make)", file=sys.stderr)
        return 1
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench.") as work:
        bench = Bench(args, work)
        runs = (f"runs per case: {bench.runs} (slow cases: {bench.runs_slow}; "
                f"scaling: {bench.scale_rounds})" + ("; QUICK=1" if args.quick else ""))
        header = host_header(args.vmm, runs)
        load_before = os.getloadavg()[0]
        for num, name, row in ROWS:
            if num not in rows:
                continue
            row_start = time.perf_counter()
            log(f"row {num}: {name}")
            row(bench)
            log(f"row {num} took {fmt_time(time.perf_counter() - row_start)}")
        load_after = os.getloadavg()[0]
        report = "\n".join([header, *load_lines(load_before, load_after), "",
                            bench.table.markdown(), "",
                            f"Harness wall time: {fmt_time(time.perf_counter() - started)}."])
        print(report)
        with open(os.path.join(args.out, "results.md"), "w") as f:
            f.write(report + "\n")
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump({"cores": cores(), "load_before": load_before, "load_after": load_after,
                       **bench.samples()}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
