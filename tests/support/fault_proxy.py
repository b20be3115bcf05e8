"""A proxy in front of a real pywb that breaks answers the way networks and origins do.

The first request of every playback path gets the next fault of a cycle (503, 429
without ``Retry-After``, a connection dropped mid-body, a body shorter than its
``Content-Length``, a stalled body); the retry is forwarded faithfully. Optionally,
every answer for a chosen set of paths is *mislabelled*: its ``Content-Type``
replaced by ``text/html`` for good, as misconfigured origins and proxies serve
images (issue 8: the store must name a file by what it holds, not by the label).
Redirects that point back at pywb are pointed at the proxy, so a client following
them stays behind it.

Every memento passes on the archive's own statement of the stored payload's length
in ``X-Archive-Orig-Content-Length``, as the Wayback Machine sends it in ``id_`` mode
(recordings: equal to the bytes sent); pywb states it only for payloads it re-encoded
and otherwise passes the original ``Content-Length``, which this proxy rewrites. So a
body cut with a *dishonest* ``Content-Length`` (``truncate-quiet``) is what it is in
front of the Wayback Machine: well-formed, and short of what the archive said.
"""

from __future__ import annotations

import http.client
import itertools
import random
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = ("503", "429", "drop", "truncate", "stall")
#: The seeded storm's faults (issue 14, item 2): 429s with and without Retry-After, every
#: 5xx a gateway sends, resets mid-body, bodies shorter than their Content-Length,
#: stalls past the read timeout, and trickles under it that outlast the body deadline;
#: bodies cut with a Content-Length cut to match (``truncate-quiet``), and captures
#: served with the wrong media type (``mislabel``: an image as HTML, the rest as JPEG).
STORM = (
    "429",
    "429-after",
    "500",
    "502",
    "503",
    "504",
    "drop",
    "truncate",
    "truncate-quiet",
    "stall",
    "trickle",
    "mislabel",
)
_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


class _FaultProxy(BaseHTTPRequestHandler):
    """Forwards to pywb; the first request of every path gets the next fault instead."""

    server: FaultProxy

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.count(self.path)
        upstream = http.client.HTTPConnection(
            self.server.upstream_host, self.server.upstream_port, timeout=10
        )
        try:
            upstream.request("GET", self.path, headers={"Accept-Encoding": "identity"})
            response = upstream.getresponse()
            body = response.read()
            headers = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP]
            status = response.status
        finally:
            upstream.close()
        named = {k.lower(): v for k, v in headers}
        if "memento-datetime" in named and "x-archive-orig-content-length" not in named:
            headers.append(("X-Archive-Orig-Content-Length", str(len(body))))
        # Break only answers that carry a body (a capture), so that every fault
        # lands where it hurts: on the bytes that end up in the store.
        fault = self.server.fault_for(self.path) if len(body) > 1 else None
        if (self.server.mislabels(self.path) or fault == "mislabel") and status == 200:
            label = named.get("content-type", "")
            headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
            jpeg = fault == "mislabel" and not label.startswith("image/")
            headers.append(("Content-Type", "image/jpeg" if jpeg else "text/html; charset=utf-8"))
        if fault in ("500", "502", "503", "504"):
            self._send(int(fault), [("Content-Type", "text/plain")], b"busy")
            return
        if fault == "429":
            self._send(429, [("Content-Type", "text/html")], b"<h1>429 Too Many Requests</h1>")
            return
        if fault == "429-after":
            self._send(429, [("Retry-After", "1")], b"slow down")
            return
        location = {k.lower(): v for k, v in headers}.get("location")
        if location:
            parts = urlsplit(location)
            if parts.netloc == f"{self.server.upstream_host}:{self.server.upstream_port}":
                headers = [(k, v) for k, v in headers if k.lower() != "location"]
                headers.append(("Location", location.replace(parts.netloc, self.server.netloc, 1)))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        if fault == "truncate-quiet":
            body = body[: len(body) // 2]
        declared = len(body) + (100 if fault == "truncate" else 0)
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        if fault == "trickle":  # a byte at a time, each under the read timeout
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                time.sleep(self.server.trickle_gap)
            return
        if fault in ("drop", "truncate", "stall"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if fault == "stall":
                time.sleep(self.server.stall_seconds)  # longer than the client's read timeout
            self.close_connection = True
            return
        self.wfile.write(body)

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FaultProxy(ThreadingHTTPServer):
    """The proxy server; ``injected`` counts the faults sent, by kind."""

    daemon_threads = True

    def __init__(
        self,
        upstream: str,
        *,
        mislabel: Iterable[str] = (),
        stall_seconds: float = 1.5,
        storm: tuple[int, float] | None = None,
        storm_faults: tuple[str, ...] = STORM,
        trickle_gap: float = 0.2,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _FaultProxy)
        #: ``(seed, rate)``: every playback answer with a body is broken with probability
        #: ``rate``, its fault drawn from ``storm_faults`` (default :data:`STORM`),
        #: retries too (bursts happen).
        self._storm = None if storm is None else (random.Random(storm[0]), storm[1])
        self._storm_faults = storm_faults
        self.trickle_gap = trickle_gap
        self.answered = 0
        #: Playback requests that reached the proxy (faulted, redirected or not).
        self.playbacks = 0
        self.outages = 0
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.netloc = f"127.0.0.1:{self.server_address[1]}"
        self.url = f"http://{self.netloc}"
        self.stall_seconds = stall_seconds
        self._mislabel = tuple(mislabel)
        self._seen: set[str] = set()
        self._faults = itertools.cycle(FAULTS)
        self._lock = threading.Lock()
        self.injected: dict[str, int] = dict.fromkeys((*FAULTS, *STORM, "mislabel"), 0)

    def mislabels(self, path: str) -> bool:
        """Whether ``path`` plays a capture whose original ends with a mislabelled suffix."""
        if "/cdx" in path or not any(path.endswith(s) for s in self._mislabel):
            return False
        with self._lock:
            self.injected["mislabel"] += 1
        return True

    def count(self, path: str) -> None:
        if "/cdx" not in path:
            with self._lock:
                self.playbacks += 1

    def fault_for(self, path: str) -> str | None:
        if "/cdx" in path:
            return None  # the CDX side is covered by the client's own tests
        with self._lock:
            self.answered += 1
            if self._storm is not None:
                rng, rate = self._storm
                if rng.random() >= rate:
                    return None
                fault = rng.choice(self._storm_faults)
                self.injected[fault] += 1
                return fault
            if path in self._seen:
                return None
            self._seen.add(path)
            fault = next(self._faults)
            self.injected[fault] += 1
            return fault

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hanging up on a stalled body is expected

    def outage(self, seconds: float) -> threading.Thread:
        """Go away for ``seconds``: the listening socket closed (connections refused, as
        from an archive that is down), then opened again on the same port."""

        def away() -> None:
            self.shutdown()
            self.socket.close()
            self.outages += 1
            time.sleep(seconds)
            self.socket = socket.socket(self.address_family, self.socket_type)
            self.server_bind()
            self.server_activate()
            threading.Thread(target=self.serve_forever, daemon=True).start()

        thread = threading.Thread(target=away, daemon=True)
        thread.start()
        return thread


@contextmanager
def fault_proxy(
    upstream: str,
    *,
    mislabel: Iterable[str] = (),
    stall_seconds: float = 1.5,
    storm: tuple[int, float] | None = None,
    storm_faults: tuple[str, ...] = STORM,
) -> Iterator[FaultProxy]:
    """Run a :class:`FaultProxy` in front of ``upstream`` for the ``with`` block."""
    server = FaultProxy(
        upstream,
        mislabel=mislabel,
        stall_seconds=stall_seconds,
        storm=storm,
        storm_faults=storm_faults,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
