"""``linkrescue scan``: every link and image of the documents, where it is written and
what it points to, as a stream (a 50,000-article corpus is never held in memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from linkrescue.crawler.config import Config
from linkrescue.crawler.stages.corpus import Problem
from linkrescue.crawler.stages.scan import FileResult, Summary
from linkrescue.crawler.stages.scan import scan as scan_documents


@dataclass(frozen=True, slots=True)
class ScanRun:
    """The documents' results as they come, and their counts, complete once the results
    have all been read (the closing summary is printed after the last)."""

    results: Iterator[FileResult]
    summary: Summary


def scan(
    paths: Sequence[Path],
    config: Config,
    *,
    as_json: bool,
    on_problem: Callable[[Problem], None],
) -> ScanRun:
    """Scan ``paths``; ``as_json``: each result carries its records as JSON Lines, encoded
    by the workers (the main process only copies bytes). ``on_problem`` hears of each file
    not read before the result that follows it is handed on."""
    summary = Summary()
    found = scan_documents(paths, config.for_scan(), as_json=as_json, on_problem=on_problem)
    return ScanRun(_counted(found, summary, on_problem), summary)


def _counted(
    results: Iterator[FileResult], summary: Summary, on_problem: Callable[[Problem], None]
) -> Iterator[FileResult]:
    for result in results:
        summary.add(result)
        for problem in result.problems:
            on_problem(problem)
        yield result
