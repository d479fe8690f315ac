# reverse_state.py - gdb's side of tests/test_reverse.c, loaded with
# `gdb -x`: rev_dump(PATH) writes the state of the stopped guest as JSON -
# every register gdb knows (its own target.xml list) and a SHA-1 of each
# 4 KiB of the first MEM_SPAN bytes of memory as gdb reads them - so that
# the test can compare a state reached backwards with a fresh run's.
import hashlib
import json

import gdb

MEM_SPAN = 2 * 1024 * 1024
CHUNK = 4096


def registers():
    frame = gdb.selected_frame()
    values = {}
    for reg in frame.architecture().registers():
        values[reg.name] = str(frame.read_register(reg))
    return values


def memory():
    inferior = gdb.selected_inferior()
    hashes = []
    for addr in range(0, MEM_SPAN, CHUNK):
        try:
            data = bytes(inferior.read_memory(addr, CHUNK))
            hashes.append(hashlib.sha1(data).hexdigest())
        except gdb.MemoryError:
            hashes.append(None)
    return hashes


def rev_dump(path):
    with open(path, "w") as f:
        json.dump({"registers": registers(), "memory": memory()}, f, indent=0,
                  sort_keys=True)
