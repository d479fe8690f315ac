"""grading - the grader behind scripts/grade.py and scripts/grade-class.py.

  checks.py      reads a lesson's checks.toml: the checks, their points, hints
  build.py       builds the student's file as the Makefile builds a guest
  gdbsession.py  one gdb session per grading: stops at labels, reads values
  gdb_probe.py   the part of that session that runs inside gdb
  grader.py      runs the checks against one file and prints the verdicts
  text.py        the first lines of a file, the diff of two outputs
  commands.py    what grade.py and grade-class.py share

docs/teaching.md explains how grading works and how to write a checks.toml.
"""

import sys

MIN_PYTHON = (3, 11)  # checks.toml is read with tomllib
if sys.version_info < MIN_PYTHON:
    sys.exit("grade: Python 3.11 or newer is needed (checks.toml is read with tomllib)")
