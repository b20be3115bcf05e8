#!/usr/bin/env python3
"""Nightly runs with a budget: do N budgeted runs finish a corpus with the requests of one?

Usage::

    python benchmarks/bench_nightly.py [--articles 10000] [--nights 2,3] [--concurrency 8]

For each size in ``--articles`` (issue 12, "Speed"):

1. generate (or reuse) ``benchmarks/out/corpus-<size>/`` and start pywb on its capture
   set (``archive_corpus.py``), rate limits off;
2. one full ``linkrescue rescue`` of a fresh copy into a fresh store: its requests R;
3. for each N in ``--nights``: a fresh copy and store, then ``rescue --max-requests
   ceil(R / N)`` run again and again until a run ends with ``stopped`` null (the
   corpus finished): each night's requests, resources left and wall time, the total
   over one full run, and whether the documents and the store's files end byte for
   byte as the full run's.

Prints Markdown tables ready for ``docs/BENCHMARKS.md`` with the commands; progress to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import archive_corpus as ac  # noqa: E402
from bench_scan import ensure_corpus, rel  # noqa: E402

MAX_NIGHTS = 12  # a budget that never finishes is a failure, not a long benchmark


@dataclass(frozen=True, slots=True)
class Night:
    run: ac.Measured
    report: dict[str, Any]

    @property
    def requests(self) -> int:
        r = self.report["requests"]
        return int(r["cdx"]) + int(r["playback"]) + int(r["live"])


def tree_digest(root: Path, skip: tuple[str, ...] = ()) -> str:
    """One SHA-256 over every file's relative path and bytes under ``root``."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        if name.startswith(skip):
            continue
        h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def store_files(store: Path) -> str:
    """The store's rescued files (not its index, log or lock), as one digest."""
    return tree_digest(store, skip=("index.sqlite3", ".lock", "run.log"))


def run_nights(
    corpus: Path, work: Path, archive: ac.Archive, concurrency: int, budget: int | None
) -> list[Night]:
    copy = ac.copy_corpus(corpus, work / "corpus")
    store = work / "store"
    if store.exists():
        shutil.rmtree(store)
    config = ac.write_config(
        work / "config.toml", archive_url=archive.url, store=store, concurrency=concurrency
    )
    nights: list[Night] = []
    options = () if budget is None else ("--max-requests", str(budget))
    for n in range(1, MAX_NIGHTS + 1):
        run, report = ac.run_rescue(copy, config, work / f"report-{n}.json", archive, *options)
        nights.append(Night(run, report))
        if report.get("stopped") is None:
            return nights
    raise SystemExit(f"{work}: not finished after {MAX_NIGHTS} nights of {budget} requests")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", default="10000", help="comma-separated article counts")
    ap.add_argument("--nights", default="2,3", help="budgets as shares of one full run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hosts", type=int, default=6)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--uncaptured", type=float, default=0.1)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args(argv)
    out: Path = args.out
    lines = [f"Machine: {ac.machine_line()}", ""]
    for size in (int(s) for s in args.articles.split(",")):
        ensure_corpus(out, size, args.seed, args.hosts)
        corpus = out / f"corpus-{size}"
        inv = ac.inventory(corpus)
        plan = ac.plan_captures(inv.resources, seed=args.seed, uncaptured=args.uncaptured)
        base = out / f"bench-nightly-{size}"
        with ac.start_archive(base / "pywb", plan.captures) as archive:
            print(f"corpus-{size}: pywb ready in {archive.seconds:.1f} s", file=sys.stderr)
            (full,) = run_nights(corpus, base / "full", archive, args.concurrency, None)
            whole = full.requests
            want_docs = tree_digest(base / "full" / "corpus")
            want_store = store_files(base / "full" / "store")
            lines += [
                f"### {size:,} articles, {len(inv.resources):,} resources; one full run: "
                f"{whole:,} requests, {full.run.wall:.1f} s",
                "",
                "| nights | budget per night | requests per night | left after each"
                " | wall s per night | total requests | total / full run"
                " | documents as full run | store as full run |",
                "| ---: | ---: | --- | --- | --- | ---: | ---: | --- | --- |",
            ]
            for share in (int(s) for s in args.nights.split(",")):
                budget = math.ceil(whole / share)
                work = base / f"budget-{share}"
                nights = run_nights(corpus, work, archive, args.concurrency, budget)
                total = sum(n.requests for n in nights)
                same_docs = tree_digest(work / "corpus") == want_docs
                same_store = store_files(work / "store") == want_store
                lines.append(
                    f"| {len(nights)} | {budget:,} | "
                    + ", ".join(f"{n.requests:,}" for n in nights)
                    + " | "
                    + ", ".join(f"{n.report.get('left', 0):,}" for n in nights)
                    + " | "
                    + ", ".join(f"{n.run.wall:.1f}" for n in nights)
                    + f" | {total:,} | {total / whole:.3f} | {'yes' if same_docs else 'NO'}"
                    f" | {'yes' if same_store else 'NO'} |"
                )
            lines += [
                "",
                "Command (each night; the full run without --max-requests):",
                "",
                "```sh",
                f".venv/bin/linkrescue rescue {rel(base)}/budget-N/corpus --max-requests B "
                f"--config {rel(base)}/budget-N/config.toml --report {rel(base)}/budget-N/report-n.json",
                "```",
                "",
            ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
