#!/usr/bin/env python3
"""Benchmark the archive side of ``linkrescue rescue`` against a real pywb on loopback.

Usage::

    python benchmarks/bench_archive.py [--articles 1500] [--timestamps near,exact]
        [--check-articles 300] [--check-playback 40] [--check-cdx 2]
        [--mem-sizes 1,50] [--mem-count 4] [--concurrency 8]

Three measurements (issue 3), each a child process started from the repository root:

1. **Requests and throughput, limits off.** ``gen_corpus.py`` makes a corpus
   (``--articles``, a few thousand unique resources); ``archive_corpus.py`` builds a
   capture set for it (``--uncaptured`` of the resources left out) and starts pywb;
   ``linkrescue rescue <copy> --no-rewrite --report r.json`` runs with
   ``cdx_per_second = 0``, ``playback_per_second = 0``. From the report: requests per
   rescued resource by kind, rescued/s, wall time; peak RSS of the process tree is
   sampled. Once per ``--timestamps`` mode: ``near`` (captures 1 min to 3 days from
   the timestamp written in the reference, as when links were written from an
   archived page) and ``exact`` (a capture at every written timestamp).
2. **Wall time under the default limits.** The bound the Internet Archive's default
   limits set on that run, ``max(playback / 8.0, cdx / 0.4)`` seconds (independent
   pools); and a real run with both limits scaled up 5x (``--check-playback 40``,
   ``--check-cdx 2``, the same 20:1 ratio) over a smaller corpus (``--check-articles``),
   its wall time against its own bound. A second run over the same store (no request
   left to make) measures the fixed cost of the run (start-up, scan, report).
3. **Memory against body size.** A rescue of ``--mem-count`` images of each size in
   ``--mem-sizes`` (MB), each from its own small corpus, all at once
   (``--concurrency``); peak RSS per size.

pywb's set-up (WARC, ``wb-manager`` index, start-up) is timed apart and kept out of
every measured run. Prints Markdown tables ready for ``docs/BENCHMARKS.md``, with
the exact commands; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import archive_corpus as ac  # noqa: E402
from bench_scan import ensure_corpus, rel, warm  # noqa: E402

from tests.support.archive_content import Cap  # noqa: E402

#: The Internet Archive's limits as linkrescue's defaults (80% of 600/min and 30/min).
DEFAULT_PLAYBACK = 8.0
DEFAULT_CDX = 0.4
TARGET_PLAYBACK = 1.1  # playback requests per rescued resource, at most
TARGET_CDX = 0.05  # CDX requests per rescued resource, well under
WITHIN = 0.10  # wall time within 10% of the bound
FLAT_RATIO = 1.25  # peak RSS, biggest bodies / smallest: above this, "grows"


def bound(playback: int, cdx: int, playback_rate: float, cdx_rate: float) -> float:
    """Seconds the rate limits alone impose: the slower of the two independent pools."""
    return max(playback / playback_rate, cdx / cdx_rate)


def hms(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def merge(*lists: list[ac.Resource]) -> list[ac.Resource]:
    """Resources of several corpora, one per key (written timestamps united)."""
    merged: dict[str, ac.Resource] = {}
    for resources in lists:
        for res in resources:
            old = merged.get(res.key)
            if old is None:
                merged[res.key] = res
                continue
            stamp = max((old.timestamp or "", res.timestamp or ""), key=len) or None
            merged[res.key] = ac.Resource(
                old.key,
                old.url,
                old.want,
                stamp,
                tuple(sorted(set(old.written) | set(res.written))),
                old.references + res.references,
            )
    return sorted(merged.values(), key=lambda r: r.key)


# -- 1. requests and throughput ---------------------------------------------------------


@dataclass
class Throughput:
    mode: str
    articles: int
    archive: ac.Archive
    expected: int  # resources with a capture in the archive
    report: dict[str, Any]
    run: ac.Measured
    mismatched: int  # resources whose outcome disagrees with the capture plan

    @property
    def rescued(self) -> int:
        return int(self.report["rescued"])

    @property
    def cdx(self) -> int:
        return int(self.report["requests"]["cdx"])

    @property
    def playback(self) -> int:
        return int(self.report["requests"]["playback"])


def mismatches(resources: list[ac.Resource], plan: ac.Plan, report: dict[str, Any]) -> int:
    """Resources rescued without a capture of their own, or captured and not rescued."""
    outcome = {item["url"]: item["outcome"] for item in report["items"]}
    bad = 0
    for res in resources:
        if (res.key in plan.captured) != (outcome.get(res.url) == "rescued"):
            bad += 1
            if bad <= 5:
                print(
                    f"    plan/outcome mismatch: captured={res.key in plan.captured} "
                    f"outcome={outcome.get(res.url)} {res.url}",
                    file=sys.stderr,
                )
    return bad


def run_rescue(
    archive: ac.Archive,
    corpus: Path,
    work: Path,
    *,
    concurrency: int,
    playback_rate: float = 0.0,
    cdx_rate: float = 0.0,
    fresh: bool = True,
    tag: str = "",
) -> tuple[ac.Measured, dict[str, Any]]:
    """``linkrescue rescue <copy of corpus> --no-rewrite`` against ``archive``."""
    if fresh:
        ac.copy_corpus(corpus, work / "corpus")
        warm(work / "corpus")
        if (work / "store").exists():
            shutil.rmtree(work / "store")
    config = ac.write_config(
        work / "config.toml",
        archive_url=archive.url,
        store=work / "store",
        concurrency=concurrency,
        cdx_per_second=cdx_rate,
        playback_per_second=playback_rate,
    )
    report = work / f"report{tag}.json"
    return ac.run_rescue(work / "corpus", config, report, archive, "--no-rewrite")


# -- 2. the scaled-limits check ----------------------------------------------------------


@dataclass
class Check:
    articles: int
    playback_rate: float
    cdx_rate: float
    report: dict[str, Any]
    run: ac.Measured
    again: ac.Measured  # the same run over the filled store: the fixed cost
    again_requests: int

    @property
    def bound(self) -> float:
        req = self.report["requests"]
        return bound(int(req["playback"]), int(req["cdx"]), self.playback_rate, self.cdx_rate)


# -- 3. memory against body size -----------------------------------------------------------

MEM_HOST = "https://big.example.org/media"
MEM_TS = "20211229000000"


def mem_corpus(root: Path, size_mb: int, count: int) -> tuple[Path, list[Cap]]:
    """A one-article corpus referencing ``count`` images of ``size_mb`` MB, and their captures."""
    corpus = root / f"corpus-{size_mb}mb"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    caps: list[Cap] = []
    lines = ["---", 'title: "memory"', 'date: "2021-12-29T00:00:00"', "---", ""]
    pattern = bytes(range(256)) * 4096  # 1 MiB, compresses well: the WARC is quick to write
    for i in range(count):
        url = f"{MEM_HOST}/{size_mb}mb/{i}.jpg"
        lines.append(f"![](https://web.archive.org/web/{MEM_TS}im_/{url})\n")
        head = b"\xff\xd8\xff\xe0" + f"{size_mb}mb-{i}".encode()
        body = head + (pattern * (size_mb + 1))[: size_mb * 1_000_000 - len(head)]
        caps.append(Cap(url, MEM_TS, body, "image/jpeg"))
    (corpus / "article.md").write_text("\n".join(lines))
    return corpus, caps


@dataclass
class MemRun:
    size_mb: int
    count: int
    report: dict[str, Any]
    run: ac.Measured


# -- output ------------------------------------------------------------------------------


def report_tables(
    args: argparse.Namespace,
    corpora: dict[int, dict[str, object]],
    results: list[Throughput],
    check: Check | None,
    mems: list[MemRun],
    mem_setup: ac.Archive | None,
    commands: list[str],
) -> str:
    lines = [ac.machine_line(), ""]
    lines += [
        "| corpus | files | MB | body refs (generator) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for size, st in corpora.items():
        lines.append(
            f"| corpus-{size} | {st['files']} | {int(str(st['bytes'])) / 1e6:.1f} | {st['refs']} |"
        )
    lines += [
        "",
        f"**Requests and throughput, rate limits off** (concurrency {args.concurrency}; "
        f'`live_links = "off"`; {args.uncaptured:.0%} of resources left uncaptured; '
        "images are 0.1-0.3 KB PNG/JPEG, pages 0.2 KB HTML).",
        "",
        "| archive timestamps | articles | resources | captured | rescued | not archived "
        "| failed | CDX req | playback req | CDX / rescued | playback / rescued "
        "| wall s | rescued/s | playback req/s | peak RSS / PSS, tree (MiB) "
        "| largest process (MiB) | CPU s linkrescue / pywb | load before |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for t in results:
        r, m = t.report, t.run
        rescued = max(1, t.rescued)
        lines.append(
            f"| {t.mode} | {t.articles} | {r['resources']} | {t.expected} | {t.rescued} "
            f"| {r['not_archived']} | {r['failed']} | {t.cdx} | {t.playback} "
            f"| {t.cdx / rescued:.4f} | {t.playback / rescued:.3f} | {m.wall:.1f} "
            f"| {t.rescued / m.wall:.0f} | {t.playback / m.wall:.0f} "
            f"| {ac.mib(m.peak_rss)} / {ac.mib(m.peak_pss)} | {ac.mib(m.max_one)} "
            f"| {m.cpu:.1f} / {m.server_cpu:.1f} | {m.load_before} |"
        )
    lines.append("")
    for t in results:
        rescued = max(1, t.rescued)
        pb, cdx = t.playback / rescued, t.cdx / rescued
        lines.append(
            f"- {t.mode}: playback {pb:.3f} per rescued resource "
            f"({'meets' if pb <= TARGET_PLAYBACK else 'MISSES'} the target of at most "
            f"{TARGET_PLAYBACK}), CDX {cdx:.4f} ({'meets' if cdx < TARGET_CDX else 'MISSES'} "
            f"the target of well under {TARGET_CDX}); outcome differs from the capture plan "
            f"for {t.mismatched} resources; pywb set-up (WARC of {t.archive.captures} captures, "
            f"{t.archive.warc_bytes / 1e6:.1f} MB, index, start) {t.archive.seconds:.1f} s, "
            "not in the wall time."
        )
    lines += [
        "",
        "**Wall time under the default limits** (8 playback/s, 0.4 CDX/s: independent pools), "
        "the bound `max(playback / 8, cdx / 0.4)` for the requests the runs above made:",
        "",
        "| archive timestamps | articles | playback req | CDX req | bound s | bound | "
        "rescued/s at the bound |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for t in results:
        b = bound(t.playback, t.cdx, DEFAULT_PLAYBACK, DEFAULT_CDX)
        lines.append(
            f"| {t.mode} | {t.articles} | {t.playback} | {t.cdx} | {b:.0f} | {hms(b)} "
            f"| {t.rescued / b:.2f} |"
        )
    if check is not None:
        c, r = check, check.report
        req = r["requests"]
        ratio = c.run.wall / c.bound
        net = (c.run.wall - c.again.wall) / c.bound
        verdict = "within" if abs(ratio - 1) <= WITHIN else "NOT within"
        lines += [
            "",
            f"**Real check of the bound, limits scaled 5x** ({c.playback_rate:g} playback/s, "
            f"{c.cdx_rate:g} CDX/s, the default 20:1 ratio; archive timestamps "
            f"{results[0].mode}; the second run over the same store makes "
            f"{c.again_requests} requests and measures the fixed cost):",
            "",
            "| articles | resources | rescued | playback req | CDX req | bound s | wall s "
            "| wall / bound | 2nd run s (fixed cost) | (wall − fixed) / bound | load before |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            f"| {c.articles} | {r['resources']} | {r['rescued']} | {req['playback']} "
            f"| {req['cdx']} | {c.bound:.1f} | {c.run.wall:.1f} | {ratio:.3f} "
            f"| {c.again.wall:.1f} | {net:.3f} | {c.run.load_before} |",
            "",
            f"Wall time is {verdict} {WITHIN:.0%} of the bound (x{ratio:.3f}; "
            f"x{net:.3f} without the fixed cost).",
        ]
    if mems:
        lo, hi = mems[0], mems[-1]
        growth = hi.run.peak_rss / max(1, lo.run.peak_rss)
        lines += [
            "",
            "**Memory against body size** (each image its own capture, "
            f"fetched {args.concurrency} at a time; limits off"
            + (
                f"; pywb set-up {mem_setup.seconds:.1f} s, WARC {mem_setup.warc_bytes / 1e6:.1f} MB"
                if mem_setup
                else ""
            )
            + "):",
            "",
            "| body size | images | rescued | bytes stored (MB) | wall s "
            "| peak RSS / PSS, tree (MiB) | largest process (MiB) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {m.size_mb} MB | {m.count} | {m.report['rescued']} "
            f"| {int(m.report['bytes']) / 1e6:.0f} | {m.run.wall:.2f} "
            f"| {ac.mib(m.run.peak_rss)} / {ac.mib(m.run.peak_pss)} | {ac.mib(m.run.max_one)} |"
            for m in mems
        ]
        verdict = "flat" if growth <= FLAT_RATIO else "GROWS with the body size"
        lines += [
            "",
            f"Peak tree RSS {ac.mib(lo.run.peak_rss)} MiB with {lo.size_mb} MB bodies, "
            f"{ac.mib(hi.run.peak_rss)} MiB with {hi.size_mb} MB bodies (x{growth:.2f}): {verdict}.",
        ]
    lines += ["", "Commands (from the repository root):", "", "```sh"]
    lines += commands
    lines += [
        "```",
        "",
        "Each `config.toml` holds `[archive] url` (the pywb), `cdx_per_second` and "
        "`playback_per_second` (0 = off, or the scaled limits), `[store] dir`, and "
        '`[rescue] live_links = "off"`, `concurrency`.',
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the archive side of linkrescue rescue.")
    ap.add_argument("--articles", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hosts", type=int, default=6)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--uncaptured", type=float, default=0.1, help="share of resources left out")
    ap.add_argument("--timestamps", default="near,exact", help="capture modes: near, exact")
    ap.add_argument("--check-articles", type=int, default=300, help="0: no scaled-limits check")
    ap.add_argument("--check-playback", type=float, default=40.0)
    ap.add_argument("--check-cdx", type=float, default=2.0)
    ap.add_argument("--mem-sizes", default="1,50", help="MB per body; empty: no memory check")
    ap.add_argument("--mem-count", type=int, default=4)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args(argv)
    out = Path(os.path.abspath(args.out))
    modes = [m for m in args.timestamps.split(",") if m]
    if any(m not in ("near", "exact") for m in modes):
        ap.error("--timestamps takes near and/or exact")
    base = out / "bench-archive"
    python = rel(sys.executable)

    corpora: dict[int, dict[str, object]] = {}
    commands: list[str] = []
    sizes = [args.articles] + ([args.check_articles] if args.check_articles else [])
    for size in sizes:
        corpora[size] = ensure_corpus(out, size, args.seed, args.hosts)
        commands.append(
            f"{python} benchmarks/gen_corpus.py {rel(out / f'corpus-{size}')} "
            f"--articles {size} --seed {args.seed} --hosts {args.hosts}"
        )
    main_inv = ac.inventory(out / f"corpus-{args.articles}")
    print(
        f"inventory of corpus-{args.articles}: {len(main_inv.resources)} resources "
        f"in {main_inv.seconds:.1f} s",
        file=sys.stderr,
    )
    check_inv = ac.inventory(out / f"corpus-{args.check_articles}") if args.check_articles else None
    everything = merge(main_inv.resources, check_inv.resources if check_inv else [])

    results: list[Throughput] = []
    check: Check | None = None
    for mode in modes:
        plan = ac.plan_captures(
            everything, seed=args.seed, uncaptured=args.uncaptured, exact=mode == "exact"
        )
        print(f"[{mode}] {len(plan.captures)} captures; starting pywb", file=sys.stderr)
        with ac.start_archive(base / f"pywb-{mode}", plan.captures) as archive:
            print(f"[{mode}] pywb ready in {archive.seconds:.1f} s", file=sys.stderr)
            work = base / f"run-{mode}"
            run, report = run_rescue(
                archive, out / f"corpus-{args.articles}", work, concurrency=args.concurrency
            )
            commands.append(f"{run.cmd}   # {mode}: limits off")
            expected = sum(1 for r in main_inv.resources if r.key in plan.captured)
            bad = mismatches(main_inv.resources, plan, report)
            results.append(Throughput(mode, args.articles, archive, expected, report, run, bad))
            if check is None and check_inv is not None:
                work = base / f"check-{mode}"
                corpus = out / f"corpus-{args.check_articles}"
                rates = {"playback_rate": args.check_playback, "cdx_rate": args.check_cdx}
                first, rep = run_rescue(
                    archive, corpus, work, concurrency=args.concurrency, **rates
                )
                again, rep2 = run_rescue(
                    archive,
                    corpus,
                    work,
                    concurrency=args.concurrency,
                    fresh=False,
                    tag="-2",
                    **rates,
                )
                commands.append(f"{first.cmd}   # scaled limits, first run")
                commands.append(f"{again.cmd}   # the same again: fixed cost")
                req2 = rep2["requests"]
                check = Check(
                    args.check_articles,
                    args.check_playback,
                    args.check_cdx,
                    rep,
                    first,
                    again,
                    int(req2["cdx"]) + int(req2["playback"]),
                )

    mems: list[MemRun] = []
    mem_archive: ac.Archive | None = None
    sizes_mb = sorted(int(s) for s in args.mem_sizes.split(",") if s)
    if sizes_mb:
        root = base / "memory"
        corpora_mb: dict[int, Path] = {}
        caps: list[Cap] = []
        for size_mb in sizes_mb:
            corpora_mb[size_mb], mine = mem_corpus(root, size_mb, args.mem_count)
            caps += mine
        print(f"[memory] {len(caps)} captures; starting pywb", file=sys.stderr)
        with ac.start_archive(base / "pywb-memory", caps) as mem_archive:
            for size_mb in sizes_mb:
                work = root / f"run-{size_mb}mb"
                run, report = run_rescue(
                    mem_archive, corpora_mb[size_mb], work, concurrency=args.concurrency
                )
                commands.append(f"{run.cmd}   # {args.mem_count} bodies of {size_mb} MB")
                mems.append(MemRun(size_mb, args.mem_count, report, run))

    print(report_tables(args, corpora, results, check, mems, mem_archive, commands))
    return 0


if __name__ == "__main__":
    sys.exit(main())
