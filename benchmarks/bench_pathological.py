#!/usr/bin/env python3
"""Time the scan of broken or hostile lines: one long line of a repeated opener.

Usage::

    python benchmarks/bench_pathological.py [--sizes 20000,80000] [--runs 3] [--limit 120] [--write FILE]

For each fragment (an opener that a scanner must look ahead to close: ``[x](``,
``<a href="x" ``, ``{{< figure ``, ``{% raw ``, ``<!--``, backtick runs …) and each size, builds a
document whose body is one line of that fragment repeated to the size, and times
``read_document`` on it (the whole scan of one file: frontmatter, Markdown, inline
HTML, shortcodes), best of ``--runs``, each case in a child process killed after
``--limit`` seconds (a quadratic scan of 80 KB took minutes). Prints a Markdown
table for ``docs/BENCHMARKS.md`` and, per fragment, the ratio of the largest size's
time to the smallest's (linear time: the ratio of the sizes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)

UNITS = {
    "[x](": "[x](",
    '<a href="x" ': '<a href="x" ',
    "<a ": "<a ",
    "<!--": "<!--",
    "[": "[",
    "<": "<",
    "{{< figure ": "{{< figure ",
    "{% raw ": "{% raw ",
    "{% link ": "{% link ",
    "[x](  {% link ": "[x](  {% link ",
    "[a]: ": "[a]: ",
    "backtick runs 1, 2, 3 …": "RUNS",
    "![ … ](x) nested": "NESTED",
    "http://x then ) × n": "PARENS",
}


def body_of(unit: str, size: int) -> str:
    """One line of ``unit`` repeated to about ``size`` characters (or a named shape)."""
    if unit == "RUNS":
        body, k = "", 1
        while len(body) < size:
            body += "`" * k + "a"
            k += 1
        return body
    if unit == "NESTED":
        return "![http://a.hk " * (size // 28) + "](x)" * (size // 28)
    if unit == "PARENS":
        return "http://x" + ")" * size
    return unit * (size // len(unit))


CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[4])
from bench_pathological import body_of
from linkrescue.rewriters import read_document
unit, size, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
text = "---\ntitle: x\n---\n" + body_of(unit, size) + "\n"
best = float("inf")
for _ in range(runs):
    start = time.perf_counter()
    doc = read_document(text, resource_keys=("image",))
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best, "chars": len(text), "references": len(doc.references)}))
"""


def write_file(path: Path, size: int) -> None:
    """Write one document holding every fragment's line at ``size`` characters."""
    lines = [body_of(unit, size) for unit in UNITS.values()]
    path.write_text("---\ntitle: pathological\n---\n" + "\n\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="20000,80000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=float, default=120.0, help="seconds per case")
    ap.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help="write one document with every fragment's line at the largest size, then stop"
        " (time `linkrescue scan FILE` on it)",
    )
    args = ap.parse_args()
    if args.write is not None:
        write_file(args.write, max(int(s) for s in args.sizes.split(",")))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"| fragment | {' | '.join(f'{s:,} chars s' for s in sizes)} | ratio |")
    print(f"| --- | {' | '.join('---:' for _ in sizes)} | ---: |")
    for name, unit in UNITS.items():
        cells: list[str] = []
        times: list[float] = []
        for size in sizes:
            try:
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, unit, str(size), str(args.runs), HERE],
                    capture_output=True,
                    text=True,
                    timeout=args.limit,
                    check=True,
                )
            except subprocess.TimeoutExpired:
                cells.append(f"> {args.limit:.0f}")
                continue
            seconds = json.loads(done.stdout)["seconds"]
            times.append(seconds)
            cells.append(f"{seconds:.3f}")
        ratio = f"{times[-1] / times[0]:.1f}" if len(times) == len(sizes) and times[0] else "–"
        print(f"| `{name}` | {' | '.join(cells)} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
