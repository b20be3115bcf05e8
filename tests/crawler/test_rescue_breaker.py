"""An archive in an outage stops the run's fetching early; nothing is rewritten, exit 1.

The archive here answers 503 to everything, as the Wayback Machine does in its
outages (bursts lasting hours): each request is retried, and after 5 resources or
CDX listings in a row failed the run stops asking. An archive that cannot be
reached at all (no network, nothing listening) is another case: see
test_rescue_archive.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.cli import linkrescue


class _Outage(BaseHTTPRequestHandler):
    """Every answer is the archive's own 503 (no Memento-Datetime); paths are logged."""

    protocol_version = "HTTP/1.1"
    server: _OutageServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.paths.append(self.path)
        body = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
        self.send_response(503)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _OutageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Outage)
        self.paths: list[str] = []
        self.lock = threading.Lock()

    def cdx(self) -> list[str]:
        with self.lock:
            return [p for p in self.paths if p.startswith("/cdx/")]

    def playback(self) -> list[str]:
        with self.lock:
            return [p for p in self.paths if p.startswith("/web/")]


@pytest.fixture
def outage() -> Iterator[_OutageServer]:
    server = _OutageServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def configure(tmp_path: Path, outage: _OutageServer) -> None:
    host, port = outage.server_address[:2]
    (tmp_path / "config.toml").write_text(
        f'[archive]\nurl = "http://{host!s}:{port}"\ncdx_per_second = 0\n'
        "playback_per_second = 0\nretries = 1\nconnect_timeout = 1.0\n"
        "[rescue]\nconcurrency = 1\n",
        encoding="utf-8",
    )


def test_an_archive_in_an_outage_trips_the_breaker(tmp_path: Path, outage: _OutageServer) -> None:
    # Nine Stand News images with full timestamps: one windowed listing of their folder.
    links = "\n".join(
        f"![](http://web.archive.org/web/20211229095346im_/"
        f"https://assets.thestandnews.com/media/photos/{i}.png)"
        for i in range(9)
    )
    doc = tmp_path / "a.md"
    doc.write_text(f"---\ntitle: x\n---\n{links}\n", encoding="utf-8")
    original = doc.read_bytes()
    configure(tmp_path, outage)

    done = linkrescue("rescue", "a.md", "--report", "r.json", cwd=tmp_path)

    assert done.returncode == 1, done.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    reasons = [item["reason"] for item in report["items"]]
    assert report["failed"] == 9
    # The listing failed (1), then four resources (5): the other five are not tried.
    not_tried = [r for r in reasons if r.startswith("not tried: the archive failed 5 ")]
    assert len(not_tried) == 5
    assert "CDX listing of assets.thestandnews.com/media/photos/ failed" in done.stderr
    assert "stopping: the archive failed 5 resources in a row" in done.stderr
    # probe + listing + 4 resources, each tried twice (retries = 1); nothing after the trip
    assert len(outage.cdx()) == 2 + 2
    assert len(outage.playback()) == 4 * 2
    assert report["requests"] == {"cdx": 4, "playback": 8, "live": 0}
    assert doc.read_bytes() == original


def test_the_breaker_stops_cdx_listings_too(tmp_path: Path, outage: _OutageServer) -> None:
    """A corpus big enough for five listings. Failed listings count toward the breaker
    like failed resources, and once it trips neither a listing nor a resource sends
    another request (listings used to go on failing after the trip: 5 listings and
    5 resources, each tried twice, 20 requests)."""
    folders = [f"https://assets.thestandnews.com/media/{year}/" for year in range(2015, 2022)]
    lines = [
        f"![](http://web.archive.org/web/2021im_/{folder}photo-{i}.jpg)"
        for folder in folders
        for i in range(45)
    ]
    doc = tmp_path / "big.md"
    doc.write_text("---\ntitle: big\n---\n" + "\n".join(lines) + "\n", encoding="utf-8")
    original = doc.read_bytes()
    configure(tmp_path, outage)

    done = linkrescue("rescue", "big.md", "--report", "r.json", cwd=tmp_path)

    assert done.returncode == 1, done.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["resources"] == len(lines) == report["failed"]
    assert "stopping: the archive failed 5 resources in a row" in done.stderr
    listings = [p for p in outage.cdx() if "matchType=prefix" in p]
    failed_listings = done.stderr.count("WARNING CDX listing of assets.thestandnews.com/media/")
    assert 1 <= failed_listings < 5  # the lister ran beside the worker, and stopped
    # The probe (2), then five failures tried twice. The one in flight on the other
    # thread (one worker, one lister) when the fifth failure trips the breaker has sent
    # one or both of its tries by then (a request sent cannot be called back): at most
    # 6 x 2. After the trip nothing is sent: no third listing try, no next resource.
    assert len(outage.cdx()) == 2 + len(listings)
    assert len(listings) + len(outage.playback()) <= (5 + 1) * 2
    assert doc.read_bytes() == original
