"""checks.py - read a lesson's checks.toml: what the grader checks, how many
points each check is worth, and the hint a student sees when it fails.

A checks.toml has a few settings, then one [[check]] table per check, in the
order they are printed (docs/teaching.md has the full list):

    input = "exercise-input.txt"   # the exercise's stdin (default: none)

    [[check]]
    kind = "register"              # builds, output, output_contains, exit,
    points = 4                     # register, memory or screen
    register = "eax"
    value = 46368                  # or "output_length": the bytes printed
    at = "done"                    # the label where gdb stops (default done)
    hint = "step (eax, ebx) = (ebx, eax + ebx) N times before done"
    note = "..."                   # optional: said under the check when it fails
    # memory checks may also say ignore_bits = "0x..." (bits the CPU sets)
    # screen checks say row, column, text (and attribute): what the VGA text
    # screen at 0xB8000 shows there when the program reaches the label

A mistake here is the teacher's, never the student's: ChecksError stops the
grader with status 2 and says which check is wrong.
"""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CHECKS_NAME = "checks.toml"
DEFAULT_TIMEOUT_S = 3  # seconds before a run counts as an endless loop
DEFAULT_GDB_TIMEOUT_S = 15  # seconds for the gdb session to reach its labels
OUTPUT_LENGTH = "output_length"  # a register's value: the bytes the program printed
DEFAULT_LABEL = "done"  # where register and memory checks stop by default
# How a C exercise is compiled: freestanding 32-bit code, as lesson 14's
# lesson.mk compiles its kernel (without its warnings: a student's warning
# is not a failure).
DEFAULT_CFLAGS = ("-m32 -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector "
                  "-fno-asynchronous-unwind-tables -fcf-protection=none -mgeneral-regs-only "
                  "-nostdlib -g -O0")
MEMORY_SIZES = (1, 2, 4, 8)  # bytes a memory check may read
# The VGA text screen a screen check reads (docs/pc.md): 80x25 cells of a
# character byte and an attribute byte, row by row, from 0xB8000.
VGA_TEXT_ADDR = 0xB8000
VGA_COLUMNS = 80
VGA_ROWS = 25
VGA_CELL_BYTES = 2
ATTRIBUTE_MAX = 0xFF
PRINTABLE = re.compile(r"^[ -~]+$")  # what a screen check's text may hold

# The settings a checks.toml may give before its checks.
SETTINGS = ("input", "timeout", "gdb_timeout", "link_with", "cflags", "check")
# The keys of each kind of check, past kind, points and hint: (required, optional).
KINDS = {
    "builds": ((), ()),
    "output": (("file",), ()),
    "output_contains": (("text",), ()),
    "exit": (("status",), ()),
    "register": (("register", "value"), ("at", "note")),
    "memory": (("address", "size", "value"), ("at", "ignore_bits", "note")),
    "screen": (("row", "column", "text"), ("attribute", "at", "note")),
}
NUMBER = re.compile(r"^(-?)(?:0[xX]([0-9a-fA-F]+)|([0-9]+))$")
ADDRESS = re.compile(r"^([A-Za-z_.?$@][\w.?$@]*)\s*(?:([+-])\s*(0[xX][0-9a-fA-F]+|[0-9]+))?$")


class ChecksError(Exception):
    """A mistake in a checks.toml: the grader stops with status 2."""


def parse_number(text):
    """42, -1 or 0x2a (a string) as an int; None when it is no number.
    Decimal with leading zeros stays decimal (010 is ten)."""
    m = NUMBER.match(text.strip())
    if not m:
        return None
    sign, hex_digits, dec_digits = m.groups()
    value = int(hex_digits, 16) if hex_digits else int(dec_digits, 10)
    return -value if sign else value


@dataclass
class Check:
    """One check: its kind, points, hint and what it looks at."""
    number: int  # 1 for the first [[check]]
    kind: str
    points: int
    hint: str = ""
    file: str = ""  # output: the expected stdout, in the lesson folder
    text: str = ""  # output_contains: a piece of stdout
    status: int = 0  # exit: kvm-vmm's exit status
    at: str = DEFAULT_LABEL  # register, memory: where gdb stops
    register: str = ""  # register: its gdb name (eax, cx, cr4, fs, rip)
    address: str = ""  # memory: as written (result, result+4, 0x7e00)
    label: str = None  # memory: the label in address, None for a number
    offset: int = 0  # memory: bytes past the label (or the address)
    size: int = 0  # memory: bytes read, little-endian
    value: str = ""  # register, memory: the expected value, as written
    want: int = 0  # the same as a number (None: OUTPUT_LENGTH, known after the run)
    ignore_bits: int = 0  # memory: bits the CPU may change, not compared
    note: str = ""  # said under the check when it fails (what the CPU does)
    row: int = 0  # screen: where the text starts, from 0
    column: int = 0
    attribute: int = None  # screen: every cell's attribute byte, None: not checked
    attribute_text: str = ""  # the same as written ("0x2f")

    @property
    def uses_gdb(self):
        return self.kind in ("register", "memory", "screen")

    @property
    def screen_row_address(self):
        """screen: the address of the first cell of its row (the grader
        reads the whole row, to say where the text is when it is elsewhere)."""
        return VGA_TEXT_ADDR + VGA_CELL_BYTES * self.row * VGA_COLUMNS

    def description(self, exercise_name, language):
        """What the check line says is checked (before any hint)."""
        if self.kind == "builds":
            if language == "c":
                return f"{exercise_name} compiles, assembles and links"
            return f"{exercise_name} assembles and links"
        if self.kind == "output":
            return f"output is exactly {self.file}"
        if self.kind == "output_contains":
            return f'output contains "{self.text}"'
        if self.kind == "exit":
            return f"exit status is {self.status}"
        if self.kind == "screen":
            colour = f" in attribute {self.attribute_text}" if self.attribute is not None else ""
            return (f'screen row {self.row}, column {self.column} shows "{self.text}"{colour} '
                    f"at label {self.at}")
        if self.kind == "register":
            if self.want is None:
                return f"{self.register} = the number of bytes printed, at label {self.at}"
            return f"{self.register} = {self.value} at label {self.at}"
        return f"{self.size}-byte value at {self.address} = {self.value} at label {self.at}"


@dataclass
class Checks:
    """A lesson's checks.toml: its settings and its checks, in order."""
    path: Path
    input: str = ""  # the exercise's stdin, a file in the lesson folder
    timeout: int = DEFAULT_TIMEOUT_S
    gdb_timeout: int = DEFAULT_GDB_TIMEOUT_S
    link_with: list = field(default_factory=list)  # C: the lesson's other files
    cflags: str = DEFAULT_CFLAGS
    checks: list = field(default_factory=list)

    @property
    def max_points(self):
        return sum(c.points for c in self.checks)


def _text(where, key, value):
    if not isinstance(value, str):
        raise ChecksError(f"{where}: '{key}' must be a string, got {value!r}")
    return value


def _whole(where, key, value, minimum=0):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ChecksError(f"{where}: '{key}' must be a whole number of at least {minimum}, "
                          f"got {value!r}")
    return value


def _number_text(where, key, value):
    """A number written as a TOML integer or a string ("0x18"): the text
    shown in the check line, and its value."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), value
    if isinstance(value, str) and parse_number(value) is not None:
        return value.strip(), parse_number(value)
    raise ChecksError(f"{where}: '{key}' must be a number (46368, or \"0x2a\"), got {value!r}")


def _memory_address(where, check, value):
    """address: a label, label+N, label-N, or a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        check.address, check.label, check.offset = f"{value:#x}", None, value
        return
    text = _text(where, "address", value).strip()
    if parse_number(text) is not None:
        check.address, check.label, check.offset = text, None, parse_number(text)
        return
    m = ADDRESS.match(text)
    if not m:
        raise ChecksError(f"{where}: 'address' is a label, label+N or a number, got {text!r}")
    label, sign, offset = m.groups()
    check.address, check.label = text, label
    check.offset = 0 if offset is None else parse_number(offset)
    if sign == "-":
        check.offset = -check.offset


def _check(lesson_dir, number, table):
    """One [[check]] table as a Check."""
    where = f"check {number}"
    if not isinstance(table, dict):
        raise ChecksError(f"{where}: expected a [[check]] table")
    kind = table.get("kind")
    if kind not in KINDS:
        raise ChecksError(f"{where}: 'kind' is one of {', '.join(KINDS)}, got {kind!r}")
    where = f"check {number} ({kind})"
    required, optional = KINDS[kind]
    for key in table:
        if key not in ("kind", "points", "hint") + required + optional:
            raise ChecksError(f"{where}: unknown key '{key}' ({kind} checks have: "
                              f"{', '.join(('points', 'hint') + required + optional)})")
    for key in ("points",) + required:
        if key not in table:
            raise ChecksError(f"{where}: '{key}' is missing")
    check = Check(number=number, kind=kind, points=_whole(where, "points", table["points"]),
                  hint=_text(where, "hint", table.get("hint", "")))
    if kind == "output":
        check.file = _text(where, "file", table["file"])
        if not (lesson_dir / check.file).is_file():
            raise ChecksError(f"{where}: no file {lesson_dir / check.file}")
    elif kind == "output_contains":
        check.text = _text(where, "text", table["text"])
    elif kind == "exit":
        check.status = _whole(where, "status", table["status"])
    elif kind == "screen":
        _screen(where, check, table)
    elif kind in ("register", "memory"):
        check.at = _text(where, "at", table.get("at", DEFAULT_LABEL))
        check.note = _text(where, "note", table.get("note", ""))
        if kind == "register" and table["value"] == OUTPUT_LENGTH:
            check.value, check.want = OUTPUT_LENGTH, None
        else:
            check.value, check.want = _number_text(where, "value", table["value"])
        if "ignore_bits" in table:
            check.ignore_bits = _number_text(where, "ignore_bits", table["ignore_bits"])[1]
        if kind == "register":
            check.register = _text(where, "register", table["register"])
        else:
            _memory_address(where, check, table["address"])
            check.size = table["size"]
            if check.size not in MEMORY_SIZES or isinstance(check.size, bool):
                raise ChecksError(f"{where}: 'size' is 1, 2, 4 or 8 bytes, got {check.size!r}")
    return check


def _screen(where, check, table):
    """row, column, text and attribute of a screen check."""
    check.at = _text(where, "at", table.get("at", DEFAULT_LABEL))
    check.note = _text(where, "note", table.get("note", ""))
    check.row = _whole(where, "row", table["row"])
    check.column = _whole(where, "column", table["column"])
    check.text = _text(where, "text", table["text"])
    if check.row >= VGA_ROWS or check.column >= VGA_COLUMNS:
        raise ChecksError(f"{where}: row is 0 to {VGA_ROWS - 1} and column 0 to "
                          f"{VGA_COLUMNS - 1}, got {check.row}, {check.column}")
    if not PRINTABLE.match(check.text):
        raise ChecksError(f"{where}: 'text' is printable ASCII, got {check.text!r}")
    if check.column + len(check.text) > VGA_COLUMNS:
        raise ChecksError(f"{where}: the text runs past column {VGA_COLUMNS - 1}")
    if "attribute" in table:
        check.attribute_text, check.attribute = _number_text(where, "attribute",
                                                             table["attribute"])
        if not 0 <= check.attribute <= ATTRIBUTE_MAX:
            raise ChecksError(f"{where}: 'attribute' is a byte, got {check.attribute_text}")


def load_checks(lesson_dir):
    """The Checks of lessons/NN-topic/checks.toml (ChecksError if wrong)."""
    lesson_dir = Path(lesson_dir)
    path = lesson_dir / CHECKS_NAME
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ChecksError(f"{path}: {e}") from None
    except OSError as e:
        raise ChecksError(f"{path}: {e.strerror}") from None
    try:
        checks = _load(lesson_dir, path, table)
    except ChecksError as e:
        raise ChecksError(f"{path}: {e}") from None
    return checks


def _load(lesson_dir, path, table):
    for key in table:
        if key not in SETTINGS:
            raise ChecksError(f"unknown setting '{key}' (the settings: "
                              f"{', '.join(SETTINGS[:-1])}; then [[check]] tables)")
    checks = Checks(path=path)
    if "input" in table:
        checks.input = _text("input", "input", table["input"])
        if not (lesson_dir / checks.input).is_file():
            raise ChecksError(f"input: no file {lesson_dir / checks.input}")
    checks.timeout = _whole("timeout", "timeout", table.get("timeout", checks.timeout), 1)
    checks.gdb_timeout = _whole("gdb_timeout", "gdb_timeout",
                                table.get("gdb_timeout", checks.gdb_timeout), 1)
    checks.cflags = _text("cflags", "cflags", table.get("cflags", checks.cflags))
    link_with = table.get("link_with", [])
    if not isinstance(link_with, list):
        raise ChecksError(f"link_with must be a list of files, got {link_with!r}")
    for name in link_with:
        if not (lesson_dir / _text("link_with", "link_with", name)).is_file():
            raise ChecksError(f"link_with: no file {lesson_dir / name}")
    checks.link_with = link_with
    tables = table.get("check", [])
    if not isinstance(tables, list):
        raise ChecksError("each check is a [[check]] table")
    checks.checks = [_check(lesson_dir, i, t) for i, t in enumerate(tables, start=1)]
    if checks.max_points == 0:
        raise ChecksError("it awards no points: add [[check]] tables with points")
    return checks
