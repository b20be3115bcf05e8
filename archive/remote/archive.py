"""The archive interface: what the crawler asks of an archive, whichever it is.

The Wayback client (:class:`~linkrescue.archive.remote.wayback.ArchiveClient`, IA or
pywb) is the first implementation; other archives, through Memento (RFC 7089
timegates and timemaps), come next. So nothing here names a Wayback notion: a
*listing* is any lookup that answers for many wanted URLs at once (a CDX prefix
query on a Wayback archive; an archive without one plans none), and every other
lookup is the archive's own business inside :meth:`Archive.rescue`.

Outcomes about a resource are values (:class:`~linkrescue.archive.model.Result`);
only failures of the archive itself (:class:`~linkrescue.archive.errors.ArchiveUnreachable`,
:class:`~linkrescue.archive.errors.ArchiveStopped`, and from :meth:`Archive.probe`
:class:`~linkrescue.archive.errors.ArchiveMisconfigured`) are raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from linkrescue.archive.errors import ArchiveError
from linkrescue.archive.model import (
    Availability,
    Capture,
    KeptListing,
    Listed,
    Result,
    Sink,
    Want,
)
from linkrescue.archive.remote.listings import Listing, Wanted
from linkrescue.archive.remote.transport import RequestCounts


class Archive(Protocol):
    """One archive as a run uses it: thread-safe, shared by every worker of the run."""

    @property
    def archive(self) -> str:
        """Which archive this is (its root and collection): answers are recorded with
        it and a negative one is reused only against the same archive."""
        ...

    @property
    def counts(self) -> RequestCounts:
        """Requests sent so far, by rate pool (the run's report shows them)."""
        ...

    def probe(self) -> None:
        """Check once, before the first lookup, that the archive answers where it is
        configured (a wrong setting is an error, not a verdict on every resource)."""
        ...

    def plan_listings(self, wants: Iterable[Wanted]) -> Sequence[Listing]:
        """The listings worth their cost for ``wants``, largest first (none when the
        archive has no lookup that answers for many URLs at once)."""
        ...

    def run_listing(self, listing: Listing) -> Listed:
        """Make one planned listing; afterwards :meth:`rescue` answers the URLs it covers
        from what it found."""
        ...

    def listings_made(self) -> Sequence[KeptListing]:
        """The listings this client made, to keep for the next run (an archive with
        no listings: none)."""
        ...

    def keep_listings_with(self, keep: Callable[[KeptListing], None]) -> None:
        """Hand each listing to ``keep`` as it ends (to keep it for the next run at
        once), instead of holding it for :meth:`listings_made`."""
        ...

    def done_with(self, url: str) -> None:
        """The run needs nothing more of ``url``: drop what the listings hold for it
        (asked again, it is looked up on its own)."""
        ...

    def remember_listings(
        self, listings: Iterable[KeptListing], wanted: Iterable[str] | None = None
    ) -> None:
        """Take in listings an earlier run made against this archive: :meth:`plan_listings`
        plans none for what they answer, and :meth:`rescue` answers from them; for the
        URLs of ``wanted`` alone when given (the ones this run looks up)."""
        ...

    def rescue(
        self,
        url: str,
        *,
        timestamp: str | None = None,
        near: str | None = None,
        want: Want = Want.ANY,
        sink: Sink,
    ) -> Result:
        """Choose and fetch the capture standing for ``url`` (written ``timestamp``, the
        document's date ``near``) into ``sink``; the outcome is a value."""
        ...

    def listed(
        self,
        url: str,
        *,
        timestamp: str | None = None,
        near: str | None = None,
        want: Want = Want.ANY,
    ) -> Availability | None:
        """What the listings made so far say of ``url``, with no request; None when
        they do not settle it."""
        ...

    def availability(
        self,
        url: str,
        *,
        timestamp: str | None = None,
        near: str | None = None,
        want: Want = Want.ANY,
    ) -> Availability:
        """Whether ``url`` has a usable capture, from the index alone (no body fetched):
        ``linkrescue check``'s question."""
        ...

    def fetch(
        self,
        url: str,
        *,
        timestamp: str,
        want: Want = Want.ANY,
        sink: Sink,
        digest: str | None = None,
    ) -> Capture:
        """Fetch the capture of ``url`` at ``timestamp`` into ``sink`` (a known capture
        fetched again, e.g. to repair a stored file); raises on any failure."""
        ...

    def paused_for(self) -> float:
        """Seconds every worker still waits because the archive asked it to (a 429's
        pause; 0 when not paused), for progress to show."""
        ...

    def stop(self, why: ArchiveError) -> None:
        """Send no further request (the run's breaker tripped): every later exchange
        raises ``why``."""
        ...

    def close(self) -> None:
        """Release the connections."""
        ...
