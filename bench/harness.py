"""harness.py - how `make bench` runs and times its cases: a case is one
command whose exit status and output are checked once, then timed with
hyperfine in rounds that alternate the cases, so that a change in the
machine's load hits every case alike. Also runs a command directly and
measures it: wall time, CPU time (os.wait4's rusage) and peak RSS.

Peak RSS comes from GNU time (`-f %M`: one number, in KiB, to a file),
not from os.wait4: the kernel keeps, in a process's ru_maxrss, the
high-water mark of the memory it had before its exec, and a child
started by this Python process had Python's (about 16 MiB) until its
exec. GNU time is small, so its children start small."""

import json
import os
import select
import shlex
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

CHECK_TIMEOUT = 120   # seconds for one checking run
GNU_TIME = "/usr/bin/time"


def log(message):
    """Progress for the person watching: to stderr, never into the report."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


@dataclass
class Run:
    """What one run of a command gave."""
    status: int           # exit status; -N when killed by signal N
    wall: float           # seconds from start to exit
    cpu: float            # user + system seconds, all threads
    rss_kib: int          # peak resident set size (None unless asked for)
    timed_out: bool


def run_measured(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                 timeout=CHECK_TIMEOUT, rss_path=None):
    """Run argv to its end (stdin from /dev/null) and measure it. The CPU
    time comes from os.wait4; a pidfd tells when the process has ended.
    After `timeout` seconds its process group (its own) is killed. With
    rss_path, argv runs under GNU time, which writes its peak RSS there
    (its own few hundred µs count in the wall time)."""
    if rss_path:
        argv = [GNU_TIME, "-f", "%M", "-o", rss_path, *argv]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                            process_group=0)
    pidfd = os.pidfd_open(proc.pid)
    try:
        timed_out = not select.select([pidfd], [], [], timeout)[0]
        if timed_out:   # not reaped yet: the group id cannot have been reused
            os.killpg(proc.pid, signal.SIGKILL)
        _, wait_status, usage = os.wait4(proc.pid, 0)
    finally:
        os.close(pidfd)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(wait_status)   # reaped: Popen must not wait
    rss = None
    if rss_path:
        with open(rss_path) as f:
            words = f.read().split()   # a note comes first if the command was killed
        rss = int(words[-1]) if words and words[-1].isdigit() else None
    return Run(proc.returncode, wall, usage.ru_utime + usage.ru_stime, rss, timed_out)


def time_to_first_output(argv, timeout=CHECK_TIMEOUT):
    """Seconds from starting argv (stdin from /dev/null) to the first byte
    it writes to stdout; the rest of its output is read and the process
    reaped. None if it wrote nothing or ran past `timeout` seconds (then
    its process group is killed)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, process_group=0)
    first = None
    with proc.stdout:
        if select.select([proc.stdout], [], [], timeout)[0] and proc.stdout.read(1):
            first = time.perf_counter() - start
        try:
            proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            first = None
    return first


def stats(values):
    """(median, min, max) of a non-empty list."""
    return statistics.median(values), min(values), max(values)


def median(values):
    return statistics.median(values)


@dataclass
class Case:
    """One command to check and time. `runs` is how many timed runs it gets;
    `reason` says why it is n/a (empty while it works). The samples are
    one per timed run: wall and CPU seconds, peak RSS in KiB."""
    name: str
    argv: list
    want_status: int
    want_out: bytes
    runs: int
    reason: str = ""
    check: Run = None
    wall: list = field(default_factory=list)
    cpu: list = field(default_factory=list)
    rss: list = field(default_factory=list)
    first: list = field(default_factory=list)   # seconds to the first output byte

    @property
    def ok(self):
        return not self.reason

    def fail(self, reason):
        self.reason = reason
        log(f"{self.name}: {reason}")


def one_line(text, limit=120):
    """A message fit for a table cell: one line, no `|`, at most `limit` chars."""
    text = text.decode(errors="replace") if isinstance(text, bytes) else text
    return " ".join(text.replace("|", " ").split())[:limit]


class Harness:
    """The cases of one `make bench` run and the way they are run."""

    def __init__(self, work, runs, warmup):
        self.work = work          # a scratch directory
        self.runs = runs          # timed runs of an ordinary case
        self.warmup = warmup      # rounds run first and not counted
        self.cases = {}
        self.rss_path = os.path.join(work, "rss")   # where GNU time writes

    def add_case(self, name, argv, want_status, want_out, runs):
        """Declare a case and run it once to check its exit status and its
        whole stdout. That run counts as a sample of a case with runs = 1."""
        case = self.cases.get(name)
        if case:
            return case
        case = Case(name, [str(a) for a in argv], want_status, want_out, runs)
        self.cases[name] = case
        out_path = os.path.join(self.work, f"{name}.out")
        err_path = os.path.join(self.work, f"{name}.err")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            try:
                case.check = run_measured(case.argv, stdout=out, stderr=err,
                                          rss_path=self.rss_path)
            except OSError as e:
                case.fail(f"cannot run {case.argv[0]}: {e.strerror}")
                return case
        with open(out_path, "rb") as f:
            output = f.read()
        with open(err_path, "rb") as f:
            errors = f.read()
        if case.check.timed_out:
            case.fail(f"no exit within {CHECK_TIMEOUT} s")
        elif case.check.status != want_status:
            case.fail(f"exit status {case.check.status}: {one_line(errors)}")
        elif output != want_out:
            case.fail("wrong output")
        return case

    def _hyperfine_once(self, case):
        """One run of case under hyperfine (no shell, output to /dev/null);
        returns (wall, cpu) from its JSON export, or None on failure."""
        result_path = os.path.join(self.work, f"{case.name}.json")
        proc = subprocess.run(
            ["hyperfine", "-N", "-i", "--style", "none", "--output", "null", "--runs", "1",
             "--export-json", result_path, shlex.join(case.argv)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            case.fail(f"hyperfine failed: {one_line(proc.stderr, 100)}")
            return None
        with open(result_path) as f:
            result = json.load(f)["results"][0]
        status = result["exit_codes"][0]
        if status != case.want_status:
            case.fail(f"a timed run exited with status {status}")
            return None
        return result["times"][0], result["user"] + result["system"]

    def _rounds(self, names, what):
        """(round, case) in the order the cases are timed: in rounds, each
        round running each case once, so that load hits them alike. A
        first round (negative) warms up, not for slow cases (those with
        fewer runs); a case takes part in its first `runs` rounds."""
        cases = [self.cases[n] for n in names if self.cases[n].ok]
        rounds = max((c.runs for c in cases), default=0)
        log(f"timing {what}{' '.join(names)} ({rounds} rounds)")
        for rnd in range(-self.warmup, rounds):
            for case in cases:
                if case.ok and rnd < case.runs and (rnd >= 0 or case.runs >= self.runs):
                    yield rnd, case

    def time_cases(self, names):
        """Time the cases that passed their check, whole process, with
        hyperfine (see _rounds); with runs = 1 a case's checking run is its
        sample."""
        for name in names:
            self.cases[name].wall, self.cases[name].cpu = [], []
        for rnd, case in self._rounds(names, ""):
            if case.runs == 1:
                if rnd == 0:
                    case.wall.append(case.check.wall)
                    case.cpu.append(case.check.cpu)
                continue
            sample = self._hyperfine_once(case)
            if sample and rnd >= 0:
                case.wall.append(sample[0])
                case.cpu.append(sample[1])

    def time_first_output(self, names):
        """Like time_cases, but the time each case takes to its first byte
        of output (time_to_first_output), not to its end: into case.first."""
        for name in names:
            self.cases[name].first = []
        for rnd, case in self._rounds(names, "the first output of "):
            first = time_to_first_output(case.argv)
            if first is None:
                case.fail("no output in a timed run")
            elif rnd >= 0:
                case.first.append(first)

    def peak_rss(self, name, runs):
        """Peak RSS (KiB) of `runs` runs of a case; its checking run is the first."""
        case = self.cases[name]
        if not case.ok:
            return
        log(f"peak RSS of {name} ({runs} runs)")
        case.rss = [case.check.rss_kib]
        for _ in range(runs - 1):
            case.rss.append(run_measured(case.argv, rss_path=self.rss_path).rss_kib)
        case.rss = [kib for kib in case.rss if kib is not None]
