"""Which CDX prefix listings a rescue makes: the scarce CDX budget spent where it buys most.

The Internet Archive allows 0.4 CDX requests a second against 8 playback requests
(docs/wayback-facts.md §5). A resource no listing covers costs a playback request that
doubles as the lookup, and most often a second one: the timestamps written in
scraped articles are the page's, not the target's, so the archive answers with a
redirect to the nearest capture. A prefix listing finds the exact second of every
capture under a directory at once, so each resource it covers costs one playback,
and a *complete* listing proves the ones it lacks are not archived at no cost.

The plan, largest listings first:

- directories shared by ``PREFIX_MIN_GROUP`` resources written without a full
  timestamp (``2021im_``, live links), or by ``EXACT_MIN_GROUP`` written with one
  (those are listed within ``PREFIX_WINDOW_DAYS`` of the written timestamps);
  one directory both kinds share is listed once, whole;
- what is left, by directory or host, where ``SMALL_MIN_GROUP`` resources share
  one (the long tail of small external sites of a news corpus: a blog cited three
  times is one listing instead of three redirects);
- at most ``CDX_SHARE`` listings per resource to look up (never fewer than one), the
  largest groups first, so however scattered a corpus is, listings stay well under
  the target of 0.05 CDX requests per resource (issue 3), and the CDX pool, running
  beside playback, stays the faster of the two: at the Internet Archive's rates
  (0.4/s against 8/s) it would only become the slower one at 0.05 per resource.

A listing runs to one page per ``PREFIX_MIN_GROUP`` resources, and one page for a
whole host (``www.facebook.com/`` has millions of captures on the Internet Archive):
a small archive lists it whole, a big one costs a single request.

Running a listing includes its one follow-up (:func:`run_listing`): a small
directory listed within a date window is listed once more without it, so the
URLs the window missed are settled with no playback. The client plans and runs
listings here and answers every later lookup from their rows
(:class:`~linkrescue.archive.remote.prefixcache.PrefixCache`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from linkrescue.archive.model import Listed
from linkrescue.archive.remote.cdxclient import CdxIndex
from linkrescue.archive.remote.snapshots import group_by_prefix
from linkrescue.archive.timestamps import is_exact, shift_timestamp

#: A listing for resources with full timestamps spans this many days around them.
PREFIX_WINDOW_DAYS = 45
#: Resources with full timestamps under one directory that earn it a listing.
EXACT_MIN_GROUP = 5
#: Resources without a full timestamp under one directory that earn it a listing.
PREFIX_MIN_GROUP = 20
#: Resources left over under one directory or host that earn it a listing; also
#: the least number of playback requests a further listing must be able to save.
SMALL_MIN_GROUP = 3
#: Listings planned per resource to look up, at most (but always one may be made).
CDX_SHARE = 0.015


class Wanted(Protocol):
    """What planning needs of a resource: its URL and the timestamp written for it."""

    @property
    def url(self) -> str: ...

    @property
    def timestamp(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Window:
    """How far one listing reaches: at most ``max_pages`` pages, within a date window
    (``from_ts``/``to_ts``, 14 digits) when it is for references with full timestamps.
    Only a listing with no date window can prove a URL absent."""

    max_pages: int
    from_ts: str | None = None
    to_ts: str | None = None

    @property
    def dated(self) -> bool:
        """Whether the listing has a date window."""
        return self.from_ts is not None or self.to_ts is not None


@dataclass(frozen=True, slots=True)
class Listing:
    """One planned CDX prefix listing and the URLs it should answer for."""

    prefix: str
    urls: tuple[str, ...]
    window: Window


def plan_listings(resources: Iterable[Wanted]) -> list[Listing]:
    """The listings worth their cost for ``resources``, largest first (see the module).

    One pass over ``resources``, keeping only URLs and timestamps: a rescue hands in
    a working copy of each of its 113,083 resources at 50,000 articles, and a list of
    them held 16 MiB at the run's high-water mark (issue 12, item 9).
    """
    stamps: dict[str, str] = {}
    written: list[str] = []
    count = 0
    for r in resources:
        count += 1
        timestamp = r.timestamp
        if timestamp is not None and is_exact(timestamp):
            stamps[r.url] = timestamp
        else:
            written.append(r.url)
    vague = [url for url in written if url not in stamps]
    del written
    # prefix -> the URLs it answers for, and its date window (None: none)
    plan: dict[str, tuple[list[str], tuple[str, str] | None]] = {}
    leftovers: list[str] = []
    for prefix, urls in group_by_prefix(vague, min_group=PREFIX_MIN_GROUP).items():
        if prefix:
            plan[prefix] = (urls, None)
        else:
            leftovers.extend(urls)
    for prefix, urls in group_by_prefix(stamps, min_group=EXACT_MIN_GROUP).items():
        if not prefix:
            leftovers.extend(urls)
        elif prefix in plan:  # its whole listing answers for these too
            plan[prefix][0].extend(urls)
        else:
            plan[prefix] = (urls, _dates(urls, stamps))
    for prefix, urls in group_by_prefix(leftovers, min_group=SMALL_MIN_GROUP).items():
        if not prefix:
            continue
        if prefix in plan:
            plan[prefix][0].extend(urls)
        elif all(url in stamps for url in urls):
            plan[prefix] = (urls, _dates(urls, stamps))
        else:
            plan[prefix] = (urls, None)
    listings = [
        Listing(prefix, tuple(urls), _window(prefix, urls, dates))
        for prefix, (urls, dates) in plan.items()
    ]
    ranked = sorted(listings, key=lambda listing: -len(listing.urls))
    return ranked[: max(1, math.ceil(CDX_SHARE * count))]


def _dates(urls: Sequence[str], stamps: Mapping[str, str | None]) -> tuple[str, str]:
    written = sorted(stamps[url] or "" for url in urls)
    return (
        shift_timestamp(written[0], -PREFIX_WINDOW_DAYS),
        shift_timestamp(written[-1], PREFIX_WINDOW_DAYS),
    )


def _window(prefix: str, urls: Sequence[str], dates: tuple[str, str] | None) -> Window:
    whole_host = prefix.rstrip("/").count("/") < 1
    pages = 1 if whole_host else max(1, len(urls) // PREFIX_MIN_GROUP)
    if dates is None:
        return Window(pages)
    return Window(pages, *dates)


def run_listing(index: CdxIndex, listing: Listing) -> Listed:
    """Make ``listing`` (into ``index``'s cache), then its follow-up when it has one."""
    window = listing.window
    listed = index.prefetch(
        listing.prefix,
        only=listing.urls,
        from_ts=window.from_ts,
        to_ts=window.to_ts,
        max_pages=window.max_pages,
    )
    _list_beyond_window(index, listing, listed)
    return listed


def _list_beyond_window(index: CdxIndex, listing: Listing, listed: Listed) -> None:
    """List a small directory again without its date window, for the URLs the
    windowed listing did not find.

    A windowed listing cannot tell "not archived" from "archived at another
    time", so each URL it missed would cost a playback request that most often
    only answers 404 (the uncaptured images of a dead outlet). When the window
    held less than one page, the directory is small around that time and one
    more page usually lists it whole: then a missing URL is known to be not
    archived with no playback, and one captured far from the written timestamp
    is found. On a big archive the page comes back full and nothing is lost
    but that one CDX request. (A listing without a window already answers for
    every URL it lists: listing it again would send nothing.)
    """
    if not listing.window.dated or not listed.exhausted or listed.pages != 1:
        return
    missing = [url for url in listing.urls if not _has_rows(index, url)]
    if len(missing) >= SMALL_MIN_GROUP:
        index.prefetch(listing.prefix, only=missing, max_pages=1)


def _has_rows(index: CdxIndex, url: str) -> bool:
    answer = index.cache.answer(url)
    return answer is not None and bool(answer.rows)
