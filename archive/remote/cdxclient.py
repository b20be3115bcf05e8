"""The CDX index over HTTP: single-URL lookups and paged prefix listings.

The CDX budget is the scarce one (30 requests a minute shared with the timemap on
the Internet Archive, docs/wayback-facts.md §5), so a prefix listing is the way to
answer for many references at once, and its rows are cached in memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx

from linkrescue.archive.errors import Blocked, UnexpectedAnswer
from linkrescue.archive.model import KeptListing, Listed, Snapshot, Want
from linkrescue.archive.remote.cdx import exact_query, parse_cdx, prefix_query
from linkrescue.archive.remote.prefixcache import OpenListing, PrefixCache
from linkrescue.archive.remote.ratelimit import Endpoint
from linkrescue.archive.remote.snapshots import rank_snapshots
from linkrescue.archive.remote.transport import ArchiveHTTP
from linkrescue.archive.timestamps import format_timestamp, timestamp_datetime
from linkrescue.archive.urls import encode_original, url_key

log = logging.getLogger("linkrescue.archive")

#: Rows asked for in a single-URL lookup (nearest first when the server sorts).
LOOKUP_ROWS = 50
#: Rows per page of a prefix listing.
PAGE_ROWS = 5000


class CdxIndex:
    """The CDX API of one archive and the cache of its prefix listings; thread-safe."""

    def __init__(self, http: ArchiveHTTP, cdx_url: str) -> None:
        self.http = http
        self.cdx_url = cdx_url
        self.cache = PrefixCache()
        self._made: list[KeptListing] = []
        #: Where a listing goes as it ends (None: held until :meth:`made`).
        self.on_made: Callable[[KeptListing], None] | None = None
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def query(self, params: dict[str, str], what: str) -> tuple[list[Snapshot], str | None]:
        """One CDX request: its rows and resume key. A 403 is a blocked site (IA
        ``AdministrativeAccessControlException: Blocked Site Error``), never retried."""

        def handle(response: httpx.Response) -> tuple[list[Snapshot], str | None]:
            body = response.read().decode("utf-8", errors="replace")
            if response.status_code == 200:
                page = parse_cdx(body)
                return page.rows, page.resume_key
            if response.status_code in (403, 451):
                detail = response.headers.get("x-archive-wayback-runtime-error") or body[:200]
                raise Blocked(f"blocked by the archive (CDX HTTP {response.status_code}): {detail}")
            raise UnexpectedAnswer(str(response.request.url), response.status_code, body[:200])

        return self.http.exchange(Endpoint.CDX, self.cdx_url, handle, params=params, what=what)

    def candidates(self, url: str, near: str | None, want: Want) -> list[Snapshot]:
        """Usable captures of ``url``, best first: from a listing that knows the URL,
        else from one CDX query."""
        return rank_snapshots(self.captures(url, near), target=near, want=want, requested=url)

    def captures(self, url: str, near: str | None) -> list[Snapshot]:
        """Every capture the index lists for ``url`` (usable or not): from a listing that
        knows the URL, else from one CDX query."""
        cached = self.cache.answer(url)
        if cached is not None and (cached.rows or cached.complete):
            return list(cached.rows)
        rows, _ = self.query(
            exact_query(encode_original(url), near=near, limit=LOOKUP_ROWS),
            what=f"CDX lookup of {url}",
        )
        return list(rows)

    def made(self) -> list[KeptListing]:
        """The listings this client made, in the order they ended, to keep for the
        next run (:class:`~linkrescue.archive.model.KeptListing`); none of those
        handed to :attr:`on_made`."""
        with self._locks_guard:
            return list(self._made)

    def prefetch(
        self,
        prefix: str,
        *,
        only: Iterable[str] | None = None,
        from_ts: str | None = None,
        to_ts: str | None = None,
        page_rows: int = PAGE_ROWS,
        max_pages: int | None = None,
    ) -> Listed:
        """List every capture under ``prefix`` (one CDX request per page) into the cache.

        Afterwards any URL under the prefix is chosen from memory, with no CDX
        request. ``only``: keep just the rows of these URLs (memory stays
        proportional to the references, not to the archive's listing); a date
        window (``from_ts``/``to_ts``, 1-14 digits) makes the listing shorter.
        A listing is *complete* when the server's resume keys ran out (or, on a
        server that does not page, every date window it was split into fitted in a
        page) and there was no window; only then does a URL missing from it mean
        "not archived".
        Listing a prefix again keeps only rows of URLs no earlier listing of it
        covers (one with a window never covers one without), and sends nothing
        when there are none.
        """
        keys = None if only is None else (url_key(u) for u in only)
        windowed = bool(from_ts or to_ts)
        with self._locks_guard:
            lock = self._locks.setdefault(prefix, threading.Lock())
        with lock:
            opened = self.cache.open(prefix, keys, windowed=windowed)
            if opened is None:
                return Listed()
            listing = _Listing(self, opened, page_rows, max_pages)
            try:
                listing.run(from_ts, to_ts)
            except BaseException:
                self.cache.abandon(opened)
                raise
            self.cache.cover(opened, complete=listing.exhausted)
            made = self.cache.kept(opened, complete=listing.exhausted)
            if self.on_made is not None:
                self.on_made(made)
            else:  # held past this cache's life: read out now
                only_keys = None if made.only is None else frozenset(made.only)
                made = replace(made, only=only_keys, rows=tuple(made.rows))
                with self._locks_guard:
                    self._made.append(made)
            log.info(
                "CDX listing of %s: %d rows in %d pages, %d kept",
                prefix,
                listing.listed,
                listing.pages,
                listing.kept,
            )
            return Listed(listing.kept, listing.listed, listing.pages, listing.exhausted)


class _Listing:
    """The pages of one prefix listing, and their split into date windows when the
    server does not page.

    The Internet Archive pages a listing with resume keys. pywb does not (its
    paging needs a ZipNum cluster index): it answers a full page and stops, so a
    directory with more captures than a page (``assets.thestandnews.com/media/photos/``
    at 10,000 articles) would be cut short and the rest of its resources would each
    cost a lookup by playback. A full first page without a resume key is therefore
    dropped and its date window listed again as two halves, recursively; rows come
    sorted by URL, not by time, so no page can be kept and continued. Every half
    that ends within a page makes the whole listing exhausted again. A listing
    with no page left to spend (a whole host gets one) keeps its full page.
    """

    def __init__(
        self,
        index: CdxIndex,
        opened: OpenListing,
        page_rows: int,
        max_pages: int | None,
    ) -> None:
        self.index = index
        self.opened = opened
        self.prefix = opened.prefix
        self.query_prefix = encode_original(opened.prefix)
        self.page_rows = page_rows
        self.max_pages = max_pages
        self.pages = self.kept = self.listed = 0
        self.exhausted = True

    def run(self, from_ts: str | None, to_ts: str | None) -> None:
        windows = [(from_ts, to_ts)]
        while windows:
            low, high = windows.pop()
            windows.extend(reversed(self._window(low, high)))

    def _pages_left(self) -> bool:
        return self.max_pages is None or self.pages < self.max_pages

    def _window(self, low: str | None, high: str | None) -> list[tuple[str, str]]:
        """List one date window; return its two halves when it must be listed as those."""
        resume: str | None = None
        while self._pages_left():
            first = resume is None
            page, resume = self.index.query(
                prefix_query(
                    self.query_prefix,
                    limit=self.page_rows,
                    resume_key=resume,
                    from_ts=low,
                    to_ts=high,
                ),
                what=f"CDX prefix listing of {self.prefix} (page {self.pages + 1})",
            )
            self.pages += 1
            self.listed += len(page)
            if first and resume is None and len(page) >= self.page_rows:
                halves = split_window(low, high)
                if halves and self._pages_left():
                    return halves
                log.warning(
                    "CDX listing of %s stopped at %d rows without a resume key; "
                    "URLs missing from it will be looked up one by one",
                    self.prefix,
                    len(page),
                )
                self.exhausted = False
            self.kept += self.index.cache.keep_rows(self.opened, page)
            if resume is None:
                return []
        self.exhausted = False  # out of pages
        return []


#: The earliest a capture can be: the Internet Archive began crawling in 1996.
EARLIEST = "19960101000000"


def split_window(low: str | None, high: str | None) -> list[tuple[str, str]]:
    """A CDX date window (1-14 digits each, None = open) as two halves of whole
    seconds; empty when it is one second already."""
    start = timestamp_datetime((low or EARLIEST).ljust(14, "0"))
    end = timestamp_datetime(high) if high else datetime.now(UTC).replace(microsecond=0)
    if end - start < timedelta(seconds=2):
        return []
    middle = (start + (end - start) // 2).replace(microsecond=0)
    return [
        (format_timestamp(start), format_timestamp(middle)),
        (format_timestamp(middle + timedelta(seconds=1)), format_timestamp(end)),
    ]
