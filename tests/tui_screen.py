#!/usr/bin/env python3
"""tui_screen.py - for tests/test_gdb_ext.c: run gdb's TUI in a pseudo
terminal, attached to a kvm-vmm GDB stub, and print the screen it drew
after `layout asm` (and after each further command), as plain text.

    python3 tests/tui_screen.py PORT GUEST.elf [COMMAND...]

gdb starts with the i8086 architecture and scripts/gdb/minikvm.py, as the
real-mode lessons' gdbinits do. The screen is rebuilt from what gdb wrote
by a small VT100 interpreter: cursor moves, erasing, scroll regions, text;
colours and other modes are ignored.
"""

import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time

ROWS, COLS = 30, 100
SETTLE_S = 2.0  # how long gdb may draw after a command
CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z@])")
OTHER_ESCAPE = re.compile(r"\x1b[()][0-9A-Za-z]|\x1b[=>78M]")


def render(text):
    """The screen after text was written to an empty ROWS x COLS terminal."""
    screen = [[" "] * COLS for _ in range(ROWS)]
    row = col = 0
    top, bottom = 0, ROWS - 1  # the scroll region
    i = 0
    while i < len(text):
        ch = text[i]
        m = CSI.match(text, i) if ch == "\x1b" else None
        if m:
            args = [int(a) if a.isdigit() else 0 for a in m.group(1).replace("?", "").split(";")]
            first = args[0] or 1
            cmd = m.group(2)
            if cmd in "Hf":
                row, col = (args[0] or 1) - 1, ((args[1] if len(args) > 1 else 0) or 1) - 1
            elif cmd == "A":
                row = max(0, row - first)
            elif cmd == "B":
                row = min(ROWS - 1, row + first)
            elif cmd == "C":
                col = min(COLS - 1, col + first)
            elif cmd == "D":
                col = max(0, col - first)
            elif cmd == "G":
                col = first - 1
            elif cmd == "d":
                row = first - 1
            elif cmd == "K":
                screen[row][col:] = [" "] * (COLS - col)
            elif cmd == "r":
                top = (args[0] or 1) - 1
                bottom = ((args[1] if len(args) > 1 else 0) or ROWS) - 1
                row = col = 0
            elif cmd == "J":
                screen[row][col:] = [" "] * (COLS - col)
                for r in range(row + 1, ROWS):
                    screen[r] = [" "] * COLS
            i = m.end()
            continue
        m = OTHER_ESCAPE.match(text, i) if ch == "\x1b" else None
        if m:
            i = m.end()
            continue
        if ch == "\r":
            col = 0
        elif ch == "\n":
            if row == bottom:  # a line feed at the bottom scrolls the region
                del screen[top]
                screen.insert(bottom, [" "] * COLS)
            else:
                row = min(ROWS - 1, row + 1)
        elif ch >= " " and col < COLS:
            screen[row][col] = ch
            col += 1
        i += 1
    return "\n".join("".join(line).rstrip() for line in screen)


def main(argv):
    port, guest, commands = argv[0], argv[1], argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "vt100"
        os.execvp("gdb", ["gdb", "-q", "-nx", guest, "-ex", "set architecture i8086",
                          "-ex", f"target remote :{port}",
                          "-ex", "source scripts/gdb/minikvm.py", "-ex", "layout asm"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    written = b""

    def settle():
        nonlocal written
        end = time.monotonic() + SETTLE_S
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    written += os.read(fd, 65536)
                except OSError:
                    return

    settle()
    print(render(written.decode(errors="replace")))
    for command in commands:
        os.write(fd, command.encode() + b"\n")
        settle()
        print("=" * COLS)
        print(render(written.decode(errors="replace")))
    for line in (b"kill", b"y", b"quit"):
        os.write(fd, line + b"\n")
        settle()
    os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
