"""`linkrescue rescue` end to end, as a new user tries it: real-shaped corpus, real pywb on loopback.

The corpus is the real Stand News example plus an article it links to and a
Citizen-News-shaped article. The archive is a pywb serving a WARC built here,
where some references were captured and some were not.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.support.archive_content import Cap, html, jpeg_like, png_bytes
from tests.support.cli import linkrescue
from tests.support.files import capture_bytes
from tests.support.pywb_server import Pywb, start_pywb

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "thestandnews" / "china-clubhouse.md"
EXAMPLE_TEXT = EXAMPLE.read_bytes().decode("utf-8")

ASSETS = "https://assets.thestandnews.com/media/photos"
TEMPLATE_PNG = png_bytes(4, 3, (10, 120, 200))
BBC_JPG = jpeg_like(b"bbc")
CJK_JPG = jpeg_like("圖片新聞".encode())
CJK_URL = "https://www.example-news.com/news_新聞/2021/圖片.jpg"
FACEBOOK = "https://www.facebook.com/coco.shen/posts/10157672268636821"
REUTERS = (
    "https://www.reuters.com/article/us-china-internet-clubhouse/"
    "chinese-users-flock-to-u-s-chat-app-clubhouse-evading-censors-idUSKBN2A705H?il=0"
)
FT = "https://www.ft.com/content/7adb20d1-df60-4e11-9b1b-fe8a269862cb"
CLUBHOUSE_ROOM = (
    "https://thestandnews.com/international/%E8%A8%98-clubhouse-%E6%88%BF%E9%96%93-%E8%A5%BF%E8%97%8F"
    "%E8%B7%9F%E6%96%B0%E7%96%86%E7%9A%84%E6%9C%8B%E5%8F%8B-%E6%88%91%E5%80%91%E6%83%B3%E6%89%BE%E4%BD"
    "%A0%E5%80%91%E9%81%8E%E4%BE%86%E8%81%8A%E5%A4%A9-%E7%9A%84%E4%B8%80%E5%A0%B4%E8%A8%8E%E8%AB%96/"
)
BBC_SLUG = (
    "bbc-%E8%AA%BF%E6%9F%A5%E6%96%B0%E7%96%86%E5%86%8D%E6%95%99%E8%82%B2%E7%87%9F-%E5%8F%97%E8%A8%AA"
    "%E7%B6%AD%E5%90%BE%E7%88%BE%E5%A5%B3%E7%A8%B1-3-%E6%AC%A1%E8%A2%AB%E8%BC%AA%E5%A7%A6%E5%BC%B7%E5%A7"
    "%A6-%E8%A2%AB%E8%BF%AB%E7%B5%95%E8%82%B2"
)
FACEBOOK_PAGE = html("Facebook post", "<p>archived post</p>")
REUTERS_PAGE = html("Reuters", "<p>Chinese users flock to Clubhouse</p>")
ROOM_PAGE = html("記 Clubhouse 房間", "<p>room</p>")
CITIZEN_PAGE = html("Article 999", "<p>another article</p>")

BBC_DOC = (
    "---\n"
    'title: "BBC 調查"\n'
    'date: "2021-02-04T10:00:00"\n'
    'image: "http://web.archive.org/web/2021im_/https://assets.thestandnews.com/media/photos/bbc.jpg"\n'
    f'original_url: "thestandnews.com/international/{unquote(BBC_SLUG)}"\n'
    "---\n"
    "![](http://web.archive.org/web/2021im_/https://assets.thestandnews.com/media/photos/bbc.jpg)\n"
    "\n> 圖片說明\n\n見 [原文](http://web.archive.org/web/20211229095346/https://www.ft.com/content/7adb20d1-df60-4e11-9b1b-fe8a269862cb)。\n"
)
CITIZEN_DOC = (
    "---\r\n"
    'title: "Citizen"\r\n'
    'date: ""\r\n'
    'url: "https://web.archive.org/web/20211231120000/https://www.example-news.com/article/1/x"\r\n'
    'original_url: "https://www.example-news.com/article/1/x"\r\n'
    "---\r\n"
    '<figure><img src="https://web.archive.org/web/20211230101010im_/https://www.example-news.com/news_新聞/2021/圖片.jpg"><figcaption>圖</figcaption></figure>\r\n'
    "[另一篇](/web/20211231120000/https://www.example-news.com/article/999/x) and [email](mailto:news@example.com)\r\n"
    "```\r\n[not a link](http://web.archive.org/web/20211229095346/https://www.facebook.com/coco.shen/posts/10157672268636821)\r\n```"
)


def corpus_captures(live: str) -> list[Cap]:
    return [
        Cap(f"{ASSETS}/template-15_fLjge_6pSMPpS.png", "20211229095346", TEMPLATE_PNG, "image/png"),
        Cap(f"{ASSETS}/bbc.jpg", "20210301000000", BBC_JPG, "image/jpeg"),
        Cap(FACEBOOK, "20211229095346", FACEBOOK_PAGE),
        Cap(REUTERS, "20211229094000", REUTERS_PAGE),  # inexact: the archive redirects to it
        Cap(unquote(CLUBHOUSE_ROOM), "20210207210000", ROOM_PAGE),
        Cap(CJK_URL, "20211230101010", CJK_JPG, "image/jpeg"),
        Cap("https://www.example-news.com/article/999/x", "20211231120000", CITIZEN_PAGE),
        Cap(f"{live}/gone.png", "20211001000000", png_bytes(1, 1, (1, 2, 3)), "image/png"),
    ]


class _Live(BaseHTTPRequestHandler):
    """A live web site on loopback: /gone.png is 404, /alive.png is up, /flaky.png is 503."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, body: bool) -> None:
        status = {"/gone.png": 404, "/alive.png": 200, "/flaky.png": 503}.get(self.path, 404)
        self.send_response(status)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self) -> None:
        self._answer(False)

    def do_GET(self) -> None:
        self._answer(True)


@dataclass
class Archive:
    pywb: Pywb
    live: str


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    live_server = ThreadingHTTPServer(("127.0.0.1", 0), _Live)
    threading.Thread(target=live_server.serve_forever, daemon=True).start()
    live = f"http://127.0.0.1:{live_server.server_address[1]}"
    pywb = start_pywb(
        tmp_path_factory.mktemp("pywb-rescue"),
        captures=corpus_captures(live),
        probe_url="www.facebook.com/coco.shen/posts/10157672268636821",
    )
    try:
        yield Archive(pywb, live)
    finally:
        pywb.stop()
        live_server.shutdown()
        live_server.server_close()


def make_corpus(root: Path) -> dict[Path, bytes]:
    (root / "china").mkdir(parents=True)
    shutil.copyfile(EXAMPLE, root / "china" / "clubhouse.md")
    (root / "international").mkdir()
    (root / "international" / "bbc.md").write_bytes(BBC_DOC.encode())
    (root / "citizen").mkdir()
    (root / "citizen" / "article_1.md").write_bytes(CITIZEN_DOC.encode())
    return {p: p.read_bytes() for p in sorted(root.rglob("*.md"))}


def write_config(path: Path, archive: Archive, extra: str = "") -> Path:
    path.write_text(
        f'[archive]\nurl = "{archive.pywb.url}"\ncdx_per_second = 0\nplayback_per_second = 0\n'
        "pause_seconds = 0.2\nread_timeout = 5.0\nretries = 2\n"
        # the live site is a server on loopback, which a real run refuses
        "[network]\nallow_private = true\n"
        f'[store]\ndir = "rescued"\n[rescue]\nlive_links = "all"\n{extra}',
        encoding="utf-8",
    )
    return path


def scan(path: Path, cwd: Path) -> list[dict[str, Any]]:
    done = linkrescue("scan", "--format", "json", path, cwd=cwd)
    assert done.returncode == 0, done.stderr
    records: list[dict[str, Any]] = json.loads(done.stdout)
    return records


def target_of(doc: Path, raw: str) -> Path:
    return (doc.parent / unquote(raw)).resolve()


def test_rescue_rewrites_to_local_copies_and_restore_gives_back_the_bytes(
    archive: Archive, tmp_path: Path
) -> None:
    corpus = tmp_path / "content"
    originals = make_corpus(corpus)
    write_config(tmp_path / "config.toml", archive)

    first = linkrescue("rescue", "content", "--report", "report.json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    for field in (
        "documents", "references", "resources", "rescued", "internal", "already_local",
        "not_archived", "failed", "skipped", "requests", "bytes", "seconds", "items",
    ):  # fmt: skip
        assert field in report
    assert report["documents"] == 3
    assert report["failed"] == 0
    assert report["internal"] == 1  # the example's link to the BBC article of the corpus
    items = {item["url"]: item for item in report["items"]}
    expected = {
        f"{ASSETS}/template-15_fLjge_6pSMPpS.png": TEMPLATE_PNG,
        f"{ASSETS}/bbc.jpg": BBC_JPG,
        FACEBOOK: FACEBOOK_PAGE,
        REUTERS: REUTERS_PAGE,
        CLUBHOUSE_ROOM: ROOM_PAGE,
        "https://www.example-news.com/news_%E6%96%B0%E8%81%9E/2021/%E5%9C%96%E7%89%87.jpg": CJK_JPG,
        "https://www.example-news.com/article/999/x": CITIZEN_PAGE,
    }
    store = tmp_path / "rescued"
    for url, body in expected.items():
        item = items[url]
        assert item["outcome"] == "rescued", item
        # the capture's own bytes; a page's browsable file is its view (issue 13)
        assert capture_bytes(store, item["sha256"]) == body, url
        shown = (store / item["local_path"]).read_bytes()
        assert shown == body or (body.startswith(b"<!doctype") and b"Content-Security" in shown)
    assert items[FT]["outcome"] == "not-archived"
    assert report["rescued"] == len(expected)
    assert report["requests"]["cdx"] + report["requests"]["playback"] > 0

    # Every rescued reference now points at its local copy, which opens.
    clubhouse = corpus / "china" / "clubhouse.md"
    records = scan(corpus, tmp_path)
    local = [r for r in records if r["status"] == "local"]
    # example: image x2, fb, reuters, room, the internal link; bbc x2; citizen x2
    assert len(local) == 2 + 1 + 1 + 1 + 1 + 2 + 2
    for r in local:
        assert target_of(Path(r["file"]), r["raw"]).is_file(), r
    internal = [
        r
        for r in records
        if r["file"].endswith("clubhouse.md") and r["raw"].startswith("../international")
    ]
    assert [r["raw"] for r in internal] == ["../international/bbc.md"]
    # The uncaptured references are untouched.
    text = clubhouse.read_text(encoding="utf-8")
    assert f"http://web.archive.org/web/20211229095346/{FT}" in text
    assert "](../../china/%E7%BE%8E%E5%9C%8B" in text  # not captured: left as it was
    # Frontmatter: the image value rewritten, the document's own address untouched.
    assert (
        'image: "../../rescued/assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png"'
        in text
    )
    assert 'original_url: "thestandnews.com/china/clubhouse-' in text
    citizen = (corpus / "citizen" / "article_1.md").read_bytes()
    assert b"\r\n" in citizen and not citizen.endswith(
        b"\n"
    )  # line endings and no final newline kept
    assert 'src="../../rescued/www.example-news.com/news_新聞/2021/圖片.jpg"'.encode() in citizen
    assert b"```\r\n[not a link](http://web.archive.org/web/20211229095346/" in citizen

    # A second run changes nothing and makes no request.
    rewritten = {p: p.read_bytes() for p in originals}
    second = linkrescue("rescue", "content", "--report", "again.json", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert again["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    assert {p: p.read_bytes() for p in originals} == rewritten

    # restore gives back the original files byte for byte.
    restored = linkrescue("restore", "content", cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert {p: p.read_bytes() for p in originals} == originals

    # The store verifies clean.
    verified = linkrescue("verify", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_dry_run_fetches_nothing_and_writes_nothing(archive: Archive, tmp_path: Path) -> None:
    corpus = tmp_path / "content"
    originals = make_corpus(corpus)
    write_config(tmp_path / "config.toml", archive)
    done = linkrescue("rescue", "content", "--dry-run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert {p: p.read_bytes() for p in originals} == originals
    assert not (tmp_path / "rescued").exists()
    # The internal link needs no archive: the diff shows it.
    assert "+" in done.stdout and "../international/bbc.md" in done.stdout
    assert "--- a/content/china/clubhouse.md" in done.stdout


def test_absolute_style_and_only_images(archive: Archive, tmp_path: Path) -> None:
    corpus = tmp_path / "content"
    make_corpus(corpus)
    write_config(
        tmp_path / "config.toml", archive, '[rewrite]\nstyle = "absolute"\nprefix = "/rescued/"\n'
    )
    done = linkrescue("rescue", "content", "--only", "images", "--report", "r.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {i["url"] for i in report["items"]} == {
        f"{ASSETS}/template-15_fLjge_6pSMPpS.png",
        f"{ASSETS}/bbc.jpg",
        "https://www.example-news.com/news_%E6%96%B0%E8%81%9E/2021/%E5%9C%96%E7%89%87.jpg",
    }
    text = (corpus / "china" / "clubhouse.md").read_text(encoding="utf-8")
    assert (
        "![](/rescued/assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png)" in text
    )
    assert f"http://web.archive.org/web/20211229095346/{FACEBOOK}" in text  # a link: not rescued


def test_no_rewrite_fills_the_store_only(archive: Archive, tmp_path: Path) -> None:
    corpus = tmp_path / "content"
    originals = make_corpus(corpus)
    write_config(tmp_path / "config.toml", archive)
    done = linkrescue("rescue", "content", "--no-rewrite", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert {p: p.read_bytes() for p in originals} == originals
    stored = tmp_path / "rescued" / "assets.thestandnews.com" / "media" / "photos" / "bbc.jpg"
    assert stored.read_bytes() == BBC_JPG


def test_live_links_dead_rescues_only_the_dead_ones(archive: Archive, tmp_path: Path) -> None:
    doc = tmp_path / "live.md"
    body = (
        '---\ndate: "2021-10-01T00:00:00"\n---\n'
        f"![gone]({archive.live}/gone.png) ![alive]({archive.live}/alive.png) ![flaky]({archive.live}/flaky.png)\n"
    )
    doc.write_text(body, encoding="utf-8")
    # Declared dead on its first 404 here: the count across runs is tests/crawler/test_history_e2e.py's.
    write_config(tmp_path / "config.toml", archive, "[nightly]\ndead_after_failures = 1\n")
    config = tmp_path / "config.toml"
    config.write_text(config.read_text().replace('live_links = "all"', 'live_links = "dead"'))
    done = linkrescue("rescue", "live.md", "--report", "r.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    items = {i["url"]: i for i in json.loads((tmp_path / "r.json").read_text())["items"]}
    assert items[f"{archive.live}/gone.png"]["outcome"] == "rescued"
    assert items[f"{archive.live}/alive.png"]["outcome"] == "skipped"
    assert items[f"{archive.live}/flaky.png"]["outcome"] == "skipped"  # 503 is not dead
    text = doc.read_text(encoding="utf-8")
    assert f"({archive.live}/alive.png)" in text and f"({archive.live}/flaky.png)" in text
    assert "![gone](rescued/127.0.0.1_" in text
