#!/usr/bin/env python3
"""The floor of a scan: read every Markdown file and parse its YAML frontmatter, nothing more.

Usage::

    python benchmarks/floor.py DIR... [--procs N]

Walks DIR for ``*.md``, reads each file, decodes it as UTF-8 (undecodable bytes
replaced), cuts the frontmatter between the leading ``---`` line and the next
``---`` line and loads it with ``yaml.CSafeLoader`` (libyaml).  With ``--procs 1``
everything happens in this process; with ``--procs N`` (N > 1) the walk stays here
and chunks of paths go to a ``multiprocessing.Pool`` of N workers.  No link is
extracted: a real scanner cannot be faster than this on the same machine.
Prints one summary line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from multiprocessing import Pool

import yaml

CHUNK = 256


def walk(root: str) -> Iterator[str]:
    """Every ``*.md`` file under ``root`` (or ``root`` itself), depth first, in scandir order."""
    if not os.path.isdir(root):
        yield root
        return
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.name.endswith(".md"):
                    yield entry.path


def parse_file(path: str) -> tuple[int, bool]:
    """Read one file and load its frontmatter; returns (bytes, frontmatter loaded)."""
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8", "replace")
    if not text.startswith("---\n"):
        return len(data), False
    end = text.find("\n---", 3)
    if end < 0:
        return len(data), False
    try:
        yaml.load(text[4 : end + 1], Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return len(data), False
    return len(data), True


def parse_chunk(paths: list[str]) -> tuple[int, int, int]:
    """(files, bytes, frontmatters loaded) of a chunk of paths."""
    size = ok = 0
    for path in paths:
        n, loaded = parse_file(path)
        size += n
        ok += loaded
    return len(paths), size, ok


def chunks(roots: list[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for root in roots:
        for path in walk(root):
            chunk.append(path)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Read every file and parse its frontmatter only.")
    ap.add_argument("roots", nargs="+", metavar="DIR")
    ap.add_argument("--procs", type=int, default=1, help="worker processes (1: no pool)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    files = size = ok = 0
    if args.procs <= 1:
        for path in (p for root in args.roots for p in walk(root)):
            n, loaded = parse_file(path)
            files += 1
            size += n
            ok += loaded
    else:
        with Pool(args.procs) as pool:
            for f, n, k in pool.imap_unordered(parse_chunk, chunks(args.roots)):
                files += f
                size += n
                ok += k
    secs = time.perf_counter() - t0
    print(
        f"floor: {files} files, {size / 1e6:.1f} MB, {ok} frontmatters loaded, "
        f"{files - ok} rejected, procs={args.procs}, {secs:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
