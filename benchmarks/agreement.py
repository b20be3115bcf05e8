#!/usr/bin/env python3
"""How far ``linkrescue scan`` agrees with CommonMark (markdown-it-py) on folders of Markdown.

Usage::

    python benchmarks/agreement.py FOLDER... [--show N]

Issue 10's "done when" figures, per folder: documents; inline links and images
(``md-link`` + ``md-image``) found by each side and the agreement on them (matched by
kind, line and destination, over the union of both sides, the differences a
lenient repair explains left out and counted apart); reference definitions each
side and their agreement; how many of our ``autolink`` references markdown-it shows as
the text of a link or a definition's label (visible text a rescue would rewrite); how
many URLs holding template code (``{%``, ``{{``, or those encoded: ``%7B%25``, ``%7B%7B``,
``%7B%`` before what is no escape)
the scan would fetch (status
``remote``, from ``linkrescue scan FOLDER --format jsonl`` run as a user would); the
unexplained disagreements counted by side and kind; and with ``--show N`` the first N
of each of these classes with ``file:line``.

The comparison is ``tests/support/commonmark.py``'s, the one the differential test
uses (its docstring says how each side is mapped and which lenient repairs are
expected), so the suite and these figures count the same way.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.commonmark import (  # noqa: E402
    INLINE_KINDS,
    Comparison,
    compare,
    visible_text_as_url,
)

DEFINITIONS = frozenset({"md-refdef"})
#: Template code in a resolved URL: as written, or percent-encoded as the resolver
#: encodes it (``…/%7B%linken/news/…%%7D``, issue 10). A lone ``%7B`` is a brace, as in
#: a search query, not template code.
TEMPLATE_CODE = re.compile(r"\{[{%]|%7B(?:%7B|%25|%(?![0-9A-F]{2}))", re.IGNORECASE)


@dataclass
class Tally:
    documents: int = 0
    unreadable: int = 0
    failed: int = 0
    inline_ours: int = 0
    inline_theirs: int = 0
    inline_agreed: int = 0
    inline_explained: int = 0
    defs_ours: int = 0
    defs_theirs: int = 0
    defs_agreed: int = 0
    defs_explained: int = 0
    visible_as_url: int = 0
    explained: Counter[str] = field(default_factory=Counter)
    classes: Counter[str] = field(default_factory=Counter)
    shown: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, comparison: Comparison, show: int) -> None:
        self.documents += 1
        for kinds, prefix in ((INLINE_KINDS, "inline"), (DEFINITIONS, "defs")):
            ours = sum(1 for f in comparison.ours if f.kind in kinds)
            theirs = sum(1 for f in comparison.theirs if f.kind in kinds)
            agreed = comparison.agreed(kinds)
            setattr(self, f"{prefix}_ours", getattr(self, f"{prefix}_ours") + ours)
            setattr(self, f"{prefix}_theirs", getattr(self, f"{prefix}_theirs") + theirs)
            setattr(self, f"{prefix}_agreed", getattr(self, f"{prefix}_agreed") + agreed)
            explained = sum(1 for _, f in comparison.explained if f.kind in kinds)
            setattr(self, f"{prefix}_explained", getattr(self, f"{prefix}_explained") + explained)
        self.visible_as_url += len(visible_text_as_url(comparison))
        self.explained.update(rule for rule, _ in comparison.explained)
        for f in comparison.only_ours:
            self.classes[f"scan only {f.kind}"] += 1
        for f in comparison.only_theirs:
            self.classes[f"CommonMark only {f.kind}"] += 1
        for side, items in (
            ("scan only", comparison.only_ours),
            ("CommonMark only", comparison.only_theirs),
        ):
            for f in items:
                shown = self.shown.setdefault(f"{side} {f.kind}", [])
                if len(shown) < show:
                    shown.append(f"{name}:{f.line}: {side}: {f.kind} {f.written!r}")


def _percent(agreed: int, ours: int, theirs: int, explained: int) -> str:
    """Matched over the union of both sides, leaving out the differences a lenient rule
    explains (they are counted apart)."""
    union = ours + theirs - agreed - explained
    figure = "n/a" if union == 0 else f"{100 * agreed / union:.2f}%"
    return f"{figure} ({explained} explained by lenient rules)"


def template_urls_fetched(folder: Path) -> tuple[int, list[str]]:
    """URLs holding template code that ``scan`` resolves as ``remote`` (it would fetch them)."""
    run = subprocess.run(
        [sys.executable, "-m", "linkrescue", "scan", str(folder), "--format", "jsonl"],
        capture_output=True,
        text=True,
        check=False,
    )
    hits = []
    for line in run.stdout.splitlines():
        record = json.loads(line)
        url = record.get("url") or ""
        if record["status"] == "remote" and TEMPLATE_CODE.search(url):
            hits.append(f"{record['file']}:{record['line']}: {record['raw']!r} -> {url}")
    return len(hits), hits


def measure(folder: Path, show: int) -> Tally:
    tally = Tally()
    paths = sorted(p for p in folder.rglob("*") if p.suffix in (".md", ".markdown") and p.is_file())
    for path in paths:
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            tally.unreadable += 1
            continue
        name = str(path.relative_to(folder))
        try:
            comparison = compare(text)
        except (RecursionError, ValueError) as exc:  # a parser giving up on one file
            print(f"{path}: not compared: {type(exc).__name__}: {exc}", file=sys.stderr)
            tally.failed += 1
            continue
        tally.add(name, comparison, show)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument(
        "--show", type=int, default=0, help="first N disagreements of each class, per folder"
    )
    args = parser.parse_args()
    for folder in args.folders:
        tally = measure(folder, args.show)
        fetched, template_hits = template_urls_fetched(folder)
        print(f"== {folder}")
        print(
            f"documents                 {tally.documents}"
            f" ({tally.unreadable} not UTF-8, {tally.failed} not compared)"
        )
        print(
            f"inline links and images   scan {tally.inline_ours}, CommonMark {tally.inline_theirs},"
            f" agreement {_percent(tally.inline_agreed, tally.inline_ours, tally.inline_theirs, tally.inline_explained)}"
        )
        print(
            f"reference definitions     scan {tally.defs_ours}, CommonMark {tally.defs_theirs},"
            f" agreement {_percent(tally.defs_agreed, tally.defs_ours, tally.defs_theirs, tally.defs_explained)}"
        )
        print(f"visible text as URL       {tally.visible_as_url}")
        print(f"template-code URLs fetched {fetched}")
        print(
            "disagreements by class    "
            + (", ".join(f"{name} {n}" for name, n in tally.classes.most_common()) or "none")
        )
        print(
            "lenient repairs (rules)   "
            + (", ".join(f"{name} {n}" for name, n in tally.explained.most_common()) or "none")
        )
        for name, _count in tally.classes.most_common():
            for line in tally.shown.get(name, []):
                print(f"  {line}")
        for line in template_hits[: args.show]:
            print(f"  template: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
