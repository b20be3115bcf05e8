#!/usr/bin/env python3
"""Time the scan of broken or hostile lines: one long line of a repeated opener.

Usage::

    python benchmarks/bench_pathological.py [--sizes 20000,80000] [--runs 3] [--limit 120]

For each fragment (an opener that a scanner must look ahead to close: ``[x](``,
``<a href="x" ``, ``{{< figure ``, ``<!--``, backtick runs …) and each size, builds a
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

UNITS = {
    "[x](": "[x](",
    '<a href="x" ': '<a href="x" ',
    "<a ": "<a ",
    "<!--": "<!--",
    "[": "[",
    "<": "<",
    "{{< figure ": "{{< figure ",
    "[a]: ": "[a]: ",
    "backtick runs 1, 2, 3 …": "RUNS",
    "![ … ](x) nested": "NESTED",
    "http://x then ) × n": "PARENS",
}

CHILD = r"""
import json, sys, time
from linkrescue.rewriters import read_document
unit, size, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if unit == "RUNS":
    body, k = "", 1
    while len(body) < size:
        body += "`" * k + "a"
        k += 1
elif unit == "NESTED":
    body = "![http://a.hk " * (size // 28) + "](x)" * (size // 28)
elif unit == "PARENS":
    body = "http://x" + ")" * size
else:
    body = unit * (size // len(unit))
text = "---\ntitle: x\n---\n" + body + "\n"
best = float("inf")
for _ in range(runs):
    start = time.perf_counter()
    doc = read_document(text, resource_keys=("image",))
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best, "chars": len(text), "references": len(doc.references)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="20000,80000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=float, default=120.0, help="seconds per case")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"| fragment | {' | '.join(f'{s:,} chars s' for s in sizes)} | ratio |")
    print(f"| --- | {' | '.join('---:' for _ in sizes)} | ---: |")
    for name, unit in UNITS.items():
        cells: list[str] = []
        times: list[float] = []
        for size in sizes:
            try:
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, unit, str(size), str(args.runs)],
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
