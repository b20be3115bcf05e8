"""Is the configured archive there, and which archive is it?

A wrong archive setting must end a run at once, as an error naming the setting,
never as a verdict on every resource: ``--archive-url http://host/web/`` (the
collection path added by mistake) asked pywb for ``/web/web/…``, got 404 for
everything, recorded every resource "not archived" and reused those answers for
30 days. So before its first lookup a run asks the archive's CDX endpoint one
tiny question (:func:`probe_cdx`): a 404, a redirect, or a page that is not a CDX
answer (pywb's HTML "not found" page) means no CDX API at that address.

Answers are tied to the archive that gave them (:func:`archive_identity`): an
answer from one archive is never reused against another.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import httpx

from linkrescue.archive.errors import ArchiveMisconfigured
from linkrescue.archive.remote.ratelimit import Endpoint
from linkrescue.archive.remote.transport import ArchiveHTTP
from linkrescue.archive.settings import ArchiveSettings

#: The URL the probe asks about: reserved (RFC 2606), so its answer is small everywhere.
PROBE_URL = "example.com/"
#: Bytes of the probe's answer read at most (one row, or an error page).
PROBE_BYTES = 65536

_ROW_TIMESTAMP = re.compile(r"^\d{14}$")


def archive_identity(settings: ArchiveSettings) -> str:
    """The archive an answer came from: its root and collection, as
    ``https://web.archive.org/web`` (scheme and host lower-cased, no trailing slash)."""
    parts = urlsplit(settings.url.strip())
    root = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
    return f"{root}/{settings.collection.strip('/')}"


def cdx_endpoint(settings: ArchiveSettings) -> str:
    """The CDX API: ``[archive] cdx_url``, else ``<url>/cdx/search/cdx`` as on the Internet Archive."""
    return settings.cdx_url or f"{settings.url.rstrip('/')}/cdx/search/cdx"


def setting_name(settings: ArchiveSettings) -> str:
    """The setting a user fixes when the CDX endpoint is wrong, as they write it."""
    return "[archive] cdx_url" if settings.cdx_url else "[archive] url (--archive-url)"


def looks_like_cdx(body: str) -> bool:
    """Whether ``body`` is a CDX answer in any shape (:mod:`linkrescue.archive.remote.cdx`): empty (pywb,
    no result), a JSON array (IA), NDJSON objects (pywb ``output=json``), or lines
    whose second field is a 14-digit timestamp (IA text, CDXJ)."""
    text = body.strip()
    if not text:
        return True
    first = text.splitlines()[0].strip()
    if text.startswith("["):
        try:
            return isinstance(json.loads(text), list)
        except ValueError:
            return False
    if first.startswith("{"):
        try:
            return isinstance(json.loads(first), dict)
        except ValueError:
            return False
    fields = first.split()
    return len(fields) >= 3 and bool(_ROW_TIMESTAMP.match(fields[1]))


def probe_cdx(http: ArchiveHTTP, settings: ArchiveSettings) -> None:
    """Ask the CDX endpoint about :data:`PROBE_URL` once; raise
    :class:`~linkrescue.archive.errors.ArchiveMisconfigured` when no CDX API answers there.

    An out-of-reach host raises :class:`~linkrescue.archive.errors.ArchiveUnreachable` from the
    transport; timeouts and 5xx are retried there and, when they persist, raised as
    such (the archive is there, only failing: the run's breaker deals with that).
    """
    endpoint = cdx_endpoint(settings)
    setting = setting_name(settings)
    # Without a scheme every request failed with UnsupportedProtocol, retried (34 s).
    for name, url in (("[archive] url (--archive-url)", settings.url), (setting, endpoint)):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ArchiveMisconfigured(name, f"{url!r} is not an http(s) URL")

    def handle(response: httpx.Response) -> None:
        status = response.status_code
        if status in (403, 451):
            return  # an archive that blocks the probe's URL is still an archive
        if 300 <= status < 400:
            where = response.headers.get("location", "?")
            raise ArchiveMisconfigured(
                setting, f"the CDX API {endpoint} redirects to {where}{_hint(settings)}"
            )
        if status != 200:
            raise ArchiveMisconfigured(
                setting, f"no CDX API at {endpoint} (HTTP {status}){_hint(settings)}"
            )
        body = _head(response).decode("utf-8", errors="replace")
        if not looks_like_cdx(body):
            kind = response.headers.get("content-type", "unknown type").split(";")[0]
            raise ArchiveMisconfigured(
                setting,
                f"{endpoint} answered a page that is not a CDX answer ({kind}){_hint(settings)}",
            )

    params = {"url": PROBE_URL, "output": "json", "limit": "1"}
    http.exchange(Endpoint.CDX, endpoint, handle, params=params, what="CDX probe")


def _head(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= PROBE_BYTES:
            break
    return b"".join(chunks)[:PROBE_BYTES]


def _hint(settings: ArchiveSettings) -> str:
    """The likely mistake: a URL that already ends with the collection linkrescue adds."""
    if settings.cdx_url:
        return ""
    path = urlsplit(settings.url).path.rstrip("/")
    collection = settings.collection.strip("/")
    if collection and path.endswith(f"/{collection}"):
        root = settings.url.rstrip("/")[: -len(collection) - 1]
        return (
            f"; the URL ends with the collection /{collection}/, which linkrescue adds "
            f"itself: use {root}"
        )
    return ""
