#!/usr/bin/env python3
"""transcripts.py - bring the gdb session transcripts of the documents up to
date with the build: replay each session as tests/test_docs.c does, and
replace every transcript line that shows an address or a value (a hex
number) the replay no longer prints with the replay's line of the same
shape (the same text, other numbers).

    python3 scripts/transcripts.py            rewrite the stale lines in place
    python3 scripts/transcripts.py --check    only list them (status 1 if any)

A session is a section (# or ## heading) whose title contains "session" and
whose ``` blocks have lines starting with "(gdb) ". Its gdbinit is the one
named with `-x PATH` in the section, else lessons/NN-*/gdbinit for
`make debug LESSON=NN`. The gdbinit's line "# First: ./kvm-vmm --gdb 1234
ARGS GUEST [< INPUT]" says how kvm-vmm runs (for a disk boot, `--disk
IMAGE`, gdb's GUEST is the .elf of its line "# Then: gdb GUEST -x ...");
a line "# Varies: START; ..."
names transcript lines (by how they start) whose values change from run to
run (a clock, which vCPU came first): they are neither compared nor
rewritten. Run it after `make`; review the diff (git diff) before committing.
"""

import glob
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["README.md", "docs/*.md", "lessons/*/README.md"]
HEX = re.compile(r"0x[0-9a-fA-F]+")
NUMBER = re.compile(r"0x[0-9a-fA-F]+|\b\d+\b")
HEADING = re.compile(r"^#{1,2} ")
LISTENING = re.compile(r"gdb: listening on 127\.0\.0\.1:(\d+)")
PORT_WAIT_S = 10
REPLAY_TIMEOUT_S = 300
VMM_END_TIMEOUT_S = 30
GDB_PROMPT = "(gdb) "
GUEST_MARK = "guest| "  # make debug's mark on the guest's output


def shape(line):
    """A line with its numbers masked: lines of one shape differ in numbers only."""
    return NUMBER.sub("#", line.rstrip())


def shows_a_number(line):
    return bool(HEX.search(line))


def sessions(path):
    """(heading line index, [(line index, code line)]) of each session."""
    lines = path.read_text().split("\n")
    found, current, in_block = [], None, False
    for i, line in enumerate(lines):
        if line.startswith("```"):
            in_block = not in_block
            continue
        if not in_block and HEADING.match(line):
            current = None
            if "session" in line.lower():
                current = (i, [])
                found.append(current)
            continue
        if in_block and current is not None:
            current[1].append((i, line))
    return lines, [s for s in found if any(c.startswith(GDB_PROMPT) for _, c in s[1])]


def gdbinit_of(lines, heading):
    """The gdbinit a session names (-x PATH, or make debug LESSON=NN)."""
    section = []
    for line in lines[heading + 1:]:
        if HEADING.match(line):
            break
        section.append(line)
    for line in section:
        m = re.search(r" -x (\S*gdbinit)", line)
        if m:
            return ROOT / m.group(1).strip("`'\")")
    for line in section:
        m = re.search(r"LESSON=(\d+)", line)
        if m:
            matches = sorted(glob.glob(str(ROOT / f"lessons/{int(m.group(1)):02d}-*/gdbinit")))
            if matches:
                return Path(matches[0])
    return None


def replay(gdbinit, commands):
    """Run the session; every line gdb and kvm-vmm printed."""
    setup, first, then, varies = [], None, [], []
    for line in gdbinit.read_text().split("\n"):
        line = line.strip()
        if line.startswith("# First:"):
            first = line[len("# First:"):].split()
        elif line.startswith("# Then:"):
            then = line[len("# Then:"):].split()
        elif line.startswith("# Varies:"):
            varies += [v.strip() for v in line[len("# Varies:"):].split(";") if v.strip()]
        elif line and not line.startswith("#"):
            setup.append(line)
    args, stdin, guest = [], None, None
    words = iter(first[1:])
    for word in words:
        if word == "--gdb":
            next(words)
        elif word == "<":
            stdin = next(words)
        else:
            args.append(word)
            if word.endswith(".elf") and guest is None:
                guest = word
    if guest is None:
        guest = next((word for word in then if word.endswith(".elf")), None)
    vmm = subprocess.Popen(["./kvm-vmm", "--gdb", "0", *args], cwd=ROOT,
                           stdin=open(ROOT / stdin, "rb") if stdin else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    port, err = None, b""
    deadline = time.monotonic() + PORT_WAIT_S
    while port is None and time.monotonic() < deadline:
        err += vmm.stderr.read1(4096)
        m = LISTENING.search(err.decode(errors="replace"))
        port = int(m.group(1)) if m else None
    gdb = ["gdb", "-batch", "-nx", guest]
    for line in setup:
        gdb += ["-ex", f"target remote :{port}" if line.startswith("target remote") else line]
    for command in commands:
        gdb += ["-ex", command]
    g = subprocess.run(gdb, cwd=ROOT, capture_output=True, text=True, timeout=REPLAY_TIMEOUT_S)
    try:
        out, rest = vmm.communicate(timeout=VMM_END_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        vmm.kill()
        out, rest = vmm.communicate()
    guest = out.decode(errors="replace")
    printed = (g.stdout + g.stderr + guest + (err + rest).decode(errors="replace")).split("\n")
    return [line.rstrip() for line in printed], guest, varies


def is_printed(text, printed, guest):
    """As tests/test_docs.c judges: a line printed whole, or the start of
    one up to a space (gdb wraps long lines in a terminal), or the guest's
    output marked as make debug marks it."""
    if text.startswith(GUEST_MARK):
        return text[len(GUEST_MARK):] in guest
    return any(p == text or (p.startswith(text) and p[len(text):].startswith(" "))
               for p in printed)


def update(path, check_only):
    """Stale lines of one document: rewritten unless check_only. How many."""
    lines, found = sessions(path)
    stale = 0
    for heading, code in found:
        gdbinit = gdbinit_of(lines, heading)
        if gdbinit is None:
            continue
        commands = [c[len(GDB_PROMPT):].strip() for _, c in code
                    if c.startswith(GDB_PROMPT) and c[len(GDB_PROMPT):].strip()]
        printed, guest, varies = replay(gdbinit, commands)
        used, position = set(), 0
        for index, line in code:
            text = line.rstrip()
            if text.startswith(GDB_PROMPT) or not shows_a_number(text):
                continue
            if any(text.lstrip().startswith(v) for v in varies):
                continue
            if is_printed(text, printed, guest):
                if text in printed:
                    position = max(position, printed.index(text))
                continue
            stale += 1
            candidates = [i for i, p in enumerate(printed)
                          if i not in used and shape(p) == shape(text)]
            after = [i for i in candidates if i >= position] or candidates
            if not after:
                print(f"{path}:{index + 1}: stale, and no line like it in the replay:\n  {text}")
                continue
            new = printed[after[0]]
            used.add(after[0])
            position = after[0]
            print(f"{path}:{index + 1}:\n- {text}\n+ {new}")
            lines[index] = new
    if stale and not check_only:
        path.write_text("\n".join(lines))
    return stale


def main(argv):
    check_only = argv == ["--check"]
    if argv and not check_only:
        print(__doc__, file=sys.stderr)
        return 2
    stale = 0
    for pattern in DOCUMENTS:
        for name in sorted(glob.glob(str(ROOT / pattern))):
            stale += update(Path(name), check_only)
    return 1 if stale and check_only else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
