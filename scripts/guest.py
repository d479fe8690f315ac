#!/usr/bin/env python3
"""guest.py - `make run` and `make debug`: run a lesson's guest, the
student's exercise or any guest file in kvm-vmm, with the lesson's own
kvm-vmm options (lesson.conf's args) and input, or debug it with gdb.

  scripts/guest.py run   [WHAT] [--input FILE] [LESSON]
  scripts/guest.py debug [WHAT] [--input FILE] [--port N] [LESSON]

WHAT is one of
  (nothing)       the lesson's own guest (lesson.conf: guest), as make built it
  --exercise      the student's exercise (lesson.conf: exercise), built here
  --file PATH     any .asm, .c or .elf; a source file is built with the
                  lesson's settings; without LESSON, the lesson is the folder
                  lessons/NN-topic/ the file is in (else lesson 01)

A lesson that boots from a disk image (lesson.conf: boot = disk) runs the
image made of the ELF (PROGRAM.img beside it, or made here for --file) with
kvm-vmm --disk, and gdb reads the ELF's symbols.

LESSON is 1, 01 or 01-hello (default 01). The guest's stdin:
  run     the terminal (type to the guest), or --input FILE
  debug   --input FILE, else the lesson's sample input (lesson.conf's input
          for the guest, checks.toml's input for the exercise), else nothing:
          gdb reads the terminal.

`debug` starts kvm-vmm's GDB stub on a free port (--port N: that one), then
gdb with the lesson's gdbinit aimed at it. The guest's output is shown with
"guest| " at the start of each line (in colour on a terminal) and always
ends its line on screen, so that it is not mistaken for gdb's. Quitting gdb
ends kvm-vmm.
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lessonconf import (ROOT, LessonError, find_lesson, image_of, lesson_of_file,  # noqa: E402
                        make_image)
from grading.build import build  # noqa: E402
from grading.checks import CHECKS_NAME, ChecksError, load_checks  # noqa: E402

USAGE_STATUS = 2
BUILD_FAILED_STATUS = 1
DEFAULT_LESSON = "01"
SOURCE_SUFFIXES = (".asm", ".c")
STUDENT_BUILD_DIR = "build/student"  # where a student's file is built
LISTENING = re.compile(r"gdb: listening on 127\.0\.0\.1:(\d+)")
PORT_WAIT_S = 10  # how long kvm-vmm may take to say its port
TARGET_REMOTE = re.compile(r"^\s*target\s+(extended-)?remote\b")
GUEST_PREFIX = "guest| "  # marks the guest's output in a gdb session
GUEST_COLOUR = "\033[36m"
COLOUR_OFF = "\033[0m"


class UsageError(Exception):
    """Bad usage: exit with status 2 and say why."""


def parse_args(argv):
    opts = {"mode": None, "exercise": False, "file": None, "input": None, "port": "0",
            "lesson": None}
    args = list(argv)
    if not args or args[0] not in ("run", "debug"):
        raise UsageError("the first argument is run or debug")
    opts["mode"] = args.pop(0)
    while args:
        arg = args.pop(0)
        if arg == "--exercise":
            opts["exercise"] = True
        elif arg in ("--file", "--input", "--port"):
            if not args:
                raise UsageError(f"{arg} needs a value")
            opts[arg[2:]] = args.pop(0)
        elif arg.startswith("-"):
            raise UsageError(f"unknown option {arg}")
        elif opts["lesson"] is not None:
            raise UsageError(f"one lesson at a time (got {opts['lesson']} and {arg})")
        else:
            opts["lesson"] = arg
    if opts["exercise"] and opts["file"]:
        raise UsageError("give the exercise or a file, not both")
    if not opts["port"].isdigit() or int(opts["port"]) > 65535:
        raise UsageError(f"the port is a number from 0 to 65535, got '{opts['port']}'")
    return opts


def lesson_of(opts):
    """The lesson named, else the one the file is in, else lesson 01."""
    if opts["lesson"]:
        return find_lesson(opts["lesson"])
    number = opts["file"] and lesson_of_file(Path(opts["file"]).resolve())
    return find_lesson(number or DEFAULT_LESSON)


def checks_of(lesson):
    """The lesson's checks.toml (for the exercise's input, C flags), or None."""
    if not (ROOT / lesson.dir / CHECKS_NAME).is_file():
        return None
    return load_checks(ROOT / lesson.dir)


def build_student_file(source, lesson):
    """Build a .asm or .c as the grader does (with its disk image, in a
    lesson that boots from one); returns the ELF's path."""
    checks = checks_of(lesson)
    if checks is None:
        raise UsageError(f"lesson {lesson.name} has no {CHECKS_NAME}: it says how to build "
                         "a student's file")
    workdir = ROOT / STUDENT_BUILD_DIR / lesson.name / source.stem
    workdir.mkdir(parents=True, exist_ok=True)
    elf, log = build(source, lesson, checks, workdir)
    shown = shown_path(source)
    if elf is None:
        sys.stderr.write(Path(log).read_text(errors="replace"))
        print(f"guest: {shown} does not build: fix the first error above", file=sys.stderr)
        sys.exit(BUILD_FAILED_STATUS)
    named = workdir / (source.stem + ".elf")
    os.replace(elf, named)
    if lesson.from_image:
        os.replace(image_of(elf), image_of(named))
    print(f"guest: built {shown} as {shown_path(named)}", file=sys.stderr)
    return named


def image_for_file(elf, lesson):
    """The disk image of an ELF given with --file: the one beside it (make
    built it), else one made in the student build folder."""
    beside = image_of(elf)
    if beside.is_file() and beside.stat().st_mtime >= elf.stat().st_mtime:
        return beside
    workdir = ROOT / STUDENT_BUILD_DIR / lesson.name / elf.stem
    workdir.mkdir(parents=True, exist_ok=True)
    image = image_of(workdir / elf.name)
    boot = ROOT / lesson.boot_sector_elf if lesson.boot_sector else None
    if boot is not None and not boot.is_file():
        raise UsageError(f"{lesson.boot_sector_elf} is not built yet: run make first")
    make_image(image, lesson.boot, [boot, elf] if boot else [elf])
    print(f"guest: made the disk image {shown_path(image)}", file=sys.stderr)
    return image


def guest_of(opts, lesson):
    """(the ELF to run, its sample input or None)."""
    if opts["exercise"]:
        source = ROOT / lesson.dir / lesson.exercise
        if not source.is_file():
            raise UsageError(f"lesson {lesson.name} has no {lesson.dir / lesson.exercise}")
        checks = checks_of(lesson)
        sample = ROOT / lesson.dir / checks.input if checks and checks.input else None
        return build_student_file(source, lesson), sample
    if opts["file"]:
        path = Path(opts["file"]).resolve()
        if not path.is_file():
            raise UsageError(f"no such file: {opts['file']}")
        if path.suffix in SOURCE_SUFFIXES:
            return build_student_file(path, lesson), None
        return path, None
    elf = ROOT / lesson.guest_elf
    if not elf.is_file():
        raise UsageError(f"{lesson.guest_elf} is not built yet: run make first")
    sample = ROOT / lesson.dir / lesson.input if lesson.input else None
    return elf, sample


def runner():
    vmm = os.environ.get("KVM_VMM") or str(ROOT / "kvm-vmm")
    if not os.access(vmm, os.X_OK):
        raise UsageError(f"{vmm} is not built yet: run make first")
    return vmm


def shown_path(path):
    """A path as the student would type it from the repository root."""
    shown = os.path.relpath(path, ROOT)
    return shown if not shown.startswith("..") else str(path)


def say_command(command, stdin_path=None):
    """The kvm-vmm command line, on stderr, as it could be typed."""
    words = ["./" + shown_path(command[0]) if "/" not in shown_path(command[0])
             else shown_path(command[0]), *command[1:-1], shown_path(command[-1])]
    if stdin_path and stdin_path != os.devnull:
        words += ["<", shown_path(stdin_path)]
    print("guest: " + " ".join(words), file=sys.stderr)


def vmm_args(lesson, elf):
    """What kvm-vmm runs: the ELF, or the disk image made of it."""
    if lesson.from_image:
        return lesson.vmm_args(elf, image_for_file(Path(elf), lesson))
    return lesson.vmm_args(elf)


def run(opts, lesson, elf):
    """Run the guest with the terminal; kvm-vmm's status is ours."""
    command = [runner(), *lesson.args, *vmm_args(lesson, elf)]
    say_command(command, opts["input"])
    stdin = open(opts["input"], "rb") if opts["input"] else None
    try:
        return subprocess.call(command, stdin=stdin)
    finally:
        if stdin:
            stdin.close()


class GuestOutput(threading.Thread):
    """Copies the guest's output to the terminal, each line marked with
    GUEST_PREFIX (and coloured on a terminal). What the guest writes at once
    is ended with a newline on screen, so that the line gdb prints next
    (`17 inc si`) never continues the guest's; a line the guest writes in
    pieces shows as several marked lines."""

    def __init__(self, pipe, out):
        super().__init__(daemon=True)
        self.pipe, self.out = pipe, out
        self.colour = out.isatty() and not os.environ.get("NO_COLOR")

    def show(self, text):
        lines = [GUEST_PREFIX + line for line in text.splitlines()]
        shown = "\n".join(lines) + "\n"
        if self.colour:
            shown = "".join(f"{GUEST_COLOUR}{line}{COLOUR_OFF}\n" for line in lines)
        self.out.write(shown)
        self.out.flush()

    def run(self):
        while True:
            data = os.read(self.pipe, 4096)
            if not data:
                break
            self.show(data.decode(errors="replace"))


def forward(pipe, out):
    """Copy what is left of a pipe to out, as it comes."""
    while True:
        data = os.read(pipe, 4096)
        if not data:
            break
        out.buffer.write(data)
        out.flush()


def gdbinit_for(lesson, port, workdir):
    """The lesson's gdbinit with its `target remote` aimed at port."""
    lines = (ROOT / lesson.dir / "gdbinit").read_text().splitlines()
    lines = [f"target remote :{port}" if TARGET_REMOTE.match(line) else line
             for line in lines]
    path = Path(workdir) / "gdbinit"
    path.write_text("\n".join(lines) + "\n")
    return path


def wait_for_port(vmm, stderr_pipe):
    """Read kvm-vmm's stderr until it says its port; None if it ended."""
    seen = b""
    while True:
        data = os.read(stderr_pipe, 4096)
        if not data:
            sys.stderr.write(seen.decode(errors="replace"))
            return None
        seen += data
        m = LISTENING.search(seen.decode(errors="replace"))
        if m:
            sys.stderr.write(seen.decode(errors="replace"))
            sys.stderr.flush()
            return int(m.group(1))


def debug(opts, lesson, elf, sample):
    """kvm-vmm under its stub, and gdb attached to it in this terminal."""
    stdin_path = opts["input"] or (str(sample) if sample else os.devnull)
    command = [runner(), "--gdb", opts["port"], *lesson.args, *vmm_args(lesson, elf)]
    say_command(command, stdin_path)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    with open(stdin_path, "rb") as stdin:
        # Its own session: the Ctrl-C typed to gdb is not kvm-vmm's.
        vmm = subprocess.Popen(command, stdin=stdin, stdout=out_w, stderr=err_w,
                               start_new_session=True)
    os.close(out_w)
    os.close(err_w)
    output = GuestOutput(out_r, sys.stdout)
    output.start()
    port = wait_for_port(vmm, err_r)
    if port is None:
        vmm.wait()
        print(f"guest: kvm-vmm could not start its GDB stub (status {vmm.returncode})"
              + (f": is port {opts['port']} taken?" if opts["port"] != "0" else ""),
              file=sys.stderr)
        return 1
    threading.Thread(target=forward, args=(err_r, sys.stderr), daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="debug.") as workdir:
        init = gdbinit_for(lesson, port, workdir)
        gdb = subprocess.Popen(["gdb", "-q", str(elf), "-x", str(init)], cwd=ROOT)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is gdb's
        gdb.wait()
    if vmm.poll() is None:
        vmm.terminate()
    vmm.wait()
    output.join(timeout=1)
    return 0


def main(argv):
    try:
        opts = parse_args(argv)
        if opts["input"] is not None and not os.path.isfile(opts["input"]):
            raise UsageError(f"no such input file: {opts['input']}")
        if opts["input"]:
            opts["input"] = os.path.abspath(opts["input"])
        lesson = lesson_of(opts)
        elf, sample = guest_of(opts, lesson)
        if opts["mode"] == "run":
            return run(opts, lesson, elf)
        return debug(opts, lesson, elf, sample)
    except (UsageError, LessonError, ChecksError) as e:
        print(f"guest: {e}", file=sys.stderr)
        return USAGE_STATUS


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
