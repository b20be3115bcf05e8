"""The archive side's exceptions: one tree, so the crawl can catch :class:`ArchiveError`.

Three families, because they call for three different reactions:

- :class:`TransientError`: the archive or the network failed *this time* (5xx bursts,
  timeouts, dropped connections, truncated bodies, a live 429). Outages of the
  Wayback Machine come in bursts lasting hours (hartator/wayback-machine-downloader#86),
  so these are retried with backoff and, once the retries are spent, surface as
  :class:`RetryExhausted`: the outcome ``failed``, never ``not-archived``.
- Definitive answers: :class:`NotArchived` and :class:`Blocked`. Retrying them only
  spends the rate budget; the client turns them into outcome values.
- :class:`CaptureRejected`: the archive answered and holds a capture, but not one we
  can use as the rescued resource (wrong media type, a captured error page, a
  redirect loop, too large, bytes that contradict the index). Another capture of
  the same URL may still do.

And three that are about the archive, not a resource, so no resource's outcome:
:class:`ArchiveUnreachable` (no network, nothing listening: the run ends, exit 1),
:class:`ArchiveMisconfigured` (no archive at the configured address: exit 2) and
:class:`ArchiveStopped` (the run stopped asking, its breaker tripped).
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Anything the archive side reports as an exception.

    ``timestamp`` is set by playback to the capture the error is about, when known.
    """

    timestamp: str | None = None

    @property
    def reason(self) -> str:
        """A one-line explanation for the report."""
        return str(self)


# --- transient: retried -----------------------------------------------------


class TransientError(ArchiveError):
    """A failure that may pass: worth retrying with backoff."""


class FetchError(TransientError):
    """The exchange itself failed: a dropped connection, a reset, a protocol error."""


class ArchiveTimeout(FetchError):
    """Connecting took longer than ``connect_timeout``, or the body stalled for longer
    than ``read_timeout`` (the Wayback Machine sometimes never closes a connection)."""


class TruncatedBody(FetchError):
    """Fewer bytes arrived than ``Content-Length`` announced, or than the archive says
    the capture holds (``X-Archive-Orig-Content-Length``: ``source`` names it)."""

    def __init__(self, url: str, received: int, expected: int, source: str = "") -> None:
        told = f", as {source} says" if source else ""
        super().__init__(f"truncated body from {url}: {received} of {expected} bytes{told}")
        self.received = received
        self.expected = expected


class ServerError(TransientError):
    """The archive itself (no ``Memento-Datetime``) answered with a retryable status."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"archive answered HTTP {status} for {url}")
        self.status = status


class RateLimited(TransientError):
    """The archive itself answered 429. ``retry_after`` is its ``Retry-After`` in
    seconds, or None (the Wayback Machine sends none)."""

    def __init__(self, url: str, retry_after: float | None) -> None:
        hint = f", Retry-After {retry_after:g} s" if retry_after is not None else ""
        super().__init__(f"archive rate limit (HTTP 429) for {url}{hint}")
        self.retry_after = retry_after


class RetryExhausted(ArchiveError):
    """Every attempt failed; ``cause`` is the last failure."""

    def __init__(self, cause: TransientError, attempts: int) -> None:
        super().__init__(f"gave up after {attempts} attempts: {cause}")
        self.cause = cause
        self.attempts = attempts


class LookupFailed(ArchiveError):
    """Playback found only an unusable capture, and asking the index for another failed:
    a rerun may still find one, so this is a failure, not "not archived"."""


# --- definitive answers -------------------------------------------------------


class NotArchived(ArchiveError):
    """The archive holds no capture of the URL (a 404 without ``Memento-Datetime``,
    or no row in its index)."""


class Blocked(ArchiveError):
    """The archive refuses to serve the URL: an excluded or robots-blocked site
    (CDX 403 "Blocked Site Error"; playback 200 "This URL has been excluded")."""


class UnexpectedAnswer(ArchiveError):
    """The archive answered something this client does not understand; not retried."""

    def __init__(self, url: str, status: int, detail: str = "") -> None:
        extra = f": {detail}" if detail else ""
        super().__init__(f"unexpected archive answer HTTP {status} for {url}{extra}")
        self.status = status


# --- the capture exists but does not do -------------------------------------


class CaptureRejected(ArchiveError):
    """A capture that cannot stand for the resource. ``try_others`` says whether another
    capture of the same URL might do (a wrong media type: yes; too large: no)."""

    try_others: bool = True

    def __init__(self, reason: str) -> None:
        super().__init__(reason)


class MediaTypeMismatch(CaptureRejected):
    """The capture's media type contradicts the reference (an HTML error page for an image)."""


class CapturedError(CaptureRejected):
    """The site itself answered an error at crawl time (archived 404, 429, 500...)."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.status = status


class RedirectError(CaptureRejected):
    """Captured redirects that loop, leave the archive, or go on for too many hops."""


class SoftNotFound(RedirectError):
    """A deep URL's capture redirects to its site's front page or to an error or login
    page: what dead sites answer for every article (a soft 404), not the content."""


class BodyTooLarge(CaptureRejected):
    """The body is over ``max_body_bytes``; other captures of the URL would be too."""

    try_others = False


class DigestMismatch(CaptureRejected):
    """The bytes do not hash to the index's digest: corrupt or not the indexed capture."""

    try_others = False


# --- the archive itself is not there: the run stops asking it -------------------


class ArchiveUnreachable(ArchiveError):
    """The archive's own host does not resolve, or refuses connections.

    Not a :class:`TransientError`: no retry within this run can help (a machine
    without network spent 69 s and 48 playback attempts retrying ``Name or
    service not known`` before its summary). The transport stops asking the
    archive at once, every worker with it, and the crawl ends without recording an
    answer, so every resource is asked again by the next run. Timeouts, 5xx and
    resets stay transient: those pass.
    """

    def __init__(self, archive: str, why: str) -> None:
        super().__init__(f"cannot reach the archive at {archive} ({why})")
        self.archive = archive
        self.why = why


class ArchiveMisconfigured(ArchiveError):
    """The configured archive is not there: its CDX endpoint answered 404 or
    something that is not a CDX answer (an HTML page), or redirected elsewhere.

    A wrong setting, not a verdict on any resource (``--archive-url
    http://host/web/`` asks ``/web/web/…`` and gets 404 for everything: recorded
    as "not archived", those answers were reused for 30 days). ``setting`` names
    what to fix, as the user writes it.
    """

    def __init__(self, setting: str, detail: str) -> None:
        super().__init__(f"{setting}: {detail}")
        self.setting = setting
        self.detail = detail


class ArchiveStopped(ArchiveError):
    """This run stopped asking the archive (its breaker tripped, or it is out of
    reach); raised instead of sending a request, never retried."""
