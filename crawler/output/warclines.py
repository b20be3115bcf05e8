"""What ``export`` and ``import`` say: one closing line each, and a line per capture left
out of an export (the formats of ``linkrescue export`` and ``linkrescue import``)."""

from __future__ import annotations

from linkrescue.archive import ExportSummary, ImportSummary
from linkrescue.crawler.console import plural


def size_text(n: int) -> str:
    """``812 bytes``, ``1.4 MiB``."""
    size = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        size /= 1024
        if size < 1024 or unit == "TiB":
            return plural(n, "byte") if n < 1024 else f"{size:.1f} {unit}"
    return plural(n, "byte")  # pragma: no cover - the loop always returns


def export_line(summary: ExportSummary) -> str:
    """``4 records (1.4 MiB of captures) written to out.warc.gz (1.5 MiB); 1 skipped``."""
    line = (
        f"{plural(summary.records, 'record')} ({size_text(summary.bytes)} of captures) "
        f"written to {summary.path} ({size_text(summary.warc_bytes)})"
    )
    if summary.skipped:
        line += f"; {len(summary.skipped)} skipped (named above)"
    return line


def skipped_line(url: str, reason: str) -> str:
    """One capture left out of an export: ``skipped: URL (reason)``."""
    return f"skipped: {url} ({reason})"


def import_line(summary: ImportSummary, views: int = 0) -> str:
    """``3 captures imported (1.4 MiB), 2 skipped (HTTP 404: 1, already in the store: 1),
    1 problem (named above)``; then the views of pages made, if any."""
    line = f"{plural(summary.imported, 'capture')} imported ({size_text(summary.bytes)})"
    if views:
        line += f", {plural(views, 'page view')} made"
    if summary.skipped:
        counts = ", ".join(f"{reason}: {count}" for reason, count in summary.skipped)
        line += f", {summary.skipped_total} skipped ({counts})"
    else:
        line += ", 0 skipped"
    if summary.problems:
        line += f", {plural(len(summary.problems), 'problem')} (named above)"
    return line
