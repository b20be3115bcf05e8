"""Showing a rescue as it runs: a live display on a terminal, plain lines for cron.

On a terminal a rich progress bar counts resources and shows documents, bytes,
requests by kind and the archive's current pause (after a 429 every worker
waits, and a user watching should see why nothing moves). Off a terminal (cron,
CI, a pipe) every finished resource and every archive warning is one plain,
timestamped log line on stderr, which a log file keeps readable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.logging import RichHandler
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

from archive.client import ArchiveClient
from crawler.rescue import Task

log = logging.getLogger("crawler")


def setup_logging(console: Console, *, interactive: bool, verbose: bool) -> None:
    """Route the ``archive`` and ``crawler`` loggers to stderr, rich or plain."""
    handler: logging.Handler
    if interactive:
        handler = RichHandler(console=console, show_path=False, markup=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(console.file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name in ("archive", "crawler"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO if verbose or not interactive else logging.WARNING)
        logger.propagate = False


class RescueProgress:
    """Counts finished resources; draws them on a terminal or logs them."""

    def __init__(
        self,
        console: Console,
        client: ArchiveClient,
        *,
        total: int,
        documents: int,
        interactive: bool,
        stored_bytes: Callable[[], int],
    ) -> None:
        self.client = client
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
            disable=not interactive,
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
            return
        where = f" -> {task.local_path}" if task.local_path else ""
        why = f" ({task.reason})" if task.reason and task.outcome != "rescued" else ""
        log.info(
            "[%d/%d] %s %s%s%s", self.done_count, self.total, task.outcome, task.url, where, why
        )

    def _status(self) -> Text:
        """Read at every refresh, so a pause shows even while no resource finishes."""
        counts = self.client.counts
        status = Text(
            f"{self.documents} docs · {human_bytes(self.stored_bytes())} · "
            f"requests cdx {counts.cdx} playback {counts.playback}"
        )
        pause = self.client.http.limits.gate.until - time.monotonic()
        if pause > 0:
            status.append(f" · archive asked us to wait: paused {pause:.0f} s", style="yellow")
        return status


class _LiveStatus(ProgressColumn):
    def __init__(self, status: Callable[[], Text]) -> None:
        super().__init__()
        self.status = status

    def render(self, task: RichTask) -> Text:
        return self.status()


def human_bytes(n: int) -> str:
    """1234567 -> '1.2 MB'."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover - the loop returns
