#!/usr/bin/env python3
"""grade.py - grade a student's exercise for one lesson: build it, run it in
kvm-vmm, and award points per check from the lesson's checks.toml.

  scripts/grade.py [--quiet] [--timeout S] [--file PATH | --solutions] NN   one lesson
  scripts/grade.py [--quiet] [--timeout S] --all [--solutions]   every lesson, as a table

NN is a lesson number (3, 03) or folder name (03-fibonacci). Without --file
the student's file is the lesson's exercise (lesson.conf: exercise.asm, or
exercise.c in C); --solutions grades lessons/NN-*/solution/ instead. Each
check prints one line
  [PASS] 2/2  description        or        [FAIL] 0/2  description — hint
and the last line is "score: X/Y".

Exit status: 0 when every check that ran passed (full marks, or full marks
but for checks that had to be skipped: they are shown as SKIP and their
points are not awarded), 1 when a check failed, 2 for bad usage (no such
lesson, no such file, a mistake in a checks.toml).

Environment: KVM_VMM, the runner to use (default ./kvm-vmm); GRADE_KEEP=1
keeps the temporary directory (the ELF, outputs, gdb logs) to look into;
NO_COLOR=1 never colours the verdicts. docs/teaching.md explains checks.toml.
"""

import io
import os
import sys
from pathlib import Path

from lessonconf import ROOT, LessonError, all_lessons, find_lesson, lesson_of_file
from grading.checks import CHECKS_NAME, ChecksError
from grading.commands import (USAGE_STATUS, UsageError, exercise_file, grade_lesson,
                              run_main, runner, table_row, table_rule)

USAGE = """\
usage: scripts/grade.py [--quiet] [--timeout S] [--file PATH | --solutions] NN
       scripts/grade.py [--quiet] [--timeout S] --all [--solutions]

Grade the exercise of lesson NN (default file: lessons/NN-*/exercise.asm,
or exercise.c for a lesson written in C). With --file PATH inside a lesson
folder, NN may be left out: it is that lesson.
  --file PATH   grade this .asm (or .c) instead (a student's copy, or the solution)
  --quiet       print only one line per check and the score
  --timeout S   seconds before a run counts as an endless loop (default: the
                lesson's checks.toml, else 3)
  --all         grade every lesson that has a checks.toml; print a table
  --solutions   grade the reference solution (solution/exercise.asm) instead"""


def parse_args(argv):
    """The options, as a dict; UsageError when they make no sense."""
    opts = {"quiet": False, "all": False, "solutions": False, "file": None, "lesson": None,
            "help": False, "timeout": None}
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in ("-q", "--quiet"):
            opts["quiet"] = True
        elif arg == "--all":
            opts["all"] = True
        elif arg == "--solutions":
            opts["solutions"] = True
        elif arg == "--file":
            if not args:
                raise UsageError("--file needs a path")
            opts["file"] = args.pop(0)
        elif arg.startswith("--file="):
            opts["file"] = arg[len("--file="):]
        elif arg == "--timeout":
            if not args:
                raise UsageError("--timeout needs a number of seconds")
            opts["timeout"] = parse_timeout(args.pop(0))
        elif arg in ("-h", "--help"):
            opts["help"] = True
        elif arg.startswith("-"):
            raise UsageError(f"unknown option {arg} (see --help)")
        elif opts["lesson"] is not None:
            raise UsageError(f"one lesson at a time (got {opts['lesson']} and {arg})")
        else:
            opts["lesson"] = arg
    return opts


def parse_timeout(text):
    """--timeout's value: a whole number of seconds, at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"--timeout is a whole number of seconds (1 or more), got '{text}'")
    return int(text)


def grade_one(opts, source):
    lesson = find_lesson(opts["lesson"])
    if source is None:
        source = exercise_file(lesson, opts["solutions"])
    vmm = runner()
    colour = sys.stdout.isatty() and not opts["quiet"] and not os.environ.get("NO_COLOR")
    result = grade_lesson(lesson, source, vmm, sys.stdout, opts["quiet"], colour,
                          opts["timeout"])
    return 0 if result.failed == 0 else 1


def grade_all(opts):
    """Every lesson that has a checks.toml, as a table; 1 if any lost points."""
    if opts["lesson"] is not None or opts["file"] is not None:
        raise UsageError("--all grades every lesson: give no lesson and no --file")
    lessons = [lesson for lesson in all_lessons() if (lesson.dir / CHECKS_NAME).is_file()]
    if not lessons:
        raise UsageError(f"no lesson has a {CHECKS_NAME} yet")
    vmm = runner()
    widths = (22, -6, -4, 20)
    what = "reference solutions" if opts["solutions"] else "exercises"
    if not opts["quiet"]:
        print(f"grading the {what} of every lesson that has a {CHECKS_NAME}")
        print()
    print(table_row(("lesson", "points", "max", "notes"), widths))
    print(table_rule(widths))
    total = total_max = 0
    failed = False
    for lesson in lessons:
        notes = []
        try:
            source = exercise_file(lesson, opts["solutions"])
            result = grade_lesson(lesson, source, vmm, io.StringIO(), quiet=True,
                                  timeout=opts["timeout"])
            got, top = result.score, result.max
            if result.failed:
                notes.append(f"{result.failed} failed")
                failed = True
            if result.skipped:
                notes.append(f"{result.skipped} skipped")
        except (UsageError, ChecksError, LessonError) as e:
            got = top = 0
            notes.append(f"the grader did not finish: grade: {e}")
            failed = True
        print(table_row((lesson.name, got, top, "; ".join(notes)), widths))
        total += got
        total_max += top
    print(table_row(("total", total, total_max, ""), widths))
    print()
    print(f"score: {total}/{total_max}")
    if not opts["quiet"]:
        print("details of one lesson: make check LESSON=NN"
              + (" SOLUTIONS=1" if opts["solutions"] else ""))
    return 1 if failed else 0


def main(argv):
    try:
        opts = parse_args(argv)
        if opts["help"]:
            print(USAGE)
            return 0
        # The student's file is relative to where they ran us; everything
        # else is relative to the repository root.
        source = None
        if opts["file"] is not None:
            if not os.path.isfile(opts["file"]):
                raise UsageError(f"no such file: {opts['file']}")
            source = Path(opts["file"]).resolve()
        os.chdir(ROOT)
        if opts["all"]:
            return grade_all(opts)
        if opts["lesson"] is None and source is not None:
            opts["lesson"] = lesson_of_file(source)
            if opts["lesson"] is None:
                raise UsageError(f"which lesson is {opts['file']} for? Give its number "
                                 "(make check LESSON=NN FILE=...)")
        if opts["lesson"] is None:
            print(USAGE, file=sys.stderr)
            return USAGE_STATUS
        return grade_one(opts, source)
    except (UsageError, ChecksError, LessonError) as e:
        sys.stdout.flush()
        print(f"grade: {e}", file=sys.stderr)
        return USAGE_STATUS


if __name__ == "__main__":
    run_main(main)
