#!/usr/bin/env python3
"""Benchmark ``linkrescue scan`` against synthetic corpora, next to the floor.

Usage::

    python benchmarks/bench_scan.py [--runs 3] [--sizes 10000,25000,50000] [--no-scan] [--no-floor]

For each size, generates (or reuses) ``benchmarks/out/corpus-<size>/`` with
``gen_corpus.py``, reads it once to warm the page cache, then runs, ``--runs``
times each:

* ``linkrescue scan DIR --format jsonl > /dev/null`` (the scanner);
* ``python benchmarks/floor.py DIR --procs 1`` and ``--procs 2`` (the floor: read
  every file and parse its frontmatter with ``yaml.CSafeLoader``, nothing else).

Each run is a child process.  Wall time is measured around it; memory is measured
two ways: the peak over time of the summed RSS (and PSS) of the whole process tree,
sampled from ``/proc`` every 20 ms (a process pool shows up here), and the
kernel's ``ru_maxrss`` of the child from ``wait4`` (the largest single process, the
figure ``/usr/bin/time -f %M`` prints).  Prints a Markdown table (medians of wall
time, peaks of memory over the runs) with the exact command lines, and whether
the scanner's memory stays flat from the smallest corpus to the largest.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_EVERY = 0.02  # seconds
FLAT_RATIO = 1.25  # peak RSS at the largest size / at the smallest: above this, "grows"


def rel(path: Path | str) -> str:
    """``path`` relative to the repository root when inside it (for pasteable commands)."""
    p = Path(path)
    if not p.is_absolute():
        return str(p)
    try:
        return str(Path(os.path.abspath(p)).relative_to(REPO))
    except ValueError:
        return str(p)


# -- memory sampling ----------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Direct children of ``pid``, over all its threads (a pool may fork from any)."""
    kids: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += (int(x) for x in f.read().split())
    except OSError:
        pass
    return kids


def _tree(root: int) -> list[int]:
    pids = [root]
    i = 0
    while i < len(pids):
        pids += _children(pids[i])
        i += 1
    return pids


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed RSS and PSS of a process tree until stopped; keeps the peaks."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_rss = 0
        self.peak_pss = 0
        self.max_one = 0  # the largest single process seen
        self.max_procs = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(SAMPLE_EVERY)

    def sample(self) -> None:
        pids = _tree(self.root)
        rss = [_rss(p) for p in pids]
        self.max_procs = max(self.max_procs, len(pids))
        self.peak_rss = max(self.peak_rss, sum(rss))
        self.max_one = max([self.max_one, *rss])
        self.peak_pss = max(self.peak_pss, sum(_pss(p) for p in pids))

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


# -- one measured run -----------------------------------------------------------------


@dataclass
class Run:
    wall: float
    rc: int
    peak_rss: int  # bytes, summed over the process tree, sampled
    peak_pss: int
    maxrss: int  # bytes, ru_maxrss of the child (largest single process)
    procs: int
    stderr: str


@dataclass
class Spawned:
    """One finished child process: wall time, exit code, its rusage, the tree sampler."""

    wall: float
    rc: int
    usage: resource.struct_rusage  # of the child and its reaped children
    sampler: TreeSampler
    stderr: str


def spawn(cmd: list[str], stdout: str = os.devnull) -> Spawned:
    """Run ``cmd`` from the repository root (stdout to the path ``stdout``), sampling
    the memory of its process tree until it exits."""
    with tempfile.TemporaryFile() as err, open(stdout, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=REPO)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        sampler.stop()
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return Spawned(wall, os.waitstatus_to_exitcode(status), usage, sampler, text)


def measure(cmd: list[str]) -> Run:
    """Run ``cmd`` from the repository root, stdout to /dev/null, and measure it."""
    done = spawn(cmd)
    return Run(
        wall=done.wall,
        rc=done.rc,
        peak_rss=done.sampler.peak_rss,
        peak_pss=done.sampler.peak_pss,
        maxrss=done.usage.ru_maxrss * 1024,
        procs=done.sampler.max_procs,
        stderr=done.stderr,
    )


@dataclass
class Result:
    label: str
    size: int
    cmd: str
    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.rc == 0 for r in self.runs)

    @property
    def median(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def peak_rss(self) -> int:
        return max(r.peak_rss for r in self.runs)

    @property
    def peak_pss(self) -> int:
        return max(r.peak_pss for r in self.runs)

    @property
    def maxrss(self) -> int:
        return max(r.maxrss for r in self.runs)

    @property
    def procs(self) -> int:
        return max(r.procs for r in self.runs)


def bench(label: str, size: int, cmd: list[str], shown: str, runs: int) -> Result:
    res = Result(label, size, shown)
    for i in range(runs):
        run = measure(cmd)
        res.runs.append(run)
        print(
            f"  {label} {size} run {i + 1}/{runs}: {run.wall:.2f} s, rc={run.rc}, "
            f"tree RSS {run.peak_rss / 2**20:.0f} MiB over {run.procs} procs",
            file=sys.stderr,
        )
        if i == 0 and run.rc == 0 and run.stderr.strip():
            print(f"    stderr: {run.stderr.strip().splitlines()[-1]}", file=sys.stderr)
        if run.rc != 0:
            tail = run.stderr.strip().splitlines()[-5:]
            print("    stderr: " + "\n    ".join(tail), file=sys.stderr)
            break
    return res


# -- corpora ------------------------------------------------------------------------


def ensure_corpus(out: Path, size: int, seed: int, hosts: int) -> dict[str, object]:
    """Generate ``out/corpus-<size>`` unless a complete one with the same parameters exists."""
    corpus = out / f"corpus-{size}"
    stats_path = out / f"corpus-{size}.json"
    if corpus.is_dir() and stats_path.is_file():
        stats: dict[str, object] = json.loads(stats_path.read_text())
        if (stats.get("articles"), stats.get("seed"), stats.get("hosts")) == (size, seed, hosts):
            print(f"reusing {rel(corpus)}", file=sys.stderr)
            return stats
    stats_path.unlink(missing_ok=True)
    if corpus.exists():
        shutil.rmtree(corpus)
    out.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        str(HERE / "gen_corpus.py"),
        str(corpus),
        "--articles",
        str(size),
        "--seed",
        str(seed),
        "--hosts",
        str(hosts),
        "--stats",
        str(stats_path),
    ]
    print(f"generating {rel(corpus)}", file=sys.stderr)
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    result: dict[str, object] = json.loads(stats_path.read_text())
    return result


def warm(corpus: Path) -> None:
    """Read every file once so that every measured run sees a warm page cache."""
    for dirpath, _, names in os.walk(corpus):
        for name in names:
            with open(os.path.join(dirpath, name), "rb") as f:
                while f.read(1 << 20):
                    pass


def scanner_usable(exe: str) -> str | None:
    """None if ``exe scan --help`` works, else why not."""
    if not Path(exe).exists() and shutil.which(exe) is None:
        return f"{exe} not found"
    try:
        done = subprocess.run(
            [exe, "scan", "--help"], capture_output=True, timeout=60, cwd=REPO, check=False
        )
    except OSError as e:
        return f"{exe}: {e}"
    if done.returncode != 0:
        last = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        return f"`{rel(exe)} scan --help` exited {done.returncode}: {last[-1] if last else ''}"
    return None


def verify(cmd: list[str], size: int, stats: dict[str, object]) -> str:
    """Count the JSONL records of one scan against what the generator wrote."""
    done = subprocess.run(cmd, capture_output=True, cwd=REPO, check=False)
    records = done.stdout.count(b"\n")
    return (
        f"Verify corpus-{size}: exit {done.returncode}, {records} JSONL records; generator wrote "
        f"{stats['refs']} body refs + {stats['frontmatter_urls']} frontmatter URLs."
    )


# -- report -------------------------------------------------------------------------


def mib(n: int) -> str:
    return f"{n / 2**20:.0f}"


def report(
    corpora: dict[int, dict[str, object]], results: list[Result], args: argparse.Namespace
) -> str:
    lines = [
        f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
        f"{args.runs} runs each, median wall time, peak memory over the runs; warm page cache.",
        "",
        "| corpus | files | MB | refs | refs/article |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for size, st in corpora.items():
        files = int(str(st["files"]))
        refs = int(str(st["refs"]))
        lines.append(
            f"| corpus-{size} | {files} | {int(str(st['bytes'])) / 1e6:.1f} | {refs} "
            f"| {refs / files:.2f} |"
        )
    lines += [
        "",
        "refs: link and image destinations that gen_corpus.py wrote in article bodies "
        "(code blocks excluded, empty ones included); the URLs of the frontmatter "
        "(`image` or `url`, and `original_url`: 2 per article) are not counted.",
        "",
        "| what | articles | median wall s | articles/s | peak RSS, tree sum (MiB) "
        "| peak PSS, tree sum (MiB) | max RSS, one process (MiB) | processes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if not r.ok:
            rc = r.runs[-1].rc if r.runs else "-"
            lines.append(f"| {r.label} | {r.size} | FAILED (exit {rc}) | | | | | |")
            continue
        lines.append(
            f"| {r.label} | {r.size} | {r.median:.2f} | {r.size / r.median:,.0f} "
            f"| {mib(r.peak_rss)} | {mib(r.peak_pss)} | {mib(r.maxrss)} | {r.procs} |"
        )
    lines += ["", "Commands (from the repository root):", "", "```sh"]
    lines += [
        f"{rel(sys.executable)} benchmarks/gen_corpus.py benchmarks/out/corpus-{size} "
        f"--articles {size} --seed {args.seed} --hosts {args.hosts}"
        for size in corpora
    ]
    lines += [r.cmd for r in results]
    lines += ["```", ""]
    for label in dict.fromkeys(r.label for r in results):
        mine = [r for r in results if r.label == label and r.ok]
        if len(mine) < 2:
            continue
        lo, hi = min(mine, key=lambda r: r.size), max(mine, key=lambda r: r.size)
        ratio = hi.peak_rss / max(1, lo.peak_rss)
        verdict = "flat" if ratio <= FLAT_RATIO else "GROWS with the corpus"
        lines.append(
            f"Memory, {label}: peak tree RSS {mib(lo.peak_rss)} MiB at {lo.size} articles, "
            f"{mib(hi.peak_rss)} MiB at {hi.size} (x{ratio:.2f}): {verdict}."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark linkrescue scan and the floor.")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="10000,25000,50000", help="comma-separated article counts")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hosts", type=int, default=6)
    ap.add_argument("--out", type=Path, default=HERE / "out", help="where corpora live")
    default_exe = Path(sys.executable).parent / "linkrescue"
    ap.add_argument(
        "--linkrescue",
        default=str(default_exe) if default_exe.exists() else "linkrescue",
        help="the console script to benchmark",
    )
    ap.add_argument("--no-scan", action="store_true", help="measure the floor only")
    ap.add_argument("--no-floor", action="store_true", help="measure the scanner only")
    ap.add_argument("--floor-procs", default="1,2", help="comma-separated pool sizes")
    ap.add_argument(
        "--verify",
        action="store_true",
        help="one more, untimed scan per corpus counting its JSONL lines against refs",
    )
    args = ap.parse_args(argv)
    args.out = Path(os.path.abspath(args.out))
    if "/" in args.linkrescue:
        args.linkrescue = os.path.abspath(args.linkrescue)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if args.runs < 1 or not sizes or min(sizes) < 1:
        ap.error("--runs and --sizes must be positive")

    why_not = None if args.no_scan else scanner_usable(args.linkrescue)
    if why_not:
        print(f"scanner skipped: {why_not}", file=sys.stderr)
    corpora: dict[int, dict[str, object]] = {}
    results: list[Result] = []
    verified: list[str] = []
    for size in sizes:
        corpora[size] = ensure_corpus(args.out, size, args.seed, args.hosts)
        corpus = rel(args.out / f"corpus-{size}")
        warm(args.out / f"corpus-{size}")
        if not args.no_scan and not why_not:
            cmd = [args.linkrescue, "scan", corpus, "--format", "jsonl"]
            shown = f"{rel(args.linkrescue)} scan {corpus} --format jsonl > /dev/null"
            results.append(bench("linkrescue scan", size, cmd, shown, args.runs))
            if args.verify:
                verified.append(verify(cmd, size, corpora[size]))
        if not args.no_floor:
            for procs in (int(p) for p in args.floor_procs.split(",")):
                floor = ["benchmarks/floor.py", corpus, "--procs", str(procs)]
                label = f"floor, {procs} process{'es' if procs > 1 else ''}"
                shown = " ".join([rel(sys.executable), *floor])
                results.append(bench(label, size, [sys.executable, *floor], shown, args.runs))
    results.sort(key=lambda r: (not r.label.startswith("linkrescue"), r.label, r.size))
    print(report(corpora, results, args))
    if verified:
        print("\n" + "\n".join(verified))
    if why_not:
        print(f"\n(scanner not measured: {why_not})")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
