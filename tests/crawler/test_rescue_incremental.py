"""A nightly rescue re-reads only the articles that changed (issue 12, item 4).

The store's index keeps each article's size, modification time, SHA-256 and what its
scan found. A run over an unchanged corpus parses nothing; an article edited (even to
the same size) is parsed again and its new link rescued and rewritten; an article only
touched is re-hashed, not parsed; and the end is what a run without anything kept
(a cold run, the same corpus and store) gives: the same report, the same documents.
Real pywb on loopback; the runs are the `rescue` command's own function, whose result
says how each article was read.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linkrescue.crawler.commands.rescue import RescueResult, rescue
from linkrescue.crawler.config import load_config
from tests.support.archive_content import Cap, html, png_bytes
from tests.support.cli import write_config
from tests.support.pywb_server import Pywb, start_pywb

MEDIA = "https://assets.thestandnews.com/media/photos"
PHOTO = f"{MEDIA}/clubhouse-room.png"
PHOTO_Y = f"{MEDIA}/clubhouse-yyy.png"  # captured
PHOTO_Z = f"{MEDIA}/clubhouse-zzz.png"  # never captured: same length as PHOTO_Y
PHOTO_NEW = f"{MEDIA}/legco-election-night.png"
REUTERS = "https://www.reuters.com/article/us-china-internet-clubhouse/clubhouse-idUSKBN2A705H"


def _front(slug: str) -> str:
    return (
        "---\n"
        f'title: "{slug}"\n'
        'date: "2021-02-07T21:00:00"\n'
        f'original_url: "thestandnews.com/international/{slug}"\n'
        "---\n"
    )


ARTICLES = {
    "clubhouse-room": f"![](http://web.archive.org/web/2021im_/{PHOTO})\n\n"
    f"見 [路透社](http://web.archive.org/web/20210208000000/{REUTERS})。\n",
    # links to the first article (internal) and to nothing archived
    "clubhouse-ban": "見 [前文](http://web.archive.org/web/20210207000000/"
    "https://www.thestandnews.com/international/clubhouse-room)。\n",
    "legco": f"![](http://web.archive.org/web/2021im_/{PHOTO})\n",
    "photos": f"![](http://web.archive.org/web/2021im_/{PHOTO_Z})\n",
}


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    png = png_bytes(5, 4, (200, 30, 40))
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-incremental"),
        captures=[
            Cap(PHOTO, "20210207210000", png, "image/png"),
            Cap(PHOTO_Y, "20210207210000", png_bytes(4, 4, (0, 90, 0)), "image/png"),
            Cap(PHOTO_NEW, "20210207210000", png_bytes(3, 4, (0, 0, 90)), "image/png"),
            Cap(REUTERS, "20210208000000", html("Reuters", "<p>Clubhouse</p>")),
        ],
        probe_url=REUTERS,
    )
    try:
        yield server
    finally:
        server.stop()


def _run(root: Path, monkeypatch: pytest.MonkeyPatch) -> RescueResult:
    monkeypatch.chdir(root)
    return rescue([Path("content")], load_config(root / "config.toml"))


def _age(path: Path, seconds: float) -> None:
    """Set ``path``'s times ``seconds`` back: a file last saved long before the run."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def _plain(result: RescueResult) -> dict[str, Any]:
    report = result.report.as_json()
    report.pop("seconds")
    return report


def test_a_second_run_reads_only_what_changed_and_ends_as_a_cold_run(
    pywb: Pywb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    folder = site / "content" / "international"
    folder.mkdir(parents=True)
    docs = {slug: folder / f"{slug}.md" for slug in ARTICLES}
    for slug, body in ARTICLES.items():
        docs[slug].write_text(_front(slug) + body, encoding="utf-8")
    write_config(site, pywb.url, rescue={"live_links": "off"})

    first = _run(site, monkeypatch)
    assert first.report.rescued == 2 and first.reading.parsed == 4
    for doc in docs.values():
        _age(doc, 3600)
    second = _run(site, monkeypatch)  # the first run's store did not exist when it read
    assert (second.reading.parsed, second.reading.reused) == (4, 0)
    third = _run(site, monkeypatch)  # nothing changed: nothing parsed
    assert (third.reading.parsed, third.reading.reused, third.reading.rehashed) == (0, 4, 0)
    assert _plain(third) == _plain(second)

    # An editor adds a photo to one article, fixes a link in another to the same size
    # (its time moves on), and a checkout touches a third without changing it.
    legco = docs["legco"]
    legco.write_text(
        legco.read_text(encoding="utf-8")
        + f"\n![](http://web.archive.org/web/2021im_/{PHOTO_NEW})\n",
        encoding="utf-8",
    )
    photos = docs["photos"]
    before = photos.stat()
    photos.write_text(photos.read_text(encoding="utf-8").replace(PHOTO_Z, PHOTO_Y), "utf-8")
    os.utime(photos, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert photos.stat().st_size == before.st_size
    _age(docs["clubhouse-ban"], 60)  # touched: new time, same bytes
    for doc in (legco, photos):
        _age(doc, 30)

    cold = tmp_path / "cold"  # the same corpus and store, with nothing kept
    shutil.copytree(site, cold, symlinks=True)
    with sqlite3.connect(cold / "rescued" / "index.sqlite3") as db:
        assert db.execute("DELETE FROM documents").rowcount == 4

    fourth = _run(site, monkeypatch)
    assert fourth.reading.parsed == 2  # the two edited
    assert (fourth.reading.reused, fourth.reading.rehashed) == (2, 1)  # the touched one: hashed
    assert fourth.report.rescued == 2  # the new photo and the fixed link
    new_photo = "../../rescued/assets.thestandnews.com/media/photos/legco-election-night.png"
    assert f"![]({new_photo})" in legco.read_text(encoding="utf-8")
    assert "rescued/assets.thestandnews.com/media/photos/clubhouse-yyy.png" in photos.read_text(
        encoding="utf-8"
    )

    cold_run = _run(cold, monkeypatch)
    assert (cold_run.reading.parsed, cold_run.reading.reused) == (4, 0)
    assert _plain(fourth) == _plain(cold_run)
    for slug, doc in docs.items():
        twin = cold / doc.relative_to(site)
        assert doc.read_bytes() == twin.read_bytes(), slug


def test_a_kept_scan_is_not_used_once_a_local_file_it_found_is_gone(
    pywb: Pywb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An article's ``images/map.png`` is local while the file is there; deleted, the
    link is the article's site's, to be rescued: the unchanged article is parsed again."""
    site = tmp_path / "site"
    folder = site / "content" / "international"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "map.png").write_bytes(png_bytes(2, 2, (1, 2, 3)))
    doc = folder / "map.md"
    doc.write_text(_front("map") + "![](images/map.png)\n", encoding="utf-8")
    _age(doc, 3600)
    write_config(site, pywb.url, rescue={"live_links": "all"})
    _run(site, monkeypatch)  # makes the store
    _run(site, monkeypatch)  # keeps what it read
    kept = _run(site, monkeypatch)
    assert (kept.reading.parsed, kept.report.already_local) == (0, 1)

    (folder / "images" / "map.png").unlink()
    gone = _run(site, monkeypatch)
    assert gone.reading.parsed == 1
    assert gone.report.already_local == 0 and gone.report.resources == 1


def test_an_unchanged_article_links_to_an_article_added_since_and_is_rewritten(
    pywb: Pywb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The identity pass sees every name: an article added tonight makes an unchanged
    article's archive link to it internal, and that article, read from the index, not
    parsed, is rewritten to the new file, as a cold run does."""
    site = tmp_path / "site"
    folder = site / "content" / "international"
    folder.mkdir(parents=True)
    ban = folder / "clubhouse-ban.md"
    ban.write_text(
        _front("clubhouse-ban") + "見 [後續](http://web.archive.org/web/20210209000000/"
        "https://www.thestandnews.com/international/clubhouse-later)。\n",
        encoding="utf-8",
    )
    _age(ban, 3600)
    write_config(site, pywb.url, rescue={"live_links": "off"})
    _run(site, monkeypatch)
    _run(site, monkeypatch)
    kept = _run(site, monkeypatch)
    assert (kept.reading.parsed, kept.report.not_archived, kept.report.internal) == (0, 1, 0)

    later = folder / "clubhouse-later.md"
    later.write_text(_front("clubhouse-later") + "後續報道。\n", encoding="utf-8")
    cold = tmp_path / "cold"
    shutil.copytree(site, cold, symlinks=True)
    with sqlite3.connect(cold / "rescued" / "index.sqlite3") as db:
        db.execute("DELETE FROM documents")

    added = _run(site, monkeypatch)
    assert (added.reading.parsed, added.reading.reused) == (1, 1)
    assert added.report.internal == 1 and added.report.rewritten == 1
    assert "見 [後續](clubhouse-later.md)。" in ban.read_text(encoding="utf-8")
    cold_run = _run(cold, monkeypatch)
    assert cold_run.reading.reused == 0
    assert _plain(added) == _plain(cold_run)
    assert ban.read_bytes() == (cold / ban.relative_to(site)).read_bytes()
