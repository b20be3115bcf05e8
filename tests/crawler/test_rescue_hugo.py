"""`linkrescue rescue` on a Hugo import of Citizen News, against a real pywb on loopback.

What a user of such a site checks after a rescue: the shortcodes still build (only the
URL inside each value changed, never Markdown link syntax there), a stored name with an
ideographic space (U+3000, common in Chinese titles) is linked so that every reader, the
next scan included, finds that file, so a second run makes no request at all; and an
article whose frontmatter no YAML reader accepts is named, with its line, in the summary
and the report, its body rescued and its frontmatter left as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.support.archive_content import Cap, html, jpeg_like
from tests.support.cli import linkrescue
from tests.support.pywb_server import Pywb, start_pywb

IA = "https://web.archive.org/web"
CN = "https://www.example-news.com"
EMBED = "https://www.youtube.com/embed/Xy3_kR9aQ0c"
EMBED_PAGE = html("YouTube", "<p>embedded video</p>")
#: Stored as "立場　新聞.jpg", with the ideographic space of the title.
SPACED = f"{CN}/news_新聞/2021/12/立場\u3000新聞.jpg"
SPACED_JPG = jpeg_like("立場　新聞".encode())
NBSP = f"{CN}/news_新聞/2021/12/公民\u00a0實況.jpg"
NBSP_JPG = jpeg_like("公民 實況".encode())
PHOTO = f"{CN}/news_新聞/2021/12/議會.jpg"
PHOTO_JPG = jpeg_like(b"council")


def enc(url: str) -> str:
    """The URL as the scraped Markdown writes it: UTF-8 percent-encoded spaces."""
    return url.replace("\u3000", "%E3%80%80").replace("\u00a0", "%C2%A0")


HUGO_DOC = (
    "---\n"
    'title: "【直播】立法會大會"\n'
    'date: "2021-12-29T10:30:00"\n'
    f'url: "{IA}/20211231120000/{CN}/article/48211/x"\n'
    f'original_url: "{CN}/article/48211/x"\n'
    "---\n"
    "立法會今日舉行大會。\n"
    "\n"
    f'{{{{< video src="{IA}/20211229095346if_/{EMBED}" >}}}}\n'
    "\n"
    "{{< figure\n"
    f'    src="{IA}/20211229095346im_/{enc(SPACED)}"\n'
    '    caption="議員發言"\n'
    ">}}\n"
    f"{{{{% figure '{IA}/20211229095346im_/{enc(NBSP)}' %}}}}\n"
    f'<figure><img src="{IA}/20211229095346im_/{enc(SPACED)}"><figcaption>圖</figcaption></figure>\n'
    f"![]({IA}/20211229095346im_/{enc(NBSP)})\n"
    f'寫法：{{{{</* video src="{IA}/20211229095346if_/{EMBED}" */>}}}}\n'
)
BROKEN_FRONTMATTER = '---\ntitle: "壞\x08標題"\noriginal_url: "' + CN + '/article/104/bad"\n---\n'
BROKEN_DOC = BROKEN_FRONTMATTER + f"![]({IA}/20211229095346im_/{PHOTO})\n"


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-hugo"),
        captures=[
            Cap(EMBED, "20211229095346", EMBED_PAGE),
            Cap(SPACED, "20211229095346", SPACED_JPG, "image/jpeg"),
            Cap(NBSP, "20211229095346", NBSP_JPG, "image/jpeg"),
            Cap(PHOTO, "20211229095346", PHOTO_JPG, "image/jpeg"),
        ],
        probe_url="www.youtube.com/embed/Xy3_kR9aQ0c",
    )
    try:
        yield server
    finally:
        server.stop()


def rescue(root: Path) -> tuple[dict[str, Any], str]:
    done = linkrescue("rescue", "content", "--report", "report.json", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report: dict[str, Any] = json.loads((root / "report.json").read_text(encoding="utf-8"))
    return report, done.stderr


def scan(root: Path) -> list[dict[str, Any]]:
    done = linkrescue("scan", "content", "--format", "json", cwd=root)
    assert done.returncode == 0, done.stderr
    records: list[dict[str, Any]] = json.loads(done.stdout)
    return records


def test_rescue_of_a_hugo_corpus_keeps_shortcodes_and_reads_back(
    pywb: Pywb, tmp_path: Path
) -> None:
    hugo = tmp_path / "content" / "articles" / "48001-49000" / "article_48211.md"
    broken = tmp_path / "content" / "articles" / "1-1000" / "article_104.md"
    for path, text in ((hugo, HUGO_DOC), (broken, BROKEN_DOC)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    (tmp_path / "config.toml").write_text(
        f'[archive]\nurl = "{pywb.url}"\ncdx_per_second = 0\nplayback_per_second = 0\n'
        'retries = 1\n[store]\ndir = "rescued"\n',
        encoding="utf-8",
    )
    before = scan(tmp_path)
    assert [
        (r["kind"], r["element"], r["attribute"])
        for r in before
        if r["file"] == str(Path("content/articles/48001-49000/article_48211.md"))
    ] == [
        ("shortcode", "video", "src"),
        ("shortcode", "figure", "src"),
        ("shortcode", "figure", "0"),
        ("html", "img", "src"),
        ("md-image", None, None),
    ]

    report, stderr = rescue(tmp_path)
    assert report["rescued"] == 4 and report["failed"] == 0
    assert re.search(r"problems \(named above\)\s*│?\s*1\b", stderr), stderr
    assert report["problems"] == [
        {
            "file": str(Path("content/articles/1-1000/article_104.md")),
            "reason": "frontmatter is not valid YAML: unacceptable character #x0008: "
            "control characters are not allowed (line 2)",
        }
    ]

    text = hugo.read_text(encoding="utf-8")
    store = "../../../rescued/"
    embed = f"{store}www.youtube.com/embed/Xy3_kR9aQ0c.html"
    spaced = f"{store}www.example-news.com/news_新聞/2021/12/立場%E3%80%80新聞.jpg"
    nbsp = f"{store}www.example-news.com/news_新聞/2021/12/公民%C2%A0實況.jpg"
    assert text == (
        HUGO_DOC.replace(f'src="{IA}/20211229095346if_/{EMBED}" >', f'src="{embed}" >')
        .replace(f'src="{IA}/20211229095346im_/{enc(SPACED)}"', f'src="{spaced}"')
        .replace(f"'{IA}/20211229095346im_/{enc(NBSP)}'", f"'{nbsp}'")
        .replace(f"![]({IA}/20211229095346im_/{enc(NBSP)})", f"![]({nbsp})")
    )
    assert "[" not in text.split("{{<", 1)[1].split(">}}", 1)[0]  # no link syntax in a shortcode
    # The broken article: body rewritten, frontmatter byte for byte.
    assert broken.read_text(encoding="utf-8") == BROKEN_FRONTMATTER + (
        f"![]({store}www.example-news.com/news_新聞/2021/12/議會.jpg)\n"
    )

    # Every reference reads back as the stored file itself (not a URL of the site).
    after = scan(tmp_path)
    assert [(r["kind"], r["element"], r["attribute"]) for r in after] == [
        (r["kind"], r["element"], r["attribute"]) for r in before
    ]
    for r in after:
        assert r["status"] == "local", r
        stored = (tmp_path / r["file"]).parent / unquote(r["raw"])
        assert stored.is_file(), r
    spaced_file = tmp_path / "rescued/www.example-news.com/news_新聞/2021/12/立場\u3000新聞.jpg"
    assert spaced_file.read_bytes() == SPACED_JPG

    # A second run asks nothing and changes nothing.
    again, _ = rescue(tmp_path)
    assert again["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    assert again["rewritten"] == 0
    assert hugo.read_text(encoding="utf-8") == text

    # Restore gives back the original bytes.
    done = linkrescue("restore", "content", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert hugo.read_bytes() == HUGO_DOC.encode()
    assert broken.read_bytes() == BROKEN_DOC.encode()
