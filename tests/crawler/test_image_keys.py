"""``[scan] image_keys``: a frontmatter key a user adds is rescued as an image only when
listed there; an HTML error page captured in its place is then refused.

Before, only linkrescue's own list made a key an image: ``og_picture`` added to
``frontmatter_keys`` was always a link, so the archive's HTML "not found" page that was
captured at the image's address was stored as the article's picture.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.archive_content import Cap, html
from tests.support.cli import linkrescue, write_config
from tests.support.pywb_server import Pywb, start_pywb

pytestmark = pytest.mark.pywb

# An image endpoint with no file ending (a CMS's): only the key says it is an image.
# (A URL ending .jpg wants an image whatever its key: test_a_link_to_a_jpg_refuses_…)
PICTURE = "https://assets.thestandnews.com/media/photo.php?id=og-clubhouse"
JPG = "https://assets.thestandnews.com/media/photos/og-clubhouse.jpg"
ARTICLE = (
    "---\n"
    'title: "中國 Clubhouse 聊天平台爆紅"\n'
    'date: "2021-02-07T20:58:00"\n'
    f'og_picture: "http://web.archive.org/web/2021im_/{PICTURE}"\n'
    'original_url: "thestandnews.com/china/clubhouse-聊天平台爆紅"\n'
    "---\n"
    "內文。\n"
)


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    # The capture at the picture's address is the site's HTML error page, served 200.
    page = html("找不到頁面", "<p>Page not found</p>")
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-image-keys"),
        captures=[Cap(PICTURE, "20210207210000", page), Cap(JPG, "20210207210000", page)],
        probe_url=PICTURE.removeprefix("https://"),
    )
    try:
        yield server
    finally:
        server.stop()


def rescue(tmp_path: Path, pywb: Pywb, image_keys: list[str]) -> dict[str, object]:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/a.md").write_text(ARTICLE, encoding="utf-8")
    config = write_config(tmp_path, pywb.url)
    keys = json.dumps(["image", "og_picture"])
    config.write_text(
        config.read_text(encoding="utf-8")
        + f"\n[scan]\nfrontmatter_keys = {keys}\nimage_keys = {json.dumps(image_keys)}\n",
        encoding="utf-8",
    )
    done = linkrescue("rescue", "content", "--report", "report.json", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    [item] = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["items"]
    assert isinstance(item, dict)
    return item


def test_a_key_listed_in_image_keys_refuses_an_html_page(tmp_path: Path, pywb: Pywb) -> None:
    item = rescue(tmp_path, pywb, ["image", "og_picture"])
    assert item["outcome"] != "rescued", item
    assert item["local_path"] is None
    assert "og_picture" in (tmp_path / "content/a.md").read_text(encoding="utf-8")
    assert "web.archive.org" in (tmp_path / "content/a.md").read_text(encoding="utf-8")


def test_a_key_not_listed_is_a_link_and_takes_the_page(tmp_path: Path, pywb: Pywb) -> None:
    item = rescue(tmp_path, pywb, ["image"])
    assert item["outcome"] == "rescued", item


def test_a_link_to_a_jpg_refuses_the_html_page_captured_there(tmp_path: Path, pywb: Pywb) -> None:
    """A link (not an image reference, no image key) whose URL ends ``.jpg`` wants the
    photo: the error page the archive holds at that address is no rescue of it."""
    (tmp_path / "content").mkdir()
    doc = tmp_path / "content/a.md"
    doc.write_text(f"[the photo](http://web.archive.org/web/2021/{JPG})\n", encoding="utf-8")
    write_config(tmp_path, pywb.url)
    done = linkrescue("rescue", "content", "--report", "report.json", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    [item] = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["items"]
    assert item["outcome"] != "rescued", item
    assert "web.archive.org" in doc.read_text(encoding="utf-8")
