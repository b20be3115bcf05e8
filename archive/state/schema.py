"""The index's schema (as migrations) and the records it hands out.

Kept apart from :mod:`linkrescue.archive.state.database` so the schema can be read in one place; a
later issue adds a table by appending a migration here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath

from linkrescue.archive.model import Outcome

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware; injectable so tests control timestamps."""

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE resources (
            key TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            outcome TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            path TEXT,
            captured_url TEXT,
            timestamp TEXT,
            archive_url TEXT,
            mimetype TEXT,
            size INTEGER,
            sha256 TEXT,
            sha1_base32 TEXT,
            cdx_digest TEXT,
            verified INTEGER,
            fetched_at TEXT,
            last_attempt_at TEXT NOT NULL
        )""",
        """CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            url TEXT NOT NULL,
            at TEXT NOT NULL,
            outcome TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX attempts_by_key ON attempts (key, id)",
        """CREATE TABLE refs (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            document TEXT NOT NULL,
            line INTEGER NOT NULL,
            col INTEGER NOT NULL,
            original TEXT NOT NULL,
            replacement TEXT NOT NULL,
            added_at TEXT NOT NULL,
            UNIQUE (document, line, col, original)
        )""",
        "CREATE INDEX refs_by_key ON refs (key)",
        """CREATE TABLE files (
            path TEXT PRIMARY KEY,
            fold TEXT NOT NULL UNIQUE,
            key TEXT NOT NULL UNIQUE,
            sha256 TEXT,
            size INTEGER,
            pending_sha256 TEXT,
            pending_size INTEGER,
            updated_at TEXT NOT NULL
        )""",
    ),
    # Document keys relative to the store's folder instead of absolute paths, so a
    # moved or re-cloned project restores (issue 8, item 10); the function is
    # registered by archive.state.database.Database on its connection.
    ("UPDATE refs SET document = linkrescue_store_relative(document)",),
    # What a stored body is, decided from its bytes first (issue 8, item 3): the
    # labels it came with, what the bytes proved, and any disagreement between them.
    (
        "ALTER TABLE resources ADD COLUMN header_mimetype TEXT",
        "ALTER TABLE resources ADD COLUMN index_mimetype TEXT",
        "ALTER TABLE resources ADD COLUMN sniffed_mimetype TEXT",
        "ALTER TABLE resources ADD COLUMN mimetype_note TEXT NOT NULL DEFAULT ''",
    ),
    # The archive (root and collection) that gave each answer. A "not archived"
    # from a misconfigured archive URL was reused against the right one for 30 days;
    # now a negative answer is reused only against the archive that gave it. NULL:
    # recorded before this, by an unknown archive (asked again).
    (
        "ALTER TABLE resources ADD COLUMN archive TEXT",
        "ALTER TABLE attempts ADD COLUMN archive TEXT",
    ),
    # `linkrescue check`'s online answers (issue 11, "never flaky"): a definitive answer
    # (fine, or dead with its kind) is reused for [check] max_age_hours; `source` is the
    # archive that answered (its identity) or "live". Unknown answers are never kept.
    (
        """CREATE TABLE checks (
            key TEXT NOT NULL,
            source TEXT NOT NULL,
            verdict TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            checked_at TEXT NOT NULL,
            PRIMARY KEY (key, source)
        )""",
    ),
    # Runs across nights (issue 12): when each rescue or check started and ended, how,
    # and what it spent, for `linkrescue status`, the HTML report's chart, and the cron
    # summary. A row still "running" with no end is a run that was killed.
    (
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            outcome TEXT NOT NULL DEFAULT 'running',
            cdx_requests INTEGER NOT NULL DEFAULT 0,
            playback_requests INTEGER NOT NULL DEFAULT 0,
            live_requests INTEGER NOT NULL DEFAULT 0,
            resources_left INTEGER NOT NULL DEFAULT 0,
            totals TEXT NOT NULL DEFAULT '{}'
        )""",
    ),
    # Attempts become the one history of every answer (issue 12, item 1): `kind` says who
    # asked (`fetch`: rescue's archive fetch; `check`: check's archive lookup; `live`: a
    # live link asked by rescue or check), `transient` marks an answer that may pass (a
    # failed fetch, an unknown check, a 5xx/timeout/429 from a live site; later runs retry
    # it after a growing backoff), `finding` keeps check's kind of a dead answer. check's
    # kept answers move here from `checks` (a live "fine" becomes "alive"), so check and
    # rescue read one history: a live link is declared dead only after repeated dead
    # answers days apart, whichever command gave them.
    (
        "ALTER TABLE attempts ADD COLUMN kind TEXT NOT NULL DEFAULT 'fetch'",
        "ALTER TABLE attempts ADD COLUMN transient INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE attempts ADD COLUMN finding TEXT NOT NULL DEFAULT ''",
        "UPDATE attempts SET transient = 1 WHERE outcome = 'failed'",
        """INSERT INTO attempts (key, url, at, outcome, reason, archive, kind, transient, finding)
           SELECT key, key, checked_at,
                  CASE WHEN source = 'live' AND verdict = 'fine' THEN 'alive' ELSE verdict END,
                  reason,
                  CASE WHEN source = 'live' THEN NULL ELSE source END,
                  CASE WHEN source = 'live' THEN 'live' ELSE 'check' END,
                  0, kind
           FROM checks ORDER BY checked_at""",
        "DROP TABLE checks",
    ),
    # What each document's scan produced (issue 12, incremental reading): a rescue over an
    # unchanged corpus reads only the documents whose size or modification time changed,
    # and parses again only those whose content hash changed too. `path` is the document's
    # absolute path; `settings` a digest of the scan's settings and linkrescue's version
    # (an entry made under other settings is never used); `identity` and `scan` are the
    # crawler's own versioned blobs (the state does not read them).
    (
        """CREATE TABLE documents (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            seen_ns INTEGER NOT NULL,
            sha256 BLOB NOT NULL,
            settings TEXT NOT NULL,
            identity BLOB NOT NULL,
            scan BLOB NOT NULL
        )""",
    ),
    # The CDX prefix listings a run made, kept for the next (issue 12): a budgeted nightly
    # run that stopped part-way must not pay again, the next night, for listings whose
    # answers it already has. `only`: JSON list of the URL keys the rows were kept for
    # (NULL: all); `rows`: JSON rows (original, timestamp, mimetype, status, digest,
    # length, redirect); `archive` as `resources.archive`.
    (
        """CREATE TABLE listings (
            id INTEGER PRIMARY KEY,
            archive TEXT NOT NULL,
            prefix TEXT NOT NULL,
            complete INTEGER NOT NULL,
            windowed INTEGER NOT NULL,
            only TEXT,
            rows TEXT NOT NULL,
            made_at TEXT NOT NULL
        )""",
        "CREATE INDEX listings_by_archive ON listings (archive, made_at)",
    ),
    # A listing's rows and URL keys as rows of their own, written as the client reads them
    # back from its cache: as two JSON texts, the 55,029 rows of one directory's listing
    # at 50,000 articles took 45 MiB to write (issue 12, item 9). `only_some`: the rows
    # were kept for the keys in `listing_keys` alone (was `only` not NULL).
    (
        """CREATE TABLE listing_rows (
            listing INTEGER NOT NULL REFERENCES listings (id),
            original TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            mimetype TEXT,
            status INTEGER,
            digest TEXT,
            length INTEGER,
            redirect TEXT
        )""",
        "CREATE INDEX listing_rows_by_listing ON listing_rows (listing)",
        """CREATE TABLE listing_keys (
            listing INTEGER NOT NULL REFERENCES listings (id),
            key TEXT NOT NULL,
            PRIMARY KEY (listing, key)
        ) WITHOUT ROWID""",
        "ALTER TABLE listings ADD COLUMN only_some INTEGER NOT NULL DEFAULT 0",
        "UPDATE listings SET only_some = (only IS NOT NULL)",
        """INSERT INTO listing_rows
            SELECT l.id, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'),
                json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]'),
                json_extract(j.value, '$[4]'), json_extract(j.value, '$[5]'),
                json_extract(j.value, '$[6]')
            FROM listings AS l, json_each(l.rows) AS j ORDER BY l.id, j.key""",
        """INSERT OR IGNORE INTO listing_keys
            SELECT l.id, j.value FROM listings AS l, json_each(l.only) AS j
            WHERE l.only IS NOT NULL""",
        "ALTER TABLE listings DROP COLUMN only",
        "ALTER TABLE listings DROP COLUMN rows",
    ),
    # Rescued pages made readable offline (issue 13): the view of a page or stylesheet
    # (its references pointed at the local copies, sanitized) is what its browsable file
    # holds; the capture's own bytes stay in .objects under `resources.sha256`. A view is
    # made again when the file no longer holds it (a repair put the capture back), when
    # the capture or the [crawl] settings changed, or while `open` requisites were not
    # settled for good (a budget stopped the run, a fetch failed for now).
    # `requisites`: what each page loads or links to (its `role`), for export and status.
    (
        """CREATE TABLE views (
            key TEXT PRIMARY KEY,
            source_sha256 TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            settings TEXT NOT NULL,
            recipe TEXT NOT NULL,
            open INTEGER NOT NULL,
            made_at TEXT NOT NULL
        )""",
        """CREATE TABLE requisites (
            page TEXT NOT NULL,
            key TEXT NOT NULL,
            role TEXT NOT NULL,
            PRIMARY KEY (page, key)
        ) WITHOUT ROWID""",
        "CREATE INDEX requisites_by_key ON requisites (key)",
    ),
)
"""Schema migrations: entry ``n`` takes ``user_version`` from ``n`` to ``n + 1``. Append only."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with a ``Z``: sortable as text, unambiguous across machines."""
    if moment.tzinfo is None:
        raise ValueError("the index clock must return timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class CheckedAnswer:
    """One kept online answer of ``check``: ``verdict`` ``fine`` or ``dead`` (with its
    ``kind``), from ``source`` (an archive's identity, or ``live``), at ``checked_at``."""

    key: str
    source: str
    verdict: str
    kind: str
    reason: str
    checked_at: datetime


RUN_OUTCOMES = ("running", "complete", "budget", "interrupted", "failed")
"""How a run ended: ``complete`` (nothing left), ``budget`` (``--max-requests`` or
``--time-budget`` reached, work left for the next run), ``interrupted`` (SIGTERM or
Ctrl-C, stopped cleanly), ``failed`` (an error ended it); ``running`` while it runs, and
forever for a run that was killed."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run of a command that used the store, as kept in ``runs``.

    ``totals``: the report's totals (resources by outcome, documents rewritten …), the
    same numbers as the JSON report, so the HTML report's chart and ``status`` agree with it.
    """

    id: int
    command: str
    pid: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    cdx_requests: int
    playback_requests: int
    live_requests: int
    resources_left: int
    totals: dict[str, int]

    @property
    def requests(self) -> int:
        return self.cdx_requests + self.playback_requests + self.live_requests

    @property
    def seconds(self) -> float | None:
        """How long it ran; None while running (or killed)."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class IndexedResource:
    """One row of ``resources``: the latest word on a resource key.

    The capture fields are None until the resource is rescued; a later failed
    attempt does not clear them (the bytes are still on disk), only adds history.
    ``mimetype`` is what the stored bytes are (archive.sniff); ``header_mimetype``
    and ``index_mimetype`` the labels they came with, ``sniffed_mimetype`` what the
    bytes alone proved, ``mimetype_note`` any disagreement among them.
    """

    key: str
    url: str
    outcome: Outcome
    reason: str
    last_attempt_at: datetime
    path: PurePosixPath | None = None
    captured_url: str | None = None
    timestamp: str | None = None
    archive_url: str | None = None
    mimetype: str | None = None
    size: int | None = None
    sha256: str | None = None
    sha1_base32: str | None = None
    cdx_digest: str | None = None
    verified: bool | None = None
    fetched_at: datetime | None = None
    header_mimetype: str | None = None
    index_mimetype: str | None = None
    sniffed_mimetype: str | None = None
    mimetype_note: str = ""
    #: The archive that gave the latest answer (:func:`linkrescue.archive.remote.probe.archive_identity`).
    archive: str | None = None


#: Who asked, as ``attempts.kind`` holds it: rescue's archive fetch, check's archive
#: lookup, a live link's check (by rescue or check).
FETCH, CHECK, LIVE = "fetch", "check", "live"
#: The answers of a ``live`` attempt (a ``check`` attempt answers ``fine``, ``dead``, ``unknown``).
ALIVE, DEAD, UNKNOWN = "alive", "dead", "unknown"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One answer about a resource, as kept in ``attempts`` (never overwritten).

    ``answer`` is what was answered: for a ``fetch``, an :class:`Outcome` value; for a
    ``live`` check ``alive``, ``dead`` or ``unknown``; for a ``check`` lookup ``fine``,
    ``dead`` or ``unknown``. ``transient``: an answer that may pass (a failed fetch, a
    5xx, a timeout, a 429, an unknown live answer), retried after a backoff.
    ``archive``: the archive that answered (None for a live check).
    """

    key: str
    url: str
    at: datetime
    answer: str
    reason: str
    archive: str | None = None
    kind: str = FETCH
    transient: bool = False
    #: check's kind of a dead answer (``dead-link``, ``not-archived``), else empty.
    finding: str = ""

    @property
    def outcome(self) -> Outcome | None:
        """A fetch's outcome; None for a check's or a live link's answer."""
        return Outcome(self.answer) if self.kind == FETCH else None


@dataclass(frozen=True, slots=True)
class IndexedReference:
    """A place in a document where ``original`` was replaced by ``replacement`` (a local path).

    ``line`` and ``column`` are 1-based, like :class:`linkrescue.rewriters.model.Reference`.
    """

    key: str
    document: str
    line: int
    column: int
    original: str
    replacement: str


def time_of(text: str) -> datetime:
    return datetime.fromisoformat(text)


def resource_of(row: sqlite3.Row) -> IndexedResource:
    return IndexedResource(
        key=row["key"],
        url=row["url"],
        outcome=Outcome(row["outcome"]),
        reason=row["reason"],
        last_attempt_at=time_of(row["last_attempt_at"]),
        path=None if row["path"] is None else PurePosixPath(row["path"]),
        captured_url=row["captured_url"],
        timestamp=row["timestamp"],
        archive_url=row["archive_url"],
        mimetype=row["mimetype"],
        size=row["size"],
        sha256=row["sha256"],
        sha1_base32=row["sha1_base32"],
        cdx_digest=row["cdx_digest"],
        verified=None if row["verified"] is None else bool(row["verified"]),
        fetched_at=None if row["fetched_at"] is None else time_of(row["fetched_at"]),
        header_mimetype=row["header_mimetype"],
        index_mimetype=row["index_mimetype"],
        sniffed_mimetype=row["sniffed_mimetype"],
        mimetype_note=row["mimetype_note"],
        archive=row["archive"],
    )


def attempt_of(row: sqlite3.Row) -> Attempt:
    """One ``attempts`` row as an :class:`Attempt`."""
    return Attempt(
        row["key"],
        row["url"],
        time_of(row["at"]),
        row["outcome"],
        row["reason"],
        row["archive"],
        row["kind"],
        bool(row["transient"]),
        row["finding"],
    )
