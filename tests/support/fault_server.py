"""A small archive of the tests' own on 127.0.0.1 that misbehaves on cue.

Each path gets a script: a list of replies played in order, the last one repeated.
A reply can be a 429 with or without ``Retry-After``, a 503, a capture with
``Memento-Datetime``, a body that stalls, a connection dropped mid-body, a
``Content-Length`` larger than the body (truncated), a wrong media type. URLs and
headers are Wayback-shaped (``/web/<ts>id_/<url>``, ``/cdx/search/cdx``) so the
client under test cannot tell it from an archive. Every request is logged with its
arrival time, for assertions about pauses and retries.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from linkrescue.archive.timestamps import timestamp_datetime


@dataclass(frozen=True)
class Reply:
    """One scripted answer.

    ``stall``: seconds to wait after the first half of the body; ``drop``: close the
    connection after the first half; ``declare``: the ``Content-Length`` to announce
    (larger than the body = a truncated body); ``delay``: seconds before answering;
    ``chunked``: no ``Content-Length``, chunked transfer encoding; ``trickle``: send
    the body a byte at a time, this many seconds apart (each gap under any read
    timeout, the whole far over a body deadline).
    """

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    stall: float = 0.0
    drop: bool = False
    declare: int | None = None
    delay: float = 0.0
    chunked: bool = False
    trickle: float = 0.0


def memento(
    body: bytes,
    content_type: str = "image/png",
    timestamp: str = "20211229095346",
    *,
    status: int = 200,
    original: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
    **kwargs: object,
) -> Reply:
    """An archived answer: ``Memento-Datetime`` (and ``Link`` original when given)."""
    headers = [
        ("Content-Type", content_type),
        ("Memento-Datetime", format_datetime(timestamp_datetime(timestamp), usegmt=True)),
    ]
    if original:
        headers.append(("Link", f'<{original}>; rel="original"'))
    return Reply(status, body, tuple(headers) + extra, **kwargs)  # type: ignore[arg-type]


def nearest(location: str) -> Reply:
    """The archive's own move to the nearest capture: a 302 without ``Memento-Datetime``."""
    ts = location.split("/web/", 1)[1][:14]
    return Reply(
        302,
        b"",
        (("Location", location), ("X-Archive-Redirect-Reason", f"found capture at {ts}")),
    )


TOO_MANY = b"<html><body><h1>429 Too Many Requests</h1>You have sent too many requests in a given amount of time.</body></html>"


@dataclass
class Hit:
    path: str
    at: float
    thread: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FaultArchive:
    """The server's state: scripts by path, and the log of requests."""

    scripts: dict[str, list[Reply]] = field(default_factory=dict)
    served: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, path: str, *replies: Reply) -> None:
        with self.lock:
            self.scripts[path] = list(replies)
            self.served[path] = 0

    def next_reply(self, path: str, headers: dict[str, str]) -> Reply | None:
        with self.lock:
            now = time.monotonic()
            self.hits.append(Hit(path, now, threading.current_thread().name, headers))
            key = path if path in self.scripts else urlsplit(path).path
            replies = self.scripts.get(key)
            if not replies:
                return None
            n = self.served[key]
            self.served[key] = n + 1
            return replies[min(n, len(replies) - 1)]

    def hits_for(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path == path or urlsplit(h.path).path == path]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests read FaultArchive.hits instead

    def do_GET(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.archive.next_reply(unquote(self.path), headers)
        if reply is None:
            reply = Reply(
                404, b"<h2>Hrm.</h2><p>The Wayback Machine has not archived that URL.</p>"
            )
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        length = reply.declare if reply.declare is not None else len(reply.body)
        if reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        if reply.drop or reply.declare is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        half = len(reply.body) // 2
        if reply.chunked:
            self._chunked(reply.body)
            return
        if reply.trickle:
            self._trickle(reply.body, reply.trickle)
            return
        try:
            self.wfile.write(reply.body[:half])
            self.wfile.flush()
            if reply.drop:
                self.connection.shutdown(2)
                return
            if reply.stall:
                time.sleep(reply.stall)
            self.wfile.write(reply.body[half:])
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _trickle(self, body: bytes, gap: float) -> None:
        try:
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                time.sleep(gap)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _chunked(self, body: bytes, size: int = 1024) -> None:
        try:
            for i in range(0, len(body), size):
                piece = body[i : i + size]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, archive: FaultArchive) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.archive = archive

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up (as timeouts and rejections make them) are part of the play."""


class FaultServer:
    """Start with :meth:`start`, stop with :meth:`stop`; ``url`` is the archive root."""

    def __init__(self) -> None:
        self.archive = FaultArchive()
        self._server = _Server(self.archive)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def script(self, path: str, *replies: Reply) -> None:
        self.archive.script(path, *replies)

    def hits(self, path: str) -> list[Hit]:
        return self.archive.hits_for(path)
