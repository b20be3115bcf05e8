"""Values the archive side hands to the crawl: snapshots, captures, stored files, outcomes.

An expected negative (not archived, blocked) is an :class:`Outcome` value; a real
failure that may pass (timeouts, 5xx bursts, retries exhausted) is an exception
from :mod:`linkrescue.archive.errors` that the crawl turns into ``Outcome.FAILED``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Protocol


class Outcome(StrEnum):
    """What became of one resource; the values are the report's ``outcome`` field."""

    RESCUED = "rescued"
    NOT_ARCHIVED = "not-archived"
    BLOCKED = "blocked"
    FAILED = "failed"


class Want(StrEnum):
    """What kind of resource a reference expects, so an image gets an image, not an HTML error page."""

    IMAGE = "image"
    PAGE = "page"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One capture as the archive's index lists it (a CDX row), or as a playback redirect revealed it.

    ``timestamp`` is always 14 digits. ``digest`` is the CDX base32 SHA-1 of the
    payload, when known. ``status`` is the captured HTTP status, None when unknown.
    ``redirect``: where a captured redirect led, when the index says (IA's 11-field
    CDX lines and timemaps have a ``redirect`` column; pywb's rows do not).
    """

    original: str
    timestamp: str
    mimetype: str | None = None
    status: int | None = None
    digest: str | None = None
    length: int | None = None
    redirect: str | None = None


@dataclass(frozen=True, slots=True)
class KeptListing:
    """One CDX prefix listing's answer, kept from the run that paid for it to the next.

    A budgeted nightly run stops part-way; the next one must not make again the CDX
    listings the last one made (the scarcest request, 0.4/s on the Internet Archive,
    docs/wayback-facts.md §5), or three nights on a third of the budget each would not
    finish what one run does (issue 12). ``complete``: the archive had nothing more
    for the query and it had no date window, so a URL of ``only`` missing from
    ``rows`` is not archived. ``only``: the URL keys the rows were kept for (None:
    every URL under ``prefix``). ``windowed``: the listing had a date window.

    Read back from the store, ``only`` is a frozenset and ``rows`` a tuple. As it is
    made, both are read from the client's cache each time they are iterated: one
    directory's listing at 50,000 articles keeps 55,029 rows, 22 MiB as objects.
    """

    prefix: str
    complete: bool
    windowed: bool
    only: Iterable[str] | None
    rows: Iterable[Snapshot]


class Found(StrEnum):
    """What the archive's index says of a URL without fetching it (``check``)."""

    PLAYABLE = "playable"
    NOT_ARCHIVED = "not-archived"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether ``url`` has a playable capture: the best one when it has, or why not.

    ``unknown`` when the archive did not answer definitively (5xx, timeouts, 429s
    exhausted): a CI check must not call a link dead because the archive had a bad
    minute (linkinator and markdown-link-check call an unreachable archive "dead").
    """

    url: str
    found: Found
    snapshot: Snapshot | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Capture:
    """The bytes of one capture, fetched with ``id_`` and already written to a staging file.

    ``archive_url`` is the playback URL the bytes came from (after the archive's own
    nearest-capture redirects and captured redirects); ``original`` the URL actually
    captured, which can differ from the one asked for (http→https, www, a redirect).
    ``mimetype`` is the ``Content-Type`` it was played back with; ``index_mimetype``
    the archive index's ``mimetype`` of the row these bytes were listed with, when
    one was (the store decides what the bytes are from both, see archive.sniff).
    """

    requested: str
    original: str
    timestamp: str
    archive_url: str
    mimetype: str | None
    size: int
    sha256: str
    sha1_base32: str
    cdx_digest: str | None
    verified: bool
    index_mimetype: str | None = None


@dataclass(frozen=True, slots=True)
class StoredResource:
    """Where a committed capture lives: ``path`` relative to the store root, and ``absolute``.

    ``mimetype`` is what the bytes were decided to be (:func:`linkrescue.archive.sniff.decide`),
    which also chose the file's extension; ``sniffed`` what the bytes alone proved;
    ``note`` says which label disagreed, if any.
    """

    path: PurePosixPath
    absolute: Path
    sha256: str
    size: int
    mimetype: str | None = None
    sniffed: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Listed:
    """What one CDX prefix listing did.

    ``kept``: rows stored for later choices; ``listed``: rows the archive sent;
    ``pages``: CDX requests spent; ``exhausted``: the archive had nothing more for
    the query (within its date window, if it had one), rather than the listing
    stopping at its page limit or at a full page of one second's captures that no
    date window can split (on a server without resume keys, pywb).
    """

    kept: int = 0
    listed: int = 0
    pages: int = 0
    exhausted: bool = False


@dataclass(frozen=True, slots=True)
class Result:
    """The final word on one resource: an outcome, the capture when rescued, and why."""

    url: str
    outcome: Outcome
    capture: Capture | None = None
    reason: str = ""


class Sink(Protocol):
    """Where a fetched body is streamed: a staging file of the store.

    A retried transfer rewinds it (``seek(0)`` then ``truncate()``) and writes the
    body again from its first byte, so the sink always holds one whole response.
    """

    def write(self, data: bytes, /) -> int: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def truncate(self, size: int | None = None, /) -> int: ...

    def flush(self) -> None: ...
