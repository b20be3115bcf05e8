"""Snapshot choice rules, one by one (archive/remote/snapshots.py: pure functions)."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urljoin

import pytest

from linkrescue.archive.model import Snapshot, Want
from linkrescue.archive.remote.snapshots import (
    describe_unusable,
    group_by_prefix,
    rank_snapshots,
    soft_404,
)
from linkrescue.archive.timestamps import (
    pad_timestamp,
    timestamp_datetime,
    to_timestamp,
    wanted_timestamp,
)
from linkrescue.archive.urls import covers, url_key


@pytest.mark.parametrize(
    ("partial", "padded"),
    [
        ("2021", "20211231235959"),  # the Wayback Machine aims at the end of the period
        ("202102", "20210228235959"),
        ("202002", "20200229235959"),  # leap year
        ("20211229", "20211229235959"),
        ("2021122909", "20211229095959"),
        ("20211229095346", "20211229095346"),
    ],
)
def test_partial_timestamps_aim_at_the_end_of_their_period(partial: str, padded: str) -> None:
    assert pad_timestamp(partial) == padded


def test_year_2000_zero_months_and_days_are_read() -> None:
    assert timestamp_datetime("20000000120000").isoformat() == "2000-01-01T12:00:00+00:00"


def test_the_written_timestamp_wins_and_a_partial_one_is_narrowed_by_the_document_date() -> None:
    assert wanted_timestamp("20211229095346", "20210207205800") == "20211229095346"
    assert wanted_timestamp("2021", "20210207205800") == "20210207205800"
    assert wanted_timestamp("2020", "20210207205800") == "20201231235959"
    assert wanted_timestamp(None, "20210207205800") == "20210207205800"
    assert wanted_timestamp(None, None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-02-07T20:58:00", "20210207205800"),  # Stand News frontmatter
        ("2021-02-07T20:58:00+08:00", "20210207125800"),  # zoned: UTC
        (date(2021, 2, 7), "20210207000000"),  # YAML dates parse to date objects
        (datetime(2021, 2, 7, 20, 58), "20210207205800"),
        ("", None),  # 2% of Citizen News files: date: ""
        ("not a date", None),
        (None, None),
    ],
)
def test_frontmatter_dates_become_timestamps(value: object, expected: str | None) -> None:
    assert to_timestamp(value) == expected  # type: ignore[arg-type]


def test_url_key_folds_what_the_cdx_index_folds() -> None:
    same = [
        "https://www.example-news.com/news_新聞/圖片.jpg",
        "http://example-news.com/news_%E6%96%B0%E8%81%9E/%E5%9C%96%E7%89%87.jpg",
        "https://WWW.Example-News.com:443/news_%e6%96%b0%e8%81%9e/%e5%9c%96%e7%89%87.jpg/",
        "example-news.com/news_新聞/圖片.jpg#fragment",
    ]
    assert len({url_key(u) for u in same}) == 1
    assert url_key("https://x.com/a?b=2&a=1") == url_key("https://x.com/a?a=1&b=2")
    assert url_key("https://x.com/a") != url_key("https://x.com/b")
    assert url_key("https://x.com:8080/a") != url_key("https://x.com/a")


def test_a_prefix_covers_exactly_what_a_prefix_query_lists() -> None:
    assert covers("assets.example.com/media/", "https://assets.example.com/media/a.png")
    assert covers("assets.example.com/media/", "http://www.assets.example.com/media/新.png")
    assert not covers("assets.example.com/media/", "https://assets.example.com/media-kit/a.png")
    assert not covers("assets.example.com", "https://assets.example.com.evil.net/a.png")
    assert covers("assets.example.com", "https://assets.example.com/a.png")
    assert covers("cnn.com", "http://www.cnn.com/")  # a host's home page is under its prefix
    assert covers("cnn.com", "http://cnn.com")


def test_group_by_prefix_finds_the_directories_worth_a_listing() -> None:
    photos = [f"https://assets.example.com/media/photos/{i}.png" for i in range(30)]
    spread = [f"https://news.example.com/{s}/{i}" for s in ("a", "b") for i in range(12)]
    lone = ["https://bit.ly/abc"]
    groups = group_by_prefix(photos + spread + lone, min_group=20)
    assert sorted(groups["assets.example.com/media/photos/"]) == sorted(photos)
    assert sorted(groups["news.example.com/"]) == sorted(spread)  # rolled up to the host
    assert groups[""] == lone


def test_a_directory_counts_its_own_urls_with_those_of_its_subdirectories() -> None:
    blog = [
        "https://blog.example/about.html",
        "https://blog.example/2021/a",
        "https://blog.example/2021/b",
    ]
    groups = group_by_prefix([*blog, "https://one.example/x"], min_group=3)
    assert sorted(groups["blog.example/"]) == sorted(blog)
    assert groups[""] == ["https://one.example/x"]


def _snap(ts: str, status: int | None = 200, mime: str | None = "image/png", **kw: str) -> Snapshot:
    return Snapshot(kw.get("original", "https://a.com/x.png"), ts, mime, status, kw.get("digest"))


def test_ranking_is_nearest_first_as_playback_lands_then_200_before_revisits_and_redirects() -> (
    None
):
    rows = [
        _snap("20211229000000", 301, "text/html"),
        _snap("20200101000000"),
        _snap("20211201000000"),
        _snap("20211228000000", 404),
        _snap("20211230000000", None, "warc/revisit"),
        _snap("20211130000000", 302, "unk"),
        _snap("20211130000000"),
    ]
    ranked = rank_snapshots(rows, target="20211229000000", want=Want.IMAGE)
    assert [(r.timestamp, r.status) for r in ranked] == [
        # The nearest capture is what playback at the wanted time lands on: a captured
        # redirect, followed and judged by its target (its text/html is the 301 page's).
        ("20211229000000", 301),
        ("20211230000000", None),  # revisit: a playable duplicate
        ("20211201000000", 200),
        ("20211130000000", 200),  # one candidate per timestamp, the 200 first
        ("20200101000000", 200),
    ]  # the archived 404 is not a candidate at all


def test_an_image_moved_behind_a_captured_redirect_is_a_candidate() -> None:
    # The Stand News image whose CDN path changed: only a 301 (text/html) was captured.
    moved = Snapshot(
        "https://assets.thestandnews.com/media/photos/DpQl3cVh.jpg",
        "20211229095500",
        "text/html",
        301,
    )
    assert rank_snapshots([moved], target="20211229095346", want=Want.IMAGE) == [moved]


@pytest.mark.parametrize(
    ("source", "target", "reason"),
    [
        # A dead site's deep URLs sent to its front page.
        (
            "https://www.thestandnews.com/politics/立法會選舉/",
            "https://www.thestandnews.com/",
            "front page",
        ),
        (
            "http://thestandnews.com/politics/abc",
            "https://www.thestandnews.com/?ref=closed",
            "front page",
        ),
        (
            "https://assets.thestandnews.com/media/photos/a.jpg",
            "https://www.thestandnews.com/index.html",
            "front page",
        ),
        (
            "https://www.example-news.com/article/46771/x",
            "https://www.example-news.com/index.php",
            "front page",
        ),
        ("https://www.example-news.com/article/46771/x", "/default.aspx", "front page"),
        # Error and login pages, on any host.
        (
            "https://www.example-news.com/article/46771/x",
            "https://www.example-news.com/notfound",
            "error page",
        ),
        (
            "https://www.example-news.com/news/1",
            "https://www.example-news.com/page-not-found.html",
            "error page",
        ),
        (
            "https://www.example-news.com/news/1",
            "https://www.example-news.com/errors/404",
            "error page",
        ),
        (
            "https://www.example-news.com/news/1",
            "https://www.example-news.com/Error.aspx?aspxerrorpath=/news/1",
            "error page",
        ),
        (
            "https://www.facebook.com/coco.shen/posts/10157672268636821",
            "https://www.facebook.com/login/?next=x",
            "error page",
        ),
        ("https://bit.ly/3abc", "https://www.example-news.com/404.html", "error page"),
    ],
)
def test_a_deep_url_redirected_to_a_front_page_or_an_error_page_is_a_soft_404(
    source: str, target: str, reason: str
) -> None:
    found = soft_404(source, urljoin(source, target))
    assert found is not None and reason in found


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("http://thestandnews.com/", "https://www.thestandnews.com/"),  # a front page moving
        ("http://www.example-news.com", "https://www.example-news.com/index.php"),
        ("https://www.example-news.com/old-article", "https://www.example-news.com/article/2"),
        ("http://www.example-news.com/a", "https://www.example-news.com/a/"),  # http→https
        ("https://bit.ly/3abc", "https://www.example-news.com/"),  # a short link to a home page
        ("https://www.example-news.com/news/1", "https://www.example-news.com/news/terror-attack"),
        (
            "https://assets.thestandnews.com/media/photos/a.jpg",
            "https://cdn.thestandnews.com/media/2021/a.jpg",
        ),
    ],
)
def test_other_captured_redirects_may_lead_to_the_content(source: str, target: str) -> None:
    assert soft_404(source, target) is None


def test_a_row_the_index_shows_redirecting_to_the_front_page_is_not_a_candidate() -> None:
    url = "https://www.thestandnews.com/politics/立法會選舉/"
    dead = Snapshot(
        url, "20211231000000", "text/html", 302, redirect="https://www.thestandnews.com/"
    )
    alive = Snapshot(url, "20211220000000", "text/html", 200)
    assert rank_snapshots([dead, alive], target="20211231000000", want=Want.PAGE) == [alive]
    assert rank_snapshots([dead], target=None, want=Want.PAGE) == []
    reason = describe_unusable([dead])
    assert reason == "captured only as a redirect to the front page (https://www.thestandnews.com/)"


def test_an_image_reference_tries_a_capture_labelled_html_and_lets_its_bytes_decide() -> None:
    # Issue 8 item 3: the label is not the content (a CDN serving JPEGs as text/html);
    # playback lands on the nearest capture whatever its label, so a listing must too.
    rows = [_snap("20211229000000", mime="text/html"), _snap("20200101000000")]
    ranked = rank_snapshots(rows, target="20211229000000", want=Want.IMAGE)
    assert [r.timestamp for r in ranked] == ["20211229000000", "20200101000000"]
    # At the same distance, a fitting label goes first, then an unknown one, then another.
    same_time = [
        _snap("20211229000000", mime="text/html", digest="A"),
        _snap("20211229000000", mime="image/png", digest="A"),
    ]
    assert rank_snapshots(same_time, target=None, want=Want.IMAGE)[0].mimetype == "image/png"
    only_html = [_snap("20211229000000", mime="text/html"), _snap("20211230000000", 404)]
    assert [r.status for r in rank_snapshots(only_html, target=None, want=Want.IMAGE)] == [200]
    assert "404" in describe_unusable([_snap("20211230000000", 404)])


def test_without_a_wanted_time_the_newest_wins_and_the_exact_spelling_breaks_ties() -> None:
    rows = [
        _snap("20200101000000"),
        _snap("20211201000000", original="http://a.com/x.png"),
        _snap("20211201000000", original="https://a.com/x.png"),
    ]
    ranked = rank_snapshots(rows, target=None, want=Want.ANY, requested="https://a.com/x.png")
    assert ranked[0] == rows[2]
    assert len(ranked) == 2  # one candidate per timestamp


def test_a_timestamp_listed_twice_with_different_digests_is_not_verifiable() -> None:
    # The recorded zew.de listing has 19970427191925 twice, with two digests.
    rows = [
        _snap("19970427191925", digest="GOE2BMK6YVBA6HNPZJW2N5SHBJPHJBD4"),
        _snap("19970427191925", digest="YHY3SP2A6U2P6RAWJOXO3QEJDDZLWYJY"),
        _snap("19970707142028", digest="YHY3SP2A6U2P6RAWJOXO3QEJDDZLWYJY"),
    ]
    ranked = rank_snapshots(rows, target="19970427191925", want=Want.ANY)
    assert [(r.timestamp, r.digest) for r in ranked] == [
        ("19970427191925", None),
        ("19970707142028", "YHY3SP2A6U2P6RAWJOXO3QEJDDZLWYJY"),
    ]
