"""The archive client: choose the capture that stands for a reference, fetch its bytes.

Budget first. The Internet Archive allows 30 CDX requests a minute but 600 playback
requests (wayback-facts.md §5), so the CDX budget is spent only where it buys
something:

- a reference with a 14-digit timestamp is played directly: the archive itself
  redirects to the nearest playable capture when that one is not (IA 302 with
  ``X-Archive-Redirect-Reason``; pywb 307 with ``redirect_to_exact``);
- a partial timestamp (``2021im_``) or a live URL is played at the wanted time,
  which makes the playback request itself the lookup;
- when many references share a host or path prefix, one paged CDX prefix query
  (:meth:`ArchiveClient.prefetch_prefix`) answers for all of them, so each costs
  exactly one playback request;
- a single-URL CDX query is made only when playback landed on a capture that does
  not do (an HTML error page for an image, an archived 404, a redirect loop).

Outcomes are values (:class:`~archive.model.Result`): ``rescued``, ``not-archived``,
``blocked``, ``failed`` (transient, with the cause), each with a reason.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import BinaryIO

import httpx

from archive.cdx import PrefixCache, exact_query, parse_cdx, prefix_query
from archive.errors import (
    Blocked,
    CaptureRejected,
    LookupFailed,
    NotArchived,
    RetryExhausted,
    TransientError,
    UnexpectedAnswer,
)
from archive.model import Capture, Outcome, Result, Snapshot, Want
from archive.playback import Layout, Memento, fetch_capture
from archive.ratelimit import ArchiveLimits, Endpoint
from archive.settings import ArchiveSettings
from archive.snapshots import (
    describe_unusable,
    is_timestamp,
    rank_snapshots,
    wanted_timestamp,
)
from archive.transport import ArchiveHTTP, RequestCounts

log = logging.getLogger("archive")

#: Rows asked for in a single-URL lookup (nearest first when the server sorts).
LOOKUP_ROWS = 50
#: Captures tried for one reference before giving up on the rest.
MAX_CANDIDATES = 3
#: Rows per page of a prefix listing.
PAGE_ROWS = 5000

__all__ = ["ArchiveClient", "RequestCounts"]


class ArchiveClient:
    """A thread-safe client of one Wayback-compatible archive.

    ``transport`` replaces httpx's network transport (tests); ``limits`` shares
    rate limiters between clients of the same archive; ``backoff_base`` is the
    first retry's wait in seconds (tests make it tiny). ``trust_listings``: a
    complete prefix listing without a URL means "not archived" with no request.
    """

    def __init__(
        self,
        settings: ArchiveSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        limits: ArchiveLimits | None = None,
        backoff_base: float = 1.0,
        backoff_max: float = 120.0,
        trust_listings: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or ArchiveSettings()
        self.http = ArchiveHTTP(
            self.settings,
            transport=transport,
            limits=limits,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            sleep=sleep,
        )
        self.layout = Layout(self.settings.url, self.settings.collection)
        self.cdx_url = self.settings.cdx_url or f"{self.settings.url.rstrip('/')}/cdx/search/cdx"
        self.trust_listings = trust_listings
        self.cache = PrefixCache()
        self._prefix_locks: dict[str, threading.Lock] = {}
        self._prefix_locks_guard = threading.Lock()

    # --- lifecycle and counters ---------------------------------------------------

    @property
    def counts(self) -> RequestCounts:
        """Requests sent so far, by kind (``cdx``, ``playback``)."""
        return self.http.counts

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ArchiveClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- the CDX index ---------------------------------------------------------------

    def _cdx(self, params: dict[str, str], what: str) -> tuple[list[Snapshot], str | None]:
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

    def lookup(self, url: str, near: str | None = None, want: Want = Want.ANY) -> Snapshot | None:
        """The best capture of ``url`` for ``want`` nearest to ``near`` (14 digits), from a
        covering prefix listing if there is one, else one CDX query; None if none does."""
        ranked = self._candidates(url, near, want)
        return ranked[0] if ranked else None

    def _candidates(self, url: str, near: str | None, want: Want) -> list[Snapshot]:
        cached = self.cache.answer(url)
        if cached is not None and (cached.rows or cached.complete):
            rows = cached.rows
        else:
            rows, _ = self._cdx(
                exact_query(url, near=near, limit=LOOKUP_ROWS), what=f"CDX lookup of {url}"
            )
        return rank_snapshots(rows, target=near, want=want, requested=url)

    def prefetch_prefix(
        self,
        prefix: str,
        *,
        from_ts: str | None = None,
        to_ts: str | None = None,
        page_rows: int = PAGE_ROWS,
        max_pages: int | None = None,
    ) -> int:
        """List every capture under ``prefix`` (one CDX request per page) into the cache.

        Afterwards any URL under the prefix is chosen from memory. Returns the rows
        cached. A listing is *complete* when the server's resume keys ran out
        without a date window; only then does a missing URL mean "not archived".
        Calling it again for the same prefix does nothing.
        """
        with self._prefix_locks_guard:
            lock = self._prefix_locks.setdefault(prefix, threading.Lock())
        with lock:
            if self.cache.has_prefix(prefix):
                return 0
            rows: list[Snapshot] = []
            resume: str | None = None
            pages = 0
            complete = False
            while max_pages is None or pages < max_pages:
                page, resume = self._cdx(
                    prefix_query(
                        prefix, limit=page_rows, resume_key=resume, from_ts=from_ts, to_ts=to_ts
                    ),
                    what=f"CDX prefix listing of {prefix} (page {pages + 1})",
                )
                pages += 1
                rows.extend(page)
                if resume is None:
                    # A full page without a resume key: the server does not page (pywb).
                    complete = len(page) < page_rows
                    if not complete:
                        log.warning(
                            "CDX listing of %s stopped at %d rows without a resume key; "
                            "URLs missing from it will be looked up one by one",
                            prefix,
                            len(rows),
                        )
                    break
            complete = complete and from_ts is None and to_ts is None
            count = self.cache.add(prefix, rows, complete=complete)
            log.info("CDX listing of %s: %d rows in %d pages", prefix, count, pages)
            return count

    # --- fetching ---------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        timestamp: str,
        want: Want = Want.ANY,
        sink: BinaryIO,
        digest: str | None = None,
    ) -> Capture:
        """Stream the capture of ``url`` at ``timestamp`` (1-14 digits; the archive picks
        the nearest capture when inexact) into ``sink``, a seekable binary file that is
        rewritten from the start on every attempt. Raises :mod:`archive.errors`."""
        return fetch_capture(
            self.http,
            self.layout,
            Memento(timestamp, url),
            requested=url,
            want=want,
            sink=sink,
            digest=digest,
            max_bytes=self.settings.max_body_bytes,
        )

    def rescue(
        self,
        url: str,
        *,
        timestamp: str | None = None,
        near: str | None = None,
        want: Want = Want.ANY,
        sink: BinaryIO,
    ) -> Result:
        """Choose and fetch the capture standing for ``url``; never raises an ArchiveError.

        ``url`` is the original (live) URL; ``timestamp`` the one written in the
        reference (1-14 digits) if any; ``near`` the document's date as 14 digits
        (:func:`archive.snapshots.to_timestamp`). Bytes go to ``sink`` as in
        :meth:`fetch`; its content means nothing unless the outcome is ``rescued``.
        """
        written = timestamp if timestamp and is_timestamp(timestamp) else None
        target = wanted_timestamp(written, near)
        try:
            capture = self._rescue(url, written, target, want, sink)
        except NotArchived as exc:
            return Result(url, Outcome.NOT_ARCHIVED, reason=exc.reason)
        except Blocked as exc:
            return Result(url, Outcome.BLOCKED, reason=exc.reason)
        except CaptureRejected as exc:
            if exc.try_others:  # every capture tried was unusable: nothing to rescue
                return Result(url, Outcome.NOT_ARCHIVED, reason=f"no usable capture: {exc.reason}")
            return Result(url, Outcome.FAILED, reason=exc.reason)
        except (RetryExhausted, TransientError, UnexpectedAnswer, LookupFailed) as exc:
            return Result(url, Outcome.FAILED, reason=exc.reason)
        return Result(url, Outcome.RESCUED, capture, reason=_rescued_reason(capture, target))

    def _rescue(
        self, url: str, written: str | None, target: str | None, want: Want, sink: BinaryIO
    ) -> Capture:
        cached = self.cache.answer(url)
        if cached is not None:
            ranked = rank_snapshots(cached.rows, target=target, want=want, requested=url)
            if ranked:
                return self._try(url, ranked, want, sink)
            if cached.complete and cached.rows:
                raise NotArchived(describe_unusable(cached.rows, want))
            if cached.complete and self.trust_listings:
                raise NotArchived(
                    f"not in the archive's index (complete listing of {cached.prefix})"
                )
        # No listing knows the URL: the playback request is the lookup.
        when = written if written and len(written) == 14 else target or _now()
        try:
            return self.fetch(url, timestamp=when, want=want, sink=sink)
        except CaptureRejected as exc:
            if not exc.try_others:
                raise
            rejected = exc
        # Playback landed on a capture that does not do: ask the index for another.
        try:
            candidates = self._candidates(url, target, want)
        except (RetryExhausted, TransientError, UnexpectedAnswer) as exc:
            raise LookupFailed(
                f"{rejected.reason}; looking for another capture failed: {exc.reason}"
            ) from exc
        ranked = [s for s in candidates if s.timestamp != rejected.timestamp]
        if not ranked:
            raise rejected
        log.info("%s: %s; trying %d other captures", url, rejected.reason, len(ranked))
        return self._try(url, ranked, want, sink)

    def _try(self, url: str, ranked: list[Snapshot], want: Want, sink: BinaryIO) -> Capture:
        last: CaptureRejected | None = None
        for snap in ranked[:MAX_CANDIDATES]:
            try:
                capture = self.fetch(
                    snap.original,
                    timestamp=snap.timestamp,
                    want=want,
                    sink=sink,
                    digest=snap.digest,
                )
            except CaptureRejected as exc:
                if not exc.try_others:
                    raise
                last = exc
                continue
            return Capture(
                requested=url,
                original=capture.original,
                timestamp=capture.timestamp,
                archive_url=capture.archive_url,
                mimetype=capture.mimetype,
                size=capture.size,
                sha256=capture.sha256,
                sha1_base32=capture.sha1_base32,
                cdx_digest=capture.cdx_digest,
                verified=capture.verified,
            )
        assert last is not None
        raise last


def _now() -> str:
    """Now as 14 digits: playing a URL at "now" gets its latest capture."""
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S")


def _rescued_reason(capture: Capture, target: str | None) -> str:
    parts = [f"capture {capture.timestamp} of {capture.original}"]
    if target and capture.timestamp != target:
        parts.append(f"nearest to {target}")
    if capture.verified:
        parts.append("digest verified")
    return ", ".join(parts)
