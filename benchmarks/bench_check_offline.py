#!/usr/bin/env python3
"""Benchmark ``linkrescue check --offline`` against a bare ``scan`` (issue 11's speed goals).

Usage::

    python benchmarks/bench_check_offline.py [--articles 50000] [--runs 5] [--changed 10]

1. ``check --offline DIR --format json`` over the generated corpus against
   ``scan DIR --format jsonl`` of the same corpus (target: within 1.3x the scan);
2. ``check --offline --changed-since HEAD DIR`` in a git repository of the same corpus
   where ``--changed`` articles were modified (target: under 3 s, most of it the
   identity pass over the whole corpus).

The corpus is ``benchmarks/out/corpus-<articles>/`` (made with ``gen_corpus.py`` when
absent); the git repository is a copy under ``benchmarks/out/check-repo-<articles>/``,
made once (``git add`` of 50,000 files takes a while). Runs alternate between the
commands, each a child process; prints medians and the ratio, with the command lines.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CLI = [sys.executable, "-m", "linkrescue"]


def corpus(articles: int) -> Path:
    folder = OUT / f"corpus-{articles}"
    if not folder.is_dir():
        subprocess.run(
            [sys.executable, str(HERE / "gen_corpus.py"), str(folder), "--articles", str(articles)],
            check=True,
        )
    return folder


def repository(source: Path, articles: int) -> Path:
    """A git repository holding a copy of ``source`` as ``content/``, committed once."""
    repo = OUT / f"check-repo-{articles}"
    if not (repo / ".git").is_dir():
        shutil.rmtree(repo, ignore_errors=True)
        repo.mkdir(parents=True)
        shutil.copytree(source, repo / "content")
        env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.org"}
        env |= {"GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.org"}
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "c"]):
            subprocess.run(["git", *args], cwd=repo, check=True, env=env)
    return repo


def change(repo: Path, count: int) -> list[Path]:
    """Append a line to ``count`` articles (uncommitted: ``--changed-since HEAD`` sees them)."""
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=True)
    names = sorted((repo / "content").rglob("*.md"))
    step = max(1, len(names) // count)
    changed = names[::step][:count]
    for path in changed:
        with path.open("a", encoding="utf-8") as fh:
            fh.write("\n![](missing-chart.png)\n")
    return changed


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)}: exit {done.returncode}\n{done.stderr.decode()}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--changed", type=int, default=10)
    opts = parser.parse_args()
    folder = corpus(opts.articles)
    scan = [*CLI, "scan", str(folder), "--format", "jsonl"]
    check = [*CLI, "check", "--offline", str(folder), "--format", "json"]
    for args in (scan, check):  # warm the page cache
        timed(args, HERE.parent)
    times: dict[str, list[float]] = {"scan": [], "check": []}
    for _ in range(opts.runs):
        times["scan"].append(timed(scan, HERE.parent))
        times["check"].append(timed(check, HERE.parent))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"corpus: {folder} ({opts.articles} articles), {opts.runs} runs each, alternating")
    for name, args in (("scan", scan), ("check", check)):
        runs = ", ".join(f"{t:.2f}" for t in sorted(times[name]))
        print(f"- `{' '.join(args[2:])}`: median {median[name]:.2f} s ({runs})")
    print(f"- check / scan: x{median['check'] / median['scan']:.2f} (target: within x1.3)")

    repo = repository(folder, opts.articles)
    changed = change(repo, opts.changed)
    pr = [*CLI, "check", "--offline", "--changed-since", "HEAD", "content", "--format", "json"]
    done = subprocess.run(pr, cwd=repo, capture_output=True, text=True)
    reported = {finding["file"] for finding in json.loads(done.stdout)}
    assert done.returncode == 1 and len(reported) == len(changed), (done.returncode, reported)
    pr_times = sorted(timed(pr, repo) for _ in range(opts.runs))
    runs = ", ".join(f"{t:.2f}" for t in pr_times)
    print(
        f"- `{' '.join(pr[2:])}` in {repo.name} with {len(changed)} changed articles:"
        f" median {statistics.median(pr_times):.2f} s ({runs}) (target: under 3 s)"
    )
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=True)


if __name__ == "__main__":
    main()
