"""build.py - build the student's file into an ELF as the Makefile builds a
lesson's guests: nasm (or gcc for C) with the lesson's format, then ld with
guest/guest.ld at the lesson's load address (both from lesson.conf). A C
exercise is linked with the lesson files its checks.toml names (link_with).
Everything nasm, gcc and ld print goes to one log, shown when the build fails.
"""

import shlex
import subprocess
from pathlib import Path

LINKER_SCRIPT = "guest/guest.ld"
GUEST_INCLUDE = "guest/"  # abi.inc and the other shared includes
LD_EMULATION = {"elf32": "elf_i386", "elf64": "elf_x86_64"}


def tool(language):
    """What builds the student's file, for messages."""
    return "gcc" if language == "c" else "nasm"


def compile_command(source, obj, lesson, checks):
    """The command that turns one .asm or .c into an object file."""
    include = f"-I{lesson.dir}/"
    if str(source).endswith(".c"):
        return ["gcc", *shlex.split(checks.cflags), include, "-c", "-o", str(obj), str(source)]
    return ["nasm", "-f", lesson.format, "-g", "-F", "dwarf", f"-I{GUEST_INCLUDE}", include,
            "-o", str(obj), str(source)]


def build(source, lesson, checks, workdir):
    """Build source into workdir/exercise.elf. Returns (elf, log): elf is
    None when the build failed, and log is the file with the tools' output."""
    workdir = Path(workdir)
    elf = workdir / "exercise.elf"
    log = workdir / "build.log"
    objects = []
    steps = []
    for n, name in enumerate(checks.link_with, start=1):
        obj = workdir / f"with{n}.o"
        steps.append(compile_command(lesson.dir / name, obj, lesson, checks))
        objects.append(str(obj))
    steps.append(compile_command(source, workdir / "exercise.o", lesson, checks))
    objects.append(str(workdir / "exercise.o"))
    steps.append(["ld", "-m", LD_EMULATION[lesson.format], "-n", "--build-id=none",
                  "--no-warn-rwx-segments", f"--defsym=LOAD_ADDR={lesson.load_addr}",
                  "-T", LINKER_SCRIPT, "-o", str(elf), *objects])
    with open(log, "wb") as out:
        for command in steps:
            try:
                status = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT).returncode
            except FileNotFoundError:
                out.write(f"{command[0]}: not installed (make deps)\n".encode())
                status = 127
            if status != 0:
                return None, log
    return elf, log
