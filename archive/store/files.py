"""The ``files`` table: which resource owns which store path, and what it holds.

:func:`linkrescue.archive.store.paths.store_path` is lossy, so two resources can want one
path (``http``/``https``, ``A.png``/``a.png`` on a case-insensitive disk, ``a:b``
and ``a_b``), or one can want a folder where another is a file (``/a`` with
unknown type, then ``/a/b``). Each path is therefore *claimed* for one resource
key in the index, in a write transaction (so two threads or processes cannot take
the same path), and a clash re-tags the clashing component with a hash of the key.
A key keeps its first path forever, so rewritten documents never point to a
file that a later capture (say, with another mimetype) renamed.

It also makes replacing a file crash-consistent with the index: the new digest
is recorded as *pending* before the rename and promoted after it, so after a
crash the file holds either the old or the pending digest and
:meth:`linkrescue.archive.store.Store.verify` accepts both instead of crying "changed".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from linkrescue.archive.state.database import Database
from linkrescue.archive.store.errors import StorePathError
from linkrescue.archive.store.paths import fold, tagged

_MAX_RETAGS = 64
#: Paths read in one query (SQLite allows 999 parameters in older builds).
_BATCH = 500
#: Paths asked about at once beyond which reading the whole table is cheaper.
_WHOLE_TABLE = 2000

DiskClash = Callable[[PurePosixPath], int | None]
"""Given a candidate path, the index of a component that the disk already uses
for something else (a folder where a file must go, or the reverse), or None."""


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A claimed path, and the digest of what the store last placed there.

    ``sha256`` is None until the first placement finished; ``pending_*`` are set
    only while a placement is in progress (or was interrupted by a crash).
    """

    key: str
    path: PurePosixPath
    sha256: str | None
    size: int | None
    pending_sha256: str | None
    pending_size: int | None


class FileClaims:
    """The store's view of the ``files`` table of the state's :class:`Database`."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def of(self, key: str) -> FileRecord | None:
        with self._database.reading() as db:
            return _one(db, "key = ?", key)

    def at(self, path: PurePosixPath) -> FileRecord | None:
        """The claim of ``path`` (as the index spells it), if any."""
        with self._database.reading() as db:
            return _one(db, "path = ?", path.as_posix())

    def rows_at(self, paths: Iterable[str]) -> Iterator[sqlite3.Row]:
        """The rows of many paths (as the index spells them), read in batches: a rescue
        checks every stored file its documents point to (22,431 at 10,000 articles),
        and a query and a record per path cost a second of a run that makes no request."""
        wanted = sorted(set(paths))
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start : start + _BATCH]
            marks = ", ".join("?" * len(batch))
            with self._database.reading() as db:
                rows = db.execute(f"SELECT * FROM files WHERE path IN ({marks})", batch)
                yield from rows.fetchall()

    def sizes_at(
        self, paths: Iterable[str]
    ) -> Iterator[tuple[str, str | None, int | None, int | None]]:
        """``(path, sha256, size, pending_size)`` of the claims of many paths: what a
        rescue's quick check of its stored files compares with the disk. A nightly run
        over an unchanged 50,000-article corpus checks 101,656 files, nearly the whole
        table: then one read of the table's four columns as plain tuples, filtered here,
        costs a third of batched queries of whole rows (issue 12, item 4)."""
        wanted = paths if isinstance(paths, (set, frozenset)) else set(paths)
        with self._database.reading() as db:
            cursor = db.cursor()
            cursor.row_factory = None
            if len(wanted) > _WHOLE_TABLE:
                cursor.execute("SELECT path, sha256, size, pending_size FROM files")
                # in pages, never the whole table in memory at once
                while page := cursor.fetchmany(_BATCH * 4):
                    yield from (row for row in page if row[0] in wanted)
                return
            listed = list(wanted)
            for start in range(0, len(listed), _BATCH):
                batch = listed[start : start + _BATCH]
                marks = ", ".join("?" * len(batch))
                cursor.execute(
                    f"SELECT path, sha256, size, pending_size FROM files WHERE path IN ({marks})",
                    batch,
                )
                yield from cursor.fetchall()

    def claim(
        self, key: str, candidate: PurePosixPath, disk_clash: DiskClash, *, defer: bool = False
    ) -> FileRecord:
        """``key``'s path: its existing claim, else ``candidate`` re-tagged until free.

        ``defer``: leave ``candidate`` itself to another resource even while it is free
        (one of the same run that comes first, :func:`~linkrescue.archive.store.paths.deferring`):
        the name taken is the one a clash with it would give, whichever is stored first.
        """
        with self._database.transaction() as db:
            existing = _one(db, "key = ?", key)
            if existing is not None:
                return existing
            for attempt in range(_MAX_RETAGS):
                clash = _index_clash(db, candidate)
                if clash is None:
                    clash = disk_clash(candidate)
                if clash is None and defer and attempt == 0:
                    clash = len(candidate.parts) - 1
                if clash is None:
                    db.execute(
                        "INSERT INTO files (path, fold, key, updated_at) VALUES (?, ?, ?, ?)",
                        (candidate.as_posix(), fold(candidate), key, self._database.now()),
                    )
                    return FileRecord(key, candidate, None, None, None, None)
                candidate = _retag(candidate, clash, f"{key}\x00{attempt}")
        raise StorePathError(f"no free path for {key!r} after {_MAX_RETAGS} attempts")

    def begin_update(self, key: str, sha256: str, size: int) -> None:
        with self._database.transaction() as db:
            db.execute(
                "UPDATE files SET pending_sha256 = ?, pending_size = ?, updated_at = ? "
                "WHERE key = ?",
                (sha256, size, self._database.now(), key),
            )

    def finish_update(self, key: str) -> None:
        with self._database.transaction() as db:
            db.execute(
                "UPDATE files SET sha256 = pending_sha256, size = pending_size, "
                "pending_sha256 = NULL, pending_size = NULL, updated_at = ? "
                "WHERE key = ? AND pending_sha256 IS NOT NULL",
                (self._database.now(), key),
            )

    def __iter__(self) -> Iterator[FileRecord]:
        """All claims, by path, read in pages so a running crawl is not blocked."""
        after = ""
        while True:
            with self._database.reading() as db:
                rows = db.execute(
                    "SELECT * FROM files WHERE path > ? ORDER BY path LIMIT 500", (after,)
                ).fetchall()
            yield from map(record_of, rows)
            if len(rows) < 500:
                return
            after = rows[-1]["path"]


def _index_clash(db: sqlite3.Connection, candidate: PurePosixPath) -> int | None:
    """The first component of ``candidate`` that another claim already uses differently."""
    parts = candidate.parts
    folders = [fold(PurePosixPath(*parts[: i + 1])) for i in range(len(parts) - 1)]
    marks = ", ".join("?" * len(folders))
    taken = {r[0] for r in db.execute(f"SELECT fold FROM files WHERE fold IN ({marks})", folders)}
    for i, folder in enumerate(folders):
        if folder in taken:
            return i  # A file is claimed where this path needs a folder.
    whole = fold(candidate)
    # A claim of the same path, or of a path below it (so it is a folder elsewhere):
    # "/" sorts just before "0", so the range holds exactly the folds starting with "whole/".
    row = db.execute(
        "SELECT 1 FROM files WHERE fold = ? OR (fold > ? AND fold < ?) LIMIT 1",
        (whole, whole + "/", whole + "0"),
    ).fetchone()
    return None if row is None else len(parts) - 1


def _retag(path: PurePosixPath, index: int, source: str) -> PurePosixPath:
    parts = list(path.parts)
    parts[index] = tagged(parts[index], source, is_file=index == len(parts) - 1)
    return PurePosixPath(*parts)


def _one(db: sqlite3.Connection, where: str, value: str) -> FileRecord | None:
    row = db.execute(f"SELECT * FROM files WHERE {where}", (value,)).fetchone()
    return None if row is None else record_of(row)


def record_of(row: sqlite3.Row) -> FileRecord:
    return FileRecord(
        key=row["key"],
        path=PurePosixPath(row["path"]),
        sha256=row["sha256"],
        size=row["size"],
        pending_sha256=row["pending_sha256"],
        pending_size=row["pending_size"],
    )
