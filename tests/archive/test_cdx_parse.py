"""Every CDX answer shape: IA's JSON array and text (with resume keys), pywb's NDJSON and CDXJ."""

from __future__ import annotations

import json

from linkrescue.archive.model import Snapshot
from linkrescue.archive.remote.cdx import exact_query, parse_cdx, prefix_query
from linkrescue.archive.remote.cdxclient import split_window
from linkrescue.archive.remote.prefixcache import PrefixCache
from linkrescue.archive.urls import url_key
from tests.support.recordings import body_of, load

IA_HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def test_ia_json_array_with_header_row_and_resume_key() -> None:
    # The documented shape (internetarchive/wayback wayback-cdx-server README).
    body = json.dumps(
        [
            IA_HEADER,
            ["org,archive)/", "19970126045828", "http://www.archive.org:80/", "text/html", "200",
             "Q4YULN754FHV2U6Q5JUT6Q2P57WEWNNY", "1415"],
            ["org,archive)/", "19971011050034", "http://www.archive.org:80/", "warc/revisit", "-",
             "Q4YULN754FHV2U6Q5JUT6Q2P57WEWNNY", "-"],
            [],
            ["org%2Carchive%29%2F+19971011050034"],
        ]
    )  # fmt: skip
    page = parse_cdx(body)
    assert page.resume_key == "org%2Carchive%29%2F+19971011050034"
    assert page.rows == [
        Snapshot("http://www.archive.org/", "19970126045828", "text/html", 200,
                 "Q4YULN754FHV2U6Q5JUT6Q2P57WEWNNY", 1415),
        Snapshot("http://www.archive.org/", "19971011050034", "warc/revisit", None,
                 "Q4YULN754FHV2U6Q5JUT6Q2P57WEWNNY", None),
    ]  # fmt: skip


def test_line_shaped_answers_read_a_line_at_a_time_give_every_row_and_the_resume_key() -> None:
    """Text, CDXJ and NDJSON are read line by line (a whole page parsed at once held
    13 MiB): CRLF endings, blank lines between rows of NDJSON, a last line without an
    end, and a resume key after the blank line all come out as before."""
    text = (
        "org,archive)/ 19970126045828 http://www.archive.org:80/ text/html 200 "
        "Q4YULN754FHV2U6Q5JUT6Q2P57WEWNNY 1415\r\n"
        "org,archive)/ 19971011050034 http://www.archive.org:80/ text/html 200 "
        "Q4YULN754FHV2U6Q5JUT6Q2P57WEWNNY 1415\r\n"
        "\r\n"
        "org%2Carchive%29%2F+19971011050034\r\n"
    )
    page = parse_cdx(text)
    assert [row.timestamp for row in page.rows] == ["19970126045828", "19971011050034"]
    assert page.rows[0] == Snapshot(
        "http://www.archive.org/", "19970126045828", "text/html", 200,
        "Q4YULN754FHV2U6Q5JUT6Q2P57WEWNNY", 1415,
    )  # fmt: skip
    assert page.resume_key == "org%2Carchive%29%2F+19971011050034"
    record = {"url": "https://x.com/a.png", "mime": "image/png", "status": "200"}
    ndjson = "\n".join(
        [json.dumps(record | {"timestamp": "20210101000000"}), "", " ",
         json.dumps(record | {"timestamp": "20220101000000"})]
    )  # fmt: skip
    rows = parse_cdx(ndjson).rows
    assert [(r.original, r.timestamp, r.status) for r in rows] == [
        ("https://x.com/a.png", "20210101000000", 200),
        ("https://x.com/a.png", "20220101000000", 200),
    ]
    cdxj = 'com,x)/a.png 20210101000000 {"url": "https://x.com/a.png", "status": "301"}'
    assert parse_cdx(cdxj).rows == [Snapshot("https://x.com/a.png", "20210101000000", None, 301)]


def test_ia_json_empty_and_pywb_empty() -> None:
    assert parse_cdx("[]").rows == []  # IA: no result
    assert parse_cdx("").rows == []  # pywb: empty body
    assert parse_cdx("[]\n").resume_key is None


def test_ia_text_with_resume_key_from_a_real_recording() -> None:
    interactions = load("test_search_with_filter")
    page = parse_cdx(body_of(interactions, 0).decode())
    assert page.resume_key is not None and page.resume_key.startswith("gov%2Cnasa%29%2F")
    assert len(page.rows) == 10
    first = page.rows[0]
    assert (first.timestamp, first.original, first.mimetype, first.status) == (
        "20220101003924",
        "http://www.nasa.gov/",
        "text/html",
        200,
    )
    assert first.digest == "AAT2EUOFX4QOJJ7O7W7GOD23HRMVHM5Q"


def test_ia_text_repeated_lines_are_read_once() -> None:
    # CASS/test_search: the same line three times.
    page = parse_cdx(body_of(load("test_search"), 0).decode())
    assert len(page.rows) == 1
    assert page.rows[0].original == "http://www.nasa.gov/"  # ":80" stripped as EDGI does
    assert page.resume_key is None


def test_ia_text_revisits_and_unknown_types() -> None:
    page = parse_cdx(body_of(load("test_search_with_date"), 2).decode())
    revisits = [r for r in page.rows if r.mimetype == "warc/revisit"]
    assert revisits and all(r.status is None for r in revisits)


def test_pywb_ndjson_and_cdxj() -> None:
    ndjson = (
        '{"urlkey": "com,example,assets)/media/photos/logo.png", "timestamp": "20200101000000", '
        '"url": "https://assets.example.com/media/photos/logo.png", "mime": "image/png", '
        '"status": "200", "digest": "6WYW3PP6DCLOT7TZ3ZO3ZZCXM6GKEBIR", "length": "423", '
        '"offset": "3924", "filename": "test.warc.gz", "source": "cdx:index.cdxj"}\n'
    )
    (row,) = parse_cdx(ndjson).rows
    assert row == Snapshot(
        "https://assets.example.com/media/photos/logo.png",
        "20200101000000",
        "image/png",
        200,
        "6WYW3PP6DCLOT7TZ3ZO3ZZCXM6GKEBIR",
        423,
    )
    cdxj = "com,example,assets)/media/photos/logo.png 20200101000000 " + ndjson.split(
        '"20200101000000", ', 1
    )[1].replace('"url"', '{"url"', 1)
    assert parse_cdx(cdxj).rows == [row]


def test_junk_rows_are_dropped() -> None:
    lines = "\n".join(
        [
            "com,x)/ 20200101000000 http://mailto:someone@x.com text/html 200 AAAA 10",
            "com,x)/ 20200101000000 data:image/png;base64,AAAA image/png 200 AAAA 10",
            "com,x)/ notatimestamp http://x.com/ text/html 200 AAAA 10",
            "com,x)/ 20200101000000 http://x.com/ text/html 200 AAAA 10",
        ]
    )
    assert [r.original for r in parse_cdx(lines).rows] == ["http://x.com/"]


def test_queries_never_use_parameters_pywb_reads_differently() -> None:
    for params in (
        exact_query("https://x.com/a", near="20211229000000", limit=5),
        exact_query("https://x.com/a", near=None, limit=5),
        prefix_query("x.com/a/", limit=100, resume_key="k", from_ts="2021"),
    ):
        assert not {"fl", "filter", "collapse"} & set(params)
        assert not params["limit"].startswith("-")  # limit=-N returns nothing on pywb
    assert exact_query("u", near="20211229000000", limit=5)["sort"] == "closest"
    assert exact_query("u", near=None, limit=5)["sort"] == "reverse"


def test_the_prefix_cache_answers_for_covered_urls_only() -> None:
    cache = PrefixCache()
    rows = [
        Snapshot("https://assets.example.com/media/a.png", "20211229000000", "image/png", 200),
        Snapshot("http://assets.example.com/media/a.png", "20200101000000", "image/png", 200),
    ]
    assert cache.add("assets.example.com/media/", rows, complete=True) == 2
    answer = cache.answer("https://www.assets.example.com/media/a.png")
    assert answer is not None and answer.complete and len(answer.rows) == 2
    missing = cache.answer("https://assets.example.com/media/b.png")
    assert missing is not None and missing.rows == [] and missing.complete
    assert cache.answer("https://assets.example.com/other/a.png") is None


def test_the_prefix_cache_gives_back_every_field_of_every_row_in_the_order_listed() -> None:
    """The rows live in a temporary database, not in memory: what comes back must be
    the rows that went in, field for field (a redirect row, unknown fields), in order,
    and for the URLs a listing was kept for only."""
    cache = PrefixCache()
    page = "https://news.example.com/2021/a.html"
    rows = [
        Snapshot(
            page, "20211229000000", "text/html", 200, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 5120
        ),
        Snapshot(page, "20200101000000", "warc/revisit", None, None, None),
        Snapshot(
            page, "20190101000000", "text/html", 301, "Z" * 32, 310, "https://news.example.com/"
        ),
        Snapshot("https://news.example.com/2021/b.html", "20211229000000", "text/html", 200),
    ]
    only = frozenset({url_key(page)})
    assert cache.add("news.example.com/2021/", rows, complete=True, only=only) == 3
    answer = cache.answer(page)
    assert answer is not None and answer.rows == rows[:3] and answer.complete
    # b.html was under the prefix but not kept for: the listing does not answer for it
    assert cache.answer("https://news.example.com/2021/b.html") is None
    cache.close()
    assert cache.answer(page) is None


def test_a_url_the_run_is_done_with_is_looked_up_again_never_called_not_archived() -> None:
    cache = PrefixCache()
    rows = [Snapshot("https://assets.example.com/media/a.png", "20211229000000", "image/png", 200)]
    cache.add("assets.example.com/media/", rows, complete=True)
    cache.spend("https://assets.example.com/media/a.png")
    # its rows are gone: not "complete listing, no capture" (not archived), but unknown
    assert cache.answer("https://assets.example.com/media/a.png") is None
    cache.spend("https://assets.example.com/media/b.png")  # no rows: still proven absent
    missing = cache.answer("https://assets.example.com/media/b.png")
    assert missing is not None and missing.rows == [] and missing.complete
    # a later listing's rows for it are taken in again
    cache.add("assets.example.com/", rows, complete=True)
    again = cache.answer("https://assets.example.com/media/a.png")
    assert again is not None and again.rows == rows


def test_rows_of_a_listing_that_broke_off_are_never_answered() -> None:
    """Rows go to the cache page by page as a listing runs; a listing that fails on a
    later page (its retries spent) covers nothing, and the rows of its first pages
    must not join what a complete listing of a wider prefix answers."""
    cache = PrefixCache()
    url = "https://assets.example.com/media/a.png"
    whole = [Snapshot(url, "20211229000000", "image/png", 200)]
    cache.add("assets.example.com/", whole, complete=True)
    broken = cache.open("assets.example.com/media/", None)
    assert broken is not None
    assert cache.keep_rows(broken, [Snapshot(url, "20150101000000", "text/html", 404)]) == 1
    cache.abandon(broken)
    answer = cache.answer(url)
    assert answer is not None and answer.rows == whole and answer.prefix == "assets.example.com/"


def test_a_capture_listed_by_two_listings_is_answered_once() -> None:
    cache = PrefixCache()
    url = "https://assets.example.com/media/a.png"
    rows = [Snapshot(url, "20211229000000", "image/png", 200)]
    cache.add("assets.example.com/media/", rows, complete=False, windowed=True)
    cache.add("assets.example.com/media/", rows, complete=True)
    answer = cache.answer(url)
    assert answer is not None and answer.rows == rows and answer.complete


def test_a_date_window_splits_into_two_halves_of_whole_seconds() -> None:
    assert split_window("2021", "2021") == [
        ("20210101000000", "20210702115959"),
        ("20210702120000", "20211231235959"),
    ]
    assert split_window("20211229095346", "20211229095347") == []  # one second: no split
    low, high = split_window(None, None)
    assert low[0] == "19960101000000" and low[1] < high[0] <= high[1]


def test_the_redirect_column_of_an_eleven_field_line_names_where_a_capture_led() -> None:
    # IA's 11-field CDX format (and its timemaps) carry the captured redirect's Location.
    lines = (
        "com,thestandnews)/politics/abc 20211231000000 https://www.thestandnews.com/politics/abc "
        "text/html 302 3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ https://www.thestandnews.com/ - 412 "
        "8837 CC-MAIN-x.warc.gz\n"
        "com,thestandnews)/politics/abc 20211220000000 https://www.thestandnews.com/politics/abc "
        "text/html 200 WL2RXH6A5XSXPOI4NIQR4SHWSYZXTSYB - - 30211 112 CC-MAIN-y.warc.gz\n"
    )
    dead, alive = parse_cdx(lines).rows
    assert (dead.status, dead.redirect) == (302, "https://www.thestandnews.com/")
    assert (alive.status, alive.redirect) == (200, None)
