"""``json``: scan results as one array, written incrementally (never built in memory),
and the rescue report (``--report``), a file replaced whole.

The report's field names are a contract for scripts and cron jobs (see
:mod:`linkrescue.crawler.report`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from linkrescue.atomic import write_atomically
from linkrescue.crawler.output.formats import Destination
from linkrescue.crawler.report import RescueReport
from linkrescue.crawler.stages.scan import FileResult


class JsonResults:
    """Scan results as one JSON array on the destination's byte stream."""

    def __init__(self, to: Destination) -> None:
        self.out = to.out

    def write(self, value: Iterable[FileResult]) -> None:
        raw = self.out.buffer  # workers send UTF-8 already: no encoding in the main process
        self.out.flush()
        first = True
        raw.write(b"[")
        for result in value:
            if not result.blob:
                continue
            # A JSON line never holds a raw newline (json escapes it): safe to split on.
            raw.write(b"\n" if first else b",\n")
            raw.write(result.blob.replace(b"\n", b",\n"))
            first = False
        raw.write(b"\n]\n" if not first else b"]\n")
        raw.flush()


class JsonReport:
    """The report as JSON: to the destination's file, else to its stream (``--report -``)."""

    def __init__(self, to: Destination) -> None:
        self.path = to.path
        self.out = to.out

    def write(self, value: RescueReport) -> None:
        if self.path is None:
            self.out.write(json.dumps(value.as_json(), ensure_ascii=False, indent=2) + "\n")
            self.out.flush()
            return
        write_json_file(self.path, value)


def write_json_file(path: Path, report: RescueReport) -> None:
    """Write the report atomically and durably (a cron job reading it never sees half a
    file, nor an empty one after a power cut), with the mode any new file gets under the
    user's umask: a report is meant to be read by others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"
    write_atomically(path, text.encode("utf-8"), mode=0o666 & ~_umask(), prefix=f".{path.name}.")


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; put it back at once
    os.umask(mask)
    return mask
