"""gdbsession.py - one gdb session for all the register and memory checks of
a grading: kvm-vmm runs the student's ELF under its GDB stub (--gdb 0: a
free port, read back from its stderr line "gdb: listening on
127.0.0.1:PORT"), and gdb runs gdb_probe.py, which stops at every label the
checks name and reads their registers and memory through gdb's Python API.
The probe writes what it read as JSON; reading() turns that into what one
check needs to know: the value, or why there is none.
"""

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from grading.checks import VGA_CELL_BYTES, VGA_COLUMNS
from grading.text import read_lines

PROBE = Path(__file__).resolve().parent / "gdb_probe.py"
LISTENING = re.compile(r"gdb: listening on 127\.0\.0\.1:(\d+)")
PORT_WAIT_S = 5.0  # how long kvm-vmm may take to say its port
PORT_POLL_S = 0.05
USAGE_STATUS = 2  # kvm-vmm's status for options it refuses (no --gdb)
STOP_GRACE_S = 2  # after SIGTERM, before SIGKILL
GDB_LOG_LINES = 8  # lines of gdb's log shown when it went wrong


@dataclass
class Reading:
    """What a register or memory check gets from the session."""
    value: int = None  # the value read, unsigned (a screen check: the bytes); None when not read
    size: int = 0  # its size in bytes
    skip: str = ""  # why the check cannot run on this machine
    why: str = ""  # why there is no value (the check fails)
    notes: list = field(default_factory=list)  # what gdb said, when it went wrong


def stop_process(process):
    """End a process we started, and reap it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class GdbSession:
    """Runs once, on the first check that needs it, for every gdb check."""

    def __init__(self, vmm, elf, lesson, checks, stdin_path, workdir, run_status):
        """run_status(): the status of the run without gdb, to tell a guest
        kvm-vmm refuses from a kvm-vmm without the GDB stub."""
        self.vmm, self.elf, self.lesson, self.checks = vmm, elf, lesson, checks
        self.stdin_path, self.workdir = stdin_path, Path(workdir)
        self.run_status = run_status
        self.ran = False
        self.timeout = checks.gdb_timeout  # run() says how long this time
        self.unavailable = ""  # why gdb checks are skipped on this machine
        self.failed = ""  # why the session could not start
        self.timed_out = False
        self.result = None  # the probe's JSON, once gdb ran
        self.log = self.workdir / "gdb.log"
        self.where = {}  # check number -> (stop index, read index)

    def run(self, gdb_checks, timeout):
        """Start kvm-vmm and gdb once; stop at every label of gdb_checks
        within timeout seconds."""
        self.ran = True
        self.timeout = timeout
        if shutil.which("gdb") is None:
            self.unavailable = "gdb is not installed (make deps)"
            return
        stops = self._plan(gdb_checks)
        vmm_err = self.workdir / "gdb-vmm.err"
        command = [self.vmm, "--gdb", "0",
                   "--timeout", str(self.checks.timeout + timeout),
                   *self.lesson.args, *self.lesson.vmm_args(self.elf)]
        with open(self.stdin_path, "rb") as stdin, \
                open(self.workdir / "gdb-vmm.out", "wb") as out, open(vmm_err, "wb") as err:
            vmm = subprocess.Popen(command, stdin=stdin, stdout=out, stderr=err)
        try:
            port = self._wait_for_port(vmm, vmm_err)
            if port is not None:
                self._run_gdb(port, stops)
        finally:
            stop_process(vmm)

    def _plan(self, gdb_checks):
        """The probe's stops: one per label, with the reads of every check
        that stops there; remembers where each check's value will be."""
        stops = []
        by_label = {}
        for check in gdb_checks:
            if check.at not in by_label:
                by_label[check.at] = len(stops)
                stops.append({"label": check.at, "reads": []})
            stop = by_label[check.at]
            if check.kind == "register":
                read = {"register": check.register}
            elif check.kind == "screen":
                read = {"label": None, "offset": check.screen_row_address,
                        "size": VGA_CELL_BYTES * VGA_COLUMNS, "raw": True}
            else:
                read = {"label": check.label, "offset": check.offset, "size": check.size}
            self.where[check.number] = (stop, len(stops[stop]["reads"]))
            stops[stop]["reads"].append(read)
        return stops

    def _wait_for_port(self, vmm, vmm_err):
        """The port kvm-vmm listens on, or None (self.unavailable or
        self.failed then says why)."""
        deadline = time.monotonic() + PORT_WAIT_S
        while time.monotonic() < deadline:
            m = LISTENING.search(vmm_err.read_text(errors="replace"))
            if m:
                return int(m.group(1))
            if vmm.poll() is not None:
                break
            time.sleep(PORT_POLL_S)
        if vmm.poll() is None:
            self.failed = "kvm-vmm --gdb did not say which port it listens on"
        elif vmm.returncode == USAGE_STATUS:
            # Refused before listening: the guest, or --gdb (no GDB stub)?
            first = (read_lines(vmm_err, 1) or [""])[0]
            if self.run_status() == USAGE_STATUS:
                self.failed = f"kvm-vmm refused to run it: {first}"
            else:
                self.unavailable = f"the GDB stub is not available ({first})"
        else:
            self.failed = (f"kvm-vmm --gdb exited with status {vmm.returncode} "
                           "before gdb could connect")
        return None

    def _run_gdb(self, port, stops):
        result_path = self.workdir / "probe-result.json"
        request_path = self.workdir / "probe-request.json"
        request_path.write_text(json.dumps(
            {"port": port, "result": str(result_path), "stops": stops}, indent=2))
        env = dict(os.environ, GRADE_PROBE=str(request_path))
        command = ["gdb", "-batch", "-nx", "-x", str(PROBE), str(self.elf)]
        with open(self.log, "wb") as log:
            try:
                subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT, env=env,
                               timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self.timed_out = True
        if result_path.is_file():
            self.result = json.loads(result_path.read_text())

    def _gdb_said(self):
        """What gdb printed (and the probe's error), for a failed check."""
        lines = ["gdb said:"]
        if self.result and self.result.get("error"):
            lines.append(f"| {self.result['error']}")
        lines += [f"| {line}" for line in read_lines(self.log, GDB_LOG_LINES)]
        return lines

    def reading(self, check):
        """The Reading of one check, after run()."""
        label = check.at
        if self.unavailable:
            return Reading(skip=self.unavailable)
        if self.failed:
            return Reading(why=self.failed)
        if self.result is None or not self.result.get("connected"):
            return Reading(why=f"gdb did not stop at {label}", notes=self._gdb_said())
        stop_index, read_index = self.where[check.number]
        stop = self.result["stops"][stop_index]
        read = stop["reads"][read_index]
        if read and "missing_label" in read:
            return Reading(why=f"there is no label {read['missing_label']} in your program")
        if stop["missing"]:
            return Reading(why=f"there is no label {label} in your program")
        if stop["reached"]:
            if "error" in read:
                return Reading(why=f"gdb stopped at {label} but could not read the value",
                               notes=["gdb said:", f"| {read['error']}"])
            if "hex" in read:
                return Reading(value=bytes.fromhex(read["hex"]), size=read["size"])
            return Reading(value=read["value"], size=read["size"])
        if self.result["ended"]:
            return Reading(why=f"your program ended without reaching {label}")
        if self.timed_out:
            return Reading(why=f"gdb did not stop at {label} within "
                               f"{self.timeout} s: an endless loop before it?")
        return Reading(why=f"gdb did not stop at {label}", notes=self._gdb_said())
