"""Injected faults end in the same final store as a clean run.

Every resource of the test WARC is rescued twice into two stores: once straight
from pywb, once through a proxy of our own that breaks the first answer for every
path in turn (503, 429 without Retry-After, a connection dropped mid-body, a body
shorter than its Content-Length, a stalled body) and forwards the retry faithfully.
The two stores must hold the same files with the same bytes, every captured
resource byte-identical to its capture, every uncaptured one ``not-archived``.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.client import ArchiveClient
from archive.model import Outcome, Want
from archive.settings import ArchiveSettings
from archive.store import Store
from tests.support.archive_content import ASSETS, CAPTURES, NEWS, PREFIX_IMAGES
from tests.support.pywb_server import Pywb

FAULTS = ("503", "429", "drop", "truncate", "stall")
#: Resources that pywb answers with the capture's bytes (the last capture of each URL
#: with status 200 and, for images, an image type), with the want that asks for them.
RESCUABLE = {
    f"{ASSETS}/cat.png": Want.IMAGE,
    f"{ASSETS}/dog.jpg": Want.IMAGE,
    "https://www.example-news.com/news_新聞/圖片.jpg": Want.IMAGE,
    f"{NEWS}/article/1": Want.PAGE,
    f"{NEWS}/article/2": Want.PAGE,
    f"{NEWS}/static/site.css": Want.ANY,
    f"{NEWS}/compressed": Want.PAGE,
    f"{ASSETS}/logo.png": Want.IMAGE,
    **dict.fromkeys(sorted(PREFIX_IMAGES)[:6], Want.IMAGE),
}
UNCAPTURED = [f"{NEWS}/never-captured", f"{ASSETS}/never.png"]


class _FaultProxy(BaseHTTPRequestHandler):
    """Forwards to pywb; the first request of every path gets the next fault instead."""

    server: _ProxyServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
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
        # Break only answers that carry a body (a capture), so that every fault
        # lands where it hurts: on the bytes that end up in the store.
        fault = self.server.fault_for(self.path) if len(body) > 1 else None
        if fault == "503":
            self._send(503, [("Content-Type", "text/plain")], b"busy")
            return
        if fault == "429":
            self._send(429, [("Content-Type", "text/html")], b"<h1>429 Too Many Requests</h1>")
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
        declared = len(body) + (100 if fault == "truncate" else 0)
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        if fault in ("drop", "truncate", "stall"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if fault == "stall":
                time.sleep(1.5)  # longer than the client's read timeout
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


_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _FaultProxy)
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.netloc = f"127.0.0.1:{self.server_address[1]}"
        self._seen: set[str] = set()
        self._faults = itertools.cycle(FAULTS)
        self._lock = threading.Lock()
        self.injected: dict[str, int] = dict.fromkeys(FAULTS, 0)

    def fault_for(self, path: str) -> str | None:
        if "/cdx" in path:
            return None  # the CDX side is covered by the client's own tests
        with self._lock:
            if path in self._seen:
                return None
            self._seen.add(path)
            fault = next(self._faults)
            self.injected[fault] += 1
            return fault

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hanging up on a stalled body is expected


@pytest.fixture
def proxy(pywb: Pywb) -> Iterator[_ProxyServer]:
    server = _ProxyServer(pywb.url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _rescue_all(settings: ArchiveSettings, root: Path) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    with (
        ArchiveClient(settings, backoff_base=0.01, backoff_max=0.05) as client,
        Store(root) as store,
    ):
        for url, want in [*RESCUABLE.items(), *((u, Want.ANY) for u in UNCAPTURED)]:
            with store.staging() as sink:
                result = client.rescue(url, want=want, sink=sink)
                if result.outcome is Outcome.RESCUED and result.capture is not None:
                    stored = store.commit(sink, result.capture, key=url)
                    store.index.record_rescue(url, url, stored, result.capture)
            outcomes[url] = result.outcome
    return outcomes


def _files(root: Path) -> dict[str, str]:
    skip = (".objects", ".staging")
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and not p.name.startswith("index.sqlite3")
        and p.relative_to(root).parts[0] not in skip
    }


def test_injected_faults_end_in_the_same_store_as_a_clean_run(
    pywb: Pywb, proxy: _ProxyServer, pywb_settings: ArchiveSettings, tmp_path: Path
) -> None:
    clean = _rescue_all(pywb_settings, tmp_path / "clean")
    faulty_settings = replace(
        pywb_settings, url=f"http://{proxy.netloc}", read_timeout=0.5, pause_seconds=0.2
    )
    faulty = _rescue_all(faulty_settings, tmp_path / "faulty")

    assert all(n > 0 for n in proxy.injected.values()), proxy.injected
    assert clean == faulty
    assert {u for u, o in clean.items() if o is Outcome.RESCUED} == set(RESCUABLE)
    assert {u for u, o in clean.items() if o is Outcome.NOT_ARCHIVED} == set(UNCAPTURED)
    assert _files(tmp_path / "clean") == _files(tmp_path / "faulty")

    # Every rescued file is byte-identical to the capture it came from.
    latest = {}
    for cap in CAPTURES:
        if cap.status == 200:
            latest[cap.url] = cap.body  # CAPTURES lists a URL's captures oldest first
    with Store(tmp_path / "faulty") as store:
        for url in RESCUABLE:
            indexed = store.index.lookup(url)
            assert indexed is not None and indexed.path is not None
            assert (store.root / indexed.path).read_bytes() == latest[url], url
        assert store.verify() == []
