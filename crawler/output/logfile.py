"""A run's log file for cron and systemd: ``--log-file`` / ``[log] file``.

A nightly run's own record, beside whatever cron mails: plain timestamped lines
(when it started and with what, each problem, a budget or signal stop, the summary
line), rotating by size (``[log] max_bytes``, ``[log] backups``) so years of nights
never fill a disk. The standard library's ``RotatingFileHandler`` does the
rotation. The terminal keeps its own level (``-q`` shows only the summary); the file
always gets the run's INFO lines (``-v``: also the debug log).
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

#: Lines for the log file only (the start, problems, the stop, the summary): the
#: terminal shows them its own way.
journal = logging.getLogger("linkrescue.journal")

_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def open_log_file(path: Path, *, max_bytes: int, backups: int, debug: bool = False) -> None:
    """Send the run's log lines to ``path`` too (created with its folder), rotating it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    level = logging.DEBUG if debug else logging.INFO
    handler.setLevel(level)
    for name in ("linkrescue.archive", "linkrescue.crawler"):
        logger = logging.getLogger(name)
        for other in logger.handlers:  # the terminal keeps the level it had
            if other.level == logging.NOTSET:
                other.setLevel(logger.level)
        logger.setLevel(min(logger.level, level))
        logger.addHandler(handler)
    journal.handlers[:] = [handler]
    journal.setLevel(logging.INFO)
    journal.propagate = False


def no_log_file() -> None:
    """No log file this run (the journal's lines go nowhere)."""
    journal.handlers[:] = [logging.NullHandler()]
    journal.propagate = False
