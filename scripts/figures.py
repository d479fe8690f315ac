#!/usr/bin/env python3
"""figures.py - `make figures`: draw the documents' figures with Graphviz.

Every figure is an SVG in docs/figures/, drawn by `dot` from a text source:
docs/figures/NAME.dot, written by hand, except memory-map.dot, which this
script writes from the addresses in vmm/layout.h (so the map cannot say
otherwise than the code). Each SVG records the SHA-256 of the source it was
drawn from, so that --check can tell a figure its source has left behind.

    python3 scripts/figures.py           draw every figure (needs graphviz)
    python3 scripts/figures.py --check [--dir DIR]
                                         status 1, and which, if a figure is
                                         missing or older than its source
                                         (needs only Python); DIR: another
                                         folder of sources and SVGs (tests)
"""

import hashlib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"
LAYOUT_H = ROOT / "vmm" / "layout.h"
MEMORY_MAP = "memory-map"
HASH_MARK = "<!-- source sha256: "
DEFINE = re.compile(r"^#define\s+(LAYOUT_\w+)\s+([^/]+)")
# What a LAYOUT_* value may be: a number, or a number shifted ("(16ULL << 20)").
VALUE = re.compile(r"^\(?\s*(0x[0-9a-fA-F]+|\d+)(?:ULL)?\s*(?:<<\s*(\d+))?\s*\)?")
IVT_BYTES = 256 * 4  # the real-mode interrupt vector table: 256 far pointers
KIB = 1 << 10
MIB = 1 << 20


def layout():
    """The LAYOUT_* numbers of vmm/layout.h."""
    values = {}
    for line in LAYOUT_H.read_text().split("\n"):
        m = DEFINE.match(line)
        if not m:
            continue
        value = VALUE.match(m.group(2).strip())
        if value:
            values[m.group(1)] = int(value.group(1), 0) << int(value.group(2) or 0)
    return values


def size(n):
    return f"{n // MIB} MiB" if n % MIB == 0 and n >= MIB else \
        f"{n // KIB} KiB" if n % KIB == 0 else f"{n} bytes"


def memory_map_source():
    """memory-map.dot: guest physical memory, low addresses at the bottom."""
    v = layout()
    gdt_end = v["LAYOUT_GDT"] + v["LAYOUT_GDT_ENTRIES"] * 8
    rows = [  # (start, end, what), from the top of memory down
        (v["LAYOUT_KERNEL_BASE"], None,
         f"guests linked at 1 MiB (protected and long mode, Multiboot kernels);"
         f" RAM: --mem, default {size(v['LAYOUT_MEM_DEFAULT'])}"),
        (v["LAYOUT_LOW_MEM_END"], v["LAYOUT_KERNEL_BASE"],
         "not RAM to a PC-style guest (VGA, ROM area): reported as reserved"),
        (v["LAYOUT_STACK_TOP"], v["LAYOUT_LOW_MEM_END"],
         f"real-mode guests are linked at {v['LAYOUT_STACK_TOP']:#x}, like a boot sector"),
        (v["LAYOUT_MB_INFO_END"], v["LAYOUT_STACK_TOP"],
         f"the stack: SP/RSP starts at {v['LAYOUT_STACK_TOP']:#x} and grows down"),
        (v["LAYOUT_MB_INFO"], v["LAYOUT_MB_INFO_END"], "Multiboot information (a Multiboot kernel)"),
        (v["LAYOUT_PD"], v["LAYOUT_PAGING_END"],
         f"{v['LAYOUT_PD_COUNT']} page directories of 2 MiB pages (long mode: 4 GiB identity)"),
        (v["LAYOUT_PDPT"], v["LAYOUT_PD"], "PDPT (long mode)"),
        (v["LAYOUT_PML4"], v["LAYOUT_PDPT"], "PML4: CR3 (long mode)"),
        (v["LAYOUT_GDT"], gdt_end,
         f"GDT: null, code32 {v['LAYOUT_SEL_CODE32']:#x}, data {v['LAYOUT_SEL_DATA']:#x},"
         f" code64 {v['LAYOUT_SEL_CODE64']:#x} (protected and long mode)"),
        (v["LAYOUT_IVT"], v["LAYOUT_IVT"] + IVT_BYTES,
         "real-mode interrupt vector table (kvm-vmm leaves it empty: no BIOS)"),
    ]
    cells = []
    for start, end, what in rows:
        where = f"{start:#07x}" + (f" - {end - 1:#07x}" if end else " -")
        cells.append(f'        <tr><td align="left">{where}</td><td align="left">{what}</td></tr>')
    return "\n".join([
        "// memory-map.dot - guest physical memory as kvm-vmm lays it out, from the",
        "// LAYOUT_* addresses of vmm/layout.h. Written by scripts/figures.py: edit",
        "// vmm/layout.h (or the script), then `make figures`.",
        "digraph memory_map {",
        '    graph [fontname="Helvetica", fontsize=11];',
        '    node  [shape=plaintext, fontname="Helvetica", fontsize=11];',
        "    map [label=<",
        '      <table border="0" cellborder="1" cellspacing="0" cellpadding="4">',
        '        <tr><td bgcolor="#dddddd" colspan="2"><b>guest physical memory</b>'
        " (vmm/layout.h), high addresses on top</td></tr>",
        *cells,
        "      </table>>];",
        "}",
        "",
    ])


def sources(folder):
    """{figure name: its dot source text}."""
    found = {p.stem: p.read_text() for p in sorted(folder.glob("*.dot"))
             if p.stem != MEMORY_MAP}
    found[MEMORY_MAP] = memory_map_source()
    return found


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def recorded_digest(svg):
    """The source digest an SVG was drawn from, or None."""
    if not svg.is_file():
        return None
    for line in svg.read_text().split("\n")[:5]:
        if line.startswith(HASH_MARK):
            return line[len(HASH_MARK):].split()[0]
    return None


def draw(name, text):
    """Run dot on the source; write docs/figures/NAME.svg with its digest."""
    if name == MEMORY_MAP:
        (FIGURES / f"{name}.dot").write_text(text)
    svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True,
                         check=True).stdout
    head, _, rest = svg.partition("\n")  # the <?xml ...?> line stays first
    (FIGURES / f"{name}.svg").write_text(f"{head}\n{HASH_MARK}{digest(text)} -->\n{rest}")


def main(argv):
    check = argv[:1] == ["--check"]
    folder = FIGURES
    if check and len(argv) == 3 and argv[1] == "--dir":
        folder = Path(argv[2])
    elif argv not in ([], ["--check"]):
        print(__doc__, file=sys.stderr)
        return 2
    figures = sources(folder)
    if check:
        stale = [name for name, text in figures.items()
                 if recorded_digest(folder / f"{name}.svg") != digest(text)]
        for name in stale:
            print(f"figures: {folder.name}/{name}.svg is missing or older than its source: "
                  "make figures", file=sys.stderr)
        return 1 if stale else 0
    try:
        for name, text in figures.items():
            draw(name, text)
            print(f"  DOT    docs/figures/{name}.svg")
    except FileNotFoundError:
        print("figures: dot is not installed (make deps installs graphviz)", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as e:
        print(f"figures: dot failed: {e.stderr}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
