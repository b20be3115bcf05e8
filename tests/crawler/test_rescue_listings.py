"""The CDX budget against a real pywb: which listings a rescue makes and what they save.

The corpus has the shape the issue's request targets are about (docs/corpus-patterns.md:
most references share a few hosts, scraped links carry the page's timestamp, not the
target's): an outlet's image directory referenced both as ``2021im_`` and with the
page's 14-digit timestamp, a directory referenced only with full timestamps (two of
its images captured months away, one never), a small blog cited three times, and
one link to a site cited once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkrescue.archive.remote.listings import SMALL_MIN_GROUP, Window, plan_listings
from linkrescue.archive.remote.wayback import ArchiveClient
from linkrescue.archive.settings import ArchiveSettings
from tests.support.archive_content import Cap, html, png_bytes
from tests.support.cli import linkrescue
from tests.support.files import capture_bytes
from tests.support.pywb_server import Pywb, start_pywb

PAGE_TS = "20211229095346"  # the article page's capture, written in every exact link
MEDIA = "https://img.outlet.example/media"
PHOTOS = "https://img.outlet.example/photos/2021"
BLOG = "https://blog.tail.example"
ONE_OFF = "https://one.off.example/report.html"


def near(i: int) -> str:
    """Captures a few minutes after the page, as a crawler fetches a page's embeds."""
    return f"2021122910{i % 60:02d}{i % 50:02d}"


def png(i: int) -> bytes:
    return png_bytes(1 + i % 7, 1 + i // 7 % 7, (i % 256, 40, 200))


MEDIA_VAGUE = [f"{MEDIA}/v{i:03d}.png" for i in range(150)]
MEDIA_EXACT = [f"{MEDIA}/e{i}.png" for i in range(8)]
PHOTOS_EXACT = [f"{PHOTOS}/p{i}.png" for i in range(6)]
BLOG_PAGES = [f"{BLOG}/2021/a.html", f"{BLOG}/2021/b.html", f"{BLOG}/about.html"]
FAR = {PHOTOS_EXACT[3]: "20210601080000", PHOTOS_EXACT[4]: "20220720120000"}
UNCAPTURED = {MEDIA_VAGUE[7], MEDIA_EXACT[2], PHOTOS_EXACT[5]}


def captures() -> dict[str, Cap]:
    caps: dict[str, Cap] = {}
    images = [*MEDIA_VAGUE, *MEDIA_EXACT, *PHOTOS_EXACT]
    for i, url in enumerate(images):
        if url not in UNCAPTURED:
            caps[url] = Cap(url, FAR.get(url, near(i)), png(i), "image/png")
    for i, url in enumerate([*BLOG_PAGES, ONE_OFF]):
        caps[url] = Cap(url, near(i + 7), html(f"page {i}"))
    return caps


def article(n: int, lines: list[str]) -> str:
    return f"---\ntitle: article {n}\ndate: 2021-12-29\n---\n" + "\n\n".join(lines) + "\n"


def write_corpus(root: Path) -> None:
    wb = "https://web.archive.org/web"
    lines = [f"![]({wb}/2021im_/{url})" for url in MEDIA_VAGUE]
    lines += [f"![]({wb}/{PAGE_TS}im_/{url})" for url in [*MEDIA_EXACT, *PHOTOS_EXACT]]
    lines += [f"[cited]({wb}/{PAGE_TS}/{url})" for url in [*BLOG_PAGES, ONE_OFF]]
    root.mkdir()
    for n in range(0, len(lines), 20):
        (root / f"a{n:03d}.md").write_text(article(n, lines[n : n + 20]), encoding="utf-8")


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-listings"),
        captures=captures().values(),
        probe_url=MEDIA_VAGUE[0].removeprefix("https://"),
    )
    try:
        yield server
    finally:
        server.stop()


def test_listings_make_each_resource_cost_one_playback(pywb: Pywb, tmp_path: Path) -> None:
    write_corpus(tmp_path / "content")
    (tmp_path / "config.toml").write_text(
        f'[archive]\nurl = "{pywb.url}"\ncdx_per_second = 0\nplayback_per_second = 0\n'
        # the documents' resources alone: the pages' stylesheets would add their lookups
        "[crawl]\nrequisites = false\n",
        encoding="utf-8",
    )
    done = linkrescue("rescue", "content", "--no-rewrite", "--report", "r.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    items = {item["url"]: item for item in report["items"]}
    caps = captures()
    assert len(items) == len(caps) + len(UNCAPTURED) == 168
    for url, cap in caps.items():
        item = items[url]
        assert item["outcome"] == "rescued", item
        assert item["timestamp"] == cap.timestamp
        assert (tmp_path / "rescued" / item["local_path"]).is_file()
        assert capture_bytes(tmp_path / "rescued", item["sha256"]) == cap.body
    for url in UNCAPTURED:
        assert items[url]["outcome"] == "not-archived", items[url]
        assert "complete listing" in items[url]["reason"]
    # Three listings (1.5% of 168 resources, rounded up): the media directory once for both kinds of reference (complete), the
    # photos directory within its date window and then once more without it (which
    # finds the two captures months away and proves p5 absent), the blog's host; and
    # the start-up probe of the CDX API.
    assert report["requests"]["cdx"] == 4 + 1
    # One playback per rescued resource; the site cited once costs the archive's
    # redirect to its nearest capture on top; not-archived ones cost nothing.
    assert report["requests"]["playback"] == len(caps) + 1


def test_a_scattered_corpus_gets_listings_within_the_budget() -> None:
    class Ref:
        def __init__(self, url: str, timestamp: str | None) -> None:
            self.url, self.timestamp = url, timestamp

    # 400 small sites cited 3 times each and one outlet directory of 50 images.
    refs = [
        Ref(f"https://site{h}.example/{k}.html", PAGE_TS)
        for h in range(400)
        for k in range(SMALL_MIN_GROUP)
    ]
    refs += [Ref(f"{MEDIA}/x{i}.png", None) for i in range(50)]
    plan = plan_listings(refs)
    assert len(plan) == 19  # 1.5% of 1,250 resources: well under 0.05 CDX per resource
    assert plan[0].prefix == "img.outlet.example/media/" and len(plan[0].urls) == 50
    assert plan[0].window == Window(max_pages=2)  # unwindowed: it can prove absence
    small = plan[1]
    assert small.prefix.startswith("site") and len(small.urls) == SMALL_MIN_GROUP
    assert small.window.max_pages == 1  # a whole host: one page, however big
    assert small.window.from_ts is not None and small.window.to_ts is not None
    assert small.window.from_ts < PAGE_TS < small.window.to_ts


def test_two_cited_pages_of_a_site_are_not_worth_a_listing() -> None:
    class Ref:
        def __init__(self, url: str) -> None:
            self.url, self.timestamp = url, PAGE_TS

    plan = plan_listings([Ref(f"{BLOG}/a.html"), Ref(f"{BLOG}/b.html"), Ref(ONE_OFF)])
    assert plan == []


def test_a_listing_longer_than_a_page_is_split_by_date_on_an_archive_without_paging(
    pywb: Pywb,
) -> None:
    # pywb answers a full page and no resume key; the 156 captures under media/ listed in
    # pages of 40 must all be found, each once, and the listing still proves absence.
    under_media = [url for url in captures() if url.startswith(MEDIA)]
    settings = ArchiveSettings(url=pywb.url, cdx_per_second=0, playback_per_second=0)
    with ArchiveClient(settings) as client:
        listed = client.prefetch_prefix("img.outlet.example/media/", page_rows=40)
        assert listed.exhausted and listed.kept == len(under_media) == 156
        assert listed.pages == client.counts.cdx > 1
        for url in under_media:
            answer = client.cache.answer(url)
            assert answer is not None and answer.complete and len(answer.rows) == 1, url
        gone = client.cache.answer(MEDIA_EXACT[2])
        assert gone is not None and gone.complete and gone.rows == []
        # With no page to spare (a whole host gets one), the full page is kept as it is.
    with ArchiveClient(settings) as client:
        listed = client.prefetch_prefix("img.outlet.example/", page_rows=40, max_pages=1)
        assert listed.pages == 1 and listed.kept == 40 and not listed.exhausted
