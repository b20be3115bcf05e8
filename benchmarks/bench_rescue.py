#!/usr/bin/env python3
"""Benchmark ``linkrescue rescue`` end to end over a generated corpus, then a second run.

Usage::

    python benchmarks/bench_rescue.py [--articles 10000] [--timestamps near|exact]
        [--concurrency 8] [--runs 3] [--uncaptured 0.1]

For each size in ``--articles`` (issue 4):

1. generate (or reuse) ``benchmarks/out/corpus-<size>/`` with ``gen_corpus.py``;
2. build its capture set and start pywb (``archive_corpus.py``); the set-up
   (inventory, WARC, ``wb-manager`` index, start-up) is timed apart and kept out of
   every measured run;
3. copy the corpus and run ``linkrescue rescue <copy> --report r1.json`` with rate
   limits off (``cdx_per_second = 0``, ``playback_per_second = 0``), rewriting the
   copy: wall time, requests per resource by kind, peak RSS of the process tree;
4. run the same command again over the rescued copy and the same store (target: no
   request at all, in under 1.5x the time of a bare scan), ``--runs`` times, alternating
   with ``linkrescue scan <copy> --format jsonl > /dev/null`` (medians of both).

Prints Markdown tables ready for ``docs/BENCHMARKS.md`` with the exact commands;
progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import archive_corpus as ac  # noqa: E402
from bench_scan import ensure_corpus, rel, warm  # noqa: E402

TARGET_RATIO = 1.5  # second run / bare scan, at most


@dataclass
class SizeResult:
    size: int
    stats: dict[str, object]
    resources: int
    captured: int
    inventory_s: float
    archive: ac.Archive
    first: ac.Measured
    first_report: dict[str, Any]
    seconds: list[ac.Measured]  # the second run, repeated (it changes nothing)
    second_reports: list[dict[str, Any]]
    scans: list[ac.Measured]  # interleaved with the repeated second runs

    @property
    def scan_median(self) -> float:
        return statistics.median(s.wall for s in self.scans)

    @property
    def second_median(self) -> float:
        return statistics.median(s.wall for s in self.seconds)

    @property
    def second_requests(self) -> int:
        """Requests of every repeated second run together (the target is 0)."""
        return sum(sum(requests(rep)) for rep in self.second_reports)


def warnings_of(run: ac.Measured, limit: int = 3) -> list[str]:
    """Distinct WARNING lines of a run's stderr (the log prefix cut), at most ``limit``."""
    seen: dict[str, None] = {}
    for line in run.stderr.splitlines():
        if " WARNING " in line:
            seen.setdefault(line.split(" WARNING ", 1)[1].strip(), None)
    return list(seen)[:limit]


def requests(report: dict[str, Any]) -> tuple[int, int, int]:
    req = report["requests"]
    return int(req["cdx"]), int(req["playback"]), int(req["live"])


def bench_size(args: argparse.Namespace, out: Path, size: int) -> SizeResult:
    stats = ensure_corpus(out, size, args.seed, args.hosts)
    corpus = out / f"corpus-{size}"
    inv = ac.inventory(corpus)
    plan = ac.plan_captures(
        inv.resources, seed=args.seed, uncaptured=args.uncaptured, exact=args.timestamps == "exact"
    )
    print(
        f"corpus-{size}: {len(inv.resources)} resources (inventory {inv.seconds:.1f} s), "
        f"{len(plan.captures)} captures; starting pywb",
        file=sys.stderr,
    )
    base = out / f"bench-rescue-{size}"
    work = base / "run"
    with ac.start_archive(base / "pywb", plan.captures) as archive:
        print(f"  pywb ready in {archive.seconds:.1f} s", file=sys.stderr)
        copy = ac.copy_corpus(corpus, work / "corpus")
        store = work / "store"
        if store.exists():
            shutil.rmtree(store)
        config = ac.write_config(
            work / "config.toml",
            archive_url=archive.url,
            store=store,
            concurrency=args.concurrency,
        )
        warm(copy)

        def rescue(tag: str) -> tuple[ac.Measured, dict[str, Any]]:
            return ac.run_rescue(copy, config, work / f"report-{tag}.json", archive)

        first, first_report = rescue("1")
        time.sleep(1)
        # Second runs and bare scans alternate, so that a change of load on the
        # machine weighs on both medians alike.
        seconds: list[ac.Measured] = []
        second_reports: list[dict[str, Any]] = []
        scans: list[ac.Measured] = []
        for i in range(args.runs):
            run, report = rescue(f"2-{i + 1}" if i else "2")
            seconds.append(run)
            second_reports.append(report)
            scans.append(ac.measure([*ac.linkrescue_cmd(), "scan", str(copy), "--format", "jsonl"]))
    return SizeResult(
        size,
        stats,
        len(inv.resources),
        sum(1 for r in inv.resources if r.key in plan.captured),
        inv.seconds,
        archive,
        first,
        first_report,
        seconds,
        second_reports,
        scans,
    )


def walls(runs: list[ac.Measured]) -> str:
    return ", ".join(f"{r.wall:.2f}" for r in runs)


def memory(runs: list[ac.Measured]) -> str:
    """Peak tree RSS / PSS and the largest process over ``runs``, in MiB."""
    rss = ac.mib(max(r.peak_rss for r in runs))
    pss = ac.mib(max(r.peak_pss for r in runs))
    return f"{rss} / {pss} | {ac.mib(max(r.max_one for r in runs))}"


def rescue_row(label: str, size: int, runs: list[ac.Measured], rep: dict[str, Any]) -> str:
    """One table row: the outcomes and requests of ``rep``, the median wall of ``runs``."""
    cdx, playback, _ = requests(rep)
    resources = max(1, int(rep["resources"]))
    rescued = max(1, int(rep["rescued"]))
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    server = statistics.median(r.server_cpu for r in runs)
    return (
        f"| {label} | {size} | {rep['resources']} | {rep['rescued']} "
        f"| {rep['not_archived']} | {rep['failed']} | {cdx} | {playback} "
        f"| {cdx / resources:.4f} | {playback / resources:.3f} "
        f"| {playback / rescued:.3f} | {rep['rewritten']} | {wall:.2f} "
        f"| {memory(runs)} | {cpu:.1f} / {server:.1f} | {runs[0].load_before} |"
    )


def report_tables(args: argparse.Namespace, results: list[SizeResult]) -> str:
    if args.timestamps == "exact":
        stamps = "a capture at every 14-digit timestamp written"
    else:
        stamps = "one capture 1 min to 3 days from a 14-digit timestamp written"
    lines = [
        ac.machine_line(),
        "",
        f'Rate limits off, concurrency {args.concurrency}, `live_links = "off"`; archive '
        f"timestamps {args.timestamps} ({stamps}; year-only `2021im_` references: one capture "
        f"at any moment of that year); {args.uncaptured:.0%} of resources left uncaptured; "
        "images are 0.1-0.3 KB PNG/JPEG, pages 0.2 KB HTML.",
        "",
        "| corpus | files | MB | body refs (generator) | resources | captured "
        "| pywb set-up s (inventory + WARC + index + start) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| corpus-{r.size} | {r.stats['files']} | {int(str(r.stats['bytes'])) / 1e6:.1f} "
        f"| {r.stats['refs']} | {r.resources} | {r.captured} "
        f"| {r.inventory_s + r.archive.seconds:.1f} ({r.archive.captures} captures, "
        f"WARC {r.archive.warc_bytes / 1e6:.1f} MB) |"
        for r in results
    ]
    lines += [
        "",
        "| run | articles | resources | rescued | not archived | failed | CDX req "
        "| playback req | CDX / resource | playback / resource | playback / rescued "
        "| rewritten | wall s | peak RSS / PSS, tree (MiB) | largest process (MiB) "
        "| CPU s linkrescue / pywb | load before |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        lines += [
            rescue_row("rescue, first", r.size, [r.first], r.first_report),
            rescue_row(
                f"rescue, second (median of {len(r.seconds)}: {walls(r.seconds)})",
                r.size,
                r.seconds,
                r.second_reports[0],
            ),
            f"| scan (median of {len(r.scans)}: {walls(r.scans)}) | {r.size} | | | | | | | | | | "
            f"| {r.scan_median:.2f} | {memory(r.scans)} "
            f"| {statistics.median(s.cpu for s in r.scans):.1f} / – | {r.scans[0].load_before} |",
        ]
    lines.append("")
    for r in results:
        ratio = r.second_median / r.scan_median
        first_rate = int(r.first_report["rescued"]) / r.first.wall
        total = r.second_requests
        lines.append(
            f"- corpus-{r.size}: first run {r.first.wall:.1f} s ({first_rate:.0f} rescued/s); "
            f"second run: {total} requests over {len(r.seconds)} runs "
            f"({'meets' if total == 0 else 'MISSES'} the target of none), median "
            f"{r.second_median:.2f} s = x{ratio:.2f} the median bare scan ({r.scan_median:.2f} s; "
            f"{'meets' if ratio < TARGET_RATIO else 'MISSES'} the target of under "
            f"x{TARGET_RATIO})."
        )
        for label, run in (("first", r.first), ("second", r.seconds[0])):
            lines += [f"  - {label} run logged: `{w}`" for w in warnings_of(run)]
    lines += ["", "Commands (from the repository root):", "", "```sh"]
    python = rel(sys.executable)
    for r in results:
        lines += [
            f"{python} benchmarks/gen_corpus.py {rel(Path(args.out) / f'corpus-{r.size}')} "
            f"--articles {r.size} --seed {args.seed} --hosts {args.hosts}",
            f"{r.first.cmd}   # first run",
            f"{r.seconds[0].cmd}   # second run ({len(r.seconds)} runs, report-2-<i>.json after "
            "the first)",
            f"{r.scans[0].cmd} > /dev/null   # bare scan ({len(r.scans)} runs, alternating "
            "with the second run)",
        ]
    lines += [
        "```",
        "",
        "`config.toml` holds `[archive] url` (the pywb), `cdx_per_second = 0.0`, "
        '`playback_per_second = 0.0`, `[store] dir`, `[rescue] live_links = "off"`, '
        f"`concurrency = {args.concurrency}`. The copy is taken fresh and the store emptied "
        "before the first run; the second run reuses both.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark linkrescue rescue end to end.")
    ap.add_argument("--articles", default="10000", help="comma-separated article counts")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hosts", type=int, default=6)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--uncaptured", type=float, default=0.1, help="share of resources left out")
    ap.add_argument("--timestamps", choices=("near", "exact"), default="near")
    ap.add_argument(
        "--runs", type=int, default=3, help="second runs and bare scans, alternating (medians)"
    )
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args(argv)
    args.out = Path(os.path.abspath(args.out))
    sizes = sorted(int(s) for s in args.articles.split(",") if s)
    if not sizes or min(sizes) < 1 or args.runs < 1:
        ap.error("--articles and --runs must be positive")
    results = [bench_size(args, args.out, size) for size in sizes]
    print(report_tables(args, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
