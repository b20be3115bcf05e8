"""Live links to the machine's own network are refused unless ``[network] allow_private``
(issue 14, item 4): a corpus scraped from the web must not make a server ask its own
loopback, its private network or the cloud metadata service.

Real servers on loopback count what reaches them: a refused link reaches nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from linkrescue.archive.settings import ArchiveSettings
from linkrescue.crawler.config import NetworkSettings
from linkrescue.crawler.stages.live import LiveChecker
from tests.support.cli import linkrescue


class _Counting(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self.server.hits.append(self.path)
        if self.server.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD


class _Server(ThreadingHTTPServer):
    def __init__(self, redirect_to: str = "") -> None:
        super().__init__(("127.0.0.1", 0), _Counting)
        self.hits: list[str] = []
        self.redirect_to = redirect_to
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@pytest.fixture
def site() -> Iterator[_Server]:
    server = _Server()
    yield server
    server.stop()


def checker(archive: str = "https://web.archive.org", allow: bool = False) -> LiveChecker:
    return LiveChecker(ArchiveSettings(url=archive), network=NetworkSettings(allow_private=allow))


@pytest.mark.parametrize(
    "form",
    [
        "http://127.0.0.1:{port}/a",
        "http://localhost:{port}/a",
        "http://2130706433:{port}/a",
        "http://0x7f.1:{port}/a",
        "http://[::ffff:127.0.0.1]:{port}/a",
        "http://0.0.0.0:{port}/a",
        "http://[::1]:{port}/a",
    ],
)
def test_every_spelling_of_loopback_is_refused_before_a_request(site: _Server, form: str) -> None:
    live = checker()
    verdict = live.check(form.format(port=site.port))
    live.close()
    assert not verdict.dead and verdict.doubtful
    assert "is not a public address" in verdict.reason
    assert "[network] allow_private = true" in verdict.reason
    assert site.hits == []


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://10.1.2.3/",
        "http://192.168.0.1/admin",
        "http://172.16.5.4/",
        "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
    ],
)
def test_private_link_local_and_reserved_addresses_are_refused(url: str) -> None:
    live = checker()
    verdict = live.check(url)
    live.close()
    assert "is not a public address" in verdict.reason, verdict
    assert live.requests == 1  # counted as asked, but nothing was sent (no timeout either)


def test_allow_private_checks_them(site: _Server) -> None:
    live = checker(allow=True)
    verdict = live.check(f"http://127.0.0.1:{site.port}/a")
    live.close()
    assert verdict.reason == "live (HTTP 200)"
    assert site.hits == ["/a"]


def test_the_configured_archive_is_exempt_and_a_redirect_out_of_it_is_not(site: _Server) -> None:
    archive = _Server(redirect_to=f"http://127.0.0.1:{site.port}/elsewhere")
    try:
        live = checker(archive=f"http://127.0.0.1:{archive.port}")
        verdict = live.check(f"http://127.0.0.1:{archive.port}/web/2021/x")
        live.close()
    finally:
        archive.stop()
    assert archive.hits == ["/web/2021/x"]  # the archive itself: asked
    assert site.hits == []  # where it redirected: refused
    assert "is not a public address" in verdict.reason


def test_check_reports_refused_links_with_their_reason_and_asks_nothing(
    site: _Server, tmp_path: Path
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(
        f"[local](http://127.0.0.1:{site.port}/x)\n\n[meta](http://169.254.169.254/latest/)\n",
        encoding="utf-8",
    )
    done = linkrescue("check", "docs", "--format", "json", cwd=tmp_path)
    findings = json.loads(done.stdout)
    assert site.hits == []
    reasons = {f["url"]: f for f in findings}
    for url in (f"http://127.0.0.1:{site.port}/x", "http://169.254.169.254/latest/"):
        assert reasons[url]["status"] == "unknown", reasons[url]
        assert "is not a public address" in reasons[url]["reason"]
    assert done.returncode == 0, done.stdout + done.stderr  # unknown never fails a CI check

    (tmp_path / "linkrescue.toml").write_text("[network]\nallow_private = true\n")
    again = linkrescue("check", "docs", "--format", "json", cwd=tmp_path)
    assert site.hits == ["/x"]
    assert again.returncode == 0, again.stdout + again.stderr
