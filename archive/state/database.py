"""The run state's one SQLite connection: opening, schema migrations, transactions.

One file, ``<store>/index.sqlite3``, from the standard library's :mod:`sqlite3`, so
a user can open it with any SQLite tool. Every table lives here, under one schema
(:mod:`linkrescue.archive.state.schema`): the state's own (resources, attempts,
refs, :mod:`linkrescue.archive.state.index`) and the store's ``files``, which the
store keeps through :meth:`Database.transaction` and :meth:`Database.reading` only,
so that placing a file and recording its rescue can be one transaction.

The crawl calls this from worker threads: one connection guarded by a lock (the
writes are few and small next to the network time, and one connection avoids
per-thread connections that nobody closes). WAL mode lets ``linkrescue verify``
read from another process while a crawl writes; ``busy_timeout`` waits out the
other process's write instead of failing. The schema is versioned with
``PRAGMA user_version`` and migrated in code, each migration in one transaction,
so a later issue appends a migration instead of asking users to delete the file.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from linkrescue.archive.state.errors import IndexVersionError
from linkrescue.archive.state.schema import MIGRATIONS, Clock, iso, utc_now


class Database:
    """The SQLite database of one store; safe to share between threads."""

    def __init__(self, path: Path, *, clock: Clock = utc_now) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.base = path.parent.resolve()
        # Used by the migration that turned absolute document keys into relative ones.
        self._db.create_function(
            "linkrescue_store_relative", 1, self.relative_key, deterministic=True
        )
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA busy_timeout = 30000")
            self._db.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed row survives power loss, like the fsynced files it describes.
            self._db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self.reading() as db:
            return int(db.execute("PRAGMA user_version").fetchone()[0])

    def now(self) -> str:
        """The injected clock's time, as the index writes it."""
        return iso(self._clock())

    def relative_key(self, document: str) -> str:
        """An absolute document path as ``refs`` names it: relative to the store's folder."""
        if not os.path.isabs(document):
            return document
        return os.path.relpath(document, self.base).replace(os.sep, "/")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken up front (``BEGIN IMMEDIATE``) so it cannot deadlock.

        Holds the connection's lock for its duration. Opened inside another
        transaction of the same thread, it joins it as a savepoint: its writes are
        undone if it fails, and made durable only when the outermost one commits.
        That is how :meth:`linkrescue.archive.store.Store.put` places a file and
        records its rescue at once, each table's writes kept in its own module.
        """
        with self._lock:
            if self._db.in_transaction:
                savepoint = f"nested_{secrets.token_hex(4)}"
                self._db.execute(f"SAVEPOINT {savepoint}")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute(f"ROLLBACK TO {savepoint}")
                    self._db.execute(f"RELEASE {savepoint}")
                    raise
                self._db.execute(f"RELEASE {savepoint}")
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads (each statement sees one consistent snapshot)."""
        with self._lock:
            yield self._db

    def _migrate(self) -> None:
        """Bring the schema to ``len(MIGRATIONS)``; re-checked inside the write lock
        because another process may be migrating the same file right now."""
        target = len(MIGRATIONS)
        with self.transaction() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > target:
                raise IndexVersionError(
                    f"{self.path}: schema version {version} is newer than this linkrescue "
                    f"understands ({target}); upgrade linkrescue"
                )
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    db.execute(statement)
            if version != target:
                db.execute(f"PRAGMA user_version = {target}")
