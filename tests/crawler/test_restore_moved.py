"""`restore` says what it did, and works after the project is moved.

Tried as a user would: a Stand-News-shaped project (``site/config.toml``,
``site/content/…``, the store ``site/rescued``) rescued from a real pywb, then
``mv site site-moved``; and ``restore`` pointed at a folder that holds no store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.archive_content import Cap, html, jpeg_like, png_bytes
from tests.support.cli import linkrescue, write_config
from tests.support.pywb_server import Pywb, start_pywb

pytestmark = pytest.mark.pywb

ASSETS = "https://assets.thestandnews.com/media/photos"
PHOTO = png_bytes(4, 3, (10, 120, 200))
PORTRAIT = jpeg_like("記者".encode())
SOURCE = "https://www.reuters.com/article/us-china-internet-clubhouse-idUSKBN2A705H"
ARTICLE = (
    "---\n"
    'title: "Clubhouse 聊天室"\n'
    'date: "2021-02-07T20:58:00"\n'
    f'image: "http://web.archive.org/web/2021im_/{ASSETS}/clubhouse.png"\n'
    'original_url: "thestandnews.com/china/clubhouse-聊天室"\n'
    "---\n"
    f"![](http://web.archive.org/web/2021im_/{ASSETS}/clubhouse.png)\n\n"
    f'<img src="http://web.archive.org/web/20210207210000im_/{ASSETS}/記者.jpg"> 記者\n\n'
    f"據 [路透社](http://web.archive.org/web/20211229095346/{SOURCE}) 報道。\n"
)


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-moved"),
        captures=[
            Cap(f"{ASSETS}/clubhouse.png", "20210207210000", PHOTO, "image/png"),
            Cap(f"{ASSETS}/記者.jpg", "20210207210000", PORTRAIT, "image/jpeg"),
            Cap(SOURCE, "20211229095346", html("Reuters", "<p>Clubhouse</p>")),
        ],
        probe_url=SOURCE.removeprefix("https://"),
    )
    try:
        yield server
    finally:
        server.stop()


def make_site(root: Path, pywb: Pywb) -> Path:
    article = root / "content" / "china" / "clubhouse.md"
    article.parent.mkdir(parents=True)
    article.write_bytes(ARTICLE.encode())
    write_config(root, pywb.url)
    return article


def rescue(cwd: Path) -> dict[str, Any]:
    done = linkrescue("rescue", "content", "--report", "report.json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads((cwd / "report.json").read_text(encoding="utf-8"))
    return report


def test_restore_without_a_store_says_so_and_exits_2(pywb: Pywb, tmp_path: Path) -> None:
    article = make_site(tmp_path, pywb)
    done = linkrescue("restore", "content", "--store", "elsewhere", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("linkrescue: ") and "no store here" in line
    assert str(tmp_path / "elsewhere") in line
    assert not (tmp_path / "elsewhere").exists()  # nothing created
    assert article.read_bytes() == ARTICLE.encode()

    # verify says the same, with the same exit code.
    checked = linkrescue("verify", "--store", "elsewhere", cwd=tmp_path)
    assert checked.returncode == 2 and "no store here" in checked.stderr


def test_a_moved_project_rescues_again_with_no_request_and_restores(
    pywb: Pywb, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    make_site(site, pywb)
    first = rescue(site)
    assert first["rescued"] == 3, first["items"]
    rewritten = (site / "content" / "china" / "clubhouse.md").read_bytes()
    assert b"../../rescued/assets.thestandnews.com/media/photos/clubhouse.png" in rewritten

    moved = tmp_path / "site-moved"
    site.rename(moved)
    article = moved / "content" / "china" / "clubhouse.md"
    # The moved project rescues the same: nothing to fetch, nothing to change.
    again = rescue(moved)
    assert again["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    assert again["failed"] == 0
    assert article.read_bytes() == rewritten
    # verify checks the moved store.
    verified = linkrescue("verify", cwd=moved)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    done = linkrescue("restore", "content", cwd=moved)
    assert done.returncode == 0, done.stderr
    assert "1 document restored (4 references), 0 problems" in done.stderr
    assert article.read_bytes() == ARTICLE.encode()
