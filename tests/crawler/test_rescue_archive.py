"""Which archive answers, and whether it is there at all: `linkrescue rescue` as a new
user meets it, on a real pywb on loopback with Stand-News-shaped articles.

- Offline (the archive's host does not resolve, or refuses connections): one line,
  exit 1 in seconds, documents byte-identical, nothing recorded (issue 8, item 5).
- A wrong archive setting is an error (exit 2), not "not archived" for everything;
  answers are tied to the archive that gave them; ``--recheck`` (item 6).
- A failed network is not a dead link (item 9).
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.archive_content import Cap, html, png_bytes
from tests.support.cli import linkrescue
from tests.support.fault_server import FaultServer, Reply
from tests.support.forward import relay_get
from tests.support.pywb_server import Pywb, start_pywb

PHOTO = "https://assets.thestandnews.com/media/photos/clubhouse-room.png"
PHOTO_PNG = png_bytes(5, 4, (200, 30, 40))
REUTERS = "https://www.reuters.com/article/us-china-internet-clubhouse/clubhouse-idUSKBN2A705H"
REUTERS_PAGE = html("Reuters", "<p>Chinese users flock to Clubhouse</p>")
FT = "https://www.ft.com/content/7adb20d1-df60-4e11-9b1b-fe8a269862cb"  # never captured
# RFC 2606: .invalid resolves nowhere, with or without network.
GONE = "http://assets.linkrescue-gone.invalid/media/banner.png"
GONE_PNG = png_bytes(3, 3, (1, 2, 3))

ARTICLE = (
    "---\n"
    'title: "記 Clubhouse 房間"\n'
    'date: "2021-02-07T21:00:00"\n'
    'original_url: "thestandnews.com/international/clubhouse-room"\n'
    "---\n"
    f"![](http://web.archive.org/web/2021im_/{PHOTO})\n\n"
    f"見 [路透社](http://web.archive.org/web/20210208000000/{REUTERS})。\n"
)


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-archive"),
        captures=[
            Cap(PHOTO, "20210207210000", PHOTO_PNG, "image/png"),
            Cap(REUTERS, "20210208000000", REUTERS_PAGE),
            Cap(GONE, "20210101000000", GONE_PNG, "image/png"),
        ],
        probe_url=REUTERS,
    )
    try:
        yield server
    finally:
        server.stop()


def configure(
    root: Path,
    url: str,
    extra: str = "",
    live_links: str = "off",
    retries: int = 2,
    crawl: str = "",
) -> None:
    (root / "config.toml").write_text(
        f'[archive]\nurl = "{url}"\ncdx_per_second = 0\nplayback_per_second = 0\n'
        f"retries = {retries}\nconnect_timeout = 2.0\nread_timeout = 5.0\n{extra}"
        f"[crawl]\n{crawl}[network]\nallow_private = true\n"  # live sites on loopback
        f'[store]\ndir = "rescued"\n[rescue]\nlive_links = "{live_links}"\n',
        encoding="utf-8",
    )


def corpus(root: Path, text: str = ARTICLE) -> dict[Path, bytes]:
    doc = root / "content" / "international" / "clubhouse-room.md"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")
    return {p: p.read_bytes() for p in sorted((root / "content").rglob("*.md"))}


def unchanged(files: dict[Path, bytes]) -> bool:
    return all(path.read_bytes() == data for path, data in files.items())


def report(root: Path, name: str = "r.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / name).read_text(encoding="utf-8"))
    return data


def items(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["url"]: item for item in data["items"]}


def index_rows(root: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(root / "rescued" / "index.sqlite3") as db:
        return db.execute(sql, params).fetchall()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- item 5: offline in seconds ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://web.archive.linkrescue.invalid", "name not resolved"),
        ("http://127.0.0.1:{port}", "connection refused"),
    ],
)
def test_offline_a_first_run_ends_in_seconds_with_one_line(
    tmp_path: Path, url: str, why: str
) -> None:
    url = url.format(port=closed_port())
    files = corpus(tmp_path)
    configure(tmp_path, url, retries=5)  # retries that must not be spent

    start = time.monotonic()
    done = linkrescue("rescue", "content", "--report", "r.json", cwd=tmp_path)
    elapsed = time.monotonic() - start

    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"linkrescue: cannot reach the archive at {url} ({why}): "
        "nothing was changed; run again when online"
    ]
    assert elapsed < 10
    assert unchanged(files)
    assert not (tmp_path / "rescued").exists()  # nothing recorded, not even a store
    assert not (tmp_path / "r.json").exists()


def test_offline_nothing_is_recorded_and_the_next_run_rescues_it_all(
    pywb: Pywb, tmp_path: Path
) -> None:
    files = corpus(tmp_path)
    configure(tmp_path, pywb.url)
    first = linkrescue("rescue", "content", "--only", "images", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    recorded = index_rows(tmp_path, "SELECT * FROM attempts ORDER BY id")
    files = {p: p.read_bytes() for p in files}

    offline = linkrescue(
        "rescue", "content", "--archive-url", f"http://127.0.0.1:{closed_port()}", cwd=tmp_path
    )
    assert offline.returncode == 1, offline.stderr
    assert "(connection refused): nothing was changed" in offline.stderr
    assert unchanged(files)
    assert index_rows(tmp_path, "SELECT * FROM attempts ORDER BY id") == recorded

    online = linkrescue("rescue", "content", "--report", "r.json", cwd=tmp_path)
    assert online.returncode == 0, online.stderr
    found = items(report(tmp_path))
    assert list(found) == [REUTERS]  # the image was rewritten to its copy by the first run
    assert found[REUTERS]["outcome"] == "rescued"


# --- item 6: answers belong to the archive that gave them -------------------------


def test_the_collection_added_to_the_archive_url_is_an_error_not_a_verdict(
    pywb: Pywb, tmp_path: Path
) -> None:
    files = corpus(tmp_path)
    configure(tmp_path, pywb.url)

    wrong = linkrescue("rescue", "content", "--archive-url", f"{pywb.url}/web/", cwd=tmp_path)

    assert wrong.returncode == 2, wrong.stderr
    assert wrong.stderr.splitlines() == [
        f"linkrescue: [archive] url (--archive-url): no CDX API at "
        f"{pywb.url}/web/cdx/search/cdx (HTTP 404); the URL ends with the collection "
        f"/web/, which linkrescue adds itself: use {pywb.url}"
    ]
    assert unchanged(files)
    assert not (tmp_path / "rescued").exists()

    right = linkrescue("rescue", "content", "--report", "r.json", cwd=tmp_path)
    assert right.returncode == 0, right.stderr
    assert report(tmp_path)["rescued"] == 2


def test_a_wrong_cdx_url_names_that_setting(pywb: Pywb, tmp_path: Path) -> None:
    files = corpus(tmp_path)
    configure(tmp_path, pywb.url, f'cdx_url = "{pywb.url}/search/cdx"\n')
    done = linkrescue("rescue", "content", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        f"linkrescue: [archive] cdx_url: no CDX API at {pywb.url}/search/cdx (HTTP 404)"
    )
    assert len(done.stderr.splitlines()) == 1
    assert unchanged(files) and not (tmp_path / "rescued").exists()


@pytest.mark.parametrize("url", ["web.archive.org", "not a url"])
def test_an_archive_url_without_a_scheme_is_an_error_at_once(tmp_path: Path, url: str) -> None:
    files = corpus(tmp_path)
    configure(tmp_path, "https://web.archive.org")
    start = time.monotonic()
    done = linkrescue("rescue", "content", "--archive-url", url, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert time.monotonic() - start < 10
    (line,) = done.stderr.splitlines()
    assert line.startswith("linkrescue: ") and "url" in line and url in line
    assert unchanged(files) and not (tmp_path / "rescued").exists()


@pytest.fixture
def empty_archive() -> Iterator[FaultServer]:
    """An archive that holds nothing: its CDX API answers no rows (as pywb: an empty
    body), its playback 404 without Memento-Datetime."""
    server = FaultServer().start()
    server.script("/cdx/search/cdx", Reply(200, b"", (("Content-Type", "text/x-ndjson"),)))
    try:
        yield server
    finally:
        server.stop()


def test_answers_from_one_archive_are_not_reused_against_another(
    pywb: Pywb, empty_archive: FaultServer, tmp_path: Path
) -> None:
    corpus(tmp_path)
    # the documents' own resources alone: a page's requisites that one archive lacked are
    # asked of the next archive too, as any resource is (and its view then points there)
    configure(tmp_path, empty_archive.url, extra="", crawl="requisites = false\n")
    first = linkrescue("rescue", "content", "--report", "a.json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert report(tmp_path, "a.json")["not_archived"] == 2
    assert linkrescue("rescue", "content", "--report", "a2.json", cwd=tmp_path).returncode == 0
    assert report(tmp_path, "a2.json")["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    assert all("(known since " in i["reason"] for i in report(tmp_path, "a2.json")["items"])

    other = linkrescue(
        "rescue", "content", "--archive-url", pywb.url, "--report", "b.json", cwd=tmp_path
    )

    assert other.returncode == 0, other.stderr
    data = report(tmp_path, "b.json")
    assert data["rescued"] == 2
    assert index_rows(tmp_path, "SELECT DISTINCT archive FROM resources") == [(f"{pywb.url}/web",)]
    history = index_rows(tmp_path, "SELECT outcome, archive FROM attempts WHERE url = ?", REUTERS)
    assert history == [("not-archived", f"{empty_archive.url}/web"), ("rescued", f"{pywb.url}/web")]

    # A rescued file stays valid whichever archive is asked next: no request.
    back = linkrescue("rescue", "content", "--report", "a3.json", cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert report(tmp_path, "a3.json")["requests"] == {"cdx": 0, "playback": 0, "live": 0}


def test_recheck_asks_again_about_remembered_negatives(pywb: Pywb, tmp_path: Path) -> None:
    corpus(tmp_path, ARTICLE + f"\n[FT]({FT})\n")
    configure(tmp_path, pywb.url, live_links="all")
    assert linkrescue("rescue", "content", cwd=tmp_path).returncode == 0

    known = linkrescue("rescue", "content", "--report", "known.json", cwd=tmp_path)
    data = report(tmp_path, "known.json")
    assert known.returncode == 0
    assert data["requests"]["cdx"] + data["requests"]["playback"] == 0
    assert "(known since " in items(data)[FT]["reason"]

    again = linkrescue("rescue", "content", "--recheck", "--report", "again.json", cwd=tmp_path)

    assert again.returncode == 0, again.stderr
    data = report(tmp_path, "again.json")
    assert items(data)[FT]["outcome"] == "not-archived"
    assert "known since" not in items(data)[FT]["reason"]
    assert data["requests"]["cdx"] + data["requests"]["playback"] > 0
    assert list(items(data)) == [FT]  # the rescued two were rewritten to their copies
    attempts = index_rows(tmp_path, "SELECT outcome FROM attempts WHERE url = ?", FT)
    assert attempts == [("not-archived",), ("not-archived",)]


# --- item 9: a failed network is not a dead link -----------------------------------


class _Live(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "0")
        self.end_headers()


@dataclass
class LiveSite:
    url: str


@pytest.fixture
def live_site() -> Iterator[LiveSite]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Live)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield LiveSite(f"http://localhost:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


def test_when_no_name_resolves_a_live_link_is_unknown_not_dead(pywb: Pywb, tmp_path: Path) -> None:
    """The archive is an IP address (no name to resolve) and every live link's name
    fails: that is a network without DNS, not a web of dead links."""
    other = "http://www.linkrescue-news.invalid/2021/article.html"
    files = corpus(tmp_path, ARTICLE + f"\n![橫額]({GONE})\n[報道]({other})\n")
    configure(tmp_path, pywb.url, live_links="dead")

    done = linkrescue("rescue", "content", "--report", "r.json", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    found = items(report(tmp_path))
    for url in (GONE, other):
        assert found[url]["outcome"] == "skipped"
        assert found[url]["reason"].startswith("unknown: ")
        assert "not counted as dead" in found[url]["reason"]
    text = next(iter(files)).read_text(encoding="utf-8")
    assert f"![橫額]({GONE})" in text and f"[報道]({other})" in text
    assert found[PHOTO]["outcome"] == "rescued"


def test_when_other_names_resolve_a_name_not_found_is_dead(
    pywb: Pywb, live_site: LiveSite, tmp_path: Path
) -> None:
    alive = f"{live_site.url}/media/logo.png"
    corpus(tmp_path, ARTICLE + f"\n![橫額]({GONE})\n![標誌]({alive})\n")
    # declared dead on its first answer here (the count across runs: test_history_e2e.py)
    configure(tmp_path, pywb.url, "[nightly]\ndead_after_failures = 1\n", live_links="dead")

    done = linkrescue("rescue", "content", "--report", "r.json", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    found = items(report(tmp_path))
    assert found[GONE]["outcome"] == "rescued"  # dead: its copy is in the archive
    assert found[alive]["outcome"] == "skipped"
    assert found[alive]["reason"] == "live (HTTP 200)"


class _Vanishing(BaseHTTPRequestHandler):
    """Forwards to pywb, one connection per request, and closes its port for good
    after ``limit`` requests: the archive goes away in the middle of a run."""

    protocol_version = "HTTP/1.0"
    server: _VanishingServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.served += 1
            last = self.server.served >= self.server.limit
        relay_get(self, self.server.upstream)
        if last:
            threading.Thread(target=self.server.vanish, daemon=True).start()


class _VanishingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, limit: int) -> None:
        super().__init__(("127.0.0.1", 0), _Vanishing)
        self.upstream = upstream
        self.limit = limit
        self.served = 0
        self.lock = threading.Lock()

    def vanish(self) -> None:
        self.shutdown()
        self.server_close()


def test_an_archive_gone_in_the_middle_of_a_run_leaves_nothing_half_done(
    pywb: Pywb, tmp_path: Path
) -> None:
    files = corpus(tmp_path, ARTICLE + f"\n[FT]({FT})\n")
    proxy = _VanishingServer(pywb.url.removeprefix("http://"), limit=2)  # the probe, one more
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    host, port = proxy.server_address[:2]
    configure(tmp_path, f"http://{host!s}:{port}", live_links="all")
    (tmp_path / "config.toml").write_text(
        (tmp_path / "config.toml").read_text() + "concurrency = 1\n", encoding="utf-8"
    )

    gone = linkrescue("rescue", "content", cwd=tmp_path)

    assert gone.returncode == 1, gone.stderr
    assert gone.stderr.splitlines()[-1] == (
        f"linkrescue: cannot reach the archive at http://{host!s}:{port} (connection refused): "
        "nothing was changed; run again when online"
    )
    assert "stopping: cannot reach the archive" in gone.stderr  # after the probe passed
    assert unchanged(files)  # no document rewritten with half the copies
    # Only what was rescued is recorded; nothing a later run would take as an answer.
    outcomes = index_rows(tmp_path, "SELECT DISTINCT outcome FROM attempts")
    assert outcomes in ([], [("rescued",)])

    again = linkrescue(
        "rescue", "content", "--archive-url", pywb.url, "--report", "r.json", cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    data = report(tmp_path)
    assert data["rescued"] == 2 and data["not_archived"] == 1
