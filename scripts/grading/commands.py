"""commands.py - what scripts/grade.py and scripts/grade-class.py share:
the runner to use, the file to grade, grading one file of one lesson, and
the Markdown tables they print.
"""

import os
import signal
import sys
from pathlib import Path

from lessonconf import ROOT
from grading.checks import CHECKS_NAME, load_checks
from grading.grader import Grader

USAGE_STATUS = 2  # bad usage, or a mistake in a lesson's files
INTERRUPTED_STATUS = 130  # Ctrl-C or SIGTERM


class UsageError(Exception):
    """Bad usage: the grader stops with status 2 and says why."""


def runner():
    """KVM_VMM (default ./kvm-vmm), relative to the repository root."""
    vmm = os.environ.get("KVM_VMM") or "./kvm-vmm"
    if "/" not in vmm:
        vmm = "./" + vmm
    if not os.access(vmm, os.X_OK):
        raise UsageError(f"{vmm} is not built yet: run make first")
    return vmm


def exercise_file(lesson, solutions):
    """The lesson's exercise (lesson.conf), or its reference solution."""
    folder = lesson.dir / "solution" if solutions else lesson.dir
    path = folder / lesson.exercise
    if not path.is_file():
        raise UsageError(f"lesson {lesson.name} has no {path}")
    return path.resolve()


def grade_lesson(lesson, source, vmm, out, quiet, colour=False, timeout=None):
    """Grade one file against the lesson's checks.toml, printing to out;
    returns its Result. timeout: seconds before a run counts as an endless
    loop, instead of the checks.toml's. GRADE_KEEP=1 keeps the temporary
    directory."""
    if not (lesson.dir / CHECKS_NAME).is_file():
        raise UsageError(f"lesson {lesson.name} has no {CHECKS_NAME}: nothing to grade")
    checks = load_checks(lesson.dir)
    if timeout is not None:
        checks.timeout = timeout
        checks.gdb_timeout = max(checks.gdb_timeout, timeout)
    if not quiet:
        shown = Path(source)
        if shown.is_relative_to(ROOT):
            shown = shown.relative_to(ROOT)
        out.write(f"grading {shown} for lesson {lesson.name}\n")
    grader = Grader(lesson, checks, source, vmm, out=out, quiet=quiet, colour=colour)
    return grader.grade(keep=bool(os.environ.get("GRADE_KEEP")))


def table_row(cells, widths):
    """One row of a Markdown table; a negative width aligns right."""
    return "| " + " | ".join(f"{c:>{-w}}" if w < 0 else f"{c:<{w}}"
                             for c, w in zip(cells, widths)) + " |"


def table_rule(widths):
    """The line under the header: |-----|-----:| (':' for aligned right)."""
    return "|" + "|".join("-" * (w + 2) if w > 0 else "-" * (1 - w) + ":"
                          for w in widths) + "|"


def run_main(main):
    """Run a script's main(argv): its status, 130 when interrupted."""
    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED_STATUS)
