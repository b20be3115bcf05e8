"""What a user watching a rescue sees: a pause the archive imposed, and plain lines for cron."""

from __future__ import annotations

import io
import logging

from rich.console import Console

from archive.client import ArchiveClient
from archive.model import Want
from archive.settings import ArchiveSettings
from crawler.progress import RescueProgress, human_bytes, setup_logging
from crawler.rescue import Task


def test_terminal_status_shows_a_pause_while_nothing_finishes() -> None:
    with ArchiveClient(ArchiveSettings(url="http://127.0.0.1:9")) as client:
        progress = RescueProgress(
            Console(file=io.StringIO()),
            client,
            total=3,
            documents=2,
            interactive=True,
            stored_bytes=lambda: 1_500_000,
        )
        assert "paused" not in progress._status().plain
        client.http.limits.pause(30, "429 from the archive")
        status = progress._status().plain
    assert "2 docs · 1.5 MB" in status
    assert "archive asked us to wait: paused 30 s" in status or "paused 29 s" in status


def test_off_a_terminal_every_resource_is_one_plain_line() -> None:
    out = io.StringIO()
    console = Console(file=out)
    setup_logging(console, interactive=False, verbose=False)
    try:
        with ArchiveClient(ArchiveSettings(url="http://127.0.0.1:9")) as client:
            progress = RescueProgress(
                console, client, total=2, documents=1, interactive=False, stored_bytes=lambda: 0
            )
            rescued = Task("k1", "https://x.org/a.png", Want.IMAGE, None, None, live=False)
            rescued.outcome, rescued.local_path = "rescued", "x.org/a.png"
            missing = Task("k2", "https://x.org/b.png", Want.IMAGE, None, None, live=False)
            missing.outcome, missing.reason = "not-archived", "the archive answered 404"
            with progress:
                progress.done(rescued)
                progress.done(missing)
    finally:
        for name in ("archive", "crawler"):
            logging.getLogger(name).handlers.clear()
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("INFO [1/2] rescued https://x.org/a.png -> x.org/a.png")
    assert lines[1].endswith(
        "INFO [2/2] not-archived https://x.org/b.png (the archive answered 404)"
    )


def test_human_bytes() -> None:
    assert [human_bytes(n) for n in (0, 999, 1000, 1_234_567, 5 * 10**12)] == [
        "0 B",
        "999 B",
        "1.0 KB",
        "1.2 MB",
        "5000.0 GB",
    ]
