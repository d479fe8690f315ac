#!/usr/bin/env python3
"""qemu_screen.py - boot a disk image under QEMU (its own BIOS, SeaBIOS) and
print its final VGA text screen as kvm-vmm --screen text prints ours: each
row without trailing blanks, trailing empty rows dropped. The screen is
read with the monitor's `pmemsave 0xb8000 4000` until MARKER shows on it
(the image writes it last), so both screens are compared at the same point.

usage: qemu_screen.py IMAGE MARKER [TIMEOUT_SECONDS]
Exit status 0 with the screen on stdout; 1 if MARKER never showed; 2 if
QEMU could not be started.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

VGA_TEXT = 0xB8000
COLS, ROWS = 80, 25
SCREEN_BYTES = COLS * ROWS * 2
POLL_SECONDS = 0.1


def screen_text(raw):
    """The rows of a text screen dump, as kvm-vmm's vmm/pc/screen.c writes them."""
    rows = []
    for r in range(ROWS):
        chars = raw[r * COLS * 2:(r + 1) * COLS * 2:2]
        text = "".join(" " if b in (0, 0xFF) else bytes([b]).decode("cp437") for b in chars)
        rows.append(text.rstrip(" "))
    while rows and not rows[-1]:
        rows.pop()
    return "".join(row + "\n" for row in rows)


def monitor(sock, command=None):
    """Send one monitor command (None: only read the greeting) and read up
    to the next prompt."""
    if command is not None:
        sock.sendall(command.encode() + b"\n")
    reply = b""
    while not reply.endswith(b"(qemu) "):
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
    return reply


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    image, marker = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    with tempfile.TemporaryDirectory() as tmp:
        sock_path = os.path.join(tmp, "monitor")
        dump = os.path.join(tmp, "screen")
        try:
            qemu = subprocess.Popen(
                ["qemu-system-i386", "-display", "none", "-snapshot",
                 "-drive", f"file={image},format=raw,if=ide",
                 "-monitor", f"unix:{sock_path},server,nowait"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as e:
            print(f"qemu_screen: cannot start qemu-system-i386: {e}", file=sys.stderr)
            return 2
        try:
            deadline = time.monotonic() + timeout
            sock = None
            while sock is None and time.monotonic() < deadline:
                try:
                    sock = socket.socket(socket.AF_UNIX)
                    sock.connect(sock_path)
                except OSError:
                    sock = None
                    time.sleep(POLL_SECONDS)
            if sock is None:
                print("qemu_screen: no monitor socket", file=sys.stderr)
                return 2
            monitor(sock)
            text = ""
            while time.monotonic() < deadline:
                monitor(sock, f'pmemsave {VGA_TEXT:#x} {SCREEN_BYTES} "{dump}"')
                if not os.path.exists(dump):
                    time.sleep(POLL_SECONDS)
                    continue
                with open(dump, "rb") as f:
                    text = screen_text(f.read())
                if marker in text:
                    sys.stdout.write(text)
                    return 0
                time.sleep(POLL_SECONDS)
            print(f"qemu_screen: {marker!r} never showed; the screen:\n{text}", file=sys.stderr)
            return 1
        finally:
            qemu.kill()
            qemu.wait()


if __name__ == "__main__":
    sys.exit(main())
