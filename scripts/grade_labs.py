#!/usr/bin/env python3
"""grade_labs.py - grade the labs of Part II (labs/NN-topic/, docs/labs.md):
run a lab's Criterion tests (its grader) against the lab's kvm-vmm, built by
make with the student's lab.c, or with solution/lab.c.

  scripts/grade_labs.py [--build DIR] [--solutions] NN   one lab, test by test
  scripts/grade_labs.py [--build DIR] [--solutions] --all   every lab, as a table
  scripts/grade_labs.py [--build DIR] --vmm PATH NN       lab NN against another kvm-vmm
  scripts/grade_labs.py [--build DIR] [--csv] --class SUBMISSIONS NN   a class

--class grades every student's lab.c for lab NN: SUBMISSIONS holds one entry
per student, named after the student: STUDENT.c, or a folder STUDENT/ with
(first found) lab.c, NN-topic/lab.c, labs/NN-topic/lab.c, or its only .c.
Each is built into DIR/class/STUDENT/kvm-vmm (make LAB_SOURCE=... LAB_OUT=...)
and graded; one line per student (--csv: "student,passed,tests,notes").

make builds the programs first (make check LAB=NN, make grade): DIR/NN/kvm-vmm,
DIR/NN/solution/kvm-vmm and DIR/NN/grader (DIR: build/labs). One test is one
point; the last line is "score: X/Y".

Exit status: 0 at full marks, 1 when a test failed, 2 for bad usage (no such
lab, a program not built). --class: 0 when every submission was graded,
whatever the scores.
"""

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABS = ROOT / "labs"
FULL_STATUS, BELOW_FULL_STATUS, USAGE_STATUS = 0, 1, 2
TIMEOUT_S = 300   # one lab's whole grader
COLUMN = 22       # width of the lab column in the table


class UsageError(Exception):
    pass


def all_labs():
    """Every lab folder, labs/NN-topic, in order."""
    return sorted(p for p in LABS.iterdir() if p.is_dir() and p.name[:2].isdigit()
                  and p.name[2:3] == "-")


def find_lab(which):
    """The lab folder of "1", "01" or "01-hypercall"."""
    number = which.split("-")[0]
    if not number.isdigit():
        raise UsageError(f"no lab {which!r}: give its number, e.g. 01")
    for lab in all_labs():
        if int(lab.name[:2]) == int(number):
            return lab
    raise UsageError(f"no lab {which!r} in labs/")


def grade(lab, build, vmm, quiet):
    """Run lab's grader against the runner vmm; returns (passed, total).
    Criterion's own report (each failed test with its message) goes to our
    stderr unless quiet."""
    number = lab.name[:2]
    grader = build / number / "grader"
    for program in (vmm, grader):
        if not program.exists():
            raise UsageError(f"{program} is not built: run make check LAB={number}")
    with tempfile.TemporaryDirectory() as tmp:
        # TAP, not --json: Criterion 2.4 does not escape quotes in JSON.
        report = Path(tmp) / "report.tap"
        env = dict(os.environ, KVM_VMM=str(vmm))
        # Run from inside a Criterion test (tests/test_labs.c), the grader
        # would take its parent's BXFI_MAP for its own and think it is a
        # test worker: it is a program of its own.
        env.pop("BXFI_MAP", None)
        done = subprocess.run([str(grader), "--jobs=2", f"--tap={report}"], cwd=ROOT, env=env,
                       stdout=subprocess.DEVNULL if quiet else None,
                       stderr=subprocess.DEVNULL if quiet else None, timeout=TIMEOUT_S,
                       check=False)
        if not report.exists():
            raise UsageError(f"{grader} wrote no report (status {done.returncode})")
        lines = report.read_text().splitlines()
    # TAP: "ok N - suite::test" or "not ok N - ..." per test.
    passed = sum(1 for line in lines if line.startswith("ok "))
    failed = sum(1 for line in lines if line.startswith("not ok "))
    return passed, passed + failed


def option_value(args, name, default):
    """Take "name VALUE" out of args; VALUE, or default if it is not there."""
    if name not in args:
        return default
    i = args.index(name)
    if i + 1 >= len(args):
        raise UsageError(f"{name} needs a value")
    value = args[i + 1]
    del args[i:i + 2]
    return value


def lab_vmm(lab, build, solutions):
    """The kvm-vmm make built for lab: with its lab.c or its solution."""
    return build / lab.name[:2] / ("solution/kvm-vmm" if solutions else "kvm-vmm")


def find_submission(entry, lab):
    """The lab.c of one student's entry in SUBMISSIONS, or None."""
    if entry.is_file():
        return entry if entry.suffix == ".c" else None
    for candidate in (entry / "lab.c", entry / lab.name / "lab.c",
                      entry / "labs" / lab.name / "lab.c"):
        if candidate.is_file():
            return candidate
    sources = list(entry.glob("*.c"))
    return sources[0] if len(sources) == 1 else None


def build_vmm(source, out):
    """make a kvm-vmm of source in out; True if it built."""
    done = subprocess.run(["make", "-s", "--no-print-directory", f"LAB_SOURCE={source}",
                           f"LAB_OUT={out}", f"{out}/kvm-vmm"], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=TIMEOUT_S, check=False)
    return done.returncode == 0


def grade_class(submissions, lab, build, as_csv):
    """One row per student of submissions: (student, passed, tests, notes)."""
    if not submissions.is_dir():
        raise UsageError(f"{submissions} is not a folder")
    rows = []
    for entry in sorted(submissions.iterdir()):
        student = entry.stem if entry.is_file() else entry.name
        source = find_submission(entry, lab)
        out = build / "class" / student
        if source is None:
            rows.append((student, 0, 0, "no lab.c found"))
        elif not build_vmm(source.resolve(), out):
            rows.append((student, 0, 0, "does not build"))
        else:
            passed, total = grade(lab, build, out / "kvm-vmm", True)
            rows.append((student, passed, total, "" if passed == total else
                         f"{total - passed} test(s) failed"))
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("student", "passed", "tests", "notes"))
        writer.writerows(rows)
        return
    print(f"lab {lab.name}, submissions in {submissions.resolve()}")
    print()
    print(f"| {'student':<{COLUMN}} | passed | tests | notes")
    print(f"|{'-' * (COLUMN + 2)}|-------:|------:|------")
    for student, passed, total, notes in rows:
        print(f"| {student:<{COLUMN}} | {passed:>6} | {total:>5} | {notes}")


def main(argv):
    args = list(argv)
    build = ROOT / "build" / "labs"
    solutions = "--solutions" in args
    args = [a for a in args if a != "--solutions"]
    build = ROOT / option_value(args, "--build", build)
    vmm = option_value(args, "--vmm", None)
    submissions = option_value(args, "--class", None)
    as_csv = "--csv" in args
    args = [a for a in args if a != "--csv"]
    if submissions is not None:
        if len(args) != 1 or vmm is not None or solutions:
            raise UsageError("usage: scripts/grade_labs.py [--csv] --class SUBMISSIONS NN")
        grade_class(Path(submissions), find_lab(args[0]), build, as_csv)
        return FULL_STATUS
    if args == ["--all"]:
        labs, quiet = all_labs(), True
    elif len(args) == 1 and not args[0].startswith("-"):
        labs, quiet = [find_lab(args[0])], False
    else:
        raise UsageError("usage: scripts/grade_labs.py [--build DIR] [--solutions | --vmm PATH] NN|--all")
    if vmm is not None and (quiet or solutions):
        raise UsageError("--vmm grades one lab, with that kvm-vmm only")
    if quiet:
        print(f"| {'lab':<{COLUMN}} | passed | tests |")
        print(f"|{'-' * (COLUMN + 2)}|-------:|------:|")
    passed_all = total_all = 0
    for lab in labs:
        runner = Path(vmm).resolve() if vmm else lab_vmm(lab, build, solutions)
        passed, total = grade(lab, build, runner, quiet)
        if quiet:
            print(f"| {lab.name:<{COLUMN}} | {passed:>6} | {total:>5} |")
        passed_all += passed
        total_all += total
    if quiet:
        print(f"| {'total':<{COLUMN}} | {passed_all:>6} | {total_all:>5} |")
        print()
    print(f"score: {passed_all}/{total_all}")
    return FULL_STATUS if total_all and passed_all == total_all else BELOW_FULL_STATUS


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as e:
        print(f"grade_labs.py: {e}", file=sys.stderr)
        sys.exit(USAGE_STATUS)
