"""The rewrite edits what a document holds when it is rewritten, not what the scan saw.

The rescue scans every article once and keeps what its rewrite will replace (spans,
syntax, resources); then it fetches, for hours on a real corpus. An article saved
meanwhile (an editor adds a note at the top: every offset moves) must not be edited
at the offsets of the scan: it is read and resolved again, and rewritten from what
it holds then, exactly as an article read for the first time; restore gives back
that edited text. A real pywb on loopback, behind a proxy that makes the edit when
the first capture is asked for (after the scan, before the rewrite).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.archive_content import Cap, html, png_bytes
from tests.support.cli import linkrescue, write_config
from tests.support.forward import relay_get
from tests.support.pywb_server import Pywb, start_pywb

PHOTO = "https://assets.thestandnews.com/media/photos/clubhouse-room.png"
PHOTO_PNG = png_bytes(5, 4, (200, 30, 40))
REUTERS = "https://www.reuters.com/article/us-china-internet-clubhouse/clubhouse-idUSKBN2A705H"
FRONT = (
    "---\n"
    'title: "記 Clubhouse 房間"\n'
    'date: "2021-02-07T21:00:00"\n'
    'original_url: "thestandnews.com/international/clubhouse-room"\n'
    "---\n"
)
BODY = (
    f"![](http://web.archive.org/web/2021im_/{PHOTO})\n\n"
    f"見 [路透社](http://web.archive.org/web/20210208000000/{REUTERS})。\n"
)
# What the editor saves while the run fetches: a note on top, with the photo again.
NOTE = (
    "> 編按：本文於 2021 年 2 月 8 日更新，"
    f"[圖](<http://web.archive.org/web/2021im_/{PHOTO}>)。\n\n"
)


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-edit"),
        captures=[
            Cap(PHOTO, "20210207210000", PHOTO_PNG, "image/png"),
            Cap(REUTERS, "20210208000000", html("Reuters", "<p>Clubhouse</p>")),
        ],
        probe_url=REUTERS,
    )
    try:
        yield server
    finally:
        server.stop()


class _Forward(BaseHTTPRequestHandler):
    """Forwards to pywb; before the first capture is served, runs ``on_capture`` once."""

    protocol_version = "HTTP/1.0"
    server: _EditingProxy

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if "id_/" in self.path:
            self.server.once()
        relay_get(self, self.server.upstream)


class _EditingProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, on_capture: Callable[[], None]) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = upstream
        self.on_capture = on_capture
        self.done = False
        self.lock = threading.Lock()

    def once(self) -> None:
        with self.lock:
            if not self.done:
                self.on_capture()
                self.done = True


def test_an_article_edited_while_the_run_fetches_is_rewritten_as_it_is_then(
    pywb: Pywb, tmp_path: Path
) -> None:
    doc = tmp_path / "content" / "international" / "clubhouse-room.md"
    doc.parent.mkdir(parents=True)
    doc.write_text(FRONT + BODY, encoding="utf-8")
    edited = FRONT + NOTE + BODY

    proxy = _EditingProxy(
        pywb.url.removeprefix("http://"),
        lambda: doc.write_text(edited, encoding="utf-8"),
    )
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        host, port = proxy.server_address[:2]
        write_config(tmp_path, f"http://{host!s}:{port}", rescue={"live_links": "off"})
        done = linkrescue("rescue", "content", cwd=tmp_path)
    finally:
        proxy.shutdown()
        proxy.server_close()

    assert proxy.done  # the article was edited after the scan, before the rewrite
    assert done.returncode == 0, done.stderr
    assert "changed on disk" not in done.stderr
    assert re.search(r"documents rewritten\W*1\b", done.stderr), done.stderr
    text = doc.read_text(encoding="utf-8")
    photo = "../../rescued/assets.thestandnews.com/media/photos/clubhouse-room.png"
    # Every reference, the note's included, points at its copy; nothing else changed.
    assert text == (
        FRONT
        + f"> 編按：本文於 2021 年 2 月 8 日更新，[圖](<{photo}>)。\n\n"
        + f"![]({photo})\n\n"
        + f"見 [路透社]({_stored_page(tmp_path, doc)})。\n"
    )
    restored = linkrescue("restore", "content", cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert doc.read_text(encoding="utf-8") == edited  # the editor's text, byte for byte


def _stored_page(root: Path, doc: Path) -> str:
    """The relative path of the one stored Reuters page, as the rewrite writes it."""
    (page,) = (root / "rescued" / "www.reuters.com").rglob("*.html")
    return Path(*([".."] * 2), page.relative_to(root).as_posix()).as_posix()
