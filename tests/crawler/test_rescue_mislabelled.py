"""An image captured with the wrong ``Content-Type`` is rescued as the image it is.

Real shape: a Stand News article whose photo the origin answered as
``text/html`` at crawl time (a misconfigured CDN; pywb then also indexes the
capture as ``text/html``), and another photo whose capture is the CDN's HTML
error page labelled ``image/jpeg``. Both captures are real records of a WARC
served by a real pywb.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkrescue.archive.state.index import Index
from tests.support.archive_content import ERROR_PAGE, Cap, jpeg_like
from tests.support.cli import linkrescue, write_config
from tests.support.pywb_server import Pywb, start_pywb

pytestmark = pytest.mark.pywb

PHOTOS = "https://assets.thestandnews.com/media/photos"
MISLABELLED = f"{PHOTOS}/clubhouse-room.jpg"
ERROR_AS_IMAGE = f"{PHOTOS}/gone-room.jpg"
PHOTO = jpeg_like("房間".encode())
ARTICLE = (
    "---\n"
    'title: "記 Clubhouse 房間"\n'
    'date: "2021-02-07T20:58:00"\n'
    'original_url: "thestandnews.com/international/clubhouse-room"\n'
    "---\n"
    f"![房間](http://web.archive.org/web/2021im_/{MISLABELLED})\n\n"
    f"![](http://web.archive.org/web/2021im_/{ERROR_AS_IMAGE})\n"
)


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-mislabelled"),
        captures=[
            Cap(MISLABELLED, "20210207210000", PHOTO, "text/html; charset=utf-8"),
            Cap(ERROR_AS_IMAGE, "20210207210000", ERROR_PAGE, "image/jpeg"),
        ],
        probe_url=MISLABELLED.removeprefix("https://"),
    )
    try:
        yield server
    finally:
        server.stop()


def test_a_jpeg_served_as_html_is_stored_and_linked_as_a_jpeg(pywb: Pywb, tmp_path: Path) -> None:
    article = tmp_path / "content" / "international" / "clubhouse-room.md"
    article.parent.mkdir(parents=True)
    article.write_text(ARTICLE, encoding="utf-8")
    write_config(tmp_path, pywb.url)
    done = linkrescue("rescue", "content", "--report", "report.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    items = {item["url"]: item for item in report["items"]}

    photo = items[MISLABELLED]
    assert photo["outcome"] == "rescued", photo
    local = "assets.thestandnews.com/media/photos/clubhouse-room.jpg"
    assert photo["local_path"] == local
    assert "but the bytes are image/jpeg" in photo["reason"]
    assert (tmp_path / "rescued" / local).read_bytes() == PHOTO
    assert not list((tmp_path / "rescued").rglob("*.html"))
    text = article.read_text(encoding="utf-8")
    assert f"![房間](../../rescued/{local})\n" in text

    with Index(tmp_path / "rescued" / "index.sqlite3") as index:
        [row] = [r for r in index.resources() if r.url == MISLABELLED]
    assert row.mimetype == "image/jpeg"
    assert row.header_mimetype == "text/html"
    assert row.sniffed_mimetype == "image/jpeg"
    assert "Content-Type text/html" in row.mimetype_note

    # The error page labelled image/jpeg satisfies no image reference: left as written.
    error = items[ERROR_AS_IMAGE]
    assert error["outcome"] == "not-archived", error
    assert "not an image" in error["reason"]
    assert f"![](http://web.archive.org/web/2021im_/{ERROR_AS_IMAGE})" in text

    verified = linkrescue("verify", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"relabelled: {tmp_path / 'rescued' / local} (" in verified.stdout
