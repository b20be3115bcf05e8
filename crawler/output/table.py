"""``table``: for a person at a terminal. Scan results as rich tables (one per batch of
rows, so a large corpus streams), the scan's counts, and the rescue's closing summary.

A URL or file name is data, never markup: a URL holding ``[/x]`` made Rich raise
``MarkupError``; ``c[red].md`` lost its brackets.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from linkrescue.crawler.console import plural
from linkrescue.crawler.output.formats import Destination
from linkrescue.crawler.report import RescueReport
from linkrescue.crawler.stages.scan import FileResult, Record, Summary

#: Rows per rich table: one table per batch keeps a large corpus streaming.
TABLE_BATCH = 200


class TableResults:
    """Scan results as tables on the destination's console (stdout)."""

    def __init__(self, to: Destination) -> None:
        self.console = to.console

    def write(self, value: Iterable[FileResult]) -> None:
        table = _new_table()
        for result in value:
            for record in result.records:
                table.add_row(*_row(record))
                if table.row_count >= TABLE_BATCH:
                    self.console.print(table)
                    table = _new_table()
        if table.row_count:
            self.console.print(table)


class SummaryTable:
    """The rescue's closing table: what happened to the references and resources, and what
    it cost (on the destination's console: stderr)."""

    def __init__(self, to: Destination) -> None:
        self.console = to.console

    def write(self, value: RescueReport) -> None:
        report = value
        table = Table(title="rescue summary", show_header=False, pad_edge=False)
        table.add_column("what")
        table.add_column("n", justify="right")
        rows: list[tuple[str, object]] = [
            ("documents", report.documents),
            ("references", report.references),
            ("resources", report.resources),
            ("  rescued", report.rescued),
            ("  not archived", report.not_archived),
            ("  blocked", report.blocked),
            ("  failed (retried next run)", report.failed),
            ("internal links", report.internal),
            ("already local", report.already_local),
            ("skipped", report.skipped),
            ("documents rewritten", report.rewritten),
            *_page_rows(report),
            # Each one was named on its own line above (a file not read, frontmatter that
            # is not YAML, a document not rewritten): a summary without it read as "all well".
            ("problems (named above)", len(report.problems)),
            (
                "requests cdx / playback / live",
                f"{report.requests.cdx} / {report.requests.playback} / {report.requests.live}",
            ),
            ("bytes stored", report.bytes),
            ("seconds", report.seconds),
        ]
        for what, n in rows:
            table.add_row(what, str(n))
        self.console.print(table)


def _page_rows(report: RescueReport) -> list[tuple[str, object]]:
    """The page crawl's rows (``[crawl]``), when it ran."""
    pages = report.pages
    if pages is None:
        return []
    return [
        ("page views made", pages.views),
        ("  requisites rescued", pages.rescued),
        ("  requisites not archived / blocked", f"{pages.not_archived} / {pages.blocked}"),
        ("  requisites failed / left", f"{pages.failed} / {pages.left}"),
    ]


def _new_table() -> Table:
    table = Table(show_lines=False, pad_edge=False, expand=False)
    table.add_column("file:line:col", overflow="fold")
    table.add_column("kind")
    table.add_column("status")
    table.add_column("url / reason", overflow="fold")
    return table


def _row(record: Record) -> tuple[Text, Text, Text, Text]:
    """The cells of one reference, as :class:`Text` (data, never markup)."""
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


def print_scan_summary(console: Console, summary: Summary, *, table: bool = True) -> None:
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
