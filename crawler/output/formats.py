"""Writing scan results: a rich table on a terminal, JSON or JSON Lines for scripts.

JSON Lines streams one object per reference as documents finish, so a cron job
or ``jq`` sees results while a 50,000-article scan runs; ``json`` is one array,
written incrementally too (never built in memory).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import StrEnum
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from linkrescue.crawler.console import plural
from linkrescue.crawler.stages.scan import FileResult, Record, Summary

#: Rows per rich table: one table per batch keeps a large corpus streaming.
TABLE_BATCH = 200


class Format(StrEnum):
    """``--format`` choices."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"


def write_results(
    results: Iterable[FileResult],
    fmt: Format,
    out: TextIO,
    console: Console,
    summary: Summary,
) -> None:
    """Write every result in ``fmt`` to ``out`` (or ``console`` for the table), updating ``summary``."""
    if fmt is Format.TABLE:
        _write_table(results, console, summary)
        return
    raw = out.buffer  # workers send UTF-8 already: no encoding in the main process
    out.flush()
    first = True
    if fmt is Format.JSON:
        raw.write(b"[")
    for result in results:
        summary.add(result)
        _report_problems(result)
        if not result.blob:
            continue
        if fmt is Format.JSON:
            # A JSON line never holds a raw newline (json escapes it): safe to split on.
            raw.write(b"\n" if first else b",\n")
            raw.write(result.blob.replace(b"\n", b",\n"))
            first = False
        else:
            raw.write(result.blob)
            raw.write(b"\n")
    if fmt is Format.JSON:
        raw.write(b"\n]\n" if not first else b"]\n")
    raw.flush()


def _report_problems(result: FileResult) -> None:
    for problem in result.problems:
        report_problem(problem.path, problem.reason)


def report_problem(path: str, reason: str) -> None:
    """One line per bad input, naming the file and the reason (never wrapped: scripts grep it)."""
    print(f"linkrescue: {path}: {reason}", file=sys.stderr, flush=True)


def _new_table() -> Table:
    table = Table(show_lines=False, pad_edge=False, expand=False)
    table.add_column("file:line:col", overflow="fold")
    table.add_column("kind")
    table.add_column("status")
    table.add_column("url / reason", overflow="fold")
    return table


def _row(record: Record) -> tuple[Text, Text, Text, Text]:
    """The cells of one reference, as :class:`Text`: a URL or file name is data, never markup
    (a URL holding ``[/x]`` made Rich raise ``MarkupError``; ``c[red].md`` lost its brackets)."""
    return tuple(Text(cell) for cell in _cells(record))  # type: ignore[return-value]


def _cells(record: Record) -> tuple[str, str, str, str]:
    ref, res = record.ref, record.res
    where = f"{record.file}:{ref.line}:{ref.column}"
    kind = str(ref.kind)
    if ref.element:
        kind += f" {ref.element}[{ref.attribute}]"
    elif ref.key:
        kind += f" {ref.key}"
    status = str(res.status)
    what = res.url or ref.raw
    if record.document:
        what += f"  → {record.document}"
    if res.archive is not None:
        what += f"  (archived {res.archive.timestamp or 'latest'})"
    if res.reason:
        what = f"{ref.raw!r}: {res.reason}"
    return where, kind, status, what


def _write_table(results: Iterable[FileResult], console: Console, summary: Summary) -> None:
    table = _new_table()
    for result in results:
        summary.add(result)
        _report_problems(result)
        for record in result.records:
            table.add_row(*_row(record))
            if table.row_count >= TABLE_BATCH:
                console.print(table)
                table = _new_table()
    if table.row_count:
        console.print(table)


def print_summary(console: Console, summary: Summary, *, table: bool = True) -> None:
    """Counts by kind and by status (``table``: not with ``-q``), and the closing line (stderr)."""
    if table and summary.references:
        _print_counts(console, summary)
    console.print(
        f"{plural(summary.documents, 'document')}, {plural(summary.references, 'reference')}, "
        f"{plural(len(summary.resources), 'distinct resource')}, "
        f"{plural(summary.problems, 'problem')}",
        markup=False,
        highlight=False,
    )


def _print_counts(console: Console, summary: Summary) -> None:
    table = Table(title="scan summary", show_header=True, pad_edge=False)
    table.add_column("references by kind")
    table.add_column("n", justify="right")
    table.add_column("by status")
    table.add_column("n", justify="right")
    kinds = sorted(summary.by_kind.items())
    statuses = sorted(summary.by_status.items())
    for i in range(max(len(kinds), len(statuses))):
        k = kinds[i] if i < len(kinds) else ("", "")
        s = statuses[i] if i < len(statuses) else ("", "")
        table.add_row(Text(k[0]), str(k[1]), Text(s[0]), str(s[1]))
    console.print(table)
