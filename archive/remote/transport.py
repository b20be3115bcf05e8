"""One HTTP exchange with the archive: rate limit, count, send, classify, retry.

Every request to the archive goes through :meth:`ArchiveHTTP.exchange`, which
applies, in order: the endpoint's rate limiter (and any archive-wide pause), the
request counter, the request itself with the configured timeouts, the answers
that mean the same on every endpoint, and the retry policy of :mod:`linkrescue.archive.remote.retry`.

"The archive's own answer" means one *without* ``Memento-Datetime``: an archived
429, 404 or 503 is replayed with its original status plus ``Memento-Datetime``
(docs/wayback-facts.md §1; the recorded reddit 429), and must not be mistaken for the
archive rate-limiting or failing (EDGI ``is_memento_response``).
"""

from __future__ import annotations

import email.utils
import errno
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from linkrescue.archive.errors import (
    ArchiveError,
    ArchiveStopped,
    ArchiveTimeout,
    ArchiveUnreachable,
    FetchError,
    RateLimited,
    ServerError,
)
from linkrescue.archive.remote.ratelimit import ArchiveLimits, Endpoint
from linkrescue.archive.remote.retry import RETRYABLE_STATUSES, call_with_retries
from linkrescue.archive.settings import ArchiveSettings

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RequestCounts:
    """Requests sent to the archive, by rate pool (retries and redirect hops included)."""

    cdx: int = 0
    playback: int = 0

    @property
    def total(self) -> int:
        return self.cdx + self.playback


def is_memento(response: httpx.Response) -> bool:
    """An archived answer (the site's, replayed) rather than the archive's own."""
    return "memento-datetime" in response.headers


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class ArchiveHTTP:
    """The HTTP side of one archive, shared by all worker threads.

    ``httpx.Client`` is thread-safe; the limiter and counters here are too.

    :meth:`stop` makes every later exchange raise at once, in every thread, and
    wakes the threads waiting to retry: an archive found out of reach
    (:class:`~linkrescue.archive.errors.ArchiveUnreachable`, raised by the exchange that
    found it) or a run's breaker costs no further request.
    """

    def __init__(
        self,
        settings: ArchiveSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        limits: ArchiveLimits | None = None,
        backoff_base: float = 1.0,
        backoff_max: float = 120.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.limits = limits or ArchiveLimits.create(
            settings.cdx_per_second, settings.playback_per_second
        )
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._stopping = threading.Event()
        self._stopped: ArchiveError | None = None
        self._answered = False
        # A retry's wait ends early when the run stops asking (tests inject their own).
        self._sleep: Callable[[float], None] = sleep or self._wait
        self._counts_lock = threading.Lock()
        self._counts = {Endpoint.CDX: 0, Endpoint.PLAYBACK: 0}
        self.client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=None,
            ),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            headers=_headers(settings),
            follow_redirects=False,
        )

    @property
    def counts(self) -> RequestCounts:
        with self._counts_lock:
            return RequestCounts(
                cdx=self._counts[Endpoint.CDX], playback=self._counts[Endpoint.PLAYBACK]
            )

    def close(self) -> None:
        self.client.close()

    @property
    def stopped(self) -> ArchiveError | None:
        """Why this run stopped asking the archive, or None while it still asks."""
        with self._counts_lock:
            return self._stopped

    def stop(self, why: ArchiveError) -> None:
        """Send no further request: every exchange raises instead (the first reason stays)."""
        with self._counts_lock:
            if self._stopped is None:
                self._stopped = why
        self._stopping.set()

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _raise_if_stopped(self) -> None:
        why = self.stopped
        if isinstance(why, ArchiveUnreachable):
            raise ArchiveUnreachable(why.archive, why.why)
        if why is not None:
            raise ArchiveStopped(f"stopped asking the archive: {why}")

    def exchange(
        self,
        endpoint: Endpoint,
        url: str,
        handle: Callable[[httpx.Response], T],
        *,
        params: Mapping[str, str] | None = None,
        what: str,
    ) -> T:
        """GET ``url`` and let ``handle`` read the streamed response, with retries.

        ``handle`` sees only responses that are not the archive's own 429 or
        retryable error; it may raise archive errors (transient ones are retried,
        the body included, so a handler writing to a sink must rewind it first).
        """
        return call_with_retries(
            lambda: self._attempt(endpoint, url, handle, params),
            what=what,
            retries=self.settings.retries,
            backoff_base=self.backoff_base,
            backoff_max=self.backoff_max,
            sleep=self._sleep,
        )

    def _attempt(
        self,
        endpoint: Endpoint,
        url: str,
        handle: Callable[[httpx.Response], T],
        params: Mapping[str, str] | None,
    ) -> T:
        self._raise_if_stopped()
        self.limits.acquire(endpoint)
        self._raise_if_stopped()
        with self._counts_lock:
            self._counts[endpoint] += 1
        try:
            with self.client.stream("GET", url, params=params) as response:
                self._answered = True
                if not is_memento(response):
                    self._raise_for_archive_status(response)
                return handle(response)
        except httpx.TimeoutException as exc:
            raise ArchiveTimeout(f"timed out talking to the archive ({url}): {exc!r}") from exc
        except httpx.ConnectError as exc:
            why = unreachable_reason(exc, answered_before=self._answered)
            if why is not None:
                unreachable = ArchiveUnreachable(_origin(url), why)
                self.stop(unreachable)
                raise unreachable from exc
            raise FetchError(f"connection to the archive failed ({url}): {exc!r}") from exc
        except httpx.TransportError as exc:
            raise FetchError(f"connection to the archive failed ({url}): {exc!r}") from exc

    def _raise_for_archive_status(self, response: httpx.Response) -> None:
        status = response.status_code
        url = str(response.request.url)
        if status == 429 or status in RETRYABLE_STATUSES:
            _drain(response)  # a small error page: read it so the connection is reused
        if status == 429:
            retry_after = retry_after_seconds(response.headers.get("retry-after"))
            pause = retry_after if retry_after is not None else self.settings.pause_seconds
            hint = "Retry-After" if retry_after is not None else "no Retry-After, pause_seconds"
            self.limits.pause(pause, f"archive answered 429 Too Many Requests ({hint})")
            raise RateLimited(url, retry_after)
        if status in RETRYABLE_STATUSES:
            raise ServerError(url, status)


#: getaddrinfo errors meaning the name does not exist here (no DNS answer at all offline).
_NOT_RESOLVED = frozenset(
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code
)


def unreachable_reason(exc: BaseException, *, answered_before: bool) -> str | None:
    """``name not resolved`` or ``connection refused`` when a failed connection says
    the archive's host is out of reach for this run; None for a failure that may pass.

    ``EAI_AGAIN`` ("Temporary failure in name resolution") is what a machine whose
    resolver cannot reach its server gets, offline, so it counts too, but only
    until the archive has answered once in this run: after that it is a hiccup,
    retried like a reset.
    """
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            if cause.errno in _NOT_RESOLVED:
                return "name not resolved"
            if cause.errno == getattr(socket, "EAI_AGAIN", None) and not answered_before:
                return "name not resolved"
            return None
        if isinstance(cause, ConnectionRefusedError) or (
            isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
        ):
            return "connection refused"
        cause = cause.__cause__ or cause.__context__
    text = str(exc).lower()
    if "name or service not known" in text or "nodename nor servname" in text:
        return "name not resolved"
    if "connection refused" in text:
        return "connection refused"
    return None


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: the archive named in the one-line message."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _drain(response: httpx.Response, limit: int = 65536) -> None:
    """Read a short body to its end (a longer one is left: closing drops the connection)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) <= limit:
        response.read()


def _headers(settings: ArchiveSettings) -> httpx.Headers:
    """The headers of every request to the archive: ours, then ``[archive] headers`` (a
    private archive's token; never logged), which replace ours of the same name in any
    case (one ``User-Agent``, not two)."""
    headers = httpx.Headers(
        {
            "User-Agent": settings.user_agent,
            # As EDGI sends; we decode ourselves so digests can be checked on the raw bytes.
            "Accept-Encoding": "gzip, deflate",
        }
    )
    headers.update(dict(settings.headers))
    return headers
