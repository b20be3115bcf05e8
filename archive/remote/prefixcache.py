"""What a run's CDX prefix listings say, kept in a private temporary SQLite database.

A rescue lists each directory its references share once (0.4 CDX requests a second on the
Internet Archive against 8 playbacks, docs/wayback-facts.md §5) and answers every URL under
it from the rows. Held as objects, those rows and the URL keys each listing was made for
were 38 MiB of a first rescue's main process at 50,000 articles, and grew with the corpus:
with rate limits off the listings run far ahead of the fetching (issue 12, item 9). Here
they are rows of a temporary database (``sqlite3.connect("")``: a file of SQLite's own,
deleted when it is closed), read back one URL at a time; memory holds only the prefixes
and their coverages.

One prefix can be listed more than once for different URLs: a rescue lists a directory
for its references written with a partial timestamp (``2021im_``) and again, within a
date window, for those written with a full one. Each listing is a coverage of its own,
so the second never passes for the first.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from linkrescue.archive.model import KeptListing, Snapshot
from linkrescue.archive.urls import prefix_key, url_key

_SCHEMA = (
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    "CREATE TABLE rows (key TEXT NOT NULL, original TEXT NOT NULL, timestamp TEXT NOT NULL, "
    "mimetype TEXT, status INTEGER, digest TEXT, length INTEGER, redirect TEXT)",
    "CREATE INDEX rows_by_key ON rows (key)",
    # the URL keys the run is done with whose rows were dropped (PrefixCache.spend)
    "CREATE TABLE spent (key TEXT PRIMARY KEY) WITHOUT ROWID",
    # the URL keys a coverage's rows were kept for (a coverage with `only` None has none)
    "CREATE TABLE only_keys (key TEXT NOT NULL, coverage INTEGER NOT NULL, "
    "PRIMARY KEY (key, coverage)) WITHOUT ROWID",
)


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """What the prefix listings know of one URL: its rows, and whether the listing that
    covers it was complete (then no rows means the archive holds no capture)."""

    prefix: str
    complete: bool
    rows: list[Snapshot]


@dataclass(frozen=True, slots=True)
class _Coverage:
    """One listing of a prefix: complete (no capture under it is unknown), whether its
    rows were kept for some URL keys only (``only_keys`` under ``id``), and whether it
    had a date window."""

    id: int
    complete: bool
    some: bool
    windowed: bool


class PrefixCache:
    """Rows of prefix listings, by :func:`~linkrescue.archive.urls.url_key`; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        # prefix -> its key and its coverages
        self._prefixes: dict[str, tuple[str, list[_Coverage]]] = {}
        self._coverages = 0

    def _open(self) -> sqlite3.Connection:
        """The database, made when the first listing arrives (a run whose resources are
        all settled from the store lists nothing and makes none)."""
        if self._db is None:
            db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
            for statement in _SCHEMA:
                db.execute(statement)
            self._db = db
            weakref.finalize(self, db.close)
        return self._db

    def close(self) -> None:
        """Drop the database (its file goes with it)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            self._prefixes.clear()

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
        kept for the next run). A URL the run was done with (:meth:`spend`) is known
        again by a later listing's rows."""
        kept: list[tuple[str, Snapshot]] = []
        for row in rows:
            key = url_key(row.original)
            if only is None or key in only:
                kept.append((key, row))
        if not kept:
            return []
        with self._lock:
            db = self._open()
            db.execute("BEGIN")
            db.executemany("DELETE FROM spent WHERE key = ?", ((key,) for key, _ in kept))
            db.executemany(
                "INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        key,
                        r.original,
                        r.timestamp,
                        r.mimetype,
                        r.status,
                        r.digest,
                        r.length,
                        r.redirect,
                    )
                    for key, r in kept
                ),
            )
            db.execute("COMMIT")
        return [row for _, row in kept]

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
            self._coverages += 1
            coverage = _Coverage(
                self._coverages, complete and not windowed, only is not None, windowed
            )
            db = self._open()
            if only is not None:
                db.execute("BEGIN")
                db.executemany(
                    "INSERT OR IGNORE INTO only_keys VALUES (?, ?)",
                    ((key, coverage.id) for key in only),
                )
                db.execute("COMMIT")
            entry = self._prefixes.setdefault(prefix, (prefix_key(prefix), []))
            entry[1].append(coverage)

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
            ids: list[int] = []
            for coverage in entry[1]:
                if coverage.windowed and not windowed:
                    continue
                if not coverage.some:
                    return frozenset()
                ids.append(coverage.id)
            if only is None:
                return None
            if not ids or self._db is None:
                return only
            marks = ",".join("?" * len(ids))
            known = self._db.execute(
                f"SELECT DISTINCT key FROM only_keys WHERE coverage IN ({marks})", ids
            )
            return only - frozenset(key for (key,) in known)

    def spend(self, url: str) -> None:
        """Drop the rows of ``url``: the run is done with it. Asked again, ``url`` is
        answered as no listing covers it (a lookup of its own), never as listed with
        no capture; a URL the listings hold no row of is still proven absent."""
        key = url_key(url)
        with self._lock:
            if self._db is None:
                return
            self._db.execute("BEGIN")
            if self._db.execute("DELETE FROM rows WHERE key = ?", (key,)).rowcount:
                self._db.execute("INSERT OR IGNORE INTO spent VALUES (?)", (key,))
            self._db.execute("COMMIT")

    def answer(self, url: str) -> CachedAnswer | None:
        """The cached knowledge of ``url``, or None when no listing covers it (or the
        run is done with it, :meth:`spend`)."""
        key = url_key(url)
        with self._lock:
            db = self._db
            candidates = [
                (p, coverage)
                for p, (pkey, coverages) in self._prefixes.items()
                if key.startswith(pkey)
                for coverage in coverages
            ]
            if not candidates or db is None:  # a coverage opens the database
                return None
            if db.execute("SELECT 1 FROM spent WHERE key = ?", (key,)).fetchone():
                return None
            mine = {
                coverage
                for (coverage,) in db.execute(
                    "SELECT coverage FROM only_keys WHERE key = ?", (key,)
                )
            }
            covering = [
                (p, coverage.complete)
                for p, coverage in candidates
                if not coverage.some or coverage.id in mine
            ]
            if not covering:
                return None
            rows = [
                Snapshot(*row)
                for row in db.execute(
                    "SELECT original, timestamp, mimetype, status, digest, length, redirect "
                    "FROM rows WHERE key = ? ORDER BY rowid",
                    (key,),
                )
            ]
        prefix, complete = max(covering, key=lambda pc: pc[1])
        return CachedAnswer(prefix, complete, rows)
