#!/usr/bin/env python3
"""Peak memory of a first ``rescue`` (issue 12, item 9): the process tree and the main process.

Usage::

    python benchmarks/bench_memory.py [--articles 10000,50000] [--concurrency 8] [--runs 1]

For each size: generate (or reuse) ``benchmarks/out/corpus-<size>/``, build its
capture set and start a real pywb on it (``archive_corpus.py``, set-up not measured),
then run one ``linkrescue rescue`` of a fresh copy into a fresh store (rate limits
off) while sampling ``/proc`` every 50 ms: the RSS summed over the whole process tree
(grandchildren too: the reading's workers are forked from a server process of their
own) and the main process's RSS alone. Prints a Markdown table: wall time, peak tree
RSS and when, the main process after the reading (when its workers ended) and its peak, and the ratio of the largest size's
tree peak to the smallest's (target: at most 1.3). Progress goes to stderr.

The same loop counts open file descriptors (``/proc/<pid>/fd``) and threads
(``Threads:`` of ``/proc/<pid>/status``) of the main process and summed over the tree
(issue 14, item 5: no leak under load). A second table gives, per run, the outcome
(exit code, the report's ``stopped`` or ``complete``), the references and resources of
the report, the body references the generator wrote, the load average during the run, and
fds and threads (main / tree) at 25, 50 and 75% of the wall time, at their peak and in
the last sample before the process exited: a count that grows with the work done is a
leak. Each run's report and stderr are kept as ``<out>/bench-memory-<size>-<run>.*``.
"""

from __future__ import annotations

import argparse
import json
import os
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
    return _proc(pid)[0]


def _proc(pid: int) -> tuple[int, int, int]:
    """RSS (MiB), threads and open file descriptors of ``pid`` (0s once it is gone)."""
    rss = threads = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) >> 10
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0, 0, 0
    return rss, threads, fds


def _load1() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


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
class Sample:
    at: float
    main_rss: int
    tree_rss: int
    procs: int
    main_fds: int
    tree_fds: int
    main_threads: int
    tree_threads: int
    load1: float


@dataclass(frozen=True)
class Sampled:
    wall: float
    rc: int
    tree_peak: int
    tree_peak_at: float
    main_peak: int
    main_after_reading: int | None
    report: dict[str, object]
    timeline: tuple[Sample, ...] = ()

    def at_share(self, share: float) -> Sample | None:
        """The sample nearest to ``share`` of the wall time."""
        if not self.timeline:
            return None
        return min(self.timeline, key=lambda s: abs(s.at - share * self.wall))

    @property
    def final(self) -> Sample | None:
        """The last sample with the main process still there (just before it exited)."""
        alive = [s for s in self.timeline if s.main_fds]
        return alive[-1] if alive else None

    def peak(self, field: str) -> int:
        return max((getattr(s, field) for s in self.timeline), default=0)

    @property
    def outcome(self) -> str:
        stopped = self.report.get("stopped") if self.report else "no report"
        return str(stopped or "complete")


def sample_rescue(corpus: Path, config: Path, work: Path) -> Sampled:
    """One ``rescue`` of ``corpus`` with ``config``, sampled."""
    report = work / "report.json"
    cmd = [*ac.linkrescue_cmd(), "rescue", str(corpus), "--config", str(config)]
    cmd += ["--report", str(report), "-q"]
    t0 = time.monotonic()
    with open(work / "stderr", "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        timeline: list[Sample] = []
        while proc.poll() is None:
            pids = _tree(proc.pid)
            each = [_proc(p) for p in pids]
            timeline.append(
                Sample(
                    at=time.monotonic() - t0,
                    main_rss=each[0][0],
                    tree_rss=sum(e[0] for e in each),
                    procs=len(pids),
                    main_fds=each[0][2],
                    tree_fds=sum(e[2] for e in each),
                    main_threads=each[0][1],
                    tree_threads=sum(e[1] for e in each),
                    load1=_load1(),
                )
            )
            time.sleep(EVERY)
    wall = time.monotonic() - t0
    peak = max(timeline, key=lambda s: s.tree_rss, default=Sample(0.0, 0, 0, 1, 0, 0, 0, 0, 0.0))
    # the reading's workers gone: the last time the tree lost processes (the server
    # they were forked from stays to the end of the run)
    drops = [s.main_rss for i, s in enumerate(timeline) if i and s.procs < timeline[i - 1].procs]
    after = drops[-1] if drops else None
    data = json.loads(report.read_text()) if report.is_file() else {}
    return Sampled(
        wall=wall,
        rc=proc.returncode,
        tree_peak=peak.tree_rss,
        tree_peak_at=peak.at,
        main_peak=max((s.main_rss for s in timeline), default=0),
        main_after_reading=after,
        report=data,
        timeline=tuple(timeline),
    )


def _measured(size: int, url: str, base: Path, concurrency: int) -> Sampled:
    config = ac.write_config(
        base / "config.toml", archive_url=url, store=base / "store", concurrency=concurrency
    )
    print(f"{size}: first rescue against {url}", file=sys.stderr)
    return sample_rescue(base / "corpus", config, base)


def _keep(size: int, number: int, base: Path, run: Sampled, out: Path) -> None:
    """Keep the run's report, stderr and samples beside the corpora (the folder goes)."""
    stem = out / f"bench-memory-{size}-{number}"
    for name, suffix in (("report.json", ".report.json"), ("stderr", ".stderr")):
        if (base / name).is_file():
            shutil.copyfile(base / name, f"{stem}{suffix}")
    lines = ["at\tmain_rss\ttree_rss\tprocs\tmain_fds\ttree_fds\tmain_thr\ttree_thr\tload1"]
    lines += [
        f"{s.at:.2f}\t{s.main_rss}\t{s.tree_rss}\t{s.procs}\t{s.main_fds}\t{s.tree_fds}"
        f"\t{s.main_threads}\t{s.tree_threads}\t{s.load1:.2f}"
        for s in run.timeline
    ]
    Path(f"{stem}.samples.tsv").write_text("\n".join(lines) + "\n")


def _ft(s: Sample | None) -> str:
    """fds main/tree, threads main/tree of one sample."""
    if s is None:
        return "?"
    return f"{s.main_fds}/{s.tree_fds}, {s.main_threads}/{s.tree_threads}"


def _load_table(rows: list[tuple[int, int, Sampled, dict[str, object]]]) -> None:
    print(
        "\n| run | body refs (generator) | references / resources (report) | outcome, rc "
        "| load 1-min: start / mean / max | fds main/tree, threads main/tree: 25% | 50% "
        "| 75% | peak | last sample |"
    )
    print("| --- | ---: | ---: | --- | --- | --- | --- | --- | --- | --- |")
    for size, number, run, stats in rows:
        loads = [s.load1 for s in run.timeline] or [0.0]
        peak = (
            f"{run.peak('main_fds')}/{run.peak('tree_fds')}, "
            f"{run.peak('main_threads')}/{run.peak('tree_threads')}"
        )
        cells = [
            f"{size:,} articles, run {number}",
            _count(stats.get("refs")),
            f"{_count(run.report.get('references'))} / {_count(run.report.get('resources'))}",
            f"{run.outcome}, {run.rc}",
            f"{loads[0]:.2f} / {sum(loads) / len(loads):.2f} / {max(loads):.2f}",
            *(_ft(run.at_share(share)) for share in (0.25, 0.5, 0.75)),
            peak,
            _ft(run.final),
        ]
        print("| " + " | ".join(cells) + " |")


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--articles", default="10000,50000", help="comma-separated sizes")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--runs", type=int, default=1, help="first rescues per size, each fresh")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument(
        "--archive",
        default="",
        help="SIZE=URL,...: a pywb already serving that corpus's capture set "
        "(archive_corpus.py's, seed 1), used instead of starting one",
    )
    args = ap.parse_args(argv)
    running = dict(item.split("=", 1) for item in args.archive.split(",") if item)
    rows: list[tuple[int, int, Sampled, dict[str, object]]] = []
    for size in (int(s) for s in args.articles.split(",")):
        stats = ensure_corpus(args.out, size, 1, 6)
        corpus = args.out / f"corpus-{size}"
        for number in range(1, args.runs + 1):
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
                _keep(size, number, base, run, args.out)
            print(
                f"  {run.wall:.1f} s, rc={run.rc}, {run.outcome}, tree peak {run.tree_peak} MiB "
                f"at {run.tree_peak_at:.1f} s, main {run.main_after_reading} / {run.main_peak} "
                f"MiB; fds main/tree, threads main/tree: 25% {_ft(run.at_share(0.25))}, "
                f"50% {_ft(run.at_share(0.5))}, 75% {_ft(run.at_share(0.75))}, "
                f"last {_ft(run.final)}",
                file=sys.stderr,
            )
            rows.append((size, number, run, stats))
    print(
        "| first `rescue` | resources | wall s | peak RSS, tree (MiB) "
        "| main: after the reading / peak (MiB) |"
    )
    print("| --- | ---: | ---: | ---: | --- |")
    for size, number, run, _ in rows:
        resources = run.report.get("resources")
        shown = f"{resources:,}" if isinstance(resources, int) else "?"
        label = f"{size:,} articles" + (f", run {number}" if args.runs > 1 else "")
        print(
            f"| {label} | {shown} | {run.wall:.1f} | "
            f"{run.tree_peak} ({run.tree_peak_at:.0f} s in) | "
            f"{run.main_after_reading} / {run.main_peak} |"
        )
    if len(rows) > 1 and rows[0][2].tree_peak:
        ratio = rows[-1][2].tree_peak / rows[0][2].tree_peak
        print(
            f"\ntree peak ×{ratio:.2f} from {rows[0][0]:,} to {rows[-1][0]:,} articles "
            f"(target ≤ ×{TARGET}): {'meets' if ratio <= TARGET else 'misses'}"
        )
    _load_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
