"""The archive client: choose the capture that stands for a reference, fetch its bytes.

Budget first. The Internet Archive allows 30 CDX requests a minute but 600 playback
requests (docs/wayback-facts.md §5), so the CDX budget is spent only where it buys
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
  not do (an HTML error page for an image, an archived 404, a redirect loop, a
  redirect to the front page).

Whichever found a capture (a listing, a lookup, playback), the same one is chosen
and judged the same way: candidates are ranked nearest first, as playback lands, and
a captured redirect is followed and judged by its target.

Outcomes are values (:class:`~linkrescue.archive.model.Result`): ``rescued``, ``not-archived``,
``blocked``, ``failed`` (transient, with the cause), each with a reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from types import TracebackType

import httpx

from linkrescue.archive.errors import (
    ArchiveError,
    Blocked,
    CaptureRejected,
    LookupFailed,
    NotArchived,
    RetryExhausted,
    SoftNotFound,
    TransientError,
    UnexpectedAnswer,
)
from linkrescue.archive.model import (
    Availability,
    Capture,
    Found,
    KeptListing,
    Listed,
    Outcome,
    Result,
    Sink,
    Snapshot,
    Want,
)
from linkrescue.archive.remote.body import BodyLimits
from linkrescue.archive.remote.cdxclient import PAGE_ROWS, CdxIndex
from linkrescue.archive.remote.listings import Listing, Wanted, plan_listings, run_listing
from linkrescue.archive.remote.playback import Layout, Memento, fetch_capture
from linkrescue.archive.remote.prefixcache import PrefixCache
from linkrescue.archive.remote.probe import archive_identity, cdx_endpoint, probe_cdx
from linkrescue.archive.remote.ratelimit import ArchiveLimits
from linkrescue.archive.remote.snapshots import describe_unusable, rank_snapshots
from linkrescue.archive.remote.transport import ArchiveHTTP, RequestCounts
from linkrescue.archive.settings import ArchiveSettings
from linkrescue.archive.timestamps import is_timestamp, now_timestamp, wanted_timestamp
from linkrescue.archive.urls import url_key

log = logging.getLogger("linkrescue.archive")

#: Captures tried for one reference before giving up on the rest.
MAX_CANDIDATES = 3

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
        sleep: Callable[[float], None] | None = None,
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
        cdx_url = cdx_endpoint(self.settings)
        self.index = CdxIndex(self.http, cdx_url)
        self.trust_listings = trust_listings

    # --- lifecycle and counters ---------------------------------------------------

    @property
    def counts(self) -> RequestCounts:
        """Requests sent so far, by kind (``cdx``, ``playback``)."""
        return self.http.counts

    def paused_for(self) -> float:
        """Seconds every worker still waits after the archive's last 429 (0: not paused)."""
        return self.http.limits.gate.remaining()

    def stop(self, why: ArchiveError) -> None:
        """Send no further request: every later exchange raises ``why`` (the first stays)."""
        self.http.stop(why)

    def close(self) -> None:
        self.http.close()
        self.cache.close()

    def __enter__(self) -> ArchiveClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- which archive, and is it there ------------------------------------------

    @property
    def archive(self) -> str:
        """The archive this client asks (root and collection): answers are recorded
        with it and reused only against the same archive."""
        return archive_identity(self.settings)

    def probe(self) -> None:
        """Check once, before the first lookup, that a CDX API answers at the configured
        address. Raises :class:`~linkrescue.archive.errors.ArchiveMisconfigured` (a wrong setting)
        or :class:`~linkrescue.archive.errors.ArchiveUnreachable` (no network, or nothing listening);
        see :mod:`linkrescue.archive.remote.probe`."""
        probe_cdx(self.http, self.settings)

    # --- the CDX index ---------------------------------------------------------------

    @property
    def cache(self) -> PrefixCache:
        """Rows of the prefix listings made so far."""
        return self.index.cache

    def plan_listings(self, wants: Iterable[Wanted]) -> list[Listing]:
        """The CDX prefix listings worth their cost for ``wants``, largest first
        (:func:`linkrescue.archive.remote.listings.plan_listings`), leaving out the URLs
        listings already answer for (an earlier run's, :meth:`remember_listings`)."""
        return plan_listings(w for w in wants if not self._answered(w.url))

    def _answered(self, url: str) -> bool:
        """Whether the listings know ``url`` well enough that a lookup sends no CDX
        request (:meth:`~linkrescue.archive.remote.cdxclient.CdxIndex.captures`)."""
        cached = self.cache.answer(url)
        return cached is not None and (bool(cached.rows) or cached.complete)

    def listings_made(self) -> list[KeptListing]:
        """The CDX listings this client made, to keep for the next run (none of those
        handed to :meth:`keep_listings_with`)."""
        return self.index.made()

    def keep_listings_with(self, keep: Callable[[KeptListing], None]) -> None:
        """Hand each CDX listing to ``keep`` as it ends, instead of holding its rows to
        the end of the run for :meth:`listings_made`."""
        self.index.on_made = keep

    def done_with(self, url: str) -> None:
        """The run needs nothing more of ``url``: drop what the listings hold for it."""
        self.cache.spend(url)

    def remember_listings(
        self, listings: Iterable[KeptListing], wanted: Iterable[str] | None = None
    ) -> None:
        """Take in CDX listings an earlier run made against this archive (kept in the
        store's index): a budgeted nightly run continues where the last one stopped
        without listing its prefixes again (issue 12). ``wanted``: the URLs this run
        looks up; the listings are kept for those alone."""
        keys = None if wanted is None else frozenset(url_key(url) for url in wanted)
        for listing in listings:
            self.cache.remember(listing, keys)

    def run_listing(self, listing: Listing) -> Listed:
        """Make one planned listing and its follow-up (:func:`linkrescue.archive.remote.listings.run_listing`);
        afterwards :meth:`rescue` answers the URLs it covers from its rows."""
        return run_listing(self.index, listing)

    def lookup(self, url: str, near: str | None = None, want: Want = Want.ANY) -> Snapshot | None:
        """The best capture of ``url`` for ``want`` nearest to ``near`` (14 digits), from a
        covering prefix listing if there is one, else one CDX query; None if none does."""
        ranked = self.index.candidates(url, near, want)
        return ranked[0] if ranked else None

    def listed(
        self,
        url: str,
        *,
        timestamp: str | None = None,
        near: str | None = None,
        want: Want = Want.ANY,
    ) -> Availability | None:
        """What this run's prefix listings already say of ``url``, with no request;
        None when they do not settle it (a run that stopped starting work still
        settles what it already knows, issue 12)."""
        written = timestamp if timestamp and is_timestamp(timestamp) else None
        return self._listed(url, wanted_timestamp(written, near), want)

    def _listed(self, url: str, target: str | None, want: Want) -> Availability | None:
        cached = self.cache.answer(url)
        if cached is None:
            return None
        ranked = rank_snapshots(cached.rows, target=target, want=want, requested=url)
        if ranked:
            return Availability(url, Found.PLAYABLE, ranked[0])
        if cached.complete and cached.rows:
            return Availability(url, Found.NOT_ARCHIVED, reason=describe_unusable(cached.rows))
        if cached.complete and self.trust_listings:
            why = f"not in the archive's index (complete listing of {cached.prefix})"
            return Availability(url, Found.NOT_ARCHIVED, reason=why)
        return None

    def availability(
        self,
        url: str,
        *,
        timestamp: str | None = None,
        near: str | None = None,
        want: Want = Want.ANY,
    ) -> Availability:
        """Whether ``url`` has a capture a rescue could use, from the index alone: no
        playback request, no body (``linkrescue check``). A covering prefix listing
        answers with no request; otherwise one CDX query.

        Playable: a capture :func:`rank_snapshots` keeps (2xx, revisits, and redirects
        judged by their targets, soft 404s excluded), as the rescue chooses. Not
        archived: no capture, or only captured errors. Unknown: the index could not be
        read (raises only :class:`~linkrescue.archive.errors.ArchiveUnreachable` and
        :class:`~linkrescue.archive.errors.ArchiveStopped`, which are about the archive).
        """
        written = timestamp if timestamp and is_timestamp(timestamp) else None
        target = wanted_timestamp(written, near)
        known = self._listed(url, target, want)
        if known is not None:
            return known
        try:
            rows = self.index.captures(url, target)
        except (RetryExhausted, TransientError, UnexpectedAnswer, LookupFailed) as exc:
            return Availability(url, Found.UNKNOWN, reason=exc.reason)
        ranked = rank_snapshots(rows, target=target, want=want, requested=url)
        if ranked:
            return Availability(url, Found.PLAYABLE, ranked[0])
        if rows:
            return Availability(url, Found.NOT_ARCHIVED, reason=describe_unusable(rows))
        return Availability(url, Found.NOT_ARCHIVED, reason="not in the archive's index")

    def prefetch_prefix(
        self,
        prefix: str,
        *,
        only: Iterable[str] | None = None,
        from_ts: str | None = None,
        to_ts: str | None = None,
        page_rows: int = PAGE_ROWS,
        max_pages: int | None = None,
    ) -> Listed:
        """List every capture under ``prefix`` (one CDX request per page) into the cache;
        afterwards URLs under it are chosen with no CDX request. See
        :meth:`linkrescue.archive.remote.cdxclient.CdxIndex.prefetch` for ``only`` and the date window."""
        return self.index.prefetch(
            prefix,
            only=only,
            from_ts=from_ts,
            to_ts=to_ts,
            page_rows=page_rows,
            max_pages=max_pages,
        )

    # --- fetching ---------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        timestamp: str,
        want: Want = Want.ANY,
        sink: Sink,
        digest: str | None = None,
    ) -> Capture:
        """Stream the capture of ``url`` at ``timestamp`` (1-14 digits; the archive picks
        the nearest capture when inexact) into ``sink``, a seekable binary file that is
        rewritten from the start on every attempt. Raises :mod:`linkrescue.archive.errors`."""
        return fetch_capture(
            self.http,
            self.layout,
            Memento(timestamp, url),
            requested=url,
            want=want,
            sink=sink,
            digest=digest,
            limits=BodyLimits(self.settings.max_body_bytes, self.settings.body_timeout),
        )

    def rescue(
        self,
        url: str,
        *,
        timestamp: str | None = None,
        near: str | None = None,
        want: Want = Want.ANY,
        sink: Sink,
    ) -> Result:
        """Choose and fetch the capture standing for ``url``; raises no ArchiveError about
        the resource (only :class:`~linkrescue.archive.errors.ArchiveUnreachable` and
        :class:`~linkrescue.archive.errors.ArchiveStopped`, which are about the archive).

        ``url`` is the original (live) URL; ``timestamp`` the one written in the
        reference (1-14 digits) if any; ``near`` the document's date as 14 digits
        (:func:`linkrescue.archive.timestamps.to_timestamp`). Bytes go to ``sink`` as in
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
        self, url: str, written: str | None, target: str | None, want: Want, sink: Sink
    ) -> Capture:
        cached = self.cache.answer(url)
        if cached is not None:
            ranked = rank_snapshots(cached.rows, target=target, want=want, requested=url)
            if ranked:
                return self._try(url, ranked, want, sink)
            if cached.complete and cached.rows:
                raise NotArchived(describe_unusable(cached.rows))
            if cached.complete and self.trust_listings:
                raise NotArchived(
                    f"not in the archive's index (complete listing of {cached.prefix})"
                )
        # No listing knows the URL: the playback request is the lookup.
        when = written if written and len(written) == 14 else target or now_timestamp()
        try:
            return self.fetch(url, timestamp=when, want=want, sink=sink)
        except CaptureRejected as exc:
            if not exc.try_others:
                raise
            rejected = exc
        # Playback landed on a capture that does not do: ask the index for another.
        try:
            candidates = self.index.candidates(url, target, want)
        except (RetryExhausted, TransientError, UnexpectedAnswer) as exc:
            raise LookupFailed(
                f"{rejected.reason}; looking for another capture failed: {exc.reason}"
            ) from exc
        ranked = _after(rejected, [s for s in candidates if s.timestamp != rejected.timestamp])
        if not ranked:
            raise rejected
        log.info("%s: %s; trying %d other captures", url, rejected.reason, len(ranked))
        # The capture playback landed on was the first candidate: as many are tried in
        # all as when a listing ranked them, so both ways end alike.
        return self._try(url, ranked, want, sink, tries=MAX_CANDIDATES - 1)

    def _try(
        self,
        url: str,
        ranked: list[Snapshot],
        want: Want,
        sink: Sink,
        *,
        tries: int = MAX_CANDIDATES,
    ) -> Capture:
        """Fetch the first of ``ranked`` that does, trying at most ``tries`` of them."""
        last: CaptureRejected | None = None
        pending = list(ranked)
        for _ in range(tries):
            if not pending:
                break
            snap = pending.pop(0)
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
                pending = _after(exc, pending)
                continue
            # The row describes these bytes only when playback served that very capture.
            same = capture.timestamp == snap.timestamp and (snap.status or 200) < 300
            listed = snap.mimetype if same else None
            return replace(capture, requested=url, index_mimetype=listed)
        assert last is not None
        raise last


def _after(rejected: CaptureRejected, ranked: list[Snapshot]) -> list[Snapshot]:
    """The candidates still worth a request once ``rejected`` was met: after a soft 404
    (a capture redirecting to the front page), the URL's other captured redirects are
    the dead site's answer too (every capture after The Stand News closed), so only
    captures that are not redirects are tried, as the listing and the playback path
    alike, whichever found the first."""
    if isinstance(rejected, SoftNotFound):
        return [s for s in ranked if s.status is None or not 300 <= s.status < 400]
    return ranked


def _rescued_reason(capture: Capture, target: str | None) -> str:
    parts = [f"capture {capture.timestamp} of {capture.original}"]
    if target and capture.timestamp != target:
        parts.append(f"nearest to {target}")
    if capture.verified:
        parts.append("digest verified")
    return ", ".join(parts)
