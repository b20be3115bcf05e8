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
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

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


@dataclass(slots=True)
class Listing:
    """One planned CDX prefix listing, the URLs it should answer for, and when it is done."""

    prefix: str
    urls: list[str]
    window: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)


def plan_listings(resources: Sequence[Wanted]) -> list[Listing]:
    """The listings worth their cost for ``resources``, largest first (see the module)."""
    stamps = {r.url: r.timestamp for r in resources if is_exact(r.timestamp)}
    vague = [r.url for r in resources if r.url not in stamps]
    plan: dict[str, Listing] = {}
    leftovers: list[str] = []
    for prefix, urls in group_by_prefix(vague, min_group=PREFIX_MIN_GROUP).items():
        if prefix:
            plan[prefix] = Listing(prefix, urls, {})
        else:
            leftovers.extend(urls)
    for prefix, urls in group_by_prefix(stamps, min_group=EXACT_MIN_GROUP).items():
        if not prefix:
            leftovers.extend(urls)
        elif prefix in plan:  # its whole listing answers for these too
            plan[prefix].urls.extend(urls)
        else:
            plan[prefix] = Listing(prefix, urls, _window(urls, stamps))
    for prefix, urls in group_by_prefix(leftovers, min_group=SMALL_MIN_GROUP).items():
        if not prefix:
            continue
        if prefix in plan:
            plan[prefix].urls.extend(urls)
        elif all(url in stamps for url in urls):
            plan[prefix] = Listing(prefix, urls, _window(urls, stamps))
        else:
            plan[prefix] = Listing(prefix, urls, {})
    for listing in plan.values():
        listing.window["max_pages"] = _max_pages(listing)
    ranked = sorted(plan.values(), key=lambda listing: -len(listing.urls))
    return ranked[: max(1, math.ceil(CDX_SHARE * len(resources)))]


def _window(urls: Sequence[str], stamps: dict[str, str | None]) -> dict[str, Any]:
    written = sorted(stamps[url] or "" for url in urls)
    return {
        "from_ts": shift_timestamp(written[0], -PREFIX_WINDOW_DAYS),
        "to_ts": shift_timestamp(written[-1], PREFIX_WINDOW_DAYS),
    }


def _max_pages(listing: Listing) -> int:
    if listing.prefix.rstrip("/").count("/") < 1:  # a whole host
        return 1
    return max(1, len(listing.urls) // PREFIX_MIN_GROUP)
