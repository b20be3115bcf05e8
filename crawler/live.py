"""Is a live link dead? Only a definitive answer counts.

``[rescue] live_links = "dead"`` rescues a live (non-archive) reference only when
the live web says it is gone: 404 or 410, or a host that no longer resolves (the
Hong Kong outlets' own domains). A 5xx, a timeout or a 429 says nothing about
the resource — servers have bad days, and CI runners get rate-limited (lychee
#1873) — so those links are left alone, never declared dead on one try.
HEAD first, as linkinator and lychee do; GET when a server refuses HEAD.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import httpx

from archive.settings import ArchiveSettings

#: Statuses that mean the resource is gone.
DEAD_STATUSES = frozenset({404, 410})
#: Answers to HEAD that mean "ask with GET instead".
HEAD_REFUSED = frozenset({400, 403, 405, 501})


@dataclass(frozen=True, slots=True)
class Liveness:
    """The verdict on one live URL and why."""

    dead: bool
    reason: str


class LiveChecker:
    """Checks live URLs with one shared, pooled httpx client (thread-safe)."""

    def __init__(self, settings: ArchiveSettings, *, transport: httpx.BaseTransport | None = None):
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            follow_redirects=True,
            max_redirects=10,
            transport=transport,
        )
        self.requests = 0

    def close(self) -> None:
        self._client.close()

    def check(self, url: str) -> Liveness:
        """HEAD (then GET if refused); dead only on 404/410 or a host that does not resolve."""
        try:
            response = self._request("HEAD", url)
            if response.status_code in HEAD_REFUSED:
                response = self._request("GET", url)
        except httpx.ConnectError as exc:
            if _is_dns_failure(exc):
                return Liveness(True, f"host does not resolve ({exc})")
            return Liveness(False, f"connection failed, not counted as dead: {exc}")
        except httpx.TimeoutException:
            return Liveness(False, "timed out, not counted as dead")
        except httpx.HTTPError as exc:
            return Liveness(False, f"{type(exc).__name__}, not counted as dead: {exc}")
        status = response.status_code
        if status in DEAD_STATUSES:
            return Liveness(True, f"HTTP {status}")
        return Liveness(False, f"live (HTTP {status})")

    def _request(self, method: str, url: str) -> httpx.Response:
        self.requests += 1
        with self._client.stream(method, url) as response:
            response.close()  # the status is all we need; never read a body
            return response


#: getaddrinfo errors that mean "no such host" (EAI_AGAIN, a resolver hiccup, does not).
_NO_SUCH_HOST = frozenset(
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code
)


def _is_dns_failure(exc: httpx.ConnectError) -> bool:
    """True when the host name does not exist (NXDOMAIN), not when the resolver failed."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return cause.errno in _NO_SUCH_HOST
        cause = cause.__cause__ or cause.__context__
    return "name or service not known" in str(exc).lower()
