"""grader.py - grade one student's file for one lesson: build it, run it once
for the output and exit checks, run one gdb session for the register and
memory checks, and print one line per check:

  [PASS] 2/2  description
  [FAIL] 0/2  description — hint
  [SKIP] 0/2  description — why it could not run on this machine

then "score: X/Y". Without quiet, a failed check is followed by what went
wrong: a diff, the value gdb read, the compiler's errors.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grading.build import build, tool
from grading.checks import VGA_CELL_BYTES
from grading.gdbsession import GdbSession
from grading.text import read_lines, unified_diff

TIMEOUT_STATUS = 124  # kvm-vmm --timeout: the guest was stopped
FAULT_STATUS = 1  # kvm-vmm: a guest fault (it says why on stderr)
REFUSED_STATUS = 2  # kvm-vmm: it refused the guest or its options
RUN_GRACE_S = 5  # past --timeout, before the grader stops kvm-vmm itself
BUILD_LOG_LINES = 10
DIFF_LINES = 14
OUTPUT_START_LINES = 5
NOTE_INDENT = " " * 9
COLOURS = {"PASS": "\033[32m", "FAIL": "\033[31m", "SKIP": "\033[33m"}
COLOUR_OFF = "\033[0m"


@dataclass
class Result:
    """How one file did: what grade.py prints last, and the class tables."""
    score: int = 0
    max: int = 0
    failed: int = 0  # checks that failed
    skipped: int = 0  # checks that could not run here
    built: bool = False


class Grader:
    def __init__(self, lesson, checks, source, vmm, out=sys.stdout, quiet=False, colour=False):
        """checks.timeout (and checks.gdb_timeout) may have been changed by
        the caller: grade.py --timeout."""
        self.lesson, self.checks, self.source, self.vmm = lesson, checks, Path(source), vmm
        self.out, self.quiet, self.colour = out, quiet, colour
        self.language = "c" if self.source.suffix == ".c" else "asm"
        self.result = Result()
        self.elf = None
        self.build_log = None
        self.build_errors_shown = False
        self.run_status = None  # kvm-vmm's exit status, after the one run
        self.workdir = None
        self.gdb = None

    # --- printing ------------------------------------------------------------

    def write_line(self, text=""):
        self.out.write(text + "\n")

    def note(self, *lines):
        """Indented details under a check line (not when quiet)."""
        if not self.quiet:
            for line in lines:
                self.write_line(NOTE_INDENT + line)

    def note_lines(self, lines):
        self.note(*(f"| {line}" for line in lines))

    def verdict(self, tag, points, description, hint=""):
        """Print one check line and count it."""
        got = points if tag == "PASS" else 0
        self.result.max += points
        self.result.score += got
        if tag == "FAIL":
            self.result.failed += 1
        elif tag == "SKIP":
            self.result.skipped += 1
        shown = f"[{tag}]"
        if self.colour:
            shown = f"{COLOURS[tag]}{shown}{COLOUR_OFF}"
        line = f"  {shown} {got}/{points}  {description}"
        if tag != "PASS" and hint:
            line += f" — {hint}"
        self.write_line(line)

    # --- building and running ------------------------------------------------

    def show_build_errors(self):
        """nasm's (gcc's) and ld's complaints, once, under a check line."""
        if not self.build_errors_shown:
            self.build_errors_shown = True
            self.note_lines(read_lines(self.build_log, BUILD_LOG_LINES))

    def stdin_path(self):
        """The exercise's stdin: checks.toml's input, else nothing."""
        if self.checks.input:
            return self.lesson.dir / self.checks.input
        return os.devnull

    def ensure_run(self):
        """Run the guest once; every output and exit check looks at this run.
        Returns kvm-vmm's exit status."""
        if self.run_status is not None:
            return self.run_status
        command = [self.vmm, "--timeout", str(self.checks.timeout), *self.lesson.args,
                   *self.lesson.vmm_args(self.elf)]
        with open(self.stdin_path(), "rb") as stdin, \
                open(self.workdir / "run.out", "wb") as out, \
                open(self.workdir / "run.err", "wb") as err:
            try:
                self.run_status = subprocess.run(
                    command, stdin=stdin, stdout=out, stderr=err,
                    timeout=self.checks.timeout + RUN_GRACE_S).returncode
            except subprocess.TimeoutExpired:
                self.run_status = TIMEOUT_STATUS
        return self.run_status

    def run_output(self):
        return (self.workdir / "run.out").read_bytes()

    def explain_status(self, status):
        """Why the run ended, for the student."""
        if status == TIMEOUT_STATUS:
            return (f"your program was stopped after {self.checks.timeout} s: an endless loop? "
                    "(a slow program: make check TIMEOUT=S)")
        if status in (FAULT_STATUS, REFUSED_STATUS):
            # kvm-vmm says why on stderr for a guest fault (1) or a refusal
            # (2); with nothing there, the guest itself exited with that code.
            first = read_lines(self.workdir / "run.err", 1)
            if not first:
                return f"your program exited with code {status}"
            if status == FAULT_STATUS:
                return f"your program crashed the virtual CPU: {first[0]}"
            return f"kvm-vmm refused to run it: {first[0]}"
        if status == 0:
            return "your program ended with status 0 (hlt, or exit code 0)"
        return f"your program exited with code {status}"

    # --- the checks ----------------------------------------------------------

    def check_builds(self, check, description):
        if self.elf:
            self.verdict("PASS", check.points, description)
        else:
            hint = check.hint or f"read the first error {tool(self.language)} prints"
            self.verdict("FAIL", check.points, description, hint)
            self.show_build_errors()

    def check_output(self, check, description):
        expected = (self.lesson.dir / check.file).read_bytes()
        self.ensure_run()
        got = self.run_output()
        if got == expected:
            self.verdict("PASS", check.points, description)
            return
        self.verdict("FAIL", check.points, description, check.hint)
        if self.run_status in (TIMEOUT_STATUS, FAULT_STATUS):
            self.note(self.explain_status(self.run_status))
        self.note_lines(unified_diff(expected, got)[:DIFF_LINES])

    def check_output_contains(self, check, description):
        self.ensure_run()
        if check.text.encode() in self.run_output():
            self.verdict("PASS", check.points, description)
            return
        self.verdict("FAIL", check.points, description, check.hint)
        self.note("your output began:")
        self.note_lines(read_lines(self.workdir / "run.out", OUTPUT_START_LINES))

    def check_exit(self, check, description):
        self.ensure_run()
        if self.run_status == check.status:
            self.verdict("PASS", check.points, description)
        else:
            self.verdict("FAIL", check.points, description, check.hint)
            self.note(self.explain_status(self.run_status))

    def expected_value(self, check):
        """The value a register or memory check wants: its number, or the
        bytes the program printed (value = "output_length")."""
        if check.want is None:
            self.ensure_run()
            return len(self.run_output())
        return check.want

    def judge_screen(self, check, description, row):
        """A screen check: the cells of its row, read from the text screen
        (a character byte and an attribute byte each), against its text
        and attribute."""
        start, end = check.column, check.column + len(check.text)
        characters = row[0::VGA_CELL_BYTES]
        attributes = row[1::VGA_CELL_BYTES][start:end]
        right_text = characters[start:end] == check.text.encode()
        right_colour = check.attribute is None or all(a == check.attribute for a in attributes)
        if right_text and right_colour:
            self.verdict("PASS", check.points, description)
            return
        self.verdict("FAIL", check.points, description, check.hint)
        shown = characters[start:end].decode("cp437")
        self.note(f'row {check.row} from column {check.column} showed "{shown}" at {check.at}')
        elsewhere = characters.find(check.text.encode())
        if not right_text and elsewhere >= 0:
            self.note(f'"{check.text}" is on row {check.row} from column {elsewhere}')
        if check.attribute is not None:
            used = sorted(set(attributes))
            self.note("in attribute(s) " + ", ".join(f"{a:#04x}" for a in used))
        if check.note:
            self.note(check.note)

    def check_gdb(self, check, description):
        """A register, memory or screen check: the value the gdb session read."""
        if not self.gdb.ran:
            # A program that ran into its time limit gets no longer under
            # gdb: its labels come before the endless loop or never.
            looped = self.ensure_run() == TIMEOUT_STATUS
            self.gdb.run([c for c in self.checks.checks if c.uses_gdb],
                         self.checks.timeout if looped else self.checks.gdb_timeout)
        reading = self.gdb.reading(check)
        if reading.skip:
            self.verdict("SKIP", check.points, description, reading.skip)
            return
        if reading.value is None:
            hint = f"{check.hint}; {reading.why}" if check.hint else reading.why
            self.verdict("FAIL", check.points, description, hint)
            self.note(*reading.notes)
            return
        if check.kind == "screen":
            self.judge_screen(check, description, reading.value)
            return
        want = self.expected_value(check)
        if want < 0:  # -1 is all ones, in the value's size
            want += 1 << (8 * reading.size)
        if reading.value & ~check.ignore_bits == want & ~check.ignore_bits:
            self.verdict("PASS", check.points, description)
            return
        self.verdict("FAIL", check.points, description, check.hint)
        what = check.register if check.kind == "register" else check.address
        # Registers as gdb's p/x shows them, memory with every byte's digits.
        digits = 1 if check.kind == "register" else 2 * reading.size
        self.note(f"{what} was {reading.value:#0{digits + 2}x} ({reading.value}) at {check.at}")
        if check.want is None:
            printed = want
            self.note(f"your program printed {printed} byte(s)")
            if reading.value == printed + 1:
                self.note("one more than it printed: did the loop count the terminating 0?")
        if check.note:
            self.note(check.note)

    # --- grading -------------------------------------------------------------

    def grade(self, keep=False):
        """Grade the file; returns its Result. keep: leave the temporary
        directory (the ELF, the runs, the gdb logs) and say where."""
        self.workdir = Path(tempfile.mkdtemp(prefix="grade."))
        try:
            self.elf, self.build_log = build(self.source, self.lesson, self.checks,
                                             self.workdir)
            self.result.built = self.elf is not None
            self.gdb = GdbSession(self.vmm, self.elf, self.lesson, self.checks,
                                  self.stdin_path(), self.workdir, self.ensure_run)
            for check in self.checks.checks:
                self.grade_check(check)
        finally:
            if keep:
                print(f"grade: kept the build, the runs and the gdb logs in {self.workdir}",
                      file=sys.stderr)
            else:
                shutil.rmtree(self.workdir, ignore_errors=True)
        if not self.quiet and self.result.skipped:
            self.write_line(f"  ({self.result.skipped} check(s) skipped: "
                            "their points are not awarded on this machine)")
        self.write_line(f"score: {self.result.score}/{self.result.max}")
        return self.result

    def grade_check(self, check):
        description = check.description(self.source.name, self.language)
        if check.kind == "builds":
            self.check_builds(check, description)
        elif not self.elf:
            # Every other check needs the program.
            self.verdict("FAIL", check.points, description,
                         f"your program does not build: fix the first {tool(self.language)} error")
            self.show_build_errors()
        elif check.uses_gdb:
            self.check_gdb(check, description)
        elif check.kind == "output":
            self.check_output(check, description)
        elif check.kind == "output_contains":
            self.check_output_contains(check, description)
        else:
            self.check_exit(check, description)
