#!/usr/bin/env python3
"""Benchmark a ``rescue`` over an unchanged corpus against a cold ``scan`` of it (issue 12, item 4).

Usage::

    python benchmarks/bench_incremental.py --work benchmarks/out/bench-rescue-50000/run [--runs 3]

``--work``: a folder ``bench_rescue.py`` left (``corpus/``, ``store/``, ``config.toml``),
after its first and second runs, its pywb stopped: every resource is settled (rescued,
or known not archived for ``[rescue] recheck_days``), so a run makes no request.

1. one ``rescue`` that reads what changed since the store kept it (the documents the
   first run rewrote) and keeps it: the "priming" run;
2. ``--runs`` times, alternating: ``rescue`` over the unchanged corpus, and a cold
   ``linkrescue scan <corpus> --format jsonl > /dev/null`` (no store, no reuse);
   medians of both, and their ratio (target: at most 0.3).

Each rescue runs with ``-v``: its debug line says how many documents it read and how
many it took from the index unchanged. Prints a Markdown table with the commands;
progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import archive_corpus as ac  # noqa: E402
from bench_scan import rel  # noqa: E402

TARGET = 0.3
READING = re.compile(r"documents: (\d+) read, (\d+) unchanged since the last run \((\d+) of")


def rescue(work: Path, tag: str) -> tuple[ac.Measured, dict[str, object], str]:
    report = work / f"report-incr-{tag}.json"
    cmd = [*ac.linkrescue_cmd(), "rescue", str(work / "corpus"), "-v"]
    cmd += ["--config", str(work / "config.toml"), "--report", str(report)]
    run = ac.measure(cmd)
    if run.rc not in (0, 1) or not report.is_file():
        raise SystemExit(f"rescue failed (exit {run.rc}):\n{run.stderr[-3000:]}")
    found = READING.search(run.stderr)
    reading = f"{found[1]} read, {found[2]} unchanged" if found else "?"
    return run, json.loads(report.read_text()), reading


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    work: Path = args.work.resolve()
    corpus = work / "corpus"
    prime, prime_report, prime_reading = rescue(work, "prime")
    unchanged: list[ac.Measured] = []
    readings: list[str] = []
    requests = 0
    scans: list[ac.Measured] = []
    for i in range(args.runs):
        run, report, reading = rescue(work, str(i + 1))
        unchanged.append(run)
        readings.append(reading)
        req = report["requests"]
        assert isinstance(req, dict)
        requests += sum(int(v) for v in req.values())
        scans.append(ac.measure([*ac.linkrescue_cmd(), "scan", str(corpus), "--format", "jsonl"]))
    second = statistics.median(r.wall for r in unchanged)
    cold = statistics.median(s.wall for s in scans)
    ratio = second / cold
    walls = ", ".join(f"{r.wall:.2f}" for r in unchanged)
    scan_walls = ", ".join(f"{s.wall:.2f}" for s in scans)
    lines = [
        ac.machine_line(),
        "",
        f"`{rel(corpus)}`: {prime_report['documents']} documents, "
        f"{prime_report['references']} references, {prime_report['resources']} resources left "
        "to settle (the rest already local).",
        "",
        "| run | wall s | documents read / unchanged | requests | peak RSS / PSS, tree (MiB) |",
        "| --- | ---: | --- | ---: | ---: |",
        f"| priming `rescue` (reads what the last run rewrote) | {prime.wall:.2f} "
        f"| {prime_reading} | {sum(int(v) for v in prime_report['requests'].values())} "  # type: ignore[union-attr]
        f"| {ac.mib(prime.peak_rss)} / {ac.mib(prime.peak_pss)} |",
        f"| `rescue`, unchanged corpus (median of {len(unchanged)}: {walls}) | {second:.2f} "
        f"| {'; '.join(sorted(set(readings)))} | {requests} "
        f"| {ac.mib(max(r.peak_rss for r in unchanged))} / "
        f"{ac.mib(max(r.peak_pss for r in unchanged))} |",
        f"| cold `scan --format jsonl` (median of {len(scans)}: {scan_walls}) | {cold:.2f} | "
        f"all read | 0 | {ac.mib(max(s.peak_rss for s in scans))} / "
        f"{ac.mib(max(s.peak_pss for s in scans))} |",
        "",
        f"- unchanged `rescue` / cold `scan`: **x{ratio:.2f}** "
        f"({'meets' if ratio <= TARGET else 'MISSES'} the target of at most x{TARGET}).",
        "",
        "```sh",
        f"{prime.cmd}   # priming run",
        f"{unchanged[0].cmd}   # unchanged corpus ({len(unchanged)} runs, alternating)",
        f"{scans[0].cmd} > /dev/null   # cold scan",
        "```",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
