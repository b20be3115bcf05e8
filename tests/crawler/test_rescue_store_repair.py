"""A stored file that goes missing or bad comes back from where it came; never from a made-up URL.

Tried as a user would, against a real pywb: a Stand News article is rescued; then
a stored photo is deleted by hand (its bytes are still in ``.objects``), then
deleted with its object, then damaged in place. Before the fix, the next run read
``../../rescued/assets.thestandnews.com/…`` as a relative link of the article's
site and asked the archive for ``https://thestandnews.com/rescued/…``, recording
a made-up URL as not archived. One stored path holds an ideographic space
(U+3000, common in Chinese titles), which an older rewrite wrote unescaped: it
must still resolve to the store's file, so a second run makes no request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linkrescue.archive.state.index import Index
from tests.support.archive_content import Cap, html, jpeg_like, png_bytes
from tests.support.cli import linkrescue, write_config
from tests.support.pywb_server import Pywb, start_pywb

pytestmark = pytest.mark.pywb

PHOTOS = "https://assets.thestandnews.com/media/photos"
PHOTO_URL = f"{PHOTOS}/clubhouse.png"
SPACED_URL = f"{PHOTOS}/記者　會.jpg"  # an ideographic space (U+3000) in the name
PAGE_URL = "https://www.reuters.com/article/us-china-internet-clubhouse-idUSKBN2A705H"
PHOTO = png_bytes(5, 4, (200, 10, 10))
SPACED = jpeg_like("記者會".encode())
PAGE = html("Reuters", "<p>Chinese users flock to Clubhouse</p>")
ARTICLE = (
    "---\n"
    'title: "Clubhouse 聊天平台爆紅"\n'
    'date: "2021-02-07T20:58:00"\n'
    f'image: "http://web.archive.org/web/2021im_/{PHOTO_URL}"\n'
    'original_url: "thestandnews.com/china/clubhouse-聊天平台爆紅"\n'
    "---\n"
    f"![](http://web.archive.org/web/2021im_/{PHOTO_URL})\n\n"
    f"![記者會](http://web.archive.org/web/2021im_/{SPACED_URL.replace('　', '%E3%80%80')})\n\n"
    f"相關報道：[路透社](http://web.archive.org/web/20211229095346/{PAGE_URL})\n"
)
PHOTO_LOCAL = "assets.thestandnews.com/media/photos/clubhouse.png"
SPACED_LOCAL = "assets.thestandnews.com/media/photos/記者　會.jpg"


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-repair"),
        captures=[
            Cap(PHOTO_URL, "20210207210000", PHOTO, "image/png"),
            Cap(SPACED_URL, "20210207210000", SPACED, "image/jpeg"),
            Cap(PAGE_URL, "20211229095346", PAGE),
        ],
        probe_url=PAGE_URL.removeprefix("https://"),
    )
    try:
        yield server
    finally:
        server.stop()


def rescue(cwd: Path, name: str) -> dict[str, Any]:
    done = linkrescue("rescue", "content", "--report", name, cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report: dict[str, Any] = json.loads((cwd / name).read_text(encoding="utf-8"))
    for item in report["items"]:  # never a URL made up from a path into the store
        assert "/rescued/" not in item["url"], item
    return report


def object_of(store: Path, local: str) -> Path:
    with Index(store / "index.sqlite3") as index:
        [row] = [r for r in index.resources() if r.path is not None and r.path.as_posix() == local]
    assert row.sha256 is not None
    return store / ".objects" / row.sha256[:2] / row.sha256


def test_a_deleted_or_damaged_stored_file_comes_back_byte_identical(
    pywb: Pywb, tmp_path: Path
) -> None:
    article = tmp_path / "content" / "china" / "clubhouse.md"
    article.parent.mkdir(parents=True)
    article.write_text(ARTICLE, encoding="utf-8")
    write_config(tmp_path, pywb.url)
    store = tmp_path / "rescued"
    first = rescue(tmp_path, "first.json")
    assert first["rescued"] == 3, first["items"]
    rewritten = article.read_bytes()
    assert f"![](../../rescued/{PHOTO_LOCAL})".encode() in rewritten
    assert (store / SPACED_LOCAL).read_bytes() == SPACED

    # A second run, the ideographic space included, asks nothing.
    second = rescue(tmp_path, "second.json")
    assert second["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    assert article.read_bytes() == rewritten

    # Deleted by hand: its bytes are still in .objects, put back with no request.
    (store / PHOTO_LOCAL).unlink()
    third = rescue(tmp_path, "third.json")
    assert (store / PHOTO_LOCAL).read_bytes() == PHOTO
    assert third["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    [item] = [i for i in third["items"] if i["url"] == PHOTO_URL]
    assert item["outcome"] == "rescued" and "store's own copy" in item["reason"]
    assert article.read_bytes() == rewritten

    # Deleted with its object: fetched again from its recorded capture.
    spaced_object = object_of(store, SPACED_LOCAL)
    (store / SPACED_LOCAL).unlink()
    spaced_object.unlink()
    fourth = rescue(tmp_path, "fourth.json")
    assert (store / SPACED_LOCAL).read_bytes() == SPACED
    assert spaced_object.read_bytes() == SPACED
    assert fourth["requests"]["playback"] == 1 and fourth["requests"]["cdx"] == 0
    [item] = [i for i in fourth["items"] if i["local_path"] == SPACED_LOCAL]
    assert item["outcome"] == "rescued" and "recorded capture" not in item["reason"]
    assert "fetched again from its capture 20210207210000" in item["reason"]
    assert article.read_bytes() == rewritten
    assert (
        "rescued" not in pywb.log().replace("rescued/", "").lower() or "/rescued/" not in pywb.log()
    )

    # Damaged in place (same size, so only a re-hash sees it): verify --repair.
    damaged = store / PHOTO_LOCAL
    damaged.write_bytes(b"\x00" * len(PHOTO))
    found = linkrescue("verify", cwd=tmp_path)
    assert found.returncode == 1 and f"changed: {damaged}" in found.stdout
    fixed = linkrescue("verify", "--repair", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert f"repaired: {damaged} (" in fixed.stdout
    assert damaged.read_bytes() == PHOTO
    assert linkrescue("verify", cwd=tmp_path).returncode == 0
    assert article.read_bytes() == rewritten
    assert "/rescued/" not in pywb.log()


def test_a_stored_file_cut_short_under_an_unchanged_article_comes_back(
    pywb: Pywb, tmp_path: Path
) -> None:
    # The article is not read again (its kept scan is used: issue 12, item 4), and the
    # look the reading took at the stored photo is the one the store check uses: a file
    # of another size than the index recorded is still seen, and put back.
    article = tmp_path / "content" / "china" / "clubhouse.md"
    article.parent.mkdir(parents=True)
    article.write_text(ARTICLE, encoding="utf-8")
    write_config(tmp_path, pywb.url)
    store = tmp_path / "rescued"
    assert rescue(tmp_path, "first.json")["rescued"] == 3
    rescue(tmp_path, "second.json")  # keeps the rewritten article's scan
    rewritten = article.read_bytes()

    photo = store / PHOTO_LOCAL
    photo.unlink()  # a new file (the object keeps the bytes), half as long
    photo.write_bytes(PHOTO[: len(PHOTO) // 2])
    done = linkrescue("rescue", "content", "-v", "--report", "third.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "documents: 0 read, 1 unchanged since the last run" in done.stderr
    third = json.loads((tmp_path / "third.json").read_text(encoding="utf-8"))
    assert third["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    [item] = [i for i in third["items"] if i["url"] == PHOTO_URL]
    assert item["outcome"] == "rescued" and "store's own copy" in item["reason"]
    assert photo.read_bytes() == PHOTO
    assert article.read_bytes() == rewritten
