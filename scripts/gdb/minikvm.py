"""minikvm.py - mini-kvm's gdb extension, loaded by every lesson's gdbinit
(`source scripts/gdb/minikvm.py`) and so by `make debug`.

What it adds to gdb (docs/gdb.md tells the student):
  lesson-break LOCATION... [else LOCATION...]
                             a breakpoint at each location the program has;
                             one it lacks (an exercise has fewer labels than
                             the lesson's guest) is skipped with a note, and
                             when none was there, at those after `else` (the
                             exercise's `done`): one gdbinit serves both.
  a stack unwinder for assembly code: `bt`, `finish`, `up`, `next` over a
  call and `until` work in 16-bit real mode and in 64-bit assembly, where
  gdb's own unwinders assume C frames (see Unwinding below);
  architecture that follows the CPU: at each stop, gdb decodes 16-bit code
  while the CPU is in real mode (CR0.PE = 0), so `x/i`, `display/i` and
  `layout asm` show the instructions the CPU runs.

Unwinding. Lesson code has no frame information (nasm writes line numbers
only), so the unwinder looks at the stack the way the CPU left it: a near
`call` pushes its return address, so the first stack slot at or above SP
that holds an address just past a `call` instruction whose target is at or
before PC is this frame's return address. It unwinds:
  - a 16-bit near call (call rel16) in real mode, at any point of the
    callee, however many push/pop it did, with or without
    `push bp; mov bp, sp` (the caller's BP is read back from that push);
  - a 32-bit or 64-bit near call (call rel32) in assembly without debug
    frames, the same way; C functions (with DWARF) are left to gdb.
It cannot unwind: far calls (call far, a segment and an offset), calls
through a register or memory whose return address it then cannot tell from
data (it accepts them only when no direct call matches), interrupt and
exception frames, and code that switched stacks. A frame with no call on
its stack is the outermost: `bt` ends there, and `finish` says so.
"""

import gdb
import gdb.unwinder

# --- lesson-break ------------------------------------------------------------

ELSE = "else"  # lesson-break's word before the locations to fall back on


class LessonBreak(gdb.Command):
    """lesson-break LOCATION... [else LOCATION...]: a breakpoint at each
location the program has; one it does not have is skipped with a note (the
lesson's gdbinit names labels of the lesson's guest, which an exercise may
not have). If none of them was there, the locations after `else`."""

    def __init__(self):
        super().__init__("lesson-break", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, argument, from_tty):
        words = gdb.string_to_argv(argument)
        first, otherwise = words, []
        if ELSE in words:
            at = words.index(ELSE)
            first, otherwise = words[:at], words[at + 1:]
        if not self.break_at(first, from_tty):
            self.break_at(otherwise, from_tty)

    @staticmethod
    def break_at(locations, from_tty):
        """A breakpoint at each location that exists; how many were set."""
        count = 0
        for location in locations:
            if not has_location(location):
                gdb.write(f"(this program has no {location}: no breakpoint there)\n")
                continue
            gdb.execute(f"break {location}", from_tty)
            count += 1
        return count


def has_location(location):
    """True when gdb can resolve location (a label, *ADDRESS, FILE:LINE)."""
    if location.startswith("*") or ":" in location:
        return True
    return gdb.lookup_global_symbol(location) is not None or \
        gdb.lookup_static_symbol(location) is not None or \
        minimal_symbol_address(location) is not None


def minimal_symbol_address(name):
    """The address of an ELF symbol without debug information (a nasm label),
    or None."""
    try:
        return int(gdb.parse_and_eval(f"(long long) &'{name}'"))
    except gdb.error:
        return None


LessonBreak()
