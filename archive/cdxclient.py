"""The CDX index over HTTP: single-URL lookups and paged prefix listings.

The CDX budget is the scarce one (30 requests a minute shared with the timemap on
the Internet Archive, wayback-facts.md §5), so a prefix listing is the way to
answer for many references at once, and its rows are cached in memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import httpx

from archive.cdx import PrefixCache, exact_query, parse_cdx, prefix_query
from archive.errors import Blocked, UnexpectedAnswer
from archive.model import Listed, Snapshot, Want
from archive.playback import encode_original
from archive.ratelimit import Endpoint
from archive.snapshots import rank_snapshots, url_key
from archive.transport import ArchiveHTTP

log = logging.getLogger("archive")

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
        cached = self.cache.answer(url)
        if cached is not None and (cached.rows or cached.complete):
            rows = cached.rows
        else:
            rows, _ = self.query(
                exact_query(encode_original(url), near=near, limit=LOOKUP_ROWS),
                what=f"CDX lookup of {url}",
            )
        return rank_snapshots(rows, target=near, want=want, requested=url)

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
        A listing is *complete* when the server's resume keys ran out and there was
        no window; only then does a URL missing from it mean "not archived".
        Listing a prefix again keeps only rows of URLs no earlier listing of it
        covers (one with a window never covers one without), and sends nothing
        when there are none.
        """
        keep = frozenset(url_key(u) for u in only) if only is not None else None
        windowed = bool(from_ts or to_ts)
        with self._locks_guard:
            lock = self._locks.setdefault(prefix, threading.Lock())
        with lock:
            keep = self.cache.uncovered(prefix, keep, windowed=windowed)
            if keep is not None and not keep:
                return Listed()
            resume: str | None = None
            pages = kept = listed = 0
            exhausted = False
            query_prefix = encode_original(prefix)
            while max_pages is None or pages < max_pages:
                page, resume = self.query(
                    prefix_query(
                        query_prefix,
                        limit=page_rows,
                        resume_key=resume,
                        from_ts=from_ts,
                        to_ts=to_ts,
                    ),
                    what=f"CDX prefix listing of {prefix} (page {pages + 1})",
                )
                pages += 1
                listed += len(page)
                kept += self.cache.add_rows(page, only=keep)
                if resume is None:
                    # A full page without a resume key: the server does not page (pywb).
                    exhausted = len(page) < page_rows
                    if not exhausted:
                        log.warning(
                            "CDX listing of %s stopped at %d rows without a resume key; "
                            "URLs missing from it will be looked up one by one",
                            prefix,
                            listed,
                        )
                    break
            self.cache.cover(prefix, complete=exhausted, only=keep, windowed=windowed)
            log.info("CDX listing of %s: %d rows in %d pages, %d kept", prefix, listed, pages, kept)
            return Listed(kept, listed, pages, exhausted)
