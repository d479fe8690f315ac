"""build.py - build the student's file into an ELF as the Makefile builds a
lesson's guests: nasm (or gcc for C) with the lesson's format, then ld with
guest/guest.ld at the lesson's load address (both from lesson.conf). A C
exercise is linked with the lesson files its checks.toml names (link_with).
A lesson that boots from a disk image (lesson.conf: boot, boot_sector) also
gets the image beside the ELF: the lesson's boot sector, then the ELF's bytes.
Everything nasm, gcc, ld and objcopy print goes to one log, shown when the
build fails.
"""

import shlex
import subprocess
from pathlib import Path

from lessonconf import BOOT_SECTOR_ADDR, BOOT_SECTOR_FORMAT, LessonError, image_of, make_image

LINKER_SCRIPT = "guest/guest.ld"
GUEST_INCLUDE = "guest/"  # abi.inc and the other shared includes
LD_EMULATION = {"elf32": "elf_i386", "elf64": "elf_x86_64"}


def tool(language):
    """What builds the student's file, for messages."""
    return "gcc" if language == "c" else "nasm"


def compile_command(source, obj, lesson, checks, fmt=None):
    """The command that turns one .asm or .c into an object file (nasm's
    format: fmt, else the lesson's)."""
    include = f"-I{lesson.dir}/"
    if str(source).endswith(".c"):
        return ["gcc", *shlex.split(checks.cflags), include, "-c", "-o", str(obj), str(source)]
    return ["nasm", "-f", fmt or lesson.format, "-g", "-F", "dwarf", f"-I{GUEST_INCLUDE}",
            include, "-o", str(obj), str(source)]


def link_command(elf, objects, fmt, load_addr):
    """The command that links objects into an ELF at load_addr."""
    return ["ld", "-m", LD_EMULATION[fmt], "-n", "--build-id=none", "--no-warn-rwx-segments",
            f"--defsym=LOAD_ADDR={load_addr}", "-T", LINKER_SCRIPT, "-o", str(elf),
            *map(str, objects)]


def run_steps(steps, out):
    """Run the commands in order, their output into out; False at the first
    that fails."""
    for command in steps:
        try:
            status = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT).returncode
        except FileNotFoundError:
            out.write(f"{command[0]}: not installed (make deps)\n".encode())
            status = 127
        if status != 0:
            return False
    return True


def build(source, lesson, checks, workdir):
    """Build source into workdir/exercise.elf (and workdir/exercise.img for a
    lesson that boots from a disk image). Returns (elf, log): elf is None
    when the build failed, and log is the file with the tools' output."""
    workdir = Path(workdir)
    elf = workdir / "exercise.elf"
    log = workdir / "build.log"
    objects = []
    steps = []
    for n, name in enumerate(checks.link_with, start=1):
        obj = workdir / f"with{n}.o"
        steps.append(compile_command(lesson.dir / name, obj, lesson, checks))
        objects.append(obj)
    steps.append(compile_command(source, workdir / "exercise.o", lesson, checks))
    objects.append(workdir / "exercise.o")
    steps.append(link_command(elf, objects, lesson.format, lesson.load_addr))
    parts = [elf]
    if lesson.boot_sector:
        boot_obj, boot_elf = workdir / "boot_sector.o", workdir / "boot_sector.elf"
        steps.append(compile_command(lesson.dir / lesson.boot_sector, boot_obj, lesson, checks,
                                     BOOT_SECTOR_FORMAT))
        steps.append(link_command(boot_elf, [boot_obj], BOOT_SECTOR_FORMAT, BOOT_SECTOR_ADDR))
        parts = [boot_elf, elf]
    with open(log, "wb") as out:
        if not run_steps(steps, out):
            return None, log
        if lesson.from_image:
            try:
                make_image(image_of(elf), lesson.boot, parts)
            except LessonError as e:
                out.write(f"{e}\n".encode())
                return None, log
    return elf, log
