"""gdb_steps.py - one session of the debugging benchmark (row 4), run
inside gdb: `gdb -nx -batch -q build/bench/steps.elf -x bench/gdb_steps.py`.
It connects to the stub on 127.0.0.1:$BENCH_GDB_PORT, times
$BENCH_GDB_STEPS `stepi` with gdb's Python, reads where the guest got to
and writes it all as JSON to the file $BENCH_GDB_RESULT.

With BENCH_GDB_BOOT=1 (QEMU, which starts in its BIOS) it first runs to
the guest's entry: the boot sector runs at 0x7c00 first, and the guest it
loads there second."""

import json
import os
import time

import gdb

ENTRY = 0x7c00            # where the boot sector and the guest start
LOW16 = 0xffff            # steps.asm counts in ax and cx


def run_to_guest_entry():
    gdb.execute(f"break *{ENTRY:#x}")
    gdb.execute("continue")   # the boot sector
    gdb.execute("continue")   # the guest the boot sector loaded
    gdb.execute("delete")


def main():
    steps = int(os.environ["BENCH_GDB_STEPS"])
    gdb.execute(f"target remote 127.0.0.1:{os.environ['BENCH_GDB_PORT']}")
    if os.environ.get("BENCH_GDB_BOOT") == "1":
        run_to_guest_entry()
    start = time.perf_counter()
    gdb.execute(f"stepi {steps}", to_string=True)
    seconds = time.perf_counter() - start
    frame = gdb.selected_frame()
    result = {
        "seconds": seconds,
        "pc": int(frame.read_register("pc")),
        "ax": int(frame.read_register("eax")) & LOW16,
        "cx": int(frame.read_register("ecx")) & LOW16,
        "count": int(gdb.parse_and_eval("&count")),   # the loop's first instruction
    }
    with open(os.environ["BENCH_GDB_RESULT"], "w") as f:
        json.dump(result, f)
    gdb.execute("kill")


main()
