"""``json``: scan results as one array, written incrementally (never built in memory),
the rescue report (``--report``), a file replaced whole, and ``check``'s findings, one
object per finding in one array written as the files are checked.

The report's field names are a contract for scripts and cron jobs (see
:mod:`linkrescue.crawler.report`); so are a finding's (:meth:`Finding.as_dict`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import fields, is_dataclass
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


def report_json(report: RescueReport) -> Iterator[bytes]:
    """The report's JSON text (``json.dumps(report.as_json(), ensure_ascii=False,
    indent=2)`` and a newline, the same bytes), in UTF-8 chunks of about 64 KiB.

    Each item is made plain only when reached (the items of a 50,000-article first run
    held as dicts, and the text in millions of pieces, were the largest part of its
    memory at its very end: issue 12, item 9), and written by :func:`_indented`, not by
    ``json``'s indenting encoder: that one is pure Python, a quarter of a second run's
    time over an unchanged 50,000-article corpus (11,427 items, cProfile,
    ``docs/BENCHMARKS.md``).
    """
    names = [f.name for f in fields(report)]
    pieces: list[str] = ["{"]
    size = 0
    for i, name in enumerate(names):  # in the report's order: a contract (left, stopped last)
        end = "" if i == len(names) - 1 else ","
        if name != "items":
            value = _indented(plain_value(getattr(report, name)), "  ")
            pieces.append(f"\n  {_encode_str(name)}: {value}{end}")
            continue
        items = report.items
        if not items:
            pieces.append(f'\n  "items": []{end}')
            continue
        pieces.append('\n  "items": [')
        sep = "\n    "
        for item in items:
            piece = sep + _indented(item, "    ")
            sep = ",\n    "
            pieces.append(piece)
            size += len(piece)
            if size >= 65536:
                yield "".join(pieces).encode("utf-8")
                pieces, size = [], 0
        pieces.append(f"\n  ]{end}")
    pieces.append("\n}\n")
    yield "".join(pieces).encode("utf-8")


#: ``json``'s own string encoder (its C version when available), as ``ensure_ascii=False``.
_encode_str = json.encoder.encode_basestring
_dumps_leaf = json.JSONEncoder(ensure_ascii=False).encode
_FIELDS: dict[type, tuple[str, ...]] = {}


def _indented(value: object, indent: str) -> str:
    """``value`` as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it nested
    at ``indent``: dicts, lists, strings, ints, None and booleans, and a report's
    dataclasses and tuples as :func:`~linkrescue.crawler.report.plain_value` makes them
    (anything else, a float, through ``json`` itself)."""
    if isinstance(value, str):
        return _encode_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    inner = indent + "  "
    names = _FIELDS.get(type(value))
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[type(value)] = tuple(f.name for f in fields(value))
    if names is not None:
        value = {name: getattr(value, name) for name in names}
    if isinstance(value, dict):
        if not value:
            return "{}"
        body = (",\n" + inner).join(
            f"{_encode_str(k)}: {_indented(v, inner)}" for k, v in value.items()
        )
        return "{\n" + inner + body + "\n" + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        body = (",\n" + inner).join(_indented(v, inner) for v in value)
        return "[\n" + inner + body + "\n" + indent + "]"
    return _dumps_leaf(value)


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; put it back at once
    os.umask(mask)
    return mask
