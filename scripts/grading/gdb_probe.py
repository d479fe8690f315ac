"""gdb_probe.py - runs inside gdb (gdb -batch -x gdb_probe.py): connects to
kvm-vmm's GDB stub, stops the guest at each label the grader asked about,
reads the registers and memory it asked for there, and writes what it found
as JSON. The grader (scripts/grading/gdbsession.py) starts it and judges.

The request is a JSON file named by the environment variable GRADE_PROBE:

    {"port": 40123, "result": "/tmp/grade.x/probe-result.json",
     "stops": [{"label": "done",
                "reads": [{"register": "eax"},
                          {"label": "result", "offset": 4, "size": 2},
                          {"label": null, "offset": 753664, "size": 6, "raw": true}]}]}

and the result, rewritten after every stop (a session stopped by the
grader's time limit still tells what it found):

    {"connected": true, "ended": false, "exit_code": null, "error": "",
     "stops": [{"label": "done", "address": 31760, "missing": false,
                "reached": true,
                "reads": [{"value": 46368, "size": 4}, {"error": "..."},
                          {"hex": "480748074807", "size": 6}]}]}

A read has a value (unsigned, as many bytes as size; a raw read: the bytes
in hexadecimal) or an error, or
{"missing_label": "result"} when the label it reads at does not exist; it is
null until the guest reaches its stop. A stop is missing when the program
has no such label; reached once the guest stopped there. ended: the program
exited (exit_code) before every label was reached.
"""

import json
import os

import gdb

BITS_PER_BYTE = 8


def write_result(path, result):
    """Write the result atomically: the grader may stop gdb at any time."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.replace(tmp, path)


def symbol_address(label):
    """The address of a label (a symbol of the ELF); gdb.error if none."""
    return int(gdb.parse_and_eval(f"&'{label}'"))


def unsigned(value, size):
    """An integer as the size-byte unsigned number it is stored as."""
    return value & ((1 << (BITS_PER_BYTE * size)) - 1)


def read_register(name):
    """{"value", "size"} of a register of the thread that stopped."""
    value = gdb.selected_frame().read_register(name)
    size = value.type.sizeof
    return {"value": unsigned(int(value), size), "size": size}


def read_memory(address, size, raw=False):
    """{"value", "size"}: the size-byte little-endian number at address;
    raw: {"hex", "size"}, the bytes themselves."""
    data = bytes(gdb.selected_inferior().read_memory(address, size))
    if raw:
        return {"hex": data.hex(), "size": size}
    return {"value": int.from_bytes(data, "little"), "size": size}


def read(spec):
    """One read the grader asked for, or the error that stopped it."""
    try:
        if "register" in spec:
            return read_register(spec["register"])
        return read_memory(spec["address"], spec["size"], spec.get("raw", False))
    except (gdb.error, gdb.MemoryError, ValueError) as e:
        return {"error": str(e)}


def resolve_reads(stop, entry):
    """Give each memory read its address (label + offset) before the guest
    runs; a read whose label does not exist is answered at once."""
    for spec in stop["reads"]:
        entry["reads"].append(None)
        if "register" in spec:
            continue
        spec["address"] = spec.get("offset", 0)
        if spec.get("label") is not None:
            try:
                spec["address"] += symbol_address(spec["label"])
            except gdb.error:
                entry["reads"][-1] = {"missing_label": spec["label"]}


def still_running():
    """True while the guest has not exited (nor the connection closed)."""
    inferior = gdb.selected_inferior()
    return inferior.pid != 0 and len(inferior.threads()) > 0


def probe(request):
    result = {"connected": False, "ended": False, "exit_code": None, "error": "",
              "stops": []}
    path = request["result"]

    def on_exit(event):
        result["ended"] = True
        if hasattr(event, "exit_code"):
            result["exit_code"] = event.exit_code

    gdb.events.exited.connect(on_exit)
    try:
        gdb.execute(f"target remote 127.0.0.1:{request['port']}")
    except gdb.error as e:
        result["error"] = str(e)
        write_result(path, result)
        return
    result["connected"] = True

    # One breakpoint per label, at its first instruction (break *ADDRESS).
    waiting = {}  # breakpoint -> (the stop asked for, its entry in the result)
    for stop in request["stops"]:
        entry = {"label": stop["label"], "address": None, "missing": False,
                 "reached": False, "reads": []}
        result["stops"].append(entry)
        resolve_reads(stop, entry)
        try:
            entry["address"] = symbol_address(stop["label"])
        except gdb.error:
            entry["missing"] = True
            continue
        waiting[gdb.Breakpoint(f"*{entry['address']:#x}", internal=True)] = (stop, entry)
    write_result(path, result)

    # Run to the labels in whatever order the program reaches them; each is
    # read at its first stop, then its breakpoint goes.
    while waiting:
        try:
            gdb.execute("continue")
        except gdb.error as e:
            result["error"] = str(e)
            break
        if not still_running():
            result["ended"] = True
            break
        hit = [b for b in waiting if b.hit_count > 0]
        if not hit:
            result["error"] = "the guest stopped, but not at a label the grader asked for"
            break
        for breakpoint in hit:
            stop, entry = waiting.pop(breakpoint)
            entry["reached"] = True
            entry["reads"] = [answer or read(spec)
                              for answer, spec in zip(entry["reads"], stop["reads"])]
            breakpoint.delete()
            print(f"probe: stopped at {entry['label']}")
        write_result(path, result)
    write_result(path, result)


with open(os.environ["GRADE_PROBE"]) as request_file:
    probe(json.load(request_file))
