"""What each document's last scan produced, kept for the next run (the ``documents`` table).

A nightly ``rescue`` over tens of thousands of articles that did not change since last
night re-read and re-parsed every one of them (issue 12, item 4). The crawler keeps here,
per document, the size, modification time (ns) and SHA-256 of the bytes it scanned, with
two opaque blobs of its own: what the identity pass and the reference pass produced. The
state neither reads nor builds the blobs (it knows nothing of Markdown); it only hands
them back for the same ``settings`` digest, so an entry made under other scan settings
or by another linkrescue version is never used.

``seen_ns``: when the size and time were taken. A file changed again within the same
timestamp tick as that look keeps its size and time; an entry whose ``mtime_ns`` is not
clearly older than ``seen_ns`` is therefore re-hashed, never trusted on its stat alone
(what git calls "racily clean").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from linkrescue.archive.state.database import Database

__all__ = ["DocumentCache", "KnownDocument", "ScannedDocument"]


class KnownDocument(NamedTuple):
    """What the index knows of one document, without its (larger) scan blob.

    A named tuple, not a frozen dataclass: a rescue over an unchanged 50,000-article
    corpus makes 50,000 of them in one query, and building frozen dataclasses was a
    twentieth of that run (issue 12, item 4)."""

    size: int
    mtime_ns: int
    seen_ns: int
    sha256: bytes
    identity: bytes


@dataclass(frozen=True, slots=True)
class ScannedDocument:
    """One document's entry to keep: its stat and hash when read, and the crawler's blobs."""

    path: str
    size: int
    mtime_ns: int
    seen_ns: int
    sha256: bytes
    identity: bytes
    scan: bytes


class DocumentCache:
    """The ``documents`` table of a store's database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def known(self, settings: str) -> dict[str, KnownDocument]:
        """Every document scanned under ``settings``, by path (one query: a corpus at a time)."""
        with self.database.reading() as db:
            cursor = db.cursor()
            cursor.row_factory = None  # plain tuples: no sqlite3.Row per document
            cursor.execute(
                "SELECT path, size, mtime_ns, seen_ns, sha256, identity FROM documents "
                "WHERE settings = ?",
                (settings,),
            )
            return {
                path: KnownDocument(size, mtime_ns, seen_ns, sha, identity)
                for path, size, mtime_ns, seen_ns, sha, identity in cursor
            }

    def scans_of(self, paths: Sequence[str], settings: str) -> dict[str, bytes]:
        """The scan blobs kept for ``paths`` under ``settings`` (a batch: one query per
        500 paths, not one per document)."""
        found: dict[str, bytes] = {}
        with self.database.reading() as db:
            cursor = db.cursor()
            cursor.row_factory = None  # (path, bytes) tuples as they are
            for start in range(0, len(paths), 500):
                batch = paths[start : start + 500]
                marks = ", ".join("?" * len(batch))
                cursor.execute(
                    f"SELECT path, scan FROM documents WHERE settings = ? AND path IN ({marks})",
                    (settings, *batch),
                )
                found.update(cursor.fetchall())
        return found

    def scan_of(self, path: str, settings: str) -> bytes | None:
        """The scan blob kept for ``path`` under ``settings``, or None."""
        with self.database.reading() as db:
            row = db.execute(
                "SELECT scan FROM documents WHERE path = ? AND settings = ?", (path, settings)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def remember(
        self,
        settings: str,
        scanned: Iterable[ScannedDocument],
        restat: Iterable[tuple[str, int, int, int]] = (),
    ) -> None:
        """Keep ``scanned`` (replacing what was kept for their paths) and update the stat
        of documents found unchanged by their hash (``(path, size, mtime_ns, seen_ns)``),
        in one transaction."""
        with self.database.transaction() as db:
            db.executemany(
                """INSERT OR REPLACE INTO documents
                   (path, size, mtime_ns, seen_ns, sha256, settings, identity, scan)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    (d.path, d.size, d.mtime_ns, d.seen_ns, d.sha256, settings, d.identity, d.scan)
                    for d in scanned
                ),
            )
            db.executemany(
                "UPDATE documents SET size = ?, mtime_ns = ?, seen_ns = ? "
                "WHERE path = ? AND settings = ?",
                ((size, mtime, seen, path, settings) for path, size, mtime, seen in restat),
            )

    def forget(self, paths: Iterable[str]) -> None:
        """Drop what was kept for ``paths``."""
        with self.database.transaction() as db:
            db.executemany("DELETE FROM documents WHERE path = ?", ((p,) for p in paths))
