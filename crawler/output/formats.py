"""Output formats: one enum names them, one interface writes a value in one of them.

A command hands its value to the formatter the user chose: a stream of scanned
documents (``scan --format``) or a run's report (the closing summary table, the
``--report`` JSON file) or ``check``'s findings. A format is one module holding its
formatters (``table``, ``jsonfile``, ``jsonlines``, ``text``, ``github``, ``junit``,
``sarif``), registered in :mod:`linkrescue.crawler.output.registry` for each kind of
value it can write; a command's ``--format`` accepts the members that have an entry
for its value. The HTML report will be one more module and one more member here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol, TextIO, TypeVar

from rich.console import Console

V_contra = TypeVar("V_contra", contravariant=True)


class Format(StrEnum):
    """Every output format; the values are what ``--format`` accepts."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    #: ``check``'s findings for a person: grouped by file, plain off a terminal.
    TEXT = "text"
    #: ``check``'s findings as GitHub Actions workflow commands (annotations on the diff).
    GITHUB = "github"
    #: ``check``'s checked files as JUnit XML test cases (any CI server's test tab).
    JUNIT = "junit"
    #: ``check``'s findings as SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    SARIF = "sarif"


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a formatter writes: a text stream (its ``buffer`` for bytes already encoded),
    a rich console (tables), or a file, replaced whole."""

    out: TextIO
    console: Console
    path: Path | None = None


class Formatter(Protocol[V_contra]):
    """Writes one kind of value (scan results, a report) in one format."""

    def write(self, value: V_contra) -> None:
        """Write ``value`` whole; a stream is written as it comes (never held in memory)."""
