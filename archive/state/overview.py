"""What a store holds, read in a few aggregate queries: ``linkrescue status`` and the
HTML report ask these of an index they never write to.

Kept apart from :class:`~linkrescue.archive.state.index.Index` (which a run writes
through) because every function here is a read over a whole table: counted and summed
by SQLite rather than by paging every row into Python, so ``status`` over a store of
100,000 resources answers at once. The store's size is the ``files`` table's sum, not a
walk of the folder: the index vouches for what it stored (``verify`` checks that the
disk agrees).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from linkrescue.archive.model import Outcome
from linkrescue.archive.state.history import HistoryPolicy, LiveStanding, live_standing
from linkrescue.archive.state.index import Index
from linkrescue.archive.state.schema import (
    DEAD,
    FETCH,
    LIVE,
    Attempt,
    IndexedResource,
    attempt_of,
    iso,
    resource_of,
)

__all__ = [
    "StoredSize",
    "dead_live_links",
    "failure_histories",
    "live_link_standings",
    "outcome_counts",
    "rescued_between",
    "resources_with",
    "stored_size",
]


@dataclass(frozen=True, slots=True)
class StoredSize:
    """The files the store vouches for (a promoted digest) and their bytes."""

    files: int
    bytes: int


def outcome_counts(index: Index) -> dict[Outcome, int]:
    """How many resources have each latest outcome (every outcome present, 0 when none)."""
    counts = dict.fromkeys(Outcome, 0)
    with index.database.reading() as db:
        for outcome, count in db.execute("SELECT outcome, COUNT(*) FROM resources GROUP BY 1"):
            counts[Outcome(outcome)] = int(count)
    return counts


def stored_size(index: Index) -> StoredSize:
    """The store's files and bytes, from the ``files`` table (a claim whose bytes were
    never promoted, ``sha256`` NULL, is not stored)."""
    with index.database.reading() as db:
        files, size = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM files WHERE sha256 IS NOT NULL"
        ).fetchone()
    return StoredSize(int(files), int(size))


@dataclass(frozen=True, slots=True)
class ViewCounts:
    """Rescued pages and stylesheets made readable offline (issue 13): ``views`` made,
    ``open`` of them with requisites left for a later run, ``requisites`` they need."""

    views: int
    open: int
    requisites: int


def view_counts(index: Index) -> ViewCounts:
    """:class:`ViewCounts` from the ``views`` and ``requisites`` tables."""
    with index.database.reading() as db:
        views, open_views = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(open > 0), 0) FROM views"
        ).fetchone()
        (requisites,) = db.execute(
            "SELECT COUNT(DISTINCT key) FROM requisites WHERE role != 'page'"
        ).fetchone()
    return ViewCounts(int(views), int(open_views), int(requisites))


def resources_with(index: Index, outcomes: tuple[Outcome, ...]) -> Iterator[IndexedResource]:
    """The resources whose latest outcome is one of ``outcomes``, by URL."""
    marks = ", ".join("?" * len(outcomes))
    with index.database.reading() as db:
        rows = db.execute(
            f"SELECT * FROM resources WHERE outcome IN ({marks}) ORDER BY url, key",
            tuple(o.value for o in outcomes),
        ).fetchall()
    return map(resource_of, rows)


def failure_histories(index: Index) -> dict[str, list[Attempt]]:
    """Every attempt of each resource whose latest outcome is ``failed``, oldest first,
    by key: what a backoff counts its failures in a row from (one query, not one per key)."""
    with index.database.reading() as db:
        rows = db.execute(
            """SELECT a.* FROM attempts a JOIN resources r ON r.key = a.key
               WHERE r.outcome = ? AND a.kind = ? ORDER BY a.key, a.id""",
            (Outcome.FAILED.value, FETCH),
        ).fetchall()
    histories: dict[str, list[Attempt]] = {}
    for r in rows:
        histories.setdefault(r["key"], []).append(attempt_of(r))
    return histories


def live_link_standings(
    index: Index, policy: HistoryPolicy | None = None
) -> list[tuple[str, LiveStanding, str, datetime]]:
    """Every live link answered dead at least once since its last "alive", with its
    standing under ``policy`` (:func:`live_standing`): ``(key, standing, reason, at)``
    of its last dead answer, by key."""
    with index.database.reading() as db:
        rows = db.execute(
            "SELECT * FROM attempts WHERE kind = ? ORDER BY key, id", (LIVE,)
        ).fetchall()
    histories: dict[str, list[Attempt]] = {}
    for r in rows:
        histories.setdefault(r["key"], []).append(attempt_of(r))
    rule = policy or HistoryPolicy()
    found: list[tuple[str, LiveStanding, str, datetime]] = []
    for key, history in histories.items():
        standing = live_standing(history, rule)
        if standing.dead_answers:
            last = next(a for a in reversed(history) if a.answer == DEAD)
            found.append((key, standing, last.reason, last.at))
    return found


def dead_live_links(
    index: Index, policy: HistoryPolicy | None = None
) -> list[tuple[str, str, datetime]]:
    """The live links declared dead by their history (``policy``: ``[nightly]``
    dead_after_failures dead answers dead_after_hours apart): ``(key, reason, at)``."""
    return [
        (key, reason, at)
        for key, standing, reason, at in live_link_standings(index, policy)
        if standing.declared_dead
    ]


def rescued_between(
    index: Index, start: datetime, end: datetime | None, *, limit: int
) -> list[IndexedResource]:
    """Resources rescued (fetched) at or after ``start`` (and before ``end``), newest
    first, at most ``limit``: what one run added to the store."""
    until = "" if end is None else "AND fetched_at <= ?"
    params: tuple[object, ...] = (Outcome.RESCUED.value, iso(start))
    if end is not None:
        params += (iso(end),)
    with index.database.reading() as db:
        rows = db.execute(
            f"""SELECT * FROM resources WHERE outcome = ? AND fetched_at >= ? {until}
                ORDER BY fetched_at DESC, key LIMIT ?""",
            (*params, limit),
        ).fetchall()
    return [resource_of(r) for r in rows]
