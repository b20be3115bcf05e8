"""Settings of the archive side, as plain frozen dataclasses.

``crawler.config`` fills them from ``config.toml`` (sections ``[archive]`` and
``[store]``); the defaults here are the documented defaults, and a test checks
that ``config.toml`` states the same values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ArchiveSettings:
    """How to talk to a Wayback-compatible archive.

    Rate limits default to 80% of the Internet Archive's published limits, as
    its staff asked clients to do (edgi-govdata-archiving/wayback#206, PR #208):
    CDX and timemap share one pool of 30/min, playback 600/min. A client that
    ignores 429s for over a minute is firewalled for an hour, doubling each time
    (wayback#137), so a 429 pauses every worker for ``pause_seconds`` (the
    Wayback Machine sends no Retry-After).

    ``url`` is the archive's root; playback is ``<url>/<collection>/<ts><mod>/<original>``.
    """

    url: str = "https://web.archive.org"
    cdx_per_second: float = 0.4
    playback_per_second: float = 8.0
    pause_seconds: float = 60.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    #: Seconds one response body may take in all (0 = no limit): a body trickling in
    #: just under ``read_timeout`` never times out otherwise.
    body_timeout: float = 600.0
    retries: int = 5
    max_body_bytes: int = 100_000_000
    user_agent: str = "linkrescue/0.1 (+https://github.com/linkrescue/linkrescue)"
    #: The path segment before the timestamp in playback URLs: ``web`` on the Wayback
    #: Machine, the collection's name on pywb/OpenWayback (``/<collection>/<ts>/<url>``).
    collection: str = "web"
    #: The CDX API; empty means ``<url>/cdx/search/cdx`` as on the Internet Archive
    #: (pywb serves it per collection, by default at ``<url>/<collection>/cdx``).
    cdx_url: str = ""
    #: Sent with every request to the archive (name, value), e.g. a private archive's
    #: ``Authorization`` token (issue 11).
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Where rescued bytes live: a folder, relative to the config file's folder if not absolute."""

    dir: str = "rescued"
