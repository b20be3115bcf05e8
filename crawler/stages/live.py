"""Is a live link dead? Only a definitive answer counts.

``[rescue] live_links = "dead"`` rescues a live (non-archive) reference only when
the live web says it is gone: 404 or 410, or a host that no longer resolves (the
Hong Kong outlets' own domains). A 5xx, a timeout or a 429 says nothing about
the resource — servers have bad days, and CI runners get rate-limited (lychee
#1873) — so those links are left alone, never declared dead on one try.
HEAD first, as linkinator and lychee do; GET when a server refuses HEAD.

A failed network is not a dead link: with DNS not working every name fails to
resolve, and each live link would be called dead and rewritten to an archive
copy. So a name that does not resolve counts as dead only when another name
does, in the same run: the archive's host, or another live link's host
(:meth:`LiveChecker.expect`). Otherwise the verdict is *unknown* and the link is
left alone.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from linkrescue.archive.settings import ArchiveSettings
from linkrescue.crawler.config import BROWSER_ACCEPT, LiveSettings, NetworkSettings

#: Statuses that mean the resource is gone (``[live] dead_statuses``'s default).
DEAD_STATUSES = frozenset({404, 410})
#: Answers that say nothing about the page: a bot wall, an authentication wall, a
#: server's bad minute, a rate limit (LinkedIn answers 999 to anything not a browser;
#: Cloudflare's challenge is a 403 with ``cf-mitigated``).
DOUBTFUL_STATUSES = frozenset({401, 403, 408, 425, 429, 999})
#: Answers to HEAD that mean "ask with GET instead".
HEAD_REFUSED = frozenset({400, 403, 405, 501})
#: Other names tried, at most, to learn whether name resolution works at all.
CONTROL_NAMES = 5


@dataclass(frozen=True, slots=True)
class Liveness:
    """The verdict on one live URL and why; ``unknown`` when the check could not
    tell (name resolution fails for every name: no network)."""

    dead: bool
    reason: str
    unknown: bool = False
    #: No definitive answer either way (a 5xx, a 429, a timeout, a reset, a bot wall):
    #: ``check`` shows it as ``unknown``; ``rescue`` leaves the link alone.
    doubtful: bool = False


class LiveChecker:
    """Checks live URLs with one shared, pooled httpx client (thread-safe)."""

    def __init__(
        self,
        settings: ArchiveSettings,
        live: LiveSettings | None = None,
        *,
        network: NetworkSettings | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        live = live or LiveSettings()
        guard = (
            _PublicOnly(settings.url) if not (network or NetworkSettings()).allow_private else None
        )
        self._dead = frozenset(live.dead_statuses)
        self._client = httpx.Client(
            headers={
                "User-Agent": settings.user_agent,
                "Accept": BROWSER_ACCEPT,
                **dict(live.headers),
            },
            timeout=httpx.Timeout(
                live.timeout, connect=min(live.timeout, settings.connect_timeout)
            ),
            follow_redirects=True,
            max_redirects=10,
            transport=transport,
            # every request, each redirect's too, is checked before it is sent
            event_hooks={"request": [guard]} if guard is not None else None,
        )
        self.requests = 0
        archive_host = urlsplit(settings.url).hostname
        self._controls: list[str] = [archive_host] if archive_host else []
        self._lock = threading.Lock()
        self._resolver_works: bool | None = None

    def expect(self, urls: Iterable[str]) -> None:
        """The live URLs this run will check: their hosts are control names too."""
        hosts = {urlsplit(url).hostname for url in urls}
        with self._lock:
            known = set(self._controls)
            self._controls.extend(sorted(h for h in hosts if h and h not in known))

    def close(self) -> None:
        self._client.close()

    def check(self, url: str) -> Liveness:
        """HEAD (then GET if refused); dead only on 404/410 or a host that does not resolve."""
        try:
            response = self._request("HEAD", url)
            if response.status_code in HEAD_REFUSED:
                response = self._request("GET", url)
        except PrivateAddress as exc:
            return Liveness(False, f"not checked: {exc}", doubtful=True)
        except httpx.ConnectError as exc:
            if _is_dns_failure(exc):
                host = urlsplit(url).hostname or ""
                if self._names_resolve(besides=host):
                    return Liveness(True, f"host does not resolve ({exc})")
                return Liveness(
                    False,
                    f"unknown: {host} does not resolve, nor does any other name tried "
                    "in this run (no network?); not counted as dead",
                    unknown=True,
                )
            return Liveness(False, f"connection failed, not counted as dead: {exc}", doubtful=True)
        except httpx.TimeoutException:
            return Liveness(False, "timed out, not counted as dead", doubtful=True)
        except httpx.HTTPError as exc:
            why = f"{type(exc).__name__}, not counted as dead: {exc}"
            return Liveness(False, why, doubtful=True)
        status = response.status_code
        if status in self._dead:
            return Liveness(True, f"HTTP {status}")
        if status in DOUBTFUL_STATUSES or status >= 500 or response.headers.get("cf-mitigated"):
            wall = " (bot protection)" if response.headers.get("cf-mitigated") else ""
            return Liveness(False, f"HTTP {status}{wall}, not counted as dead", doubtful=True)
        if status >= 400:
            return Liveness(False, f"HTTP {status}, not counted as dead", doubtful=True)
        return Liveness(False, f"live (HTTP {status})")

    def _names_resolve(self, *, besides: str) -> bool:
        """Whether name resolution works in this run: some control name other than
        ``besides`` resolves. Asked once per run (the same answer for every link),
        trying the archive's host first, then the other live links' hosts."""
        with self._lock:
            if self._resolver_works is None:
                names = [n for n in self._controls if n != besides and _is_name(n)]
                self._resolver_works = any(_resolves(n) for n in names[:CONTROL_NAMES])
            return self._resolver_works

    def _request(self, method: str, url: str) -> httpx.Response:
        self.requests += 1
        with self._client.stream(method, url) as response:
            response.close()  # the status is all we need; never read a body
            return response


class PrivateAddress(httpx.RequestError):
    """A live request refused: its host is, or resolves to, a non-public address."""


class _PublicOnly:
    """An httpx request hook refusing hosts that are, or resolve to, an address that is
    not public: loopback, private (RFC 1918, fc00::/7), link-local (169.254.169.254, the
    cloud metadata service), shared (100.64/10), unspecified, multicast, reserved; an
    IPv4-mapped IPv6 address counts as its IPv4 address. The archive's own host and port
    are exempt. Names are resolved here, so ``localhost``, ``2130706433`` and
    ``0x7f.1`` are caught as 127.0.0.1. A name resolved again by the connection could
    answer otherwise (DNS rebinding): the check narrows, it does not pin, the address.
    """

    def __init__(self, archive_url: str) -> None:
        parts = urlsplit(archive_url)
        self._exempt = (parts.hostname or "", parts.port or _PORTS.get(parts.scheme, 0))

    def __call__(self, request: httpx.Request) -> None:
        url = request.url
        host, port = url.host, url.port or _PORTS.get(url.scheme, 0)
        if (host, port) == self._exempt:
            return
        for address in _addresses(host, port):
            if not _public(address):
                shown = "" if address == host else f" ({address})"
                raise PrivateAddress(
                    f"{host}{shown} is not a public address; [network] allow_private = true "
                    "checks it",
                    request=request,
                )


_PORTS = {"http": 80, "https": 443}


def _addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` stands for; none when it does not resolve (the request
    then fails as a name that does not resolve, as it would have)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in found})


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


#: getaddrinfo errors that mean "no such host" (EAI_AGAIN, a resolver hiccup, does not).
_NO_SUCH_HOST = frozenset(
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code
)


def _is_name(host: str) -> bool:
    """A host name, not an IP literal (whose "resolution" proves nothing about DNS)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return False


def _resolves(host: str) -> bool:
    try:
        socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return True


def _is_dns_failure(exc: httpx.ConnectError) -> bool:
    """True when the host name does not exist (NXDOMAIN), not when the resolver failed."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return cause.errno in _NO_SUCH_HOST
        cause = cause.__cause__ or cause.__context__
    return "name or service not known" in str(exc).lower()
