"""Replay the recorded web.archive.org answers (``tests/fixtures/web.archive.org``) through httpx.

The recordings (EDGI's cassettes, converted to JSON; see their README) store bodies
*decoded*, with the original ``Content-Encoding``/``Content-Length``/``Transfer-Encoding``
headers kept verbatim, so those three are replaced here by a correct
``Content-Length``. Requests are matched by path and, for the CDX API, by the ``url``
and ``resumeKey`` parameters (the client's other parameters may differ from EDGI's);
interactions matching the same request are served in order. A request that matches
nothing raises :class:`Unrecorded`: a replayed test never reaches the internet.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

REPO = Path(__file__).resolve().parents[2]
RECORDINGS = REPO / "tests" / "fixtures" / "web.archive.org"
DROPPED = {"content-encoding", "content-length", "transfer-encoding"}


class Unrecorded(AssertionError):
    """The client sent a request no recording answers."""


@cache
def load(name: str) -> list[dict[str, Any]]:
    path = RECORDINGS / (name if name.endswith(".json") else name + ".json")
    if not path.is_file():
        raise FileNotFoundError(f"recording {path} is missing (tests/fixtures/web.archive.org)")
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def body_of(interactions: list[dict[str, Any]], index: int) -> bytes:
    response = interactions[index]["response"]
    if response.get("body_b64") is not None:
        return base64.b64decode(response["body_b64"])
    same = response.get("body_same_as_interaction")
    if same is not None:
        return body_of(interactions, int(same))
    return (response.get("body_text") or "").encode()


def request_key(url: str) -> tuple[str, ...]:
    """What identifies a request: host and path; for CDX also ``url`` and ``resumeKey``."""
    parts = urlsplit(url)
    if parts.path.startswith("/cdx/"):
        params = dict(parse_qsl(parts.query))
        return (
            parts.netloc,
            parts.path,
            unquote(params.get("url", "")).rstrip("/"),
            params.get("resumeKey", ""),
        )
    target = unquote(parts.path) + ("?" + unquote(parts.query) if parts.query else "")
    return (parts.netloc, target)


@dataclass(frozen=True)
class Recorded:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Replay:
    """An httpx transport serving the interactions of some recordings."""

    def __init__(self, *names: str) -> None:
        self._lock = threading.Lock()
        self._queues: dict[tuple[str, ...], list[Recorded]] = {}
        self.requests: list[httpx.Request] = []
        for name in names:
            interactions = load(name)
            for i, item in enumerate(interactions):
                key = request_key(item["request"]["url"])
                self._queues.setdefault(key, []).append(self._response(interactions, i))
        self._served: dict[tuple[str, ...], int] = {}

    @staticmethod
    def _response(interactions: list[dict[str, Any]], index: int) -> Recorded:
        recorded = interactions[index]["response"]
        headers = [
            (name, value)
            for name, values in recorded["headers"].items()
            if name.lower() not in DROPPED
            for value in values
        ]
        return Recorded(recorded["status"], headers, body_of(interactions, index))

    def handle(self, request: httpx.Request) -> httpx.Response:
        key = request_key(str(request.url))
        with self._lock:
            self.requests.append(request)
            queue = self._queues.get(key)
            if not queue:
                raise Unrecorded(f"no recording answers {request.method} {request.url}")
            n = self._served.get(key, 0)
            self._served[key] = n + 1
            recorded = queue[min(n, len(queue) - 1)]
        # A stream, not content=: a response built with content counts as already read,
        # and the client streams raw bytes as from a socket.
        headers = [*recorded.headers, ("Content-Length", str(len(recorded.body)))]
        return httpx.Response(
            recorded.status, headers=headers, stream=httpx.ByteStream(recorded.body)
        )

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)
