"""Showing a rescue as it runs: a live display on a terminal, plain lines for cron.

On a terminal a rich progress bar counts resources and shows documents, bytes,
requests by kind and the archive's current pause (after a 429 every worker
waits, and a user watching should see why nothing moves); above it, one short
line per finished resource and per warning: no timestamps, no archive URL
wrapped around each original (the full detail is in ``--report`` and ``-v``).
Off a terminal (cron, CI, a pipe) every finished resource and every archive
warning is one plain, timestamped log line on stderr, which a log file keeps
readable. ``-q`` keeps only warnings and the summary; ``-v`` adds the debug log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Task as RichTask
from rich.text import Text

from linkrescue.crawler.console import Verbosity
from linkrescue.crawler.outcome import Outcome

if TYPE_CHECKING:
    from linkrescue.archive import Archive
    from linkrescue.crawler.stages.tasks import Task

log = logging.getLogger("linkrescue.crawler")

#: A Wayback-style playback prefix (``https://web.archive.org/web/2021id_/``) before an
#: original URL: on a terminal the original alone says which resource a line is about.
_PLAYBACK_PREFIX = re.compile(r"https?://[^\s/]+(?:/[^\s/]+)*?/\d{1,14}(?:[a-z]{2}_)?/(?=\S)")
#: Longest URL shown on a terminal line; the report and ``-v`` keep it whole.
SHORT_URL = 100


def short_url(url: str) -> str:
    """``https://www.ft.com/content/…`` without scheme, playback prefix or excess length."""
    url = _PLAYBACK_PREFIX.sub("", url)
    url = re.sub(r"^https?://", "", url)
    return url if len(url) <= SHORT_URL else url[: SHORT_URL - 31] + "…" + url[-30:]


class _ShortLines(logging.Handler):
    """Log records as lines above the live display: no timestamp, and unless ``-v`` (which
    keeps every detail) no playback prefix around each original URL."""

    def __init__(self, console: Console, *, full: bool) -> None:
        super().__init__()
        self.console = console
        self.full = full

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if not self.full:
                message = _PLAYBACK_PREFIX.sub("", message)
            style = "yellow" if record.levelno >= logging.WARNING else "dim"
            self.console.print(Text(message, style=style), soft_wrap=True)
        except Exception:  # a log line must never break the run
            self.handleError(record)


def setup_logging(console: Console, *, interactive: bool, verbosity: Verbosity) -> None:
    """Route the ``archive`` and ``crawler`` loggers to stderr, short or timestamped."""
    handler: logging.Handler
    if interactive:
        handler = _ShortLines(console, full=verbosity is Verbosity.VERBOSE)
    else:
        handler = logging.StreamHandler(console.file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    if verbosity is Verbosity.VERBOSE:
        level = logging.DEBUG
    elif verbosity is Verbosity.QUIET or interactive:
        level = logging.WARNING  # on a terminal, finished resources are drawn, not logged
    else:
        level = logging.INFO
    for name in ("linkrescue.archive", "linkrescue.crawler"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    # httpx logs every request at INFO: part of the debug log only.
    requests = logging.getLogger("httpx")
    requests.handlers[:] = [handler] if verbosity is Verbosity.VERBOSE else []
    requests.setLevel(logging.INFO if verbosity is Verbosity.VERBOSE else logging.WARNING)
    requests.propagate = False


class RescueProgress:
    """Counts finished resources; draws them on a terminal or logs them."""

    def __init__(
        self,
        console: Console,
        client: Archive,
        *,
        total: int,
        documents: int,
        interactive: bool,
        stored_bytes: Callable[[], int],
        verbosity: Verbosity = Verbosity.NORMAL,
    ) -> None:
        self.client = client
        self.console = console
        self.verbosity = verbosity
        self.interactive = interactive
        self.documents = documents
        self.stored_bytes = stored_bytes
        self.done_count = 0
        self.total = total
        self._progress = Progress(
            TextColumn("[bold]rescuing"),
            BarColumn(),
            MofNCompleteColumn(),
            _LiveStatus(self._status),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            disable=not interactive or verbosity is Verbosity.QUIET,
        )
        self._task = self._progress.add_task("rescue", total=total)

    def __enter__(self) -> RescueProgress:
        self._progress.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.__exit__(kind, exc, tb)

    def done(self, task: Task) -> None:
        """One resource finished (called from the pipeline's main thread)."""
        self.done_count += 1
        if self.interactive:
            self._progress.advance(self._task)
            if self.verbosity is Verbosity.NORMAL:
                self.console.print(_event_line(task), soft_wrap=True)
                return
        where = f" -> {task.local_path}" if task.local_path else ""
        why = f" ({task.reason})" if task.reason and task.outcome is not Outcome.RESCUED else ""
        log.info(
            "[%d/%d] %s %s%s%s", self.done_count, self.total, task.outcome, task.url, where, why
        )

    def _status(self) -> Text:
        """Read at every refresh, so a pause shows even while no resource finishes.

        Bytes in rich's decimal units (``1.5 MB``, ``2.0 GB``, ``5.0 TB``), as the
        progress bars of downloads show them."""
        counts = self.client.counts
        status = Text(
            f"{self.documents} docs · {decimal(self.stored_bytes())} · "
            f"requests cdx {counts.cdx} playback {counts.playback}"
        )
        pause = self.client.paused_for()
        if pause > 0:
            status.append(f" · archive asked us to wait: paused {pause:.0f} s", style="yellow")
        return status


#: How each outcome reads on a terminal line.
_OUTCOME_STYLE = {
    Outcome.RESCUED: "green",
    Outcome.FAILED: "red",
    Outcome.NOT_ARCHIVED: "yellow",
    Outcome.BLOCKED: "yellow",
}


def _event_line(task: Task) -> Text:
    """``rescued       www.reuters.com/article/…`` (+ the reason of anything not rescued)."""
    outcome = str(task.outcome)
    style = _OUTCOME_STYLE.get(task.outcome, "dim") if task.outcome is not None else "dim"
    line = Text(f"{outcome:<13} ", style=style)
    line.append(short_url(task.url))
    if task.reason and task.outcome is not Outcome.RESCUED:
        reason = _PLAYBACK_PREFIX.sub("", task.reason)
        line.append(f"  ({reason if len(reason) <= 120 else reason[:119] + '…'})", style="dim")
    return line


class _LiveStatus(ProgressColumn):
    def __init__(self, status: Callable[[], Text]) -> None:
        super().__init__()
        self.status = status

    def render(self, task: RichTask) -> Text:
        return self.status()
