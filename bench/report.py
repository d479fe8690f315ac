"""report.py - the report of `make bench`: numbers formatted for people
(three significant digits, the right unit), the Markdown table of results
with ratios and target verdicts, and the description of the host."""

import datetime
import os
import shutil
import subprocess

from harness import stats


def sig3(v):
    """Three significant digits (for values under 1000)."""
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_time(seconds):
    """A duration in s, ms, µs or ns, three significant digits."""
    a = abs(seconds)
    if a >= 1:
        return f"{sig3(seconds)} s"
    if a >= 1e-3:
        return f"{sig3(seconds * 1e3)} ms"
    if a >= 1e-6:
        return f"{sig3(seconds * 1e6)} µs"
    return f"{sig3(seconds * 1e9)} ns"


def fmt_mib(kib):
    return f"{kib / 1024:.2f} MiB"


def fmt_ratio(r):
    if r >= 100:
        return f"{r:.0f}×"
    if r >= 10:
        return f"{r:.1f}×"
    return f"{r:.2f}×"


UNITS = {"s": fmt_time, "KiB": fmt_mib}


def cpu_note(cpu, ref_cpu=None):
    """'; CPU time T' (the median), with its ratio to ref_cpu's median;
    empty without CPU times."""
    if not cpu:
        return ""
    m = stats(cpu)[0]
    note = f"; CPU time {fmt_time(m)}"
    if ref_cpu:
        note += f" ({fmt_ratio(m / stats(ref_cpu)[0])})"
    return note


class Table:
    """The results table: one line per case, grouped in numbered rows."""

    HEADER = ["| # | benchmark | case | median | min | max | ratio | target / note |",
              "|---|---|---|---:|---:|---:|---:|---|"]

    def __init__(self):
        self.lines = []
        self.last_num = None

    def line(self, num, what, label, cells, note):
        """One table line; the benchmark is named on its row's first line only."""
        if num == self.last_num:
            what = ""
        self.last_num = num
        self.lines.append(f"| {num} | {what} | {label} | {' | '.join(cells)} | {note} |")

    def na(self, num, what, label, reason):
        self.line(num, what, label, [f"n/a ({reason or 'not measured'})", "", "", ""], "")

    def result(self, num, what, label, values, unit="s", ref=None, note="",
               target=None, reason=""):
        """The line of a measured case: median, min and max of `values` (in
        `unit`: "s" or "KiB") and the ratio of the median to `ref` (a
        number; "=" for the reference itself; None for no ratio). `target`
        is (text, test): test(median, ratio) gives the verdict that starts
        the note. An empty `values` or a `reason` makes the line n/a.
        Returns the median (None when n/a)."""
        if reason or not values:
            self.na(num, what, label, reason)
            return None
        m, lo, hi = stats(values)
        ratio = 1.0 if ref == "=" else (m / ref if ref else None)
        note = note.removeprefix("; ")
        if target and ratio is not None:
            text, test = target
            verdict = "**met**" if test(m, ratio) else "**missed**"
            note = f"{text}: {verdict}" + (f"; {note}" if note else "")
        fmt = UNITS[unit]
        cells = [fmt(m), fmt(lo), fmt(hi), fmt_ratio(ratio) if ratio is not None else ""]
        self.line(num, what, label, cells, note)
        return m

    def markdown(self):
        return "\n".join(self.HEADER + self.lines)


def host_is_pvm():
    """Nested PVM: ring-0 guest code is emulated, ring-3 code runs natively."""
    return os.path.isdir("/sys/module/kvm_pvm")


def first_line(argv):
    """The first line a command prints (a version string), or '?'."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.splitlines()[0] if out.strip() else "?"


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def cores():
    """CPUs this process may run on (what `nproc` says)."""
    return len(os.sched_getaffinity(0))


def check_host_lines(vmm):
    """kvm-vmm --check-host's summary of this host, quoted as it prints
    it: its `host:` line and its exit round trip (kvm-vmm has no
    machine-readable form of these; the harness only shows them)."""
    try:
        out = subprocess.run([vmm, "--check-host"], capture_output=True, text=True,
                             timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    lines = out.splitlines()
    host = next((l for l in lines if l.startswith("host:")),
                "host: (kvm-vmm --check-host failed)")
    trip = next((l for l in lines if l.startswith("exit round trip")), None)
    return host.removeprefix("host: "), trip


def git_commit():
    """The commit kvm-vmm was built from, and whether vmm/ or gdbstub/ differ from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "vmm", "gdbstub"],
                               capture_output=True).returncode != 0
    except OSError:
        return "unknown"
    return commit + (", with uncommitted changes in vmm/ or gdbstub/" if dirty else "")


def host_header(vmm, runs_line):
    """The report's first lines: the machine, its KVM, the tools' versions."""
    host, trip = check_host_lines(vmm)
    version = first_line([vmm, "--version"]).split()[-1]
    tools = ", ".join([first_line(["qemu-system-i386", "--version"]),
                       first_line(["gdb", "--version"]),
                       first_line(["hyperfine", "--version"])])
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["## mini-kvm benchmark", "",
             f"- CPU: {cpu_model()}, {cores()} cores online; Linux {os.uname().release}",
             f"- /dev/kvm {host}"]
    if trip:
        lines.append(f"- kvm-vmm --check-host: {trip}")
    lines += [f"- kvm-vmm {version} (commit {git_commit()}), {tools}",
              f"- {now}; {runs_line}"]
    return "\n".join(lines)


def load_lines(before, after):
    """The load average around the run, and a warning when it exceeded the cores."""
    n = cores()
    lines = [f"- load average (1 min) before / after: {before:.2f} / {after:.2f} on {n} cores"]
    if before > n or after > n:
        lines.append("- **the machine was busy**: other processes competed for the CPUs, so "
                     "wall times include waiting; cases were timed in alternation, so compare "
                     "ratios")
    return lines


def missing_tools(tools):
    return [t for t in tools if not shutil.which(t)]
