#!/usr/bin/env python3
"""lessonconf.py - read each lesson's settings from lessons/NN-topic/lesson.conf,
the one place that says how a lesson is built and run.

The grader imports it (find_lesson, all_lessons), and make includes what it
writes with --make: build/lessons.mk, the same settings as make variables.

lesson.conf holds 'key = value' lines and '#' comment lines:

    guest = fibonacci.asm      the lesson's own program (.asm, or .c in C)
    exercise = exercise.asm    the student's file (.asm, or .c in C)
    format = elf32             how nasm writes the object: elf32 or elf64
    load_addr = 0x7c00         where ld links the guest
    args = --mode real         extra kvm-vmm options for the guest and exercise
    input = input.txt          sample stdin of the lesson's guest, for the tests
                               (`make run` leaves stdin to the terminal)
    boot = disk                how kvm-vmm starts a program: elf (the default:
                               it loads the ELF itself), disk or floppy (it boots
                               a disk image through its BIOS, docs/pc.md)
    boot_sector = boot.asm     disk, floppy: the boot sector, linked at 0x7c00;
                               the image is its bytes, then the program's

A lesson that boots from a disk image still builds each program as an ELF
(gdb reads its symbols); the image beside it, PROGRAM.img, holds the bytes
of boot_sector's ELF and then the program's, each padded to whole 512-byte
sectors, so the program starts at sector 2 (CHS 0/0/2). Without
boot_sector the program is the boot sector itself (linked at 0x7c00). The
image is padded with zeros to whole tracks (63 sectors for a disk, 18 for
a floppy), as a real disk has: a boot sector may read the whole first
track, which QEMU's BIOS refuses past the end of a shorter image.

    python3 scripts/lessonconf.py --make build/lessons.mk   write the make fragment
    python3 scripts/lessonconf.py --image OUT BOOT ELF...   write a disk image of ELFs
                                        (BOOT: disk or floppy, for its track size)
    python3 scripts/lessonconf.py 03                        print lesson 03's settings
"""

import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSONS_DIR = "lessons"
CONF_NAME = "lesson.conf"
FORMATS = ("elf32", "elf64")
DEFAULT_FORMAT = "elf32"
DEFAULT_LOAD_ADDR = "0x7c00"  # real mode, like a boot sector
BOOTS = ("elf", "disk", "floppy")  # how kvm-vmm starts the program
DEFAULT_BOOT = "elf"
BOOT_SECTOR_ADDR = "0x7c00"  # where a BIOS loads sector 0
BOOT_SECTOR_FORMAT = "elf32"  # a boot sector is 16-bit code, in an ELF32
SECTOR_SIZE = 512
TRACK_SECTORS = {"disk": 63, "floppy": 18}  # kvm-vmm's (and QEMU's) geometry, docs/pc.md
IMAGE_SUFFIX = ".img"
KEYS = ("guest", "exercise", "format", "load_addr", "args", "input", "boot", "boot_sector")
REQUIRED_KEYS = ("guest", "exercise")
LESSON_NAME = re.compile(r"^(\d\d)-[a-z0-9-]+$")
NUMBER = re.compile(r"^(0[xX][0-9a-fA-F]+|[0-9]+)$")


class LessonError(Exception):
    """No such lesson, or a lesson.conf that cannot be read."""


@dataclass
class Lesson:
    name: str  # "03-fibonacci"
    dir: Path  # lessons/03-fibonacci, relative to the repository root
    guest: str  # "fibonacci.asm"
    exercise: str  # "exercise.asm"
    format: str = DEFAULT_FORMAT
    load_addr: str = DEFAULT_LOAD_ADDR
    args: list = field(default_factory=list)  # ["--smp", "4"]
    input: str = ""  # "input.txt", or "" for none
    boot: str = DEFAULT_BOOT  # "elf", "disk" or "floppy"
    boot_sector: str = ""  # "boot.asm", or "" for none

    @property
    def number(self):
        return self.name[:2]

    @property
    def guest_elf(self):
        """The guest make builds and `make run` starts: guest with .elf."""
        return self.dir / (Path(self.guest).stem + ".elf")

    @property
    def from_image(self):
        """True when kvm-vmm boots the lesson's programs from a disk image."""
        return self.boot != DEFAULT_BOOT

    @property
    def boot_sector_elf(self):
        """The boot sector make builds (boot.asm: boot.elf), or None."""
        if not self.boot_sector:
            return None
        return self.dir / (Path(self.boot_sector).stem + ".elf")

    def vmm_args(self, elf, image=None):
        """What kvm-vmm is given to run a program: the ELF itself, or
        --disk (--floppy) and its image (default: beside the ELF)."""
        if not self.from_image:
            return [str(elf)]
        return [f"--{self.boot}", str(image or image_of(elf))]

    @property
    def language(self):
        """"c" when the exercise is written in C, else "asm"."""
        return "c" if self.exercise.endswith(".c") else "asm"


def image_of(elf):
    """The disk image made of an ELF: the same path with .img."""
    return Path(elf).with_suffix(IMAGE_SUFFIX)


def make_image(out, boot, elfs):
    """Write the disk image out for boot (disk or floppy): the bytes each ELF
    loads (objcopy -O binary), one after the other, each padded with zeros
    to whole sectors, and the image to whole tracks. Raises LessonError when
    objcopy fails."""
    image = b""
    with tempfile.TemporaryDirectory(prefix="image.") as tmp:
        for n, elf in enumerate(elfs):
            part = Path(tmp) / f"part{n}.bin"
            done = subprocess.run(["objcopy", "-O", "binary", str(elf), str(part)],
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True)
            if done.returncode != 0:
                raise LessonError(f"objcopy cannot read {elf}: {done.stderr.strip()}")
            data = part.read_bytes()
            image += data + bytes(-len(data) % SECTOR_SIZE)
    image += bytes(-len(image) % (TRACK_SECTORS[boot] * SECTOR_SIZE))
    Path(out).write_bytes(image)


def parse_conf(path):
    """The key = value pairs of one lesson.conf, as a dict of strings."""
    values = {}
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise LessonError(f"cannot read {path}: {e.strerror}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        key, value = key.strip(), value.strip()
        where = f"{path}:{number}"
        if not equals:
            raise LessonError(f"{where}: expected 'key = value', got '{line}'")
        if key not in KEYS:
            raise LessonError(f"{where}: unknown key '{key}' (the keys: {', '.join(KEYS)})")
        if key in values:
            raise LessonError(f"{where}: '{key}' is set twice")
        values[key] = value
    return values


def load_lesson(lesson_dir):
    """The Lesson of one folder lessons/NN-topic (relative to the root)."""
    lesson_dir = Path(lesson_dir)
    path = lesson_dir / CONF_NAME
    values = parse_conf(ROOT / path)
    for key in REQUIRED_KEYS:
        if not values.get(key):
            raise LessonError(f"{path}: '{key}' is missing")
    fmt = values.get("format") or DEFAULT_FORMAT
    if fmt not in FORMATS:
        raise LessonError(f"{path}: format is {' or '.join(FORMATS)}, got '{fmt}'")
    load_addr = values.get("load_addr") or DEFAULT_LOAD_ADDR
    if not NUMBER.match(load_addr):
        raise LessonError(f"{path}: load_addr must be a number, got '{load_addr}'")
    boot = values.get("boot") or DEFAULT_BOOT
    if boot not in BOOTS:
        raise LessonError(f"{path}: boot is {', '.join(BOOTS)}, got '{boot}'")
    boot_sector = values.get("boot_sector", "")
    if boot_sector and boot == DEFAULT_BOOT:
        raise LessonError(f"{path}: boot_sector needs boot = disk or floppy")
    if boot_sector and not boot_sector.endswith(".asm"):
        raise LessonError(f"{path}: boot_sector is a .asm file, got '{boot_sector}'")
    return Lesson(
        name=lesson_dir.name,
        dir=lesson_dir,
        guest=values["guest"],
        exercise=values["exercise"],
        format=fmt,
        load_addr=load_addr,
        args=values.get("args", "").split(),
        input=values.get("input", ""),
        boot=boot,
        boot_sector=boot_sector,
    )


def lesson_dirs():
    """Every lessons/NN-topic folder, in order, relative to the root."""
    base = ROOT / LESSONS_DIR
    if not base.is_dir():
        return []
    return [Path(LESSONS_DIR) / d.name for d in sorted(base.iterdir())
            if d.is_dir() and LESSON_NAME.match(d.name)]


def lesson_list():
    """'01-hello, 02-counter, ...', for messages."""
    return ", ".join(d.name for d in lesson_dirs()) or "none"


def all_lessons():
    """The Lesson of every folder that has a lesson.conf."""
    return [load_lesson(d) for d in lesson_dirs() if (ROOT / d / CONF_NAME).is_file()]


def lesson_of_file(path):
    """The number NN of the lesson folder lessons/NN-topic/ that the file at
    `path` (absolute) is in, or None."""
    if path.is_relative_to(ROOT):
        parts = path.relative_to(ROOT).parts
        if len(parts) > 2 and parts[0] == "lessons":
            return parts[1][:2]
    return None


def find_lesson(arg):
    """The Lesson for 3, 03 or 03-topic; LessonError says what is wrong."""
    if re.fullmatch(r"\d\d?", arg):
        number = f"{int(arg):02d}"
    elif re.fullmatch(r"\d\d-.*", arg):
        number = arg[:2]
    else:
        raise LessonError(f"'{arg}' is not a lesson number: the lessons are {lesson_list()}")
    for d in lesson_dirs():
        if d.name.startswith(number + "-"):
            if not (ROOT / d / CONF_NAME).is_file():
                raise LessonError(f"lesson {d.name} has no {CONF_NAME}")
            return load_lesson(d)
    raise LessonError(f"no lesson {arg}: the lessons are {lesson_list()}")


def image_rules(lesson):
    """The make rules of a lesson that boots from a disk image: its boot
    sector linked at 0x7c00, DIR/X.img made of the boot sector and DIR/X.elf,
    and the images of the guest and of the reference solution as guests."""
    d = lesson.dir
    boot = lesson.boot_sector_elf
    lines = []
    if boot:
        lines += [
            f"{boot.with_suffix('.o')} {boot}: NASM_FORMAT := {BOOT_SECTOR_FORMAT}",
            f"{boot}: LOAD_ADDR := {BOOT_SECTOR_ADDR}",
        ]
    solution = d / "solution" / lesson.exercise
    lines += [
        " ".join([f"{d}/%{IMAGE_SUFFIX}:", f"{d}/%.elf", *([str(boot)] if boot else []),
                  "scripts/lessonconf.py"]),
        "\t$(call say,IMG,$@)",
        " ".join([f"\t$(Q)python3 scripts/lessonconf.py --image $@ {lesson.boot}",
                  *([str(boot)] if boot else []), "$<"]),
        f"EXTRA_GUESTS += {image_of(lesson.guest_elf)} "
        f"$(addsuffix {IMAGE_SUFFIX},$(basename $(wildcard {solution})))",
    ]
    return lines


def make_fragment(lessons):
    """build/lessons.mk: for each lesson, how make builds every guest in its
    folder (NASM_FORMAT, LOAD_ADDR, as pattern-specific variables), the disk
    images of a lesson that boots from one, and what `make run` starts
    (LESSON_GUEST.NN-topic, LESSON_ARGS.NN-topic)."""
    lines = [
        "# build/lessons.mk - each lesson's build and run settings for make, written by",
        "# scripts/lessonconf.py from lessons/*/lesson.conf (make rewrites it when one",
        "# changes): edit the lesson.conf, not this file.",
    ]
    for lesson in lessons:
        lines += [
            "",
            f"{lesson.dir}/%: NASM_FORMAT := {lesson.format}",
            f"{lesson.dir}/%: LOAD_ADDR := {lesson.load_addr}",
            f"LESSON_GUEST.{lesson.name} := {lesson.guest_elf}",
            f"LESSON_ARGS.{lesson.name} := {' '.join(lesson.args)}".rstrip(),
        ]
        if lesson.from_image:
            lines += image_rules(lesson)
    return "\n".join(lines) + "\n"


def main(argv):
    usage = ("usage: scripts/lessonconf.py --make FILE         write the make fragment\n"
             "       scripts/lessonconf.py --image OUT disk|floppy ELF...\n"
             "                                                 write a disk image of ELFs\n"
             "       scripts/lessonconf.py NN                  print lesson NN's settings")
    try:
        if len(argv) == 2 and argv[0] == "--make":
            out = Path(argv[1])
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(make_fragment(all_lessons()))
            return 0
        if len(argv) >= 4 and argv[0] == "--image" and argv[2] in TRACK_SECTORS:
            make_image(argv[1], argv[2], argv[3:])
            return 0
        if len(argv) == 1 and not argv[0].startswith("-"):
            lesson = find_lesson(argv[0])
            for key in KEYS:
                value = getattr(lesson, key)
                shown = " ".join(value) if isinstance(value, list) else value
                print(f"{key} = {shown}".rstrip())
            return 0
    except LessonError as e:
        print(f"lessonconf: {e}", file=sys.stderr)
        return 2
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
