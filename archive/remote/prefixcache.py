"""What a run's CDX prefix listings say, kept in a private temporary SQLite database.

A rescue lists each directory its references share once (0.4 CDX requests a second on the
Internet Archive against 8 playbacks, docs/wayback-facts.md §5) and answers every URL under
it from the rows. Held as objects, those rows and the URL keys each listing was made for
were 38 MiB of a first rescue's main process at 50,000 articles, and grew with the corpus:
with rate limits off the listings run far ahead of the fetching (issue 12, item 9). Here
they are rows of a temporary database (``sqlite3.connect("")``: a file of SQLite's own,
deleted when it is closed), read back one URL at a time; memory holds only the prefixes
and their coverages.

A listing is a *coverage* from the moment it is opened: its URL keys and rows go to the
database as they arrive, page by page, under its number, and it answers only once it is
covered. A listing kept for the next run is read back from here as it is kept (its rows
are never all in memory: the 55,029 rows of ``assets.thestandnews.com/media/photos/`` at
50,000 articles were 22 MiB as objects, and 45 MiB while they were written out as JSON).

One prefix can be listed more than once for different URLs: a rescue lists a directory
for its references written with a partial timestamp (``2021im_``) and again, within a
date window, for those written with a full one. Each listing is a coverage of its own,
so the second never passes for the first.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar

from linkrescue.archive.model import KeptListing, Snapshot
from linkrescue.archive.urls import prefix_key, url_key

T = TypeVar("T")

_SCHEMA = (
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    # `coverage`: the listing the row came with (_Coverage.id)
    "CREATE TABLE rows (key TEXT NOT NULL, coverage INTEGER NOT NULL, original TEXT NOT NULL, "
    "timestamp TEXT NOT NULL, mimetype TEXT, status INTEGER, digest TEXT, length INTEGER, "
    "redirect TEXT)",
    # (key, coverage): with one coverage to ask for, SQLite otherwise chose the index on
    # coverage and read all 55,029 rows of a directory's listing for each URL under it
    "CREATE INDEX rows_by_key ON rows (key, coverage)",
    "CREATE INDEX rows_by_coverage ON rows (coverage)",
    # the URL keys the run is done with (PrefixCache.spend)
    "CREATE TABLE spent (key TEXT PRIMARY KEY) WITHOUT ROWID",
    # the URL keys a coverage's rows were kept for (a coverage with `some` False has none)
    "CREATE TABLE only_keys (key TEXT NOT NULL, coverage INTEGER NOT NULL, "
    "PRIMARY KEY (key, coverage)) WITHOUT ROWID",
    "CREATE INDEX only_keys_by_coverage ON only_keys (coverage, key)",
)
_FIELDS = "original, timestamp, mimetype, status, digest, length, redirect"
#: Rows (or keys) read back from the database at a time.
_CHUNK = 2000


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


@dataclass(frozen=True, slots=True)
class OpenListing:
    """A listing being made (:meth:`PrefixCache.open`): its rows go in with
    :meth:`PrefixCache.keep_rows`; it answers nothing until :meth:`PrefixCache.cover`."""

    id: int
    prefix: str
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

    # --- making a listing --------------------------------------------------------------

    def open(
        self,
        prefix: str,
        only: Iterable[str] | None,
        *,
        windowed: bool = False,
        new_only: bool = True,
    ) -> OpenListing | None:
        """Start a listing of ``prefix`` whose rows are kept for the URL keys of ``only``
        (None: every URL under it); ``windowed`` when it has a date window.

        ``new_only``: keep rows only for keys no earlier listing of ``prefix`` answers
        for (a listing with a window never answers for one without), and return None
        when that leaves none (the listing need not be made). The keys go straight to
        the database: a host's directory can be wanted for 55,000 URLs.
        """
        with self._lock:
            earlier: list[int] = []
            entry = self._prefixes.get(prefix)
            for coverage in entry[1] if entry is not None and new_only else ():
                if coverage.windowed and not windowed:
                    continue
                if not coverage.some:
                    return None
                earlier.append(coverage.id)
            self._open()
            self._coverages += 1
            listing = OpenListing(self._coverages, prefix, only is not None, windowed)
        if only is None:
            return listing
        keys = iter(only)
        # made outside the lock, a chunk at a time: a SURT key costs 0.3 ms, and the
        # fetching's threads ask the cache for every resource meanwhile
        while chunk := list(islice(keys, _CHUNK)):
            with self._lock:
                db = self._open()
                db.execute("BEGIN")
                db.executemany(
                    "INSERT OR IGNORE INTO only_keys VALUES (?, ?)",
                    ((key, listing.id) for key in chunk),
                )
                db.execute("COMMIT")
        with self._lock:
            db = self._open()
            if earlier:
                marks = ",".join("?" * len(earlier))
                db.execute(
                    "DELETE FROM only_keys WHERE coverage = ? AND key IN "
                    f"(SELECT key FROM only_keys WHERE coverage IN ({marks}))",
                    (listing.id, *earlier),
                )
            left = db.execute(
                "SELECT 1 FROM only_keys WHERE coverage = ? LIMIT 1", (listing.id,)
            ).fetchone()
        return listing if left else None

    def keep_rows(self, listing: OpenListing, rows: Iterable[Snapshot]) -> int:
        """Store the rows of ``listing`` (only those of its URL keys, when it was opened
        for some: a host's listing can hold far more captures than the corpus
        references); return how many were kept. A URL the run was done with
        (:meth:`spend`) is known again by a later listing's rows."""
        keyed = [(url_key(r.original), r) for r in rows]  # outside the lock, as in open()
        if not keyed:
            return 0
        with self._lock:
            db = self._open()
            db.execute("BEGIN")
            before = db.execute("SELECT max(rowid) FROM rows").fetchone()[0] or 0
            wanted = (
                " WHERE EXISTS (SELECT 1 FROM only_keys WHERE key = ?1 AND coverage = ?2)"
                if listing.some
                else ""
            )
            kept = db.executemany(
                "INSERT INTO rows SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9" + wanted,
                (
                    (
                        key,
                        listing.id,
                        r.original,
                        r.timestamp,
                        r.mimetype,
                        r.status,
                        r.digest,
                        r.length,
                        r.redirect,
                    )
                    for key, r in keyed
                ),
            ).rowcount  # the sum over the rows given: those inserted
            if kept:
                db.execute(
                    "DELETE FROM spent WHERE key IN "
                    "(SELECT key FROM rows WHERE coverage = ? AND rowid > ?)",
                    (listing.id, before),
                )
            db.execute("COMMIT")
            return kept

    def cover(self, listing: OpenListing, *, complete: bool) -> None:
        """The listing is made (``complete``: every capture under its prefix is known):
        from now on it answers for its URLs."""
        coverage = _Coverage(
            listing.id, complete and not listing.windowed, listing.some, listing.windowed
        )
        with self._lock:
            entry = self._prefixes.setdefault(listing.prefix, (prefix_key(listing.prefix), []))
            entry[1].append(coverage)

    def abandon(self, listing: OpenListing) -> None:
        """Drop a listing that could not be made (its rows answer nothing)."""
        with self._lock:
            if self._db is not None:
                self._db.execute("BEGIN")
                self._db.execute("DELETE FROM rows WHERE coverage = ?", (listing.id,))
                self._db.execute("DELETE FROM only_keys WHERE coverage = ?", (listing.id,))
                self._db.execute("COMMIT")

    def kept(self, listing: OpenListing, *, complete: bool) -> KeptListing:
        """``listing`` as the next run takes it in: its keys and rows are read from the
        database each time they are iterated, a chunk at a time, while this cache is
        open (other threads go on listing into it meanwhile)."""
        keys = Reread(
            lambda: (
                key
                for (key,) in self._pages(
                    "SELECT key FROM only_keys WHERE coverage = ? AND key > ? ORDER BY key LIMIT ?",
                    listing.id,
                    "",
                )
            )
        )
        rows = Reread(
            lambda: (
                Snapshot(*row[1:])
                for row in self._pages(
                    f"SELECT rowid, {_FIELDS} FROM rows WHERE coverage = ? AND rowid > ? "
                    "ORDER BY rowid LIMIT ?",
                    listing.id,
                    0,
                )
            )
        )
        return KeptListing(
            listing.prefix, complete, listing.windowed, keys if listing.some else None, rows
        )

    def _pages(self, query: str, coverage: int, start: object) -> Iterator[tuple[Any, ...]]:
        """The rows of ``query`` (its first column the key it is ordered by), read
        ``_CHUNK`` at a time, each chunk under the lock."""
        after = start
        while True:
            with self._lock:
                if self._db is None:
                    raise RuntimeError("the listings' database was closed")
                chunk = self._db.execute(query, (coverage, after, _CHUNK)).fetchall()
            yield from chunk
            if len(chunk) < _CHUNK:
                return
            after = chunk[-1][0]

    # --- convenience -------------------------------------------------------------------

    def add(
        self,
        prefix: str,
        rows: Iterable[Snapshot],
        *,
        complete: bool,
        only: Iterable[str] | None = None,
        windowed: bool = False,
        new_only: bool = False,
    ) -> int:
        """Store one whole listing's rows and mark ``prefix`` listed; return the rows kept."""
        listing = self.open(prefix, only, windowed=windowed, new_only=new_only)
        if listing is None:
            return 0
        count = self.keep_rows(listing, rows)
        self.cover(listing, complete=complete)
        return count

    def remember(self, listing: KeptListing, wanted: frozenset[str] | None = None) -> None:
        """Take in a listing an earlier run made (kept in the store's index): its URLs
        are then answered as if this run had listed the prefix.

        ``wanted``: the URL keys this run looks up; the listing is then kept for those
        alone (a month of nightly listings can hold rows for a whole corpus, and a run
        with a few resources to look up needs a few of them). It still proves absent
        what it proved absent: a complete listing answers for each wanted key under it.
        """
        only = listing.only
        if wanted is not None:
            start = prefix_key(listing.prefix)
            if only is None:
                only = frozenset(k for k in wanted if k.startswith(start))
            else:
                only = frozenset(k for k in only if k in wanted and k.startswith(start))
            if not only:
                return
        self.add(
            listing.prefix,
            listing.rows,
            complete=listing.complete,
            only=only,
            windowed=listing.windowed,
        )

    # --- answering ---------------------------------------------------------------------

    def spend(self, url: str) -> None:
        """The run is done with ``url``. Asked again, it is answered as no listing
        covers it (a lookup of its own), never as listed with no capture; a URL the
        listings hold no row of is still proven absent. Its rows stay where they are
        (on disk): a listing still being kept for the next run reads them back."""
        key = url_key(url)
        with self._lock:
            if self._db is None:
                return
            self._db.execute(
                "INSERT OR IGNORE INTO spent SELECT ?1 WHERE EXISTS "
                "(SELECT 1 FROM rows WHERE key = ?1)",
                (key,),
            )

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
                (p, coverage)
                for p, coverage in candidates
                if not coverage.some or coverage.id in mine
            ]
            if not covering:
                return None
            ids = [coverage.id for _, coverage in covering]
            marks = ",".join("?" * len(ids))
            # the same capture listed by two listings of the prefix is one row
            rows = [
                Snapshot(*row)
                for row in db.execute(
                    f"SELECT {_FIELDS} FROM rows INDEXED BY rows_by_key "
                    f"WHERE key = ? AND coverage IN ({marks}) "
                    f"GROUP BY {_FIELDS} ORDER BY min(rowid)",
                    (key, *ids),
                )
            ]
        prefix, coverage = max(covering, key=lambda pc: pc[1].complete)
        return CachedAnswer(prefix, coverage.complete, rows)


class Reread(Iterable[T]):
    """An iterable made anew each time it is iterated (a stored listing's rows)."""

    def __init__(self, make: Callable[[], Iterator[T]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[T]:
        return self._make()
