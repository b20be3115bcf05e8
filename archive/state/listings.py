"""CDX prefix listings kept from one run to the next (the ``listings`` table).

A prefix listing is the Wayback Machine's scarcest request (0.4 CDX requests a second
against 8 playbacks, docs/wayback-facts.md §5) and answers for hundreds of resources at
once. A nightly run stopped by its budget has made its listings but fetched only part
of what they cover; without them the next night lists the same prefixes again, or
looks each resource up by playback (two requests where a listing makes it one), and
three nights on a third of the budget each did not finish what one run does (issue
12: 1.06× its requests, a fourth night). The rows are the archive client's own
:class:`~linkrescue.archive.model.KeptListing`; the state only keeps and hands them
back, for the archive that answered and while they are younger than the caller says.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from linkrescue.archive.model import KeptListing, Snapshot
from linkrescue.archive.state.database import Database
from linkrescue.archive.state.schema import iso

__all__ = ["ListingBook"]


class ListingBook:
    """The ``listings`` table of a store's database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def keep(self, archive: str, listings: Iterable[KeptListing]) -> int:
        """Keep ``listings`` made against ``archive`` now; return how many. Their keys
        and rows are written as they are iterated, never gathered first."""
        made_at = self.database.now()
        count = 0
        with self.database.transaction() as db:
            for listing in listings:
                listed = db.execute(
                    "INSERT INTO listings (archive, prefix, complete, windowed, only_some, "
                    "made_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        archive,
                        listing.prefix,
                        int(listing.complete),
                        int(listing.windowed),
                        int(listing.only is not None),
                        made_at,
                    ),
                ).lastrowid
                db.executemany(
                    "INSERT INTO listing_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    ((listed, *_row(snapshot)) for snapshot in listing.rows),
                )
                if listing.only is not None:
                    db.executemany(
                        "INSERT OR IGNORE INTO listing_keys VALUES (?, ?)",
                        ((listed, key) for key in listing.only),
                    )
                count += 1
        return count

    def kept(self, archive: str, since: datetime) -> list[KeptListing]:
        """The listings made against ``archive`` at ``since`` or later, oldest first."""
        with self.database.reading() as db:
            found = db.execute(
                "SELECT id, prefix, complete, windowed, only_some FROM listings "
                "WHERE archive = ? AND made_at >= ? ORDER BY made_at, id",
                (archive, iso(since)),
            ).fetchall()
            return [
                KeptListing(
                    prefix,
                    bool(complete),
                    bool(windowed),
                    _keys(db, listed) if only_some else None,
                    _rows(db, listed),
                )
                for listed, prefix, complete, windowed, only_some in found
            ]

    def forget_before(self, moment: datetime) -> int:
        """Drop the listings made before ``moment`` (too old to be trusted); how many."""
        with self.database.transaction() as db:
            old = "SELECT id FROM listings WHERE made_at < ?1"
            db.execute(f"DELETE FROM listing_rows WHERE listing IN ({old})", (iso(moment),))
            db.execute(f"DELETE FROM listing_keys WHERE listing IN ({old})", (iso(moment),))
            return db.execute("DELETE FROM listings WHERE made_at < ?", (iso(moment),)).rowcount


def _keys(db: sqlite3.Connection, listing: int) -> frozenset[str]:
    found = db.execute("SELECT key FROM listing_keys WHERE listing = ?", (listing,))
    return frozenset(key for (key,) in found)


def _rows(db: sqlite3.Connection, listing: int) -> tuple[Snapshot, ...]:
    found = db.execute(
        "SELECT original, timestamp, mimetype, status, digest, length, redirect "
        "FROM listing_rows WHERE listing = ? ORDER BY rowid",
        (listing,),
    )
    return tuple(Snapshot(*row) for row in found)


def _row(snapshot: Snapshot) -> list[object]:
    return [
        snapshot.original,
        snapshot.timestamp,
        snapshot.mimetype,
        snapshot.status,
        snapshot.digest,
        snapshot.length,
        snapshot.redirect,
    ]
