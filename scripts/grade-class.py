#!/usr/bin/env python3
"""grade-class.py - grade a whole class's submissions for one lesson in one
command, for instructors: one line per student, then a summary.

  scripts/grade-class.py [--report DIR] [--csv] SUBMISSIONS NN

SUBMISSIONS holds one entry per student, named after the student:
  alice.asm                          the student's exercise file, or
  bob/                               a folder with, first found:
      bob/exercise.asm
      bob/NN-topic/exercise.asm
      bob/lessons/NN-topic/exercise.asm  (a copy of the whole course)
      bob/*.asm                          (when it is the only .asm there)
(.c instead of .asm for a lesson whose exercise is in C.) Each is graded as
scripts/grade.py grades one file, against lessons/NN-topic/checks.toml.
  --report DIR   also write each student's full grading (checks, hints,
                 diffs) to DIR/STUDENT.txt, to hand back
  --csv          print "student,score,max,notes" lines instead of a table
Exit status: 0 when every submission was graded (whatever the scores),
2 for bad usage.
"""

import csv
import io
import os
import sys
from pathlib import Path

from lessonconf import ROOT, LessonError, find_lesson
from grading.checks import CHECKS_NAME, ChecksError
from grading.commands import (USAGE_STATUS, UsageError, grade_lesson, run_main, runner,
                              table_row, table_rule)

USAGE = """\
usage: scripts/grade-class.py [--report DIR] [--csv] SUBMISSIONS NN

Grade every student's exercise for lesson NN. SUBMISSIONS holds one
STUDENT.asm (STUDENT.c for a lesson in C) or one STUDENT/ folder (with the
exercise inside) per student.
  --report DIR   write each student's detailed grading to DIR/STUDENT.txt
  --csv          print CSV (student,score,max,notes) instead of a table"""

WIDTHS = (20, -5, -4, 22)  # the table's columns; negative: aligned right


def die_usage(message):
    print(f"grade-class: {message}", file=sys.stderr)
    sys.exit(USAGE_STATUS)


def parse_args(argv):
    report, as_csv, words = None, False, []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--report":
            if not args:
                die_usage("--report needs a directory")
            report = args.pop(0)
        elif arg == "--csv":
            as_csv = True
        elif arg in ("-h", "--help"):
            print(USAGE)
            sys.exit(0)
        elif arg.startswith("-"):
            die_usage(f"unknown option {arg} (see --help)")
        else:
            words.append(arg)
    if len(words) != 2:
        print(USAGE, file=sys.stderr)
        sys.exit(USAGE_STATUS)
    return report, as_csv, words[0], words[1]


def find_submission(entry, lesson, ext):
    """The exercise file to grade for one student, or None."""
    if entry.is_file():
        return entry
    for path in (entry / f"exercise.{ext}", entry / lesson.name / f"exercise.{ext}",
                 entry / "lessons" / lesson.name / f"exercise.{ext}"):
        if path.is_file():
            return path
    found = [p for p in sorted(entry.glob(f"*.{ext}")) if p.is_file()]
    return found[0] if len(found) == 1 else None


def main(argv):
    report, as_csv, submissions, lesson_arg = parse_args(argv)
    submissions = Path(submissions)
    if not submissions.is_dir():
        die_usage(f"no such directory: {submissions}")
    submissions = submissions.resolve()
    if report:
        try:
            Path(report).mkdir(parents=True, exist_ok=True)
        except OSError:
            die_usage(f"cannot create {report}")
        report = Path(report).resolve()
    os.chdir(ROOT)
    try:
        lesson = find_lesson(lesson_arg)
        if not (lesson.dir / CHECKS_NAME).is_file():
            raise LessonError(f"lesson {lesson.name} has no {CHECKS_NAME}: nothing to grade")
        vmm = runner()
    except (LessonError, UsageError) as e:
        die_usage(str(e))
    ext = "c" if lesson.language == "c" else "asm"

    writer = csv.writer(sys.stdout, lineterminator="\n") if as_csv else None

    def row(student, score, top, notes):
        if writer:
            writer.writerow((student, score, top, notes))
        else:
            print(table_row((student, score, top, notes), WIDTHS))

    if writer:
        writer.writerow(("student", "score", "max", "notes"))
    else:
        print(f"lesson {lesson.name}, submissions in {submissions}")
        print()
        row("student", "score", "max", "notes")
        print(table_rule(WIDTHS))

    n = graded = full = total = max_seen = 0
    for entry in sorted(submissions.iterdir()):
        name = entry.name
        if entry.is_file():
            if entry.suffix not in (".asm", ".c"):
                continue  # a stray file (a CSV, a README): not a submission
            name = entry.stem
        n += 1
        source = find_submission(entry, lesson, ext)
        if source is None:
            row(name, "-", "-", f"no exercise.{ext} found")
            continue
        # The detailed grading (hints, diffs): kept for the report.
        details = io.StringIO()
        try:
            result = grade_lesson(lesson, source.resolve(), vmm, details, quiet=False)
        except (ChecksError, UsageError) as e:
            row(name, "-", "-", f"not graded: grade: {e}")
            continue
        finally:
            if report:
                (report / f"{name}.txt").write_text(details.getvalue())
        notes = []
        if not result.built:
            notes.append("does not build")
        elif result.failed:
            notes.append(f"{result.failed} check(s) failed")
        if result.skipped:
            notes.append(f"{result.skipped} skipped")
        row(name, result.score, result.max, "; ".join(notes))
        total += result.score
        graded += 1
        max_seen = result.max
        full += result.score == result.max

    if n == 0:
        die_usage(f"{submissions} holds no submission (STUDENT.{ext} or STUDENT/ folders)")
    if not writer:
        print()
        print(f"{n} submission(s), {graded} graded, {full} with full marks")
        if graded:
            print(f"average: {total / graded:.1f}/{max_seen}")
        if report:
            print(f"each student's detailed grading: {report}/STUDENT.txt")
    return 0


if __name__ == "__main__":
    run_main(main)
