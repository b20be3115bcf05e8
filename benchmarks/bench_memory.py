#!/usr/bin/env python3
"""Peak memory of a first ``rescue`` (issue 12, item 9): the process tree and the main process.

Usage::

    python benchmarks/bench_memory.py [--articles 10000,50000] [--concurrency 8]

For each size: generate (or reuse) ``benchmarks/out/corpus-<size>/``, build its
capture set and start a real pywb on it (``archive_corpus.py``, set-up not measured),
then run one ``linkrescue rescue`` of a fresh copy into a fresh store (rate limits
off) while sampling ``/proc`` every 50 ms: the RSS summed over the whole process tree
(grandchildren too: the reading's workers are forked from a server process of their
own) and the main process's RSS alone. Prints a Markdown table: wall time, peak tree
RSS and when, the main process after the reading (when its workers ended) and its peak, and the ratio of the largest size's
tree peak to the smallest's (target: at most 1.3). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import archive_corpus as ac  # noqa: E402
from bench_scan import ensure_corpus  # noqa: E402

TARGET = 1.3
EVERY = 0.05


def _rss_mib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) >> 10
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    pids, i = [pid], 0
    while i < len(pids):
        try:
            for tid in Path(f"/proc/{pids[i]}/task").iterdir():
                pids += [int(c) for c in (tid / "children").read_text().split()]
        except OSError:
            pass
        i += 1
    return pids


@dataclass(frozen=True)
class Sampled:
    wall: float
    rc: int
    tree_peak: int
    tree_peak_at: float
    main_peak: int
    main_after_reading: int | None
    report: dict[str, object]


def sample_rescue(corpus: Path, config: Path, work: Path) -> Sampled:
    """One ``rescue`` of ``corpus`` with ``config``, sampled."""
    report = work / "report.json"
    cmd = [*ac.linkrescue_cmd(), "rescue", str(corpus), "--config", str(config)]
    cmd += ["--report", str(report), "-q"]
    t0 = time.monotonic()
    with open(work / "stderr", "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        timeline: list[tuple[float, int, int, int]] = []
        while proc.poll() is None:
            pids = _tree(proc.pid)
            timeline.append(
                (time.monotonic() - t0, _rss_mib(proc.pid), sum(map(_rss_mib, pids)), len(pids))
            )
            time.sleep(EVERY)
    wall = time.monotonic() - t0
    peak = max(timeline, key=lambda s: s[2], default=(0.0, 0, 0, 1))
    # the reading's workers gone: the last time the tree lost processes (the server
    # they were forked from stays to the end of the run)
    drops = [s[1] for i, s in enumerate(timeline) if i and s[3] < timeline[i - 1][3]]
    after = drops[-1] if drops else None
    data = json.loads(report.read_text()) if report.is_file() else {}
    return Sampled(
        wall=wall,
        rc=proc.returncode,
        tree_peak=peak[2],
        tree_peak_at=peak[0],
        main_peak=max((s[1] for s in timeline), default=0),
        main_after_reading=after,
        report=data,
    )


def _measured(size: int, url: str, base: Path, concurrency: int) -> Sampled:
    config = ac.write_config(
        base / "config.toml", archive_url=url, store=base / "store", concurrency=concurrency
    )
    print(f"{size}: first rescue against {url}", file=sys.stderr)
    return sample_rescue(base / "corpus", config, base)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--articles", default="10000,50000", help="comma-separated sizes")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument(
        "--archive",
        default="",
        help="SIZE=URL,...: a pywb already serving that corpus's capture set "
        "(archive_corpus.py's, seed 1), used instead of starting one",
    )
    args = ap.parse_args(argv)
    running = dict(item.split("=", 1) for item in args.archive.split(",") if item)
    rows: list[tuple[int, Sampled]] = []
    for size in (int(s) for s in args.articles.split(",")):
        ensure_corpus(args.out, size, 1, 6)
        corpus = args.out / f"corpus-{size}"
        with tempfile.TemporaryDirectory(prefix=f"bench-memory-{size}-") as tmp:
            base = Path(tmp)
            shutil.copytree(corpus, base / "corpus", symlinks=True)
            if str(size) in running:
                run = _measured(size, running[str(size)], base, args.concurrency)
            else:
                inv = ac.inventory(corpus)
                plan = ac.plan_captures(inv.resources, seed=1, uncaptured=0.1, exact=False)
                with ac.start_archive(base / "pywb", plan.captures) as archive:
                    run = _measured(size, archive.url, base, args.concurrency)
        print(
            f"  {run.wall:.1f} s, rc={run.rc}, tree peak {run.tree_peak} MiB at "
            f"{run.tree_peak_at:.1f} s, main {run.main_after_reading} / {run.main_peak} MiB",
            file=sys.stderr,
        )
        rows.append((size, run))
    print(
        "| first `rescue` | resources | wall s | peak RSS, tree (MiB) "
        "| main: after the reading / peak (MiB) |"
    )
    print("| --- | ---: | ---: | ---: | --- |")
    for size, run in rows:
        resources = run.report.get("resources")
        shown = f"{resources:,}" if isinstance(resources, int) else "?"
        print(
            f"| {size:,} articles | {shown} | {run.wall:.1f} | "
            f"{run.tree_peak} ({run.tree_peak_at:.0f} s in) | "
            f"{run.main_after_reading} / {run.main_peak} |"
        )
    if len(rows) > 1 and rows[0][1].tree_peak:
        ratio = rows[-1][1].tree_peak / rows[0][1].tree_peak
        print(
            f"\ntree peak ×{ratio:.2f} from {rows[0][0]:,} to {rows[-1][0]:,} articles "
            f"(target ≤ ×{TARGET}): {'meets' if ratio <= TARGET else 'misses'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
