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

import json
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
        """Keep ``listings`` made against ``archive`` now; return how many."""
        made_at = self.database.now()
        rows = [
            (
                archive,
                listing.prefix,
                int(listing.complete),
                int(listing.windowed),
                None if listing.only is None else json.dumps(sorted(listing.only)),
                json.dumps([_row(snapshot) for snapshot in listing.rows], separators=(",", ":")),
                made_at,
            )
            for listing in listings
        ]
        if rows:
            with self.database.transaction() as db:
                db.executemany(
                    "INSERT INTO listings (archive, prefix, complete, windowed, only, rows, "
                    "made_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        return len(rows)

    def kept(self, archive: str, since: datetime) -> list[KeptListing]:
        """The listings made against ``archive`` at ``since`` or later, oldest first."""
        with self.database.reading() as db:
            found = db.execute(
                "SELECT prefix, complete, windowed, only, rows FROM listings "
                "WHERE archive = ? AND made_at >= ? ORDER BY made_at, id",
                (archive, iso(since)),
            ).fetchall()
        return [
            KeptListing(
                prefix,
                bool(complete),
                bool(windowed),
                None if only is None else frozenset(json.loads(only)),
                tuple(Snapshot(*row) for row in json.loads(rows)),
            )
            for prefix, complete, windowed, only, rows in found
        ]

    def forget_before(self, moment: datetime) -> int:
        """Drop the listings made before ``moment`` (too old to be trusted); how many."""
        with self.database.transaction() as db:
            return db.execute("DELETE FROM listings WHERE made_at < ?", (iso(moment),)).rowcount


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
