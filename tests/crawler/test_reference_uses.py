"""Reference-style links through ``linkrescue scan``, ``rescue`` and ``restore``
(issue 10, classes 2 and 5), on a real pywb on loopback.

What a user checks: each use (``[text][1]``, ``[label][]``, ``[label]``) is reported
where the reader sees it, with its definition's destination and the same resolution;
a use of a label defined nowhere is ``invalid``, naming the label; the text of a link
that shows a URL is never a reference of its own; an e-mail autolink is skipped as a
``mailto:`` link; and a rescue rewrites the definitions only, so every use still
shows its text, while ``restore`` gives the file back byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.archive_content import Cap, html, jpeg_like
from tests.support.cli import linkrescue, write_config
from tests.support.pywb_server import Pywb, start_pywb

IA = "http://web.archive.org/web"
STAND = "https://www.thestandnews.com"
ASSETS = "https://assets.thestandnews.com/media/photos"
LOGO = f"{ASSETS}/standnews-logo.jpg"
LOGO_JPG = jpeg_like(b"stand news logo")
STORY = f"{STAND}/politics/立場新聞停止運作/"
STORY_ENCODED = (
    f"{STAND}/politics/%E7%AB%8B%E5%A0%B4%E6%96%B0%E8%81%9E%E5%81%9C%E6%AD%A2%E9%81%8B%E4%BD%9C/"
)
STORY_PAGE = html("立場新聞停止運作", "<p>立場新聞宣布即時停止運作。</p>")

ARTICLE = f"""---
title: "立場新聞停止運作"
date: "2021-12-29"
original_url: "thestandnews.com/politics/last-day"
---
![立場新聞標誌][logo]

[{STAND}/politics/立場新聞停止運作/][1]：立場新聞宣布即時停止運作。
詳見[上一篇報道][prev]及[編輯部聲明][missing]，查詢請電郵 <editor@thestandnews.com>。

[logo]: {IA}/2021im_/{LOGO}
[1]: {IA}/20211229095346/{STORY_ENCODED}
[prev]: ../../politics/previous-day/
"""

PREVIOUS = """---
title: "前一日"
original_url: "thestandnews.com/politics/previous-day"
---
前一日的報道。
"""


def write_corpus(root: Path) -> tuple[Path, Path]:
    article = root / "content" / "politics" / "last-day.md"
    previous = root / "content" / "politics" / "previous-day.md"
    article.parent.mkdir(parents=True)
    article.write_text(ARTICLE, encoding="utf-8")
    previous.write_text(PREVIOUS, encoding="utf-8")
    return article, previous


def scan(root: Path) -> tuple[list[dict[str, Any]], str]:
    done = linkrescue("scan", "content", "--format", "jsonl", cwd=root)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def test_scan_reports_each_use_with_its_definition(tmp_path: Path) -> None:
    article, previous = write_corpus(tmp_path)
    records, _ = scan(tmp_path)
    text = article.read_text(encoding="utf-8")
    mine = [r for r in records if r["file"] == str(article.relative_to(tmp_path))]
    for r in mine:
        assert text[r["start"] : r["end"]] == r["raw"]
    assert [(r["line"], r["column"], r["kind"], r["key"], r["raw"]) for r in mine] == [
        (6, 3, "md-refuse", "logo", "立場新聞標誌"),
        (8, 2, "md-refuse", "1", f"{STAND}/politics/立場新聞停止運作/"),  # no autolink
        (9, 4, "md-refuse", "prev", "上一篇報道"),
        (9, 18, "md-refuse", "missing", "編輯部聲明"),
        (9, 41, "autolink", None, "editor@thestandnews.com"),
        (11, 9, "md-refdef", None, f"{IA}/2021im_/{LOGO}"),
        (12, 6, "md-refdef", None, f"{IA}/20211229095346/{STORY_ENCODED}"),
        (13, 9, "md-refdef", None, "../../politics/previous-day/"),
    ]
    logo, story, prev, missing, email, *definitions = mine
    # A use resolves as its definition, whose place and destination it carries.
    for use, definition in zip((logo, story, prev), definitions, strict=True):
        assert use["definition"] == {
            key: definition[key] for key in ("line", "column", "start", "end", "raw")
        }
        for key in ("url", "resource", "archive", "status", "document", "reason"):
            assert use[key] == definition[key], key
    assert (story["status"], story["url"]) == ("remote", STORY_ENCODED)
    assert (prev["status"], prev["document"]) == ("internal", str(previous.relative_to(tmp_path)))
    assert (missing["status"], missing["reason"], missing["definition"]) == (
        "invalid",
        "no definition for the label [missing]",
        None,
    )
    assert (email["status"], email["reason"]) == ("skipped", "mailto: link")
    assert all(r["definition"] is None for r in [email, *definitions])


def test_the_scan_summary_counts_uses_and_the_table_names_their_label(tmp_path: Path) -> None:
    write_corpus(tmp_path)
    done = linkrescue("scan", "content", "--format", "table", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    counts = [line.split("│") for line in done.stderr.splitlines() if "md-refuse" in line]
    assert [[cell.strip() for cell in c[1:3]] for c in counts] == [["md-refuse", "4"]]
    assert (
        "md-refuse prev" in done.stdout and "no definition for the label [missing]" in done.stdout
    )


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-reflinks"),
        captures=[
            Cap(STORY_ENCODED, "20211229095346", STORY_PAGE),
            Cap(LOGO, "20211229095346", LOGO_JPG, "image/jpeg"),
        ],
        probe_url=LOGO.removeprefix("https://"),
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.pywb
def test_rescue_rewrites_definitions_never_the_text_of_a_use(pywb: Pywb, tmp_path: Path) -> None:
    article, previous = write_corpus(tmp_path)
    write_config(tmp_path, pywb.url)
    done = linkrescue("rescue", "content", "--report", "report.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["rescued"] == 2
    # Each resource lists the lines a reader meets it on: the use's and the definition's.
    lines = {item["url"]: sorted(r["line"] for r in item["references"]) for item in report["items"]}
    assert lines == {LOGO: [6, 11], STORY_ENCODED: [8, 12]}

    after = article.read_text(encoding="utf-8")
    before_lines, after_lines = ARTICLE.splitlines(), after.splitlines()
    changed = [
        i + 1 for i, (a, b) in enumerate(zip(before_lines, after_lines, strict=True)) if a != b
    ]
    assert changed == [11, 12, 13]  # the definitions; every use reads as it did
    assert after_lines[10] == (
        "[logo]: ../../rescued/assets.thestandnews.com/media/photos/standnews-logo.jpg"
    )
    assert after_lines[12] == "[prev]: previous-day.md"
    records, _ = scan(tmp_path)
    uses = [r for r in records if r["kind"] == "md-refuse" and r["definition"] is not None]
    # The uses now name the local copies (and the previous article's file) too.
    assert [(r["key"], r["status"]) for r in uses] == [
        ("logo", "local"),
        ("1", "local"),
        ("prev", "local"),
    ]

    done = linkrescue("restore", "content", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert article.read_text(encoding="utf-8") == ARTICLE
    assert previous.read_text(encoding="utf-8") == PREVIOUS
