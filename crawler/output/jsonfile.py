"""``json``: scan results as one array, written incrementally (never built in memory),
the rescue report (``--report``), a file replaced whole, and ``check``'s findings, one
object per finding in one array written as the files are checked.

The report's field names are a contract for scripts and cron jobs (see
:mod:`linkrescue.crawler.report`); so are a finding's (:meth:`Finding.as_dict`).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from linkrescue.atomic import write_atomically
from linkrescue.crawler.output.formats import Destination
from linkrescue.crawler.report import RescueReport, plain_value
from linkrescue.crawler.stages.scan import FileResult

if TYPE_CHECKING:
    from linkrescue.crawler.findings import CheckRun


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


class JsonFindings:
    """``check --format json``: a JSON array of :meth:`Finding.as_dict` objects, exactly
    the contract's fields, each file's in reading order, one object per line.

    Written as the files are checked (never the run in memory). A file that could not be
    read is not a finding: ``check`` names it on stderr, as every command names bad input.
    """

    def __init__(self, to: Destination) -> None:
        self.to = to

    def write(self, value: CheckRun) -> None:
        # Imported here: scan's start-up (this module's other users) does without them.
        from linkrescue.crawler.output.checked import in_reading_order
        from linkrescue.crawler.output.sink import text_sink

        with text_sink(self.to) as out:
            first = True
            out.write("[")
            for checked in value.files:
                for finding in in_reading_order(checked.findings):
                    out.write("\n" if first else ",\n")
                    out.write(json.dumps(finding.as_dict(), ensure_ascii=False))
                    first = False
            out.write("]\n" if first else "\n]\n")


def write_json_file(path: Path, report: RescueReport) -> None:
    """Write the report atomically and durably (a cron job reading it never sees half a
    file, nor an empty one after a power cut), with the mode any new file gets under the
    user's umask: a report is meant to be read by others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, report_json(report), mode=0o666 & ~_umask(), prefix=f".{path.name}.")


class _Items(list):  # type: ignore[type-arg]
    """The report's items as the JSON encoder walks them, each made plain when reached.

    ``json.dumps(report.as_json(), indent=2)`` held every item as a dict, and the text
    in millions of pieces before joining them: at 50,000 articles (113,000 resources)
    the largest part of a first run's memory at its very end (issue 12, item 9). The
    encoder's indenting path (pure Python) asks a list only whether it is empty and
    for its items, one by one.
    """

    def __init__(self, items: Sequence[object]) -> None:
        super().__init__()
        self.items = items

    def __iter__(self) -> Iterator[object]:
        return (plain_value(item) for item in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


def report_json(report: RescueReport) -> Iterator[bytes]:
    """The report's JSON text (``json.dumps(report.as_json(), ensure_ascii=False,
    indent=2)`` and a newline, the same bytes), in UTF-8 chunks of about 64 KiB."""
    shallow = {f.name: getattr(report, f.name) for f in fields(report)}
    # The fields in the report's order (a contract: ``left`` and ``stopped`` come after
    # ``items``), the items made plain one by one as the encoder reaches them.
    top = {
        name: _Items(report.items) if name == "items" else plain_value(value)
        for name, value in shallow.items()
    }
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2)
    pieces: list[str] = []
    size = 0
    for piece in itertools.chain(encoder.iterencode(top), ("\n",)):
        pieces.append(piece)
        size += len(piece)
        if size >= 65536:
            yield "".join(pieces).encode("utf-8")
            pieces, size = [], 0
    if pieces:
        yield "".join(pieces).encode("utf-8")


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; put it back at once
    os.umask(mask)
    return mask
