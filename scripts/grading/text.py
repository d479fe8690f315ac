"""text.py - what the grader shows of the files programs wrote: their first
lines, and the difference between the expected output and the student's.
"""

import difflib
import re
from pathlib import Path

LINE = re.compile(r"[^\n]*\n|[^\n]+$")  # a guest's \r is not a line break


def lines_of(data):
    """Bytes as lines of text, each with its newline (the last may lack it)."""
    return LINE.findall(data.decode(errors="replace"))


def read_lines(path, limit):
    """The first lines of a file, as text, without their newlines."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return []
    return [line.rstrip("\n") for line in lines_of(data)[:limit]]


def unified_diff(expected, got):
    """expected against got (bytes) as `diff -u` shows it, line by line."""
    a, b = lines_of(expected), lines_of(got)
    lines = []
    for line in difflib.unified_diff(a, b, "expected", "your output"):
        if line.endswith("\n"):
            lines.append(line[:-1])
        else:
            lines += [line, "\\ No newline at end of file"]
    return lines
