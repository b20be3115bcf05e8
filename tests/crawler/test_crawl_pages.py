"""A rescued link to a news page opens locally as a readable, styled, script-free page
with its images (issue 13), against a real pywb on loopback and a real headless Chromium.

The page is shaped like the outlets' own: a stylesheet that @imports another and loads a
background image and a font, images by src, srcset and a lazy-loading data-src, an
icon, scripts (one of them the Wayback Machine's own injection), event handlers, an
iframe, a form, links on its own host and elsewhere, and an image never archived.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.archive_content import Cap, png_bytes
from tests.support.chromium import count_colour, page_requests, screenshot
from tests.support.cli import linkrescue, write_config
from tests.support.files import store_files
from tests.support.pywb_server import Pywb, start_pywb

SITE = "https://news.example.com"
PAGE_URL = f"{SITE}/2021/12/story.html"
OTHER_URL = f"{SITE}/2021/12/other.html"
CDN = "https://cdn.example.com"
RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 200, 60), (40, 60, 230), (240, 220, 20)
PHOTO = png_bytes(60, 40, RED)
WIDE = png_bytes(60, 40, GREEN)
LAZY = png_bytes(60, 40, BLUE)
BACKGROUND = png_bytes(8, 8, YELLOW)
FONT = b"wOF2\x00\x01\x00\x00" + bytes(range(256))
ICON = png_bytes(16, 16, (1, 2, 3))
SITE_CSS = (
    b'@import "print.css";\n'
    b"body { background: url(../img/bg.png) repeat; }\n"
    b'@font-face { font-family: "Story"; src: url("/fonts/story.woff2") format("woff2"); }\n'
    b"img { width: 120px; height: 80px; display: block; }\n"
)
PRINT_CSS = b"h1 { font-family: Story, sans-serif; }\n"
WAYBACK_HEAD = (
    '<script src="//archive.org/includes/analytics.js?v=cf34f82" type="text/javascript"></script>\n'
    '<script type="text/javascript" src="/_static/js/bundle-playback.js?v=1"></script>\n'
    '<link rel="stylesheet" type="text/css" href="/_static/css/banner-styles.css?v=1" />\n'
    "<!-- End Wayback Rewrite JS Include -->\n"
)
PAGE = (
    "<!DOCTYPE html>\n<html><head>"
    + WAYBACK_HEAD
    + '<meta charset="utf-8"><title>新聞 story</title>\n'
    '<link rel="stylesheet" href="/css/site.css">\n'
    '<link rel="icon" href="/favicon.png">\n'
    '<link rel="preload" href="/js/app.js" as="script">\n'
    '<script src="/js/app.js"></script>\n'
    "<script>document.title = 'script ran';</script>\n"
    '<meta http-equiv="refresh" content="30;url=https://ads.example.net/">\n'
    "</head><body onload=\"document.title='handler ran'\">\n"
    "<h1>故事 Story</h1>\n"
    '<img id="photo" src="/img/photo.png" alt="photo">\n'
    '<img id="wide" src="/img/none.png" srcset="' + CDN + '/img/wide.png 2x, /img/none.png 1x">\n'
    '<img id="lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/lazy.png">\n'
    '<img id="gone" src="/img/never-archived.png" onerror="this.title=\'x\'">\n'
    '<img id="broken" src="http://[broken/x.png">\n'
    '<a id="other" href="other.html#part">other</a>\n'
    '<a id="away" href="https://elsewhere.example.org/page?a=1&amp;b=2">away</a>\n'
    '<a id="js" href="javascript:alert(1)">js</a>\n'
    '<iframe src="https://www.youtube.com/embed/xyz"></iframe>\n'
    '<form action="/search"><input name="q"></form>\n'
    "</body></html>\n"
).encode()
OTHER = b"<!DOCTYPE html><html><head><title>other</title></head><body>other page</body></html>"
DOC = (
    "---\n"
    'title: "A story"\n'
    'original_url: "https://hk.example.org/articles/1"\n'
    "---\n"
    f"See [the story](https://web.archive.org/web/20211229095346/{PAGE_URL}).\n"
)


def captures() -> list[Cap]:
    ts = "20211229095346"
    near = "20211229100000"
    return [
        Cap(PAGE_URL, ts, PAGE),
        Cap(OTHER_URL, ts, OTHER),
        Cap(f"{SITE}/css/site.css", near, SITE_CSS, "text/css"),
        Cap(f"{SITE}/css/print.css", near, PRINT_CSS, "text/css"),
        Cap(f"{SITE}/img/photo.png", near, PHOTO, "image/png"),
        Cap(f"{CDN}/img/wide.png", near, WIDE, "image/png"),
        Cap(f"{SITE}/img/none.png", near, WIDE, "image/png"),
        Cap(f"{SITE}/img/lazy.png", near, LAZY, "image/png"),
        Cap(f"{SITE}/img/bg.png", near, BACKGROUND, "image/png"),
        Cap(f"{SITE}/fonts/story.woff2", near, FONT, "font/woff2"),
        Cap(f"{SITE}/favicon.png", near, ICON, "image/png"),
        Cap(f"{SITE}/js/app.js", near, b"document.title='app ran';", "application/javascript"),
    ]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(tmp_path_factory.mktemp("pywb"), captures=captures(), probe_url=PAGE_URL)
    yield server
    server.stop()


@dataclass
class Rescued:
    root: Path
    report: dict[str, Any]
    stdout: str

    @property
    def store(self) -> Path:
        return self.root / "rescued"

    @property
    def page(self) -> Path:
        return self.store / "news.example.com/2021/12/story.html"


def rescue(root: Path, archive: Pywb, crawl: str = "") -> Rescued:
    (root / "content").mkdir(parents=True, exist_ok=True)
    if not (root / "content" / "story.md").exists():  # a run again: as the last one left it
        (root / "content" / "story.md").write_text(DOC, encoding="utf-8")
    config = write_config(root, archive.url)
    if crawl:
        config.write_text(config.read_text() + "[crawl]\n" + crawl, encoding="utf-8")
    done = linkrescue("rescue", "content", "--report", "report.json", cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((root / "report.json").read_text(encoding="utf-8"))
    return Rescued(root, report, done.stdout + done.stderr)


@pytest.fixture(scope="module")
def rescued(archive: Pywb, tmp_path_factory: pytest.TempPathFactory) -> Rescued:
    return rescue(tmp_path_factory.mktemp("crawl"), archive)


def test_the_stored_page_points_at_local_copies_of_everything_it_needs(rescued: Rescued) -> None:
    page = rescued.page.read_text(encoding="utf-8")
    folder = rescued.page.parent
    local = {
        m: (folder / m).resolve() for m in re.findall(r'(?:src|href|srcset)="(\.\./[^"#? ]+)', page)
    }
    assert local, page
    for written, path in local.items():
        assert path.is_file(), f"{written} does not lead to a stored file"
    assert 'src="../../img/photo.png"' in page
    assert "../../../cdn.example.com/img/wide.png 2x" in page  # one srcset candidate
    assert 'href="../../css/site.css"' in page
    assert 'href="../../favicon.png"' in page
    # a reference not rescued leads to the archive's view of the nearest capture
    assert f'src="{rescued_archive(rescued)}/20211229095346/{SITE}/img/never-archived.png"' in page
    assert "/20211229095346/https://elsewhere.example.org/page?a=1&amp;b=2" in page
    assert 'href="other.html#part"' not in page  # depth 0: the archive's view of it
    assert '<img id="broken" src="http://[broken/x.png">' in page  # no URL: left as written
    assert f"/20211229095346/{OTHER_URL}#part" in page
    # the stylesheet's own references are local too, and the one it imports
    css = (rescued.store / "news.example.com/css/site.css").read_text(encoding="utf-8")
    assert "url(../img/bg.png)" in css
    assert 'url("../fonts/story.woff2")' in css
    assert '@import "print.css"' in css
    assert (rescued.store / "news.example.com/css/print.css").read_bytes() == PRINT_CSS
    assert (rescued.store / "news.example.com/fonts/story.woff2").read_bytes() == FONT


def rescued_archive(rescued: Rescued) -> str:
    config = (rescued.root / "config.toml").read_text(encoding="utf-8")
    url = re.search(r'url = "([^"]+)"', config)
    assert url is not None
    return url.group(1) + "/web"


def test_the_stored_page_runs_nothing_and_keeps_nothing_the_archive_injected(
    rescued: Rescued,
) -> None:
    page = rescued.page.read_text(encoding="utf-8")
    for gone in (
        "<script",
        "onload=",
        "onerror=",
        "javascript:",
        'http-equiv="refresh"',
        "<iframe",
        "<form",
        'rel="preload"',
        "_static",
        "archive.org/includes",
        "End Wayback Rewrite JS Include",
    ):
        assert gone not in page, gone
    assert '<meta http-equiv="Content-Security-Policy"' in page
    assert '<input name="q">' in page  # the form's content stays, without the form
    # the lazy image shows the picture a script would have put there
    assert re.search(r'<img id="lazy" src="\.\./\.\./img/lazy\.png"', page), page
    assert "<h1>故事 Story</h1>" in page  # the text, in its own encoding, untouched


def test_the_capture_itself_stays_in_the_store_and_verifies(rescued: Rescued) -> None:
    objects = rescued.store / ".objects"
    digest = hashlib.sha256(PAGE).hexdigest()
    assert (objects / digest[:2] / digest).read_bytes() == PAGE
    verify = linkrescue("verify", cwd=rescued.root)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_the_report_counts_the_requisites(rescued: Rescued) -> None:
    pages = rescued.report["pages"]
    # the page and its two stylesheets got views
    assert pages["views"] == 3
    # photo, wide (cdn), none, lazy, favicon, site.css, print.css, bg.png, font: rescued;
    # never-archived.png: not archived; app.js is a script (not fetched by default)
    assert pages["rescued"] == 9
    assert pages["not_archived"] == 1
    assert pages["failed"] == pages["left"] == 0


def test_a_second_run_asks_nothing_and_changes_nothing(rescued: Rescued, archive: Pywb) -> None:
    second = rescued.root.parent / (rescued.root.name + "-again")
    shutil.copytree(rescued.root, second)
    before = {p: p.read_bytes() for p in (second / "rescued").rglob("*") if p.is_file()}
    again = rescue(second, archive)
    requests = again.report["requests"]
    assert requests["cdx"] + requests["playback"] == 0, requests
    after = {p: p.read_bytes() for p in (second / "rescued").rglob("*") if p.is_file()}
    changed = [
        str(p)
        for p in after
        if before.get(p) != after[p] and not p.name.startswith("index.sqlite3")
    ]
    assert changed == []


def test_the_page_opens_offline_in_chromium_with_its_images_and_no_request_out(
    rescued: Rescued, tmp_path: Path
) -> None:
    netlog = tmp_path / "net.json"
    png = screenshot(
        rescued.page,
        tmp_path / "profile",
        tmp_path / "page.png",
        size=(800, 900),
        extra=(f"--log-net-log={netlog}",),
    )
    # each picture drawn: the local copies loaded (120x80 CSS boxes from the stylesheet)
    for colour in (RED, GREEN, BLUE):
        assert count_colour(png, colour) > 2000, colour
    assert count_colour(png, YELLOW) > 2000  # the stylesheet's background image
    assert page_requests(netlog) == []


def test_the_request_check_sees_a_page_that_reaches_out(tmp_path: Path) -> None:
    """The control of the test above: a page that loads a remote image is caught."""
    page = tmp_path / "out.html"
    page.write_text('<img src="http://203.0.113.9/x.png"><img src="https://cdn.example.com/y.png">')
    netlog = tmp_path / "net.json"
    screenshot(page, tmp_path / "profile", tmp_path / "out.png", extra=(f"--log-net-log={netlog}",))
    assert sorted(page_requests(netlog)) == [
        "http://203.0.113.9/x.png",
        "https://cdn.example.com/y.png",
    ]


def test_unsanitized_pages_keep_their_scripts_and_depth_one_brings_the_linked_page(
    archive: Pywb, tmp_path: Path
) -> None:
    got = rescue(tmp_path, archive, crawl="sanitize = false\ndepth = 1\nscripts = true\n")
    page = got.page.read_text(encoding="utf-8")
    assert '<script src="../../js/app.js"></script>' in page
    assert "Content-Security-Policy" not in page
    assert "End Wayback Rewrite JS Include" not in page  # the archive's own never stays
    assert 'href="other.html#part"' in page  # depth 1: the page on its own host, local
    assert (
        (got.store / "news.example.com/2021/12/other.html")
        .read_bytes()
        .startswith(b"<!DOCTYPE html><html><head>")
    )
    assert 'href="https://web.archive.org' not in page
    assert "elsewhere.example.org" in page  # another host: not followed, the archive's view


def documents_and_store(root: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    docs = {
        p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "content").rglob("*.md")
    }
    return docs, store_files(root / "rescued")


def test_nights_on_a_small_budget_end_in_the_same_pages_as_one_run(
    rescued: Rescued, archive: Pywb, tmp_path: Path
) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "story.md").write_text(DOC, encoding="utf-8")
    write_config(tmp_path, archive.url)
    nights = []
    first_view = ""
    for night in range(1, 30):
        done = linkrescue(
            "rescue", "content", "--max-requests", "3", "--report", f"n{night}.json", cwd=tmp_path
        )
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads((tmp_path / f"n{night}.json").read_text(encoding="utf-8"))
        nights.append(report)
        if night == 1:
            first_view = (tmp_path / "rescued/news.example.com/2021/12/story.html").read_text()
        if report["stopped"] is None and not report["pages"]["left"]:
            break
    assert len(nights) > 3  # the budget did stop it, more than once
    assert nights[0]["stopped"] == "budget" and nights[0]["pages"]["left"] > 0
    # a view made while its requisites were left is safe and points at the archive meanwhile
    assert "Content-Security-Policy" in first_view and "<script" not in first_view
    assert f"/20211229095346/{SITE}/css/site.css" in first_view
    assert documents_and_store(tmp_path) == documents_and_store(rescued.root)


def copy_of(rescued: Rescued, tmp_path: Path) -> tuple[Path, Path, bytes]:
    """A copy of the rescued project: its root, its page's view file and bytes."""
    root = tmp_path / "copy"
    shutil.copytree(rescued.root, root)
    page = root / "rescued/news.example.com/2021/12/story.html"
    return root, page, page.read_bytes()


def test_a_damaged_view_is_put_back_as_it_was(
    rescued: Rescued, archive: Pywb, tmp_path: Path
) -> None:
    root, page, view = copy_of(rescued, tmp_path)
    page.unlink()
    page.write_bytes(PAGE)  # someone put the raw capture in its place
    css = root / "rescued/news.example.com/css/site.css"
    css.unlink()
    verify = linkrescue("verify", cwd=root)
    assert verify.returncode != 0
    # rescue puts back what the documents point to: the page, from its view's own copy
    again = rescue(root, archive)
    assert page.read_bytes() == view
    assert again.report["requests"]["cdx"] + again.report["requests"]["playback"] == 0
    # verify --repair re-hashes everything: the stylesheet comes back too
    assert not css.exists()
    repaired = linkrescue("verify", "--repair", cwd=root)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert documents_and_store(root) == documents_and_store(rescued.root)


def test_a_page_whose_view_and_copy_are_both_gone_is_fetched_and_made_again(
    rescued: Rescued, archive: Pywb, tmp_path: Path
) -> None:
    root, page, view = copy_of(rescued, tmp_path)
    objects = root / "rescued/.objects"
    digest = hashlib.sha256(view).hexdigest()
    (objects / digest[:2] / digest).unlink()  # the view's own copy
    page.unlink()
    repaired = linkrescue("verify", "--repair", cwd=root)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    # the capture fetched again (its digest is the capture's, not the view's), and its
    # view made again at once: never the raw capture where a site serves the store
    assert page.read_bytes() == view
    assert documents_and_store(root) == documents_and_store(rescued.root)


BIG5_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5">'
    "<title>舊聞</title></head><body><p>香港新聞</p>"
    '<img src="/img/圖片.png"><a href="/新聞/1.html">新聞</a></body></html>'
).encode("big5")
BIG5_URL = f"{SITE}/2020/big5.html"
CJK_IMAGE = png_bytes(50, 50, (120, 20, 160))


@pytest.fixture(scope="module")
def big5_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    caps = [
        Cap(BIG5_URL, "20200101000000", BIG5_PAGE, "text/html; charset=big5"),
        Cap(f"{SITE}/img/圖片.png", "20200101000100", CJK_IMAGE, "image/png"),
    ]
    server = start_pywb(tmp_path_factory.mktemp("pywb-big5"), captures=caps, probe_url=BIG5_URL)
    yield server
    server.stop()


def test_a_big5_page_keeps_its_bytes_and_finds_its_chinese_named_image(
    big5_archive: Pywb, tmp_path: Path
) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "old.md").write_text(
        f"[old](https://web.archive.org/web/20200101000000/{BIG5_URL})\n", encoding="utf-8"
    )
    write_config(tmp_path, big5_archive.url)
    done = linkrescue("rescue", "content", "--report", "r.json", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    view = (tmp_path / "rescued/news.example.com/2020/big5.html").read_bytes()
    # the image's stored name is Chinese: written percent-encoded UTF-8, which a
    # browser and a web server read as that file whatever the page's encoding
    assert b'<img src="../img/%E5%9C%96%E7%89%87.png">' in view
    assert (tmp_path / "rescued/news.example.com/img/圖片.png").read_bytes() == CJK_IMAGE
    # everything else is the capture's own Big5
    assert "<title>舊聞</title></head><body><p>香港新聞</p>".encode("big5") in view
    assert "新聞</a>".encode("big5") in view
    png = screenshot(
        tmp_path / "rescued/news.example.com/2020/big5.html",
        tmp_path / "profile",
        tmp_path / "big5.png",
        size=(400, 300),
    )
    assert count_colour(png, (120, 20, 160)) > 1500  # the image loaded from its local copy


def test_hosts_and_the_per_page_cap_bound_what_is_fetched(archive: Pywb, tmp_path: Path) -> None:
    got = rescue(
        tmp_path,
        archive,
        crawl='exclude_hosts = ["cdn.example.com"]\nmax_resources_per_page = 3\n',
    )
    pages = got.report["pages"]
    # the first three requisites of the page in its order: site.css, the icon, the
    # photo; then each stylesheet's own (print.css; bg.png and the font)
    assert not (got.store / "cdn.example.com").exists()
    assert (got.store / "news.example.com/img/photo.png").is_file()
    assert not (got.store / "news.example.com/img/lazy.png").exists()
    assert pages["rescued"] == 6
    page = got.page.read_text(encoding="utf-8")
    assert f"/{CDN}/img/wide.png 2x" in page  # left to the archive's view


def test_an_export_of_the_documents_takes_their_pages_requisites(
    rescued: Rescued, tmp_path: Path
) -> None:
    from warcio.archiveiterator import ArchiveIterator

    out = tmp_path / "story.warc.gz"
    done = linkrescue("export", "--warc", out, "content", cwd=rescued.root)
    assert done.returncode == 0, done.stdout + done.stderr
    with out.open("rb") as stream:
        records = {
            r.rec_headers.get_header("WARC-Target-URI"): r.content_stream().read()
            for r in ArchiveIterator(stream)
            if r.rec_type == "response"
        }
    # the page as captured (not its view), and all it needs to render
    assert records[PAGE_URL] == PAGE
    assert records[f"{SITE}/css/site.css"] == SITE_CSS
    assert records[f"{SITE}/css/print.css"] == PRINT_CSS
    assert records[f"{SITE}/fonts/story.woff2"] == FONT
    assert records[f"{CDN}/img/wide.png"] == WIDE
    assert len(records) == 10  # the page and its nine requisites


# Runs the CLI, killing itself with SIGKILL at the n-th placing of a view: "placed" (the
# view renamed over the capture, the index not yet told it is a view) or "placing"
# (before anything of the view is written).
KILL_AT_VIEW = textwrap.dedent(
    """
    import os, signal, sys
    from linkrescue.archive.state.views import ViewBook
    from linkrescue.archive.store.store import Store
    n, when = int(sys.argv[1]), sys.argv[2]
    calls = 0
    real_record, real_put_view = ViewBook.record, Store.put_view

    def record(self, *args, **kwargs):
        global calls
        calls += 1
        if calls == n and when == "placed":
            os.kill(os.getpid(), signal.SIGKILL)
        return real_record(self, *args, **kwargs)

    def put_view(self, *args, **kwargs):
        if calls + 1 == n and when == "placing":
            os.kill(os.getpid(), signal.SIGKILL)
        return real_put_view(self, *args, **kwargs)

    ViewBook.record, Store.put_view = record, put_view
    from linkrescue.crawler.cli import app
    app(sys.argv[3:], prog_name="linkrescue")
    """
)


@pytest.mark.parametrize(
    ("n", "when"), [(1, "placed"), (2, "placed"), (1, "placing"), (3, "placing")]
)
def test_a_run_killed_while_placing_views_ends_like_a_run_never_killed(
    rescued: Rescued, archive: Pywb, tmp_path: Path, n: int, when: str
) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "story.md").write_text(DOC, encoding="utf-8")
    write_config(tmp_path, archive.url)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AT_VIEW, str(n), when, "rescue", "content"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    staging = tmp_path / "rescued" / ".staging"
    again = linkrescue("rescue", "content", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert documents_and_store(tmp_path) == documents_and_store(rescued.root)
    verify = linkrescue("verify", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert not any(p.is_file() for p in staging.rglob("*") if p.name != ".lock")
