"""The CDX index API: queries that work on both the Internet Archive and pywb, answers
in every shape they come in (the listings' rows are kept by
:mod:`~linkrescue.archive.remote.prefixcache`).

Shapes (docs/wayback-facts.md §2, docs/pywb-vs-ia.md):

- IA ``output=json``: one JSON array of arrays, the header row first; with
  ``showResumeKey`` it ends with ``[]`` and ``["<key>"]``; no result is ``[]``.
- IA text: space-separated ``urlkey timestamp original mimetype statuscode digest
  length`` lines; when more rows exist, a blank line and the URL-encoded resume key
  (passed back verbatim: the server decodes it, IA ``CDXServer.java``). Its 11-field
  lines (and timemaps) add ``redirect``, where a captured redirect led: kept, so a
  redirect to the front page is judged from the row without playing it.
- pywb ``output=json``: NDJSON objects named ``url``, ``mime``, ``status``; its text
  output is CDXJ (``urlkey timestamp {json}``); no result is an empty body.

Queries never send ``fl=`` (pywb silently drops IA's field names), ``filter=`` (a
full-match regex on IA, a substring test on pywb) or ``collapse`` (ignored by pywb):
rows are filtered and chosen here instead (:mod:`linkrescue.archive.remote.snapshots`).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from linkrescue.archive.model import Snapshot

_TS = re.compile(r"^\d{14}$")
_DEFAULT_PORT = re.compile(r"^(https?://[^/:]+):(?:80|443)(?=/|$)", re.IGNORECASE)
_JUNK = re.compile(r"^(?:https?://)?(?:mailto:|data:|javascript:)", re.IGNORECASE)

#: Field names in IA's header rows and pywb's objects, mapped to ours.
_FIELDS = {
    "original": "original",
    "url": "original",
    "timestamp": "timestamp",
    "mimetype": "mimetype",
    "mime": "mimetype",
    "statuscode": "status",
    "status": "status",
    "digest": "digest",
    "length": "length",
    "redirect": "redirect",
}
#: Column orders of CDX text lines: IA's default 7 fields and the 11-field CDX format.
_TEXT_COLUMNS = {
    7: ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"),
    11: (
        "urlkey",
        "timestamp",
        "original",
        "mimetype",
        "statuscode",
        "digest",
        "redirect",
        "robotflags",
        "length",
        "offset",
        "filename",
    ),
}


@dataclass(frozen=True, slots=True)
class CdxPage:
    """One CDX answer: its rows and the key to the next page, if the server gave one."""

    rows: list[Snapshot]
    resume_key: str | None = None


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None  # "-" for revisits and unknown lengths


def snapshot_from(record: Mapping[str, Any]) -> Snapshot | None:
    """A :class:`Snapshot` from one row whatever its field names; None for junk rows
    (no 14-digit timestamp; ``mailto:``/``data:`` originals seen in real output)."""
    fields = {_FIELDS[k]: v for k, v in record.items() if k in _FIELDS}
    timestamp = str(fields.get("timestamp", ""))
    original = str(fields.get("original", ""))
    if not _TS.match(timestamp) or not original or _JUNK.match(original):
        return None
    mimetype = fields.get("mimetype")
    digest = fields.get("digest")
    redirect = fields.get("redirect")
    # Interned: a listing keeps the rows of every URL a run looks up until its resource
    # settles (100,000 URLs at 50,000 articles, issue 12), and its rows repeat the same
    # URL for each capture, the same few media types, the same crawl's timestamps.
    return Snapshot(
        # Old captures keep ":80" in ``original`` (EDGI strips ":80" and ":443").
        original=sys.intern(_DEFAULT_PORT.sub(r"\1", original)),
        timestamp=sys.intern(timestamp),
        mimetype=sys.intern(str(mimetype)) if mimetype not in (None, "", "-") else None,
        status=_int(fields.get("status")),
        digest=str(digest).upper() if digest not in (None, "", "-") else None,
        length=_int(fields.get("length")),
        redirect=str(redirect) if redirect not in (None, "", "-") else None,
    )


def _dedupe(rows: Iterable[Snapshot | None]) -> list[Snapshot]:
    """Drop junk and consecutive repeats (IA repeats identical lines 3-4 times)."""
    out: list[Snapshot] = []
    for row in rows:
        if row is not None and (not out or out[-1] != row):
            out.append(row)
    return out


def parse_cdx(text: str) -> CdxPage:
    """Parse any CDX answer shape (see the module docstring).

    Line-shaped answers (pywb's NDJSON and CDXJ, IA's text) are read a line at a time,
    each row made a :class:`Snapshot` as it is read: a 5,000-row page of pywb's NDJSON
    held as parsed objects all at once took 13 MiB, and a rescue with rate limits off
    parses several such pages at the same time (issue 12, item 9).
    """
    head = text.lstrip()[:1]
    if not head:
        return CdxPage([])
    if head == "[":
        return _parse_json_array(json.loads(text))
    if head == "{":
        return CdxPage(
            _dedupe(snapshot_from(json.loads(line)) for line in _lines(text) if line.strip())
        )
    return _parse_text(text)


def _parse_json_array(data: list[list[str]]) -> CdxPage:
    if not data:
        return CdxPage([])
    resume_key = None
    if len(data) >= 2 and data[-2] == [] and len(data[-1]) == 1:
        resume_key = data[-1][0]
        data = data[:-2]
    header, rows = data[0], data[1:]
    return CdxPage(
        _dedupe(snapshot_from(dict(zip(header, row, strict=False))) for row in rows if row),
        resume_key,
    )


def _parse_text(body: str) -> CdxPage:
    """IA's text lines or pywb's CDXJ; after a blank line, the resume key (its last
    non-blank line)."""
    lines = _lines(body.strip())
    rows = _dedupe(_text_row(line) for line in _until_blank(lines))
    tail = [line.strip() for line in lines if line.strip()]
    return CdxPage(rows, tail[-1] if tail else None)


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time (``str.splitlines`` makes them all at once,
    ``io.StringIO`` copies the text at four bytes a character)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        yield text[start:end]
        start = end + 1


def _until_blank(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        if not line.strip():
            return
        yield line.rstrip("\r")


def _text_row(line: str) -> Snapshot | None:
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[2].startswith("{"):  # CDXJ: urlkey timestamp {json}
        record = json.loads(parts[2])
        record["timestamp"] = parts[1]
        return snapshot_from(record)
    cells = line.split()
    columns = _TEXT_COLUMNS.get(len(cells))
    return snapshot_from(dict(zip(columns, cells, strict=True))) if columns else None


# --- queries ----------------------------------------------------------------------


def exact_query(url: str, *, near: str | None, limit: int) -> dict[str, str]:
    """Captures of one URL nearest to ``near`` (newest first without it).

    ``closest`` is only honoured with ``sort=closest`` on IA (internetarchive/wayback#237)
    and ``limit=-N`` returns nothing on pywb, so: ``closest`` + ``sort=closest``, or
    ``sort=reverse``; the nearest is then chosen from the rows, not trusted.
    """
    params = {"url": url, "matchType": "exact", "output": "json", "limit": str(limit)}
    if near:
        params |= {"closest": near, "sort": "closest"}
    else:
        params["sort"] = "reverse"
    return params


def prefix_query(
    prefix: str,
    *,
    limit: int,
    resume_key: str | None = None,
    from_ts: str | None = None,
    to_ts: str | None = None,
) -> dict[str, str]:
    """One page of a prefix listing. Paged by ``resumeKey``, not ``page=``: paged
    results "do not include recent captures" (EDGI; akamhy/waybackpy#69)."""
    params = {
        "url": prefix,
        "matchType": "prefix",
        "output": "json",
        "limit": str(limit),
        "showResumeKey": "true",
    }
    if from_ts:
        params["from"] = from_ts
    if to_ts:
        params["to"] = to_ts
    if resume_key:
        params["resumeKey"] = resume_key
    return params
