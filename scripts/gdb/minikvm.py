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
  `layout asm`: a window with the instructions from the current one on,
  decoded in the selected frame's architecture as `x/i $pc` does (16-bit
  in real mode, where gdb's own assembly window decodes 32-bit);
  hook-monitor: `monitor` answers for the thread gdb has selected;
  hook-stop: at every stop, gdb decodes instructions as the CPU does now
  (16-bit in real mode and 16-bit protected mode, 32-bit in protected
  mode), before it prints the stop; `set minikvm-follow-mode off` leaves
  the architecture to the user (see Following the mode below).

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
import gdb.FrameDecorator
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


# --- the CPU's mode, from its control registers --------------------------------

CR0_PE = 1 << 0  # protection enable: 0 in real mode
EFER_LMA = 1 << 10  # long mode active
REAL_MODE_PARAGRAPH = 16  # real-mode linear address = segment * 16 + offset
REAL_MODE_OFFSET_MASK = 0xFFFF
WORD_SIZE = {"real": 2, "protected": 4, "long": 8}  # bytes a near call pushes


def register(frame, name):
    """A register of a frame or pending frame as an int; None if absent."""
    try:
        return int(frame.read_register(name))
    except (gdb.error, ValueError):
        return None


def cpu_mode(frame):
    """"real", "protected" or "long", from CR0 and EFER (the stub sends them
    with the other registers)."""
    cr0 = register(frame, "cr0")
    if cr0 is not None and not cr0 & CR0_PE:
        return "real"
    efer = register(frame, "efer")
    if efer is not None and efer & EFER_LMA:
        return "long"
    if cr0 is None:
        return "long" if "64" in gdb.selected_inferior().architecture().name() else "protected"
    return "protected"


# --- unwinding assembly: find the return address on the stack ------------------

OPCODE_CALL_REL = 0xE8  # call rel16 (16-bit code) or call rel32
OPCODE_PUSH_BP = 0x55  # push bp / push ebp / push rbp
MOV_BP_SP = (b"\x89\xe5", b"\x8b\xec")  # mov bp, sp (both encodings)
OPERAND_SIZE_PREFIX = 0x66
MAX_STACK_SLOTS = 64  # how far up the stack to look for a return address
MAX_FUNCTION_BYTES = 4096  # a call target this far below PC is not its function
UNWIND_TRIES = 2  # see EndOfStack
# The outermost frame's stack begins above any stack of its mode.
OUTERMOST_SP = {"real": 0x110000, "protected": (1 << 32) - 1, "long": (1 << 64) - 1}


class FrameId:
    """What gdb needs to tell one frame from another: where the frame's
    stack begins (the stack pointer before the call) and its function."""

    def __init__(self, sp, pc):
        self.sp, self.pc = sp, pc


def read_bytes(address, count):
    try:
        return bytes(gdb.selected_inferior().read_memory(address, count))
    except (gdb.MemoryError, gdb.error):
        return None


def read_stack(address, size):
    """Up to size bytes of stack from address, in one read; fewer when the
    stack ends before (the end of RAM or of a mapped page)."""
    while size > 0:
        data = read_bytes(address, size)
        if data is not None:
            return data
        size //= 2
    return b""


def in_program(address):
    """True when address is in a section the program loaded from its file
    (its code and data), as far as gdb knows it."""
    return gdb.current_progspace().block_for_pc(address) is not None or \
        gdb.find_pc_line(address).symtab is not None


def call_before(return_address, code_base, word):
    """If the instruction that ends just before return_address is a direct
    near call, its target (an offset, like the return address); else None."""
    if word == 2:
        code = read_bytes(code_base + return_address - 3, 3)
        if code and code[0] == OPCODE_CALL_REL:
            rel = int.from_bytes(code[1:], "little", signed=True)
            return (return_address + rel) & REAL_MODE_OFFSET_MASK
        return None
    code = read_bytes(code_base + return_address - 5, 5)
    if code and code[0] == OPCODE_CALL_REL:
        rel = int.from_bytes(code[1:], "little", signed=True)
        return (return_address + rel) & ((1 << (8 * word)) - 1)
    return None


def find_return(pc, sp, stack_base, code_base, word):
    """The first stack slot at or above sp holding the return address of a
    call whose target is at or before pc: (slot offset, return address,
    call target), or None (the frame is the outermost)."""
    window = read_stack(stack_base + sp, MAX_STACK_SLOTS * word)
    for n in range(len(window) // word):
        slot = sp + n * word
        candidate = int.from_bytes(window[n * word:(n + 1) * word], "little")
        if candidate == 0 or not in_program(code_base + candidate):
            continue
        target = call_before(candidate, code_base, word)
        if target is not None and target <= pc < target + MAX_FUNCTION_BYTES:
            return slot, candidate, target
    return None


def saved_frame_pointer(target, pc, slot, stack_base, code_base, word):
    """The caller's BP when the function began with `push bp; mov bp, sp`
    and pc is past the push: the word just below the return address."""
    start = read_bytes(code_base + target, 3)
    if not start or start[0] != OPCODE_PUSH_BP or pc <= target:
        return None
    data = read_bytes(stack_base + slot - word, word)
    return int.from_bytes(data, "little") if data else None


class AssemblyUnwinder(gdb.unwinder.Unwinder):
    """Unwinds frames of assembly code (see the top of this file): real-mode
    frames always (gdb's own unwinders assume 32-bit frames there), 32-bit
    and 64-bit frames when gdb has no debug frame for the function."""

    def __init__(self):
        super().__init__("mini-kvm assembly")

    def __call__(self, pending_frame):
        try:
            return self.unwind(pending_frame)
        except (gdb.error, gdb.MemoryError, ValueError) as e:
            gdb.write(f"mini-kvm unwinder: {e}\n", gdb.STDERR)
            return None

    def unwind(self, pending_frame):
        pc = register(pending_frame, "pc")
        sp = register(pending_frame, "sp")
        if pc is None or sp is None:
            return None
        mode = cpu_mode(pending_frame)
        word = WORD_SIZE[mode]
        if mode != "real" and has_debug_frame(pc):
            return None  # C code: gdb's DWARF unwinder knows better
        stack_base = code_base = 0
        if mode == "real":
            stack_base = register(pending_frame, "ss") * REAL_MODE_PARAGRAPH
            code_base = register(pending_frame, "cs") * REAL_MODE_PARAGRAPH
            sp &= REAL_MODE_OFFSET_MASK
        names = register_names(pending_frame)
        pc_type = pending_frame.read_register(names["pc"]).type
        sp_type = pending_frame.read_register(names["sp"]).type
        found = find_return(pc, sp, stack_base, code_base, word)
        if found is None:
            # No call on the stack: the outermost frame. Its caller's PC is
            # not saved, which gdb takes as the end of the stack.
            return pending_frame.create_unwind_info(
                FrameId(gdb.Value(OUTERMOST_SP[mode]), gdb.Value(entry_point())))
        slot, return_address, target = found
        caller_sp = slot + word
        # The frame's identity: where its stack begins (linear, so that
        # frames compare across stack segments) and its function.
        info = pending_frame.create_unwind_info(
            FrameId(gdb.Value(stack_base + caller_sp), gdb.Value(code_base + target)))
        info.add_saved_register(names["pc"], gdb.Value(return_address).cast(pc_type))
        info.add_saved_register(names["sp"], gdb.Value(caller_sp).cast(sp_type))
        bp = saved_frame_pointer(target, pc, slot, stack_base, code_base, word)
        for name in callee_unchanged(pending_frame):
            value = pending_frame.read_register(name)
            if name == names["fp"] and bp is not None:
                value = gdb.Value(bp).cast(value.type)
            info.add_saved_register(name, value)
        return info


def register_names(frame):
    """The names gdb gives PC, SP and the frame pointer in this frame's
    architecture: rip, rsp, rbp for x86-64; eip, esp, ebp for i386 and
    i8086 (gdb shows the 32-bit registers in real mode too)."""
    if "x86-64" in frame.architecture().name():
        return {"pc": "rip", "sp": "rsp", "fp": "rbp"}
    return {"pc": "eip", "sp": "esp", "fp": "ebp"}


# Registers a caller sees as the callee has them (assembly has no
# callee-saved convention to undo), besides pc and sp.
UNCHANGED_REGISTERS = ("ebp", "rbp", "eax", "ebx", "ecx", "edx", "esi", "edi", "rax", "rbx",
                       "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
                       "r13", "r14", "r15", "eflags", "cs", "ss", "ds", "es", "fs", "gs",
                       "fs_base", "gs_base", "cr0", "cr2", "cr3", "cr4", "efer")


def callee_unchanged(pending_frame):
    names = []
    for name in UNCHANGED_REGISTERS:
        try:
            pending_frame.read_register(name)
            names.append(name)
        except (gdb.error, ValueError):
            pass
    return names


def has_debug_frame(pc):
    """True when the code at pc belongs to a function with debug information
    (C compiled with -g): a symbol gdb knows as a function."""
    block = gdb.current_progspace().block_for_pc(pc)
    return block is not None and block.function is not None


def entry_point():
    """The program's entry point (its ELF header's), for the outermost
    frame's identity; 0 when unknown."""
    try:
        return int(gdb.parse_and_eval("(long long) &'_start'"))
    except gdb.error:
        return 0


gdb.unwinder.register_unwinder(None, AssemblyUnwinder(), replace=True)


class EndOfStack:
    """A frame filter that ends `bt` at the outermost frame, where the
    unwinder leaves the caller's PC unsaved: gdb would stop the listing
    with that as an error ("PC not saved"), and does so the first time it
    looks past a frame even when it can then unwind it, so each step to an
    older frame is tried twice."""

    def __init__(self):
        self.name = "mini-kvm end of stack"
        self.priority = 100
        self.enabled = True
        gdb.frame_filters[self.name] = self

    def filter(self, frames):
        # gdb's own iterator stops at the first error: walk from the
        # innermost frame (where `bt` starts) instead.
        frame = gdb.newest_frame()
        while frame is not None:
            yield gdb.FrameDecorator.FrameDecorator(frame)
            frame = older_frame(frame)


def selected_frame():
    """gdb's selected frame; the first look may fail (see EndOfStack), so
    it is asked twice. Raises gdb.error if there is none."""
    for attempt in range(UNWIND_TRIES):
        try:
            return gdb.selected_frame()
        except gdb.error:
            if attempt == UNWIND_TRIES - 1:
                raise
    return None


def older_frame(frame):
    """The caller's frame, or None at the outermost frame."""
    for _ in range(UNWIND_TRIES):
        try:
            return frame.older()
        except gdb.error:
            continue
    return None


def unwind_once(event):
    """At each stop, unwind the stack once: gdb's first look past the
    outermost frame fails with "PC not saved", the next ones do not, so
    `info frame`, `finish` and `up` then see the stack's end as an end."""
    try:
        frame = gdb.newest_frame()
    except gdb.error:
        return
    for _ in range(MAX_STACK_SLOTS):
        frame = older_frame(frame)
        if frame is None:
            return


EndOfStack()
gdb.events.stop.connect(unwind_once)
# gdb reports that unsaved caller, through the unwinder, as a Python error
# each time it looks past the outermost frame: not an error here.
gdb.execute("set python print-stack none")


# --- monitor commands act on the selected thread ---------------------------------
# kvm-vmm answers `monitor` for the vCPU of the thread gdb last named in an
# Hg packet. Before each `monitor`, fetch the selected thread's registers
# afresh: gdb then names that thread first if it named another since.


class SelectThreadForMonitor(gdb.Command):
    """minikvm-select-thread: make the stub's current thread gdb's selected
    one (run before each `monitor`, by hook-monitor)."""

    def __init__(self):
        super().__init__("minikvm-select-thread", gdb.COMMAND_MAINTENANCE)

    def invoke(self, argument, from_tty):
        try:
            gdb.selected_thread()
            gdb.execute("maintenance flush register-cache", to_string=True)
            gdb.selected_frame().read_register("pc")
        except gdb.error:
            pass  # no thread or no registers: monitor works as it can


SelectThreadForMonitor()
gdb.execute("define hook-monitor\nminikvm-select-thread\nend")


# --- following the mode: decode as the CPU does ------------------------------------
# gdb picks one architecture for the whole session (from the ELF and the
# stub's target description), and a stub cannot tell it that the guest
# switched modes. So at every stop, before gdb prints where it stopped,
# this sets the architecture to the CPU's: i8086 for 16-bit code, i386 for
# 32-bit code. Real mode shows in CR0; the code size in protected mode (the
# CS descriptor's D bit) is in the stub's description of the thread
# ("vCPU 0, protected mode (16-bit)", its answer to qThreadExtraInfo). gdb
# cannot switch a 64-bit (x86-64) session to 16 or 32 bits: there it stays.

CODE16_MARK = "(16-bit)"  # the stub's word for a 16-bit code segment
ARCH_OF_CODE = {16: "i8086", 32: "i386"}


class FollowMode(gdb.Parameter):
    """Whether gdb decodes instructions as the CPU runs them at every stop:
16-bit in real mode (and with a 16-bit code segment), 32-bit in protected
mode. Off: the architecture stays what `set architecture` says."""

    set_doc = "Set whether gdb follows the guest's CPU mode at every stop."
    show_doc = "Show whether gdb follows the guest's CPU mode at every stop."

    def __init__(self):
        super().__init__("minikvm-follow-mode", gdb.COMMAND_DATA, gdb.PARAM_BOOLEAN)
        self.value = True

    def get_show_string(self, value):
        return f"Following the guest's CPU mode at every stop is {value}."


FOLLOW_MODE = FollowMode()


def code_bits(frame):
    """16 or 32: the size of the code the CPU runs now; None in long mode
    (gdb's x86-64 architecture decodes that already)."""
    mode = cpu_mode(frame)
    if mode == "real":
        return 16
    if mode == "long":
        return None
    details = gdb.selected_thread().details or ""
    return 16 if CODE16_MARK in details else 32


class FollowCpuMode(gdb.Command):
    """minikvm-follow-mode-now: set gdb's architecture to the CPU's mode
    (run at every stop by hook-stop, while minikvm-follow-mode is on)."""

    def __init__(self):
        super().__init__("minikvm-follow-mode-now", gdb.COMMAND_MAINTENANCE)

    def invoke(self, argument, from_tty):
        if not FOLLOW_MODE.value:
            return
        try:
            want = ARCH_OF_CODE.get(code_bits(selected_frame()))
            if want and gdb.selected_inferior().architecture().name() != want:
                gdb.execute(f"set architecture {want}", to_string=True)
        except gdb.error:
            pass  # no registers, or an x86-64 session: gdb keeps its architecture


FollowCpuMode()
gdb.execute("define hook-stop\nminikvm-follow-mode-now\nend")


# --- layout asm: the instructions the CPU runs, in its mode -----------------------
# `layout asm` shows this window: the instructions from the current one on,
# decoded in the architecture of the selected frame (i8086 in real mode, as
# the 16-bit lessons' gdbinits set it), like `x/i $pc`. gdb's own assembly
# window decodes 16-bit code as 32-bit when it draws the program around PC.

ASM_WINDOW = "minikvm-asm"
CURRENT_MARK = "=> "
OTHER_MARK = "   "


class AssemblyWindow:
    """A TUI window: one instruction a line, the current one marked."""

    def __init__(self, window):
        self.window = window
        window.title = "instructions (as the CPU decodes them)"
        gdb.events.stop.connect(self.on_stop)

    def on_stop(self, event):
        if self.window.is_valid():
            self.render()

    def close(self):
        gdb.events.stop.disconnect(self.on_stop)

    def lines(self, count):
        """The text of count instructions from PC, or why there are none."""
        try:
            frame = selected_frame()
        except gdb.error as e:
            return [f"(no instructions to show: {e})"]
        pc = frame.pc()
        code_base = 0
        if cpu_mode(frame) == "real":
            code_base = (register(frame, "cs") or 0) * REAL_MODE_PARAGRAPH
        try:
            found = frame.architecture().disassemble(code_base + pc, count=count)
        except (gdb.MemoryError, gdb.error) as e:
            return [f"(cannot read the code at {pc:#x}: {e})"]
        shown = []
        for n, insn in enumerate(found):
            mark = CURRENT_MARK if n == 0 else OTHER_MARK
            where = gdb.format_address(insn["addr"]) if hasattr(gdb, "format_address") \
                else f"{insn['addr']:#x}"
            shown.append(f"{mark}{where}:  {insn['asm']}")
        return shown

    def render(self):
        if not self.window.is_valid():
            return
        text = "\n".join(line[:self.window.width] for line in self.lines(self.window.height))
        self.window.write(text + "\n", True)


def define_asm_layout():
    """`layout asm` with the window above (when this gdb has a TUI)."""
    if not hasattr(gdb, "register_window_type"):
        return
    gdb.register_window_type(ASM_WINDOW, AssemblyWindow)
    try:
        gdb.execute(f"tui new-layout asm {ASM_WINDOW} 1 status 0 cmd 1", to_string=True)
    except gdb.error:
        pass  # a gdb built without the TUI


define_asm_layout()
