"""Fetching one capture's original bytes with ``id_``, following redirects the archive way.

Why ``id_``: it returns the document as captured, with no toolbar and no rewritten
links (IA ``ArchivalUrlReplay.xml``: the identity renderer); view mode even turns a
captured redirect into a 200 HTML page (docs/wayback-facts.md §1).

How answers are told apart (docs/wayback-facts.md §1, docs/pywb-vs-ia.md):

==========================  ======================================================
with ``Memento-Datetime``   an archived answer: 2xx is the capture; 3xx a captured
                            redirect; 4xx/5xx (even 429) an archived error page
3xx without it              the archive moving us to the nearest capture (IA 302
                            with ``X-Archive-Redirect-Reason``; pywb 307)
404 without it              not archived ("Hrm." on IA, "URL Not Found" on pywb)
403/451, or 200 "excluded"  a blocked site (IA ``Blocked Site Error``; 2020 playback
                            served 200 "This URL has been excluded")
==========================  ======================================================

A captured redirect's ``Location`` points back into the archive on IA (absolute,
path-only or scheme-relative) but at the *live* URL on pywb; a live target is
brought back into the archive at the same timestamp. Redirects are followed only
inside the archive, at most :data:`MAX_CAPTURED_REDIRECTS` captured hops, and a URL
seen twice is a loop (the recorded springer 303/302 circle). A captured redirect is
judged by where it leads, never by its own media type; one that takes a deep URL to
its site's front page or to an error page is a soft 404
(:func:`linkrescue.archive.remote.snapshots.soft_404`): the capture is rejected and another tried,
by the same rule a CDX row with a ``redirect`` field is ranked by.
"""

from __future__ import annotations

import email.utils
import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from linkrescue.archive.errors import (
    ArchiveError,
    Blocked,
    CapturedError,
    NotArchived,
    RedirectError,
    SoftNotFound,
    UnexpectedAnswer,
)
from linkrescue.archive.model import Capture, Sink, Want
from linkrescue.archive.remote.body import Body, BodyLimits, stream_body
from linkrescue.archive.remote.ratelimit import Endpoint
from linkrescue.archive.remote.snapshots import main_type, soft_404
from linkrescue.archive.remote.transport import ArchiveHTTP, is_memento
from linkrescue.archive.timestamps import format_timestamp
from linkrescue.archive.urls import encode_original

#: Captured redirects followed for one resource (docs/wayback-facts.md §6: "a hop cap of about 10").
MAX_CAPTURED_REDIRECTS = 10
#: All hops, the archive's own nearest-capture redirects included.
MAX_HOPS = 3 * MAX_CAPTURED_REDIRECTS
REDIRECTS = frozenset({301, 302, 303, 307, 308})

_PLAYBACK_PATH = re.compile(r"^(?P<ts>\d{1,14})(?P<mod>(?:[a-z]{2}\d*_)*)/(?P<original>.+)$", re.S)
#: A ``Link`` value: ``<URI-reference>`` and its parameters (RFC 8288 §3). Not httpx's
#: ``Response.links``: its parser (requests' ``parse_header_links``) cuts the URI at its
#: first ``;``, so a captured ``…/index.htm;jsessionid=…`` loses its ``rel="original"``
#: (tests/archive/test_client_faults.py, the semicolon case).
_LINK = re.compile(r"<([^>]*)>([^<]*)")
_BLOCKED_TEXT = re.compile(
    rb"excluded from the Wayback Machine|Blocked Site Error|Blocked By Robots|"
    rb"AccessControlException|robots\.txt",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Memento:
    """A playback address: ``<timestamp><modifier>/<original>`` under the archive root."""

    timestamp: str
    original: str
    modifier: str = "id_"


class Layout:
    """The URL layout of one Wayback-compatible archive.

    A minimal private parser: ``archive.urls.parse_archive_url`` knows only the
    Internet Archive's hosts, while this one must recognize the configured archive
    (a pywb on 127.0.0.1, a national archive).
    """

    def __init__(self, root: str, collection: str = "web") -> None:
        self.root = root.rstrip("/")
        self.collection = collection.strip("/")
        self._netloc = urlsplit(self.root).netloc.lower()
        self._prefix = f"{urlsplit(self.root).path.rstrip('/')}/{self.collection}/"

    def url(self, memento: Memento) -> str:
        """``<root>/<collection>/<ts><mod>/<original>``, the original in raw (not
        percent-encoded as a whole: ``/web/*/https%3A%2F%2F…`` is not recognized,
        daverix/urlforwarder#1) but with non-ASCII UTF-8 percent-encoded."""
        return f"{self.root}/{self.collection}/{memento.timestamp}{memento.modifier}/" + (
            encode_original(memento.original)
        )

    def parse(self, url: str) -> Memento | None:
        """The memento an absolute URL of *this* archive plays, or None."""
        parts = urlsplit(url)
        if parts.netloc.lower() != self._netloc or not parts.path.startswith(self._prefix):
            return None
        m = _PLAYBACK_PATH.match(parts.path[len(self._prefix) :])
        if m is None:
            return None
        original = m.group("original")
        if parts.query:
            original += "?" + parts.query
        original = re.sub(r"^(https?):/(?=[^/])", r"\1://", original)  # a collapsed "//"
        return Memento(m.group("ts"), original, m.group("mod") or "")


def memento_timestamp(response: httpx.Response) -> str | None:
    """``Memento-Datetime`` (RFC 1123) as 14 digits."""
    value = response.headers.get("memento-datetime")
    if not value:
        return None
    try:
        return format_timestamp(email.utils.parsedate_to_datetime(value))
    except (TypeError, ValueError):
        return None


def link_original(response: httpx.Response) -> str | None:
    """The ``rel="original"`` URL of the ``Link`` header: the URL actually captured,
    which can differ from the one asked for (``http://fws.gov/`` → ``https://www.fws.gov/``).
    Values can hold HTML-escaped ``&amp;`` (the recorded springer loop)."""
    for target, params in _LINK.findall(response.headers.get("link", "")):
        if re.search(r'rel="?[^";,]*\boriginal\b', params):
            return html.unescape(target)
    return None


@dataclass(frozen=True, slots=True)
class _Moved:
    to: Memento
    captured: bool


def fetch_capture(
    http: ArchiveHTTP,
    layout: Layout,
    start: Memento,
    *,
    requested: str,
    want: Want,
    sink: Sink,
    digest: str | None,
    limits: BodyLimits,
) -> Capture:
    """Play ``start`` with ``id_``, follow redirects inside the archive, stream the bytes.

    Raises :class:`NotArchived`, :class:`Blocked`, :class:`CaptureRejected` subclasses,
    :class:`UnexpectedAnswer`, or :class:`RetryExhausted` for transient failures.
    A rejection carries ``timestamp``: the capture it was about.
    """
    current = Memento(start.timestamp, start.original)
    seen: set[str] = set()
    captured_hops = 0
    landed: str | None = None  # the capture of the requested URL that playback reached

    def rejected(exc: ArchiveError) -> ArchiveError:
        exc.timestamp = landed or current.timestamp
        return exc

    for _ in range(MAX_HOPS):
        url = layout.url(current)
        # The index digest describes the capture it was listed with, not a redirect target.
        check = digest if not seen else None
        seen.add(url)

        def handle(
            response: httpx.Response, current: Memento = current, check: str | None = check
        ) -> Capture | _Moved:
            return _handle(response, layout, current, requested, want, sink, check, limits)

        try:
            outcome = http.exchange(
                Endpoint.PLAYBACK, url, handle, what=f"playback of {current.original}"
            )
        except ArchiveError as exc:
            rejected(exc)
            raise
        if isinstance(outcome, Capture):
            return outcome
        if outcome.captured:
            landed = landed or current.timestamp
            soft = soft_404(current.original, outcome.to.original)
            if soft is not None:
                raise rejected(SoftNotFound(f"captured only as {soft}"))
            captured_hops += 1
            if captured_hops > MAX_CAPTURED_REDIRECTS:
                too_many = f"more than {MAX_CAPTURED_REDIRECTS} captured redirects"
                raise rejected(RedirectError(too_many))
        if layout.url(outcome.to) in seen:
            loop = f"captured redirects loop back to {outcome.to.original}"
            raise rejected(RedirectError(loop))
        current = outcome.to
    raise rejected(RedirectError(f"more than {MAX_HOPS} redirects"))


def _peek(response: httpx.Response, limit: int = 65536) -> bytes:
    """Up to ``limit`` bytes of a small answer (an archive page, a redirect body)."""
    head = b""
    for chunk in response.iter_bytes():
        head += chunk
        if len(head) >= limit:
            break
    return head[:limit]


def _handle(
    response: httpx.Response,
    layout: Layout,
    current: Memento,
    requested: str,
    want: Want,
    sink: Sink,
    digest: str | None,
    limits: BodyLimits,
) -> Capture | _Moved:
    status = response.status_code
    url = str(response.request.url)
    if is_memento(response):
        if 200 <= status < 300:
            body: Body = stream_body(response, sink, want=want, limits=limits, digest=digest)
            return Capture(
                requested=requested,
                original=link_original(response) or current.original,
                timestamp=memento_timestamp(response) or current.timestamp,
                archive_url=url,
                mimetype=main_type(response.headers.get("content-type")) or None,
                size=body.size,
                sha256=body.sha256,
                sha1_base32=body.sha1_base32,
                cdx_digest=digest,
                verified=body.verified,
            )
        if status in REDIRECTS and "location" in response.headers:
            _peek(response)
            return _Moved(_resolve(layout, current, url, response.headers["location"]), True)
        raise CapturedError(f"archived HTTP {status}: the site's own answer at crawl time", status)
    if status in REDIRECTS and "location" in response.headers:
        _peek(response)
        target = layout.parse(urljoin(url, response.headers["location"]))
        if target is None:
            raise UnexpectedAnswer(url, status, "redirect out of the archive")
        return _Moved(Memento(target.timestamp, target.original), False)
    if status == 404:
        raise NotArchived(f"not archived: the archive answered 404 for {current.original}")
    detail = response.headers.get("x-archive-wayback-runtime-error", "")
    if status in (403, 451):
        raise Blocked(f"blocked by the archive (HTTP {status}) {detail}".strip())
    if status == 200:
        if _BLOCKED_TEXT.search(_peek(response)):
            raise Blocked('the archive excludes this URL ("excluded from the Wayback Machine")')
        raise UnexpectedAnswer(url, status, "no Memento-Datetime: not an archived answer")
    raise UnexpectedAnswer(url, status, detail)


def _resolve(layout: Layout, current: Memento, request_url: str, location: str) -> Memento:
    """Where a captured redirect leads, always inside the archive in ``id_`` mode."""
    inside = layout.parse(urljoin(request_url, location))
    if inside is not None:
        return Memento(inside.timestamp, inside.original)
    # pywb: the Location of a captured 301 in id_ mode is the live URL.
    return Memento(current.timestamp, urljoin(current.original, location))
