"""What a user watching a rescue sees: a pause the archive imposed, and plain lines for cron."""

from __future__ import annotations

import io
import logging

from rich.console import Console

from linkrescue.archive.model import Want
from linkrescue.archive.remote.wayback import ArchiveClient
from linkrescue.archive.settings import ArchiveSettings
from linkrescue.crawler.console import Verbosity
from linkrescue.crawler.outcome import Outcome
from linkrescue.crawler.output.progress import RescueProgress, setup_logging, short_url
from linkrescue.crawler.stages.rescue import Task


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
    setup_logging(console, interactive=False, verbosity=Verbosity.NORMAL)
    try:
        with ArchiveClient(ArchiveSettings(url="http://127.0.0.1:9")) as client:
            progress = RescueProgress(
                console, client, total=2, documents=1, interactive=False, stored_bytes=lambda: 0
            )
            rescued = Task("k1", "https://x.org/a.png", Want.IMAGE, None, None, live=False)
            rescued.outcome, rescued.local_path = Outcome.RESCUED, "x.org/a.png"
            missing = Task("k2", "https://x.org/b.png", Want.IMAGE, None, None, live=False)
            missing.outcome, missing.reason = Outcome.NOT_ARCHIVED, "the archive answered 404"
            with progress:
                progress.done(rescued)
                progress.done(missing)
    finally:
        for name in ("linkrescue.archive", "linkrescue.crawler"):
            logging.getLogger(name).handlers.clear()
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("INFO [1/2] rescued https://x.org/a.png -> x.org/a.png")
    assert lines[1].endswith(
        "INFO [2/2] not-archived https://x.org/b.png (the archive answered 404)"
    )


def test_on_a_terminal_one_short_line_per_event_without_timestamps() -> None:
    """A person watching sees what happened to each resource, not a log: the original URL
    without scheme or playback prefix, the reason of a failure, and warnings as lines."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200, color_system=None)
    setup_logging(console, interactive=True, verbosity=Verbosity.NORMAL)
    try:
        with ArchiveClient(ArchiveSettings(url="http://127.0.0.1:9")) as client:
            progress = RescueProgress(
                console, client, total=2, documents=1, interactive=True, stored_bytes=lambda: 0
            )
            rescued = Task(
                "k1",
                "https://assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png",
                Want.IMAGE,
                None,
                None,
                live=False,
            )
            rescued.outcome = Outcome.RESCUED
            rescued.local_path = "assets.thestandnews.com/media/photos/template-15.png"
            failed = Task("k2", "https://www.ft.com/content/abc", Want.PAGE, None, None, live=False)
            failed.outcome = Outcome.FAILED
            failed.reason = (
                "gave up after 6 attempts: connection to the archive failed "
                "(https://web.archive.org/web/20211229095346id_/https://www.ft.com/content/abc)"
            )
            with progress:
                progress.done(rescued)
                progress.done(failed)
                logging.getLogger("linkrescue.archive.remote.ratelimit").warning(
                    "archive answered 429 Too Many Requests: pausing every worker for 60.0 s"
                )
    finally:
        for name in ("linkrescue.archive", "linkrescue.crawler"):
            logging.getLogger(name).handlers.clear()
    text = out.getvalue()
    assert (
        "rescued       assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png" in text
    )
    assert (
        "failed        www.ft.com/content/abc  (gave up after 6 attempts: connection to the "
        in text
    )
    assert "failed (https://www.ft.com/content/abc)" in text  # no playback prefix repeated
    assert "web.archive.org/web/" not in text
    assert "pausing every worker for 60.0 s" in text
    assert "INFO" not in text and "WARNING" not in text
    assert not any(line[:4].isdigit() for line in text.splitlines())  # no timestamps


def test_quiet_on_a_terminal_shows_no_event_lines() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200, color_system=None)
    setup_logging(console, interactive=True, verbosity=Verbosity.QUIET)
    try:
        with ArchiveClient(ArchiveSettings(url="http://127.0.0.1:9")) as client:
            progress = RescueProgress(
                console,
                client,
                total=1,
                documents=1,
                interactive=True,
                stored_bytes=lambda: 0,
                verbosity=Verbosity.QUIET,
            )
            task = Task("k1", "https://x.org/a.png", Want.IMAGE, None, None, live=False)
            task.outcome = Outcome.RESCUED
            with progress:
                progress.done(task)
    finally:
        for name in ("linkrescue.archive", "linkrescue.crawler"):
            logging.getLogger(name).handlers.clear()
    assert "x.org" not in out.getvalue()
    assert "rescuing" not in out.getvalue()


def test_short_url_keeps_the_original_and_both_ends() -> None:
    assert short_url("http://web.archive.org/web/2021im_/https://a.org/x.png") == "a.org/x.png"
    long = "https://thestandnews.com/china/" + "聊" * 200 + "/end"
    shown = short_url(long)
    assert (
        len(shown) == 100 and shown.startswith("thestandnews.com/china/") and shown.endswith("/end")
    )


def test_stored_bytes_read_in_decimal_units() -> None:
    """The status line's size as a person reads it (rich's decimal units), whatever its size."""
    shown = []
    with ArchiveClient(ArchiveSettings(url="http://127.0.0.1:9")) as client:
        for n in (0, 999, 1000, 1_234_567, 5 * 10**12):
            progress = RescueProgress(
                Console(file=io.StringIO()),
                client,
                total=1,
                documents=1,
                interactive=True,
                stored_bytes=lambda n=n: n,
            )
            shown.append(progress._status().plain.split(" · ")[1])
    assert shown == ["0 bytes", "999 bytes", "1.0 kB", "1.2 MB", "5.0 TB"]
