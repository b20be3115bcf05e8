"""The run state's tables: what was rescued, from where, for which documents.

They live in the store's one SQLite database (:mod:`linkrescue.archive.state.database`).
Three tables serve the crawl:

- ``resources``: one row per resource key (the caller's normalized URL key),
  the latest outcome and, once rescued, the capture it came from and its file.
- ``attempts``: every attempt, never overwritten; nightly runs must declare a link
  dead only after repeated failures days apart, which needs the history.
- ``refs``: where documents reference a resource and the exact text that a local
  path replaced, so ``linkrescue restore`` can put it back byte for byte. A
  document is named by its path relative to the store's folder
  (:meth:`Index.document_key`), never by an absolute path: a project moved
  (``mv site site-moved``) or cloned elsewhere keeps store and documents side by
  side, and its index must still name the same documents.

A fourth, ``files``, belongs to the store (:mod:`linkrescue.archive.store.files`),
which records a rescue with :meth:`Index.record_rescue` in the same transaction as
the file it placed.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from linkrescue.archive.model import Capture, Outcome, StoredResource
from linkrescue.archive.state.database import Database
from linkrescue.archive.state.schema import (
    ALIVE,
    CHECK,
    DEAD,
    FETCH,
    LIVE,
    RUN_OUTCOMES,
    UNKNOWN,
    Attempt,
    CheckedAnswer,
    Clock,
    IndexedReference,
    IndexedResource,
    RunRecord,
    attempt_of,
    iso,
    resource_of,
    time_of,
    utc_now,
)

__all__ = ["Index"]

_PAGE = 500


class Index:
    """The run state of one store: its resources, attempts and rewrite ledger.

    It opens the store's database (:attr:`database`), which the store shares for
    its files table. Safe to share between threads.
    """

    def __init__(self, path: Path, *, clock: Clock = utc_now) -> None:
        self.path = path
        self.database = Database(path, clock=clock)

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self.database.schema_version

    # --- resources and attempts -------------------------------------------------

    def record_attempt(
        self,
        key: str,
        url: str,
        outcome: Outcome,
        reason: str = "",
        *,
        archive: str | None = None,
    ) -> None:
        """Record an attempt that did not rescue (not archived, blocked, failed).

        Appends to ``attempts`` and updates the resource's outcome, except that a
        resource already rescued stays rescued: its bytes are on disk whatever a
        later run's network did, and the history keeps the failure. ``archive``:
        the archive that gave the answer (a negative is reused only against it).
        """
        if outcome is Outcome.RESCUED:
            raise ValueError("a rescue is recorded by Store.put (record_rescue), with its capture")
        now = self.database.now()
        transient = int(outcome is Outcome.FAILED)  # a failure may pass; a negative stands
        with self.database.transaction() as db:
            db.execute(
                """INSERT INTO attempts (key, url, at, outcome, reason, archive, kind, transient)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (key, url, now, outcome.value, reason, archive, FETCH, transient),
            )
            db.execute(
                """INSERT INTO resources (key, url, outcome, reason, last_attempt_at, archive)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (key) DO UPDATE SET
                     last_attempt_at = excluded.last_attempt_at,
                     url = CASE WHEN outcome = 'rescued' THEN url ELSE excluded.url END,
                     reason = CASE WHEN outcome = 'rescued' THEN reason ELSE excluded.reason END,
                     archive = CASE WHEN outcome = 'rescued' THEN archive ELSE excluded.archive END,
                     outcome = CASE WHEN outcome = 'rescued' THEN outcome ELSE excluded.outcome END
                """,
                (key, url, outcome.value, reason, now, archive),
            )

    def record_rescue(
        self,
        key: str,
        url: str,
        stored: StoredResource,
        capture: Capture,
        *,
        archive: str | None = None,
    ) -> None:
        """Record that ``key`` was rescued: the capture, the stored file, and an attempt
        (``archive``: the archive it came from).

        :meth:`linkrescue.archive.store.Store.put` calls it inside the transaction
        that promotes the file's digest, so the two are recorded together.
        """
        now = self.database.now()
        with self.database.transaction() as db:
            db.execute(
                """INSERT INTO attempts (key, url, at, outcome, reason, archive)
                   VALUES (?, ?, ?, ?, '', ?)""",
                (key, url, now, Outcome.RESCUED.value, archive),
            )
            db.execute(
                """INSERT OR REPLACE INTO resources (key, url, outcome, reason, path, captured_url,
                     timestamp, archive_url, mimetype, size, sha256, sha1_base32, cdx_digest,
                     verified, fetched_at, last_attempt_at, header_mimetype, index_mimetype,
                     sniffed_mimetype, mimetype_note, archive)
                   VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    key,
                    url,
                    Outcome.RESCUED.value,
                    stored.path.as_posix(),
                    capture.original,
                    capture.timestamp,
                    capture.archive_url,
                    stored.mimetype if stored.mimetype is not None else capture.mimetype,
                    stored.size,
                    stored.sha256,
                    capture.sha1_base32,
                    capture.cdx_digest,
                    int(capture.verified),
                    now,
                    now,
                    capture.mimetype,
                    capture.index_mimetype,
                    stored.sniffed,
                    stored.note,
                    archive,
                ),
            )

    def lookup(self, key: str) -> IndexedResource | None:
        row = self._query_one("SELECT * FROM resources WHERE key = ?", (key,))
        return None if row is None else resource_of(row)

    def lookup_many(self, keys: Sequence[str]) -> dict[str, IndexedResource]:
        """:meth:`lookup` of each of ``keys`` at once, by key (absent: not indexed): one
        query per 500 keys, not one per key (a nightly run settles ~11,000 resources
        from the index before it asks anything: issue 12, item 4)."""
        found: dict[str, IndexedResource] = {}
        with self.database.reading() as db:
            for start in range(0, len(keys), _PAGE):
                batch = keys[start : start + _PAGE]
                marks = ", ".join("?" * len(batch))
                rows = db.execute(f"SELECT * FROM resources WHERE key IN ({marks})", batch)
                for row in rows:
                    found[row["key"]] = resource_of(row)
        return found

    def resources(self, outcome: Outcome | None = None) -> Iterator[IndexedResource]:
        """Every resource (of one outcome), by key; fetched in pages, so writers are not blocked."""
        after = ""
        where = "" if outcome is None else "AND outcome = ?"
        extra: tuple[str, ...] = () if outcome is None else (outcome.value,)
        while True:
            rows = self._query(
                f"SELECT * FROM resources WHERE key > ? {where} ORDER BY key LIMIT {_PAGE}",
                (after, *extra),
            )
            yield from map(resource_of, rows)
            if len(rows) < _PAGE:
                return
            after = rows[-1]["key"]

    def attempts(self, key: str, kind: str | None = None) -> list[Attempt]:
        """The attempts for ``key`` (of one ``kind``: ``fetch``, ``check``, ``live``), oldest first."""
        where, extra = ("", ()) if kind is None else (" AND kind = ?", (kind,))
        rows = self._query(
            f"SELECT * FROM attempts WHERE key = ?{where} ORDER BY id", (key, *extra)
        )
        return [attempt_of(r) for r in rows]

    def record_live(self, key: str, url: str, answer: str, reason: str) -> None:
        """Record a live link's answer: ``alive``, ``dead`` or ``unknown`` (a 5xx, a
        timeout, a 429, a bot wall, no network: transient, retried after a backoff).

        ``rescue`` and ``check`` both record here, so each sees the other's answers
        (:func:`linkrescue.archive.state.history.live_standing`). The resource's row is
        not touched: a live answer is not a rescue outcome.
        """
        if answer not in (ALIVE, DEAD, UNKNOWN):
            raise ValueError(f"not a live answer: {answer!r}")
        with self.database.transaction() as db:
            db.execute(
                """INSERT INTO attempts (key, url, at, outcome, reason, archive, kind, transient)
                   VALUES (?, ?, ?, ?, ?, NULL, ?, ?)""",
                (key, url, self.database.now(), answer, reason, LIVE, int(answer == UNKNOWN)),
            )

    def now(self) -> datetime:
        """The index clock's time (what it writes into ``at``)."""
        return time_of(self.database.now())

    # --- references -----------------------------------------------------------------

    def document_key(self, path: str | os.PathLike[str]) -> str:
        """How ``refs`` names a document: its real path relative to the store's folder.

        Relative, POSIX-style (``../content/china/a.md``): the rewritten documents
        link to the store by relative paths already, so the two move together and
        the key stays true wherever the project is moved or cloned.
        """
        return self.database.relative_key(os.path.realpath(path))

    def add_reference(
        self, key: str, document: str, *, line: int, column: int, original: str, replacement: str
    ) -> bool:
        """Record that ``original`` at ``document:line:column`` was replaced by ``replacement``.

        Idempotent (re-recording the same place and text is a no-op, returns False),
        so an interrupted rewrite can simply be run again.
        """
        with self.database.transaction() as db:
            cursor = db.execute(
                """INSERT OR IGNORE INTO refs
                   (key, document, line, col, original, replacement, added_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (key, document, line, column, original, replacement, self.database.now()),
            )
            return cursor.rowcount > 0

    def references_of(self, document: str) -> list[IndexedReference]:
        """The replacements made in ``document``, in reading order."""
        return self._references("document = ? ORDER BY line, col", document)

    def references_to(self, key: str) -> list[IndexedReference]:
        """Every place that references ``key``, by document then reading order."""
        return self._references("key = ? ORDER BY document, line, col", key)

    def all_references(self) -> list[IndexedReference]:
        """Every replacement of every document (``check --changed-since`` asks which
        documents point at a file a change deleted or modified)."""
        return self._references("1 = ? ORDER BY document, line, col", 1)

    def recent_checks(
        self, keys: Iterable[str], source: str, since: datetime
    ) -> dict[str, CheckedAnswer]:
        """The latest definitive answer about each of ``keys`` from ``source`` (an
        archive's identity: its ``check`` lookups; ``live``: live checks by ``check`` or
        ``rescue``) given at or after ``since``. Unknown answers are never reused."""
        wanted = sorted(set(keys))
        found: dict[str, CheckedAnswer] = {}
        after = iso(since)
        params: tuple[str, ...]
        if source == LIVE:
            who, params = "kind = ?", (LIVE,)
        else:
            who, params = "kind = ? AND archive = ?", (CHECK, source)
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            marks = ", ".join("?" * len(batch))
            rows = self._query(
                f"""SELECT * FROM attempts WHERE {who} AND transient = 0 AND at >= ?
                    AND key IN ({marks}) ORDER BY id""",
                (*params, after, *batch),
            )
            for r in rows:  # oldest first: the latest answer wins
                verdict = "fine" if r["outcome"] == ALIVE else r["outcome"]
                found[r["key"]] = CheckedAnswer(
                    r["key"], source, verdict, r["finding"], r["reason"], time_of(r["at"])
                )
        return found

    def record_checks(self, source: str, answers: Iterable[tuple[str, str, str, str, str]]) -> None:
        """Record ``check``'s answers ``(key, url, verdict, finding, reason)`` from
        ``source``, now: ``verdict`` ``fine``, ``dead`` or ``unknown`` (transient);
        ``finding``, the kind of a dead answer. A ``live`` source records live attempts
        (``fine`` as ``alive``), which ``rescue`` counts too."""
        now = self.database.now()
        live = source == LIVE
        rows = [
            (
                key,
                url,
                now,
                ALIVE if live and verdict == "fine" else verdict,
                reason,
                None if live else source,
                LIVE if live else CHECK,
                int(verdict == UNKNOWN),
                finding if verdict == DEAD else "",
            )
            for key, url, verdict, finding, reason in answers
        ]
        with self.database.transaction() as db:
            db.executemany(
                """INSERT INTO attempts
                   (key, url, at, outcome, reason, archive, kind, transient, finding)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )

    # --- runs ---------------------------------------------------------------------------

    def begin_run(self, command: str, started_at: datetime | None = None) -> int:
        """Record that a ``command`` run (``rescue``, ``check``) started in this process,
        at ``started_at`` (default: now; a rescue passes the moment it began reading,
        before the store was opened); its id, for :meth:`end_run`."""
        started = self.database.now() if started_at is None else iso(started_at)
        with self.database.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (command, pid, started_at) VALUES (?, ?, ?)",
                (command, os.getpid(), started),
            )
            run_id = cursor.lastrowid
        assert run_id is not None
        return run_id

    def end_run(
        self,
        run_id: int,
        outcome: str,
        *,
        cdx_requests: int = 0,
        playback_requests: int = 0,
        live_requests: int = 0,
        resources_left: int = 0,
        totals: Mapping[str, int] | None = None,
    ) -> None:
        """Record how run ``run_id`` ended (one of :data:`RUN_OUTCOMES` but ``running``)."""
        if outcome not in RUN_OUTCOMES or outcome == "running":
            raise ValueError(f"not how a run ends: {outcome!r}")
        with self.database.transaction() as db:
            db.execute(
                """UPDATE runs SET finished_at = ?, outcome = ?, cdx_requests = ?,
                   playback_requests = ?, live_requests = ?, resources_left = ?, totals = ?
                   WHERE id = ?""",
                (
                    self.database.now(),
                    outcome,
                    cdx_requests,
                    playback_requests,
                    live_requests,
                    resources_left,
                    json.dumps(dict(sorted((totals or {}).items()))),
                    run_id,
                ),
            )

    def runs(self, limit: int = 10, command: str | None = None) -> list[RunRecord]:
        """The last ``limit`` runs (of ``command``, or of any), newest first."""
        where, params = ("WHERE command = ?", (command,)) if command else ("", ())
        rows = self._query(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?", (*params, limit))
        return [
            RunRecord(
                r["id"],
                r["command"],
                r["pid"],
                time_of(r["started_at"]),
                None if r["finished_at"] is None else time_of(r["finished_at"]),
                r["outcome"],
                r["cdx_requests"],
                r["playback_requests"],
                r["live_requests"],
                r["resources_left"],
                {str(k): int(v) for k, v in json.loads(r["totals"]).items()},
            )
            for r in rows
        ]

    def remove_references(self, document: str) -> int:
        """Forget ``document``'s replacements (after a restore); returns how many."""
        with self.database.transaction() as db:
            return db.execute("DELETE FROM refs WHERE document = ?", (document,)).rowcount

    def replace_references(self, document: str, references: Iterable[IndexedReference]) -> None:
        """Make ``references`` the whole record of ``document``'s replacements, atomically.

        A rewrite shifts the places of earlier replacements in the same document
        (an edit before them on their line, or junk with a newline removed), so
        the rewriter records every place anew, in one transaction, before it
        replaces the file: a crash leaves the index describing either file.
        """
        with self.database.transaction() as db:
            db.execute("DELETE FROM refs WHERE document = ?", (document,))
            db.executemany(
                """INSERT OR IGNORE INTO refs
                   (key, document, line, col, original, replacement, added_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [
                    (
                        r.key,
                        document,
                        r.line,
                        r.column,
                        r.original,
                        r.replacement,
                        self.database.now(),
                    )
                    for r in references
                ],
            )

    def _references(self, where: str, value: object) -> list[IndexedReference]:
        rows = self._query(f"SELECT * FROM refs WHERE {where}", (value,))
        return [
            IndexedReference(
                r["key"], r["document"], r["line"], r["col"], r["original"], r["replacement"]
            )
            for r in rows
        ]

    # --- plumbing -----------------------------------------------------------------------

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self.database.reading() as db:
            return db.execute(sql, params).fetchall()

    def _query_one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        with self.database.reading() as db:
            row: sqlite3.Row | None = db.execute(sql, params).fetchone()
            return row
