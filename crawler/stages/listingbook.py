"""The archive's listings carried from one run to the next through the store's index.

The client keeps nothing between runs and must not import the state (the store and
its index never meet the client, docs/ARCHITECTURE.md); the crawl, which holds both,
hands the listings an earlier run made to the client before it plans its own, and
keeps the ones it made afterwards — also when the run stops on its budget or a
signal, which is when they matter most (issue 12: a budgeted night otherwise lists
again what the last one listed).

They are trusted as long as a "not archived" answer is (``[rescue] recheck_days``):
a listing's rows are the same knowledge, given for many resources at once.
``--recheck`` (0 days) trusts none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from linkrescue.archive import Archive, Index, ListingBook
from linkrescue.archive.model import KeptListing

log = logging.getLogger("linkrescue.crawler")


def remember_listings(
    client: Archive,
    index: Index,
    wanted: Sequence[str],
    *,
    max_age_days: float,
    now: datetime,
) -> int:
    """Give ``client`` the listings kept for its archive younger than ``max_age_days``,
    for the URLs it will look up (``wanted``: none, nothing is read); return how many.
    A night over an unchanged corpus looks nothing up and reads no listing."""
    if max_age_days <= 0 or not wanted:
        return 0
    kept = ListingBook(index.database).kept(client.archive, now - timedelta(days=max_age_days))
    if kept:  # else no SURT of every wanted URL: 15 MiB at once at 50,000 articles
        client.remember_listings(kept, wanted)
        log.info("%d CDX listings kept from earlier runs", len(kept))
    return len(kept)


def keep_listings_as_made(client: Archive, index: Index) -> None:
    """Keep each listing ``client`` makes from now on as it ends: a run stopped at once
    (a second Ctrl-C) keeps what it paid for, and the rows of a first run's listings
    (65 MiB at 50,000 articles) are not all held until its end."""
    book = ListingBook(index.database)
    archive = client.archive

    def keep(listing: KeptListing) -> None:
        book.keep(archive, [listing])

    client.keep_listings_with(keep)


def keep_listings(client: Archive, index: Index, *, max_age_days: float, now: datetime) -> int:
    """Keep the listings ``client`` made in this run and still holds (none after
    :func:`keep_listings_as_made`), and drop the ones too old to be used again;
    return how many were kept."""
    book = ListingBook(index.database)
    book.forget_before(now - timedelta(days=max(max_age_days, 0.0)))
    return book.keep(client.archive, client.listings_made())
