"""The CDX index API: queries that work on both the Internet Archive and pywb, answers
in every shape they come in, and the in-memory cache of prefix listings.

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
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from linkrescue.archive.model import KeptListing, Snapshot
from linkrescue.archive.urls import prefix_key, url_key

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
    """Parse any CDX answer shape (see the module docstring)."""
    body = text.strip()
    if not body:
        return CdxPage([])
    if body.startswith("["):
        return _parse_json_array(json.loads(body))
    if body.startswith("{"):
        records = [json.loads(line) for line in body.splitlines() if line.strip()]
        return CdxPage(_dedupe(snapshot_from(r) for r in records))
    return _parse_text(body)


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
    lines = body.splitlines()
    resume_key = None
    if "" in (line.strip() for line in lines):
        blank = next(i for i, line in enumerate(lines) if not line.strip())
        tail = [line.strip() for line in lines[blank + 1 :] if line.strip()]
        lines = lines[:blank]
        resume_key = tail[-1] if tail else None
    parsed: list[Snapshot | None] = []
    for line in lines:
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[2].startswith("{"):  # CDXJ: urlkey timestamp {json}
            record = json.loads(parts[2])
            record["timestamp"] = parts[1]
            parsed.append(snapshot_from(record))
            continue
        cells = line.split()
        columns = _TEXT_COLUMNS.get(len(cells))
        parsed.append(snapshot_from(dict(zip(columns, cells, strict=True))) if columns else None)
    return CdxPage(_dedupe(parsed), resume_key)


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


# --- the prefix cache -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """What the prefix listings know of one URL: its rows, and whether the listing that
    covers it was complete (then no rows means the archive holds no capture)."""

    prefix: str
    complete: bool
    rows: list[Snapshot]


@dataclass(frozen=True, slots=True)
class _Coverage:
    """One listing of a prefix: complete (no capture under it is unknown), the URL
    keys its rows were kept for (None: all), and whether it had a date window."""

    complete: bool
    only: frozenset[str] | None
    windowed: bool


class PrefixCache:
    """Rows of prefix listings, by :func:`~linkrescue.archive.urls.url_key`; thread-safe.

    One prefix can be listed more than once for different URLs: a rescue lists a
    directory for its references written with a partial timestamp (``2021im_``) and
    again, within a date window, for those written with a full one. Each listing
    is a coverage of its own, so the second never passes for the first.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # None: the run is done with the URL (:meth:`spend`)
        self._rows: dict[str, list[Snapshot] | None] = {}
        # prefix -> its key and its coverages
        self._prefixes: dict[str, tuple[str, list[_Coverage]]] = {}

    def add(
        self,
        prefix: str,
        rows: Iterable[Snapshot],
        *,
        complete: bool,
        only: frozenset[str] | None = None,
        windowed: bool = False,
    ) -> int:
        """Store one listing's rows and mark ``prefix`` listed; return the rows kept."""
        count = self.add_rows(rows, only=only)
        self.cover(prefix, complete=complete, only=only, windowed=windowed)
        return count

    def add_rows(self, rows: Iterable[Snapshot], *, only: frozenset[str] | None = None) -> int:
        """Store rows (only those whose :func:`url_key` is in ``only``, when given: a
        host's listing can hold far more captures than the corpus references)."""
        return len(self.keep_rows(rows, only=only))

    def keep_rows(
        self, rows: Iterable[Snapshot], *, only: frozenset[str] | None = None
    ) -> list[Snapshot]:
        """:meth:`add_rows`, returning the rows kept (a listing hands them on to be
        kept for the next run)."""
        kept: list[Snapshot] = []
        with self._lock:
            for row in rows:
                key = url_key(row.original)
                if only is None or key in only:
                    known = self._rows.get(key)
                    if known is None:
                        known = self._rows[key] = []
                    known.append(row)
                    kept.append(row)
        return kept

    def remember(self, listing: KeptListing, wanted: frozenset[str] | None = None) -> None:
        """Take in a listing an earlier run made (kept in the store's index): its URLs
        are then answered as if this run had listed the prefix.

        ``wanted``: the URL keys this run looks up; the listing is then kept for those
        alone (a month of nightly listings can hold rows for a whole corpus, and a run
        with a few resources to look up needs a few of them). It still proves absent
        what it proved absent: a complete listing answers for each wanted key under it.
        """
        only, rows = listing.only, listing.rows
        if wanted is not None:
            start = prefix_key(listing.prefix)
            under = frozenset(k for k in wanted if k.startswith(start))
            only = under if only is None else only & under
            if not only:
                return
            rows = tuple(row for row in rows if url_key(row.original) in only)
        self.add(
            listing.prefix, rows, complete=listing.complete, only=only, windowed=listing.windowed
        )

    def cover(
        self,
        prefix: str,
        *,
        complete: bool,
        only: frozenset[str] | None = None,
        windowed: bool = False,
    ) -> None:
        """Mark ``prefix`` as listed (completely: every capture under it is known), for
        the URLs of ``only`` when the rows were kept for those alone; ``windowed``
        when the listing had a date window, so it knows only captures within it."""
        with self._lock:
            entry = self._prefixes.setdefault(prefix, (prefix_key(prefix), []))
            entry[1].append(_Coverage(complete and not windowed, only, windowed))

    def uncovered(
        self, prefix: str, only: frozenset[str] | None, *, windowed: bool = False
    ) -> frozenset[str] | None:
        """Which of ``only`` (None: every URL) a new listing of ``prefix`` would still
        have to keep: empty when earlier listings of it already answer for them all.
        A listing with a date window never answers for one without."""
        with self._lock:
            entry = self._prefixes.get(prefix)
            if entry is None:
                return only
            kept: set[str] = set()
            for coverage in entry[1]:
                if coverage.windowed and not windowed:
                    continue
                if coverage.only is None:
                    return frozenset()
                kept.update(coverage.only)
        if only is None:
            return None
        return only - kept

    def spend(self, url: str) -> None:
        """Drop the rows of ``url``: the run is done with it. Its rows were most of a
        first rescue's listing memory (about 575 bytes a resource, 65 MiB at 50,000
        articles, issue 12) and were held to the end of the run. Asked again, ``url``
        is answered as no listing covers it (a lookup of its own), never as listed
        with no capture."""
        key = url_key(url)
        with self._lock:
            if key in self._rows:
                self._rows[key] = None

    def answer(self, url: str) -> CachedAnswer | None:
        """The cached knowledge of ``url``, or None when no listing covers it (or the
        run is done with it, :meth:`spend`)."""
        key = url_key(url)
        with self._lock:
            known = self._rows.get(key, ())
            if known is None:
                return None
            covering = [
                (p, coverage.complete)
                for p, (pkey, coverages) in self._prefixes.items()
                if key.startswith(pkey)
                for coverage in coverages
                if coverage.only is None or key in coverage.only
            ]
            if not covering:
                return None
            rows = list(known)
        prefix, complete = max(covering, key=lambda pc: pc[1])
        return CachedAnswer(prefix, complete, rows)
