"""The key that matches references to CDX rows agrees with the archive's canonicalizer.

pywb files every row it indexes, and looks up every URL it is asked for, under
``surt.surt(url)`` (``pywb.utils.canonicalize``), IA's canonicalizer. A reference
whose key differs from its rows' key is a capture the rescue never sees: a complete
prefix listing then says "not archived" for a URL the archive holds. So the key is
checked against ``surt`` itself on generated URLs with every spelling the index
folds (session ids, dot segments, ``%2F``, case, ``www``, ports, CJK, trailing
slashes, query order), and on the spellings the archive itself receives and stores.
"""

from __future__ import annotations

import pytest
import surt
from hypothesis import given, settings
from hypothesis import strategies as st

from linkrescue.archive.remote.snapshots import group_by_prefix
from linkrescue.archive.urls import covers, encode_original, prefix_key, url_key
from tests.support.archive_content import Cap

HEX32 = "0123456789abcdef0123456789ABCDEF"

hosts = st.sampled_from(
    [
        "thestandnews.com",
        "assets.thestandnews.com",
        "www.example-news.com",
        "www.info.gov.hk",
        "zh.wikipedia.org",
        "bit.ly",
        "img.outlet.example",
    ]
)
host_spellings = st.tuples(
    st.sampled_from(["", "www.", "WWW.", "www2."]),
    st.sampled_from([str.lower, str.upper, str.title]),
)
ports = st.sampled_from(["", "", ":80", ":443", ":8080"])
segments = st.sampled_from(
    [
        "media",
        "photos",
        "Politics",
        "news_新聞",
        "圖片.jpg",
        "%E5%9C%96%E7%89%87.jpg",
        "%e5%9c%96%e7%89%87.jpg",
        "a%2Fb",
        "a%2fb",
        ".",
        "..",
        "%7Euser",
        "~user",
        "index.html",
        "template-15_fLjge_6pSMPpS.png",
        "1214890.shtml",
        "a b",
        "a+b",
    ]
)
params = st.sampled_from(
    [
        "a=1",
        "b=2",
        "B=2",
        "il=0",
        "q=%2F",
        "q=a+b",
        "fbclid=IwAR0X5FtAj9kK35LSDVsICLSD6ejL",
        f"jsessionid={HEX32}",
        f"PHPSESSID={HEX32}",
        f"sid={HEX32}",
        f"ASPSESSIONIDABCDEFGH={HEX32[:24].upper()}",
        "sid=short",
    ]
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    host = draw(hosts)
    www, case = draw(host_spellings)
    scheme = draw(st.sampled_from(["http", "https", "HTTP"]))
    path = "/".join(draw(st.lists(segments, max_size=5)))
    slash = draw(st.sampled_from(["", "/"]))
    query = "&".join(draw(st.lists(params, max_size=4)))
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    url = f"{scheme}://{case(www + host)}{draw(ports)}/{path}{slash}"
    return url + (f"?{query}" if query else "") + fragment


def archive_key(url: str) -> str:
    """The key the archive files a lookup of ``url`` under: the SURT of what is sent."""
    return str(surt.surt(encode_original(url)))


@settings(max_examples=300, deadline=None)
@given(urls(), urls())
def test_two_urls_share_a_key_exactly_when_the_archive_gives_them_one_surt(a: str, b: str) -> None:
    assert url_key(a) == archive_key(a)
    assert (url_key(a) == url_key(b)) == (archive_key(a) == archive_key(b))


@settings(max_examples=300, deadline=None)
@given(urls())
def test_the_row_of_a_capture_has_the_key_of_its_reference(url: str) -> None:
    # A crawler fetches what a browser requests (dot segments resolved) and writes it
    # percent-encoded as WARC-Target-URI; pywb's indexer files the row under its SURT.
    warc_uri = Cap(encode_original(url), "20211229095346", b"").warc_uri
    assert surt.surt(warc_uri) == url_key(warc_uri) == url_key(url)


@settings(max_examples=150, deadline=None)
@given(st.lists(urls(), min_size=1, max_size=40), st.integers(min_value=1, max_value=5))
def test_a_listing_covers_every_url_it_was_planned_for(members: list[str], size: int) -> None:
    for prefix, grouped in group_by_prefix(members, min_group=size).items():
        if prefix:
            assert all(covers(prefix, url) for url in grouped), prefix


@settings(max_examples=300, deadline=None)
@given(urls(), urls())
def test_a_prefix_claims_exactly_the_key_range_the_archive_lists(base: str, url: str) -> None:
    # pywb calc_search_range(matchType=prefix): keys from surt(prefix) (with the
    # prefix's own trailing "/" or "?" kept) up to that key with its last character
    # incremented, i.e. the keys that start with it.
    prefix = base.split("#")[0].split("?")[0]
    directory = prefix[: prefix.rfind("/") + 1]
    for query in (prefix, directory):
        start = archive_key(query)
        if query.endswith("/") and not start.endswith("/"):
            start += "/"
        end = start[:-1] + chr(ord(start[-1]) + 1)
        assert covers(query, url) == (start <= archive_key(url) < end)
        assert prefix_key(query) == start


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # Session ids the archive's canonicalizer strips (real shapes: PHP and Java sites
        # of the Hong Kong government and outlets).
        (
            "https://www.info.gov.hk/gia/general/202112/29/P2021122900543.htm",
            f"https://www.info.gov.hk/gia/general/202112/29/P2021122900543.htm?PHPSESSID={HEX32}",
        ),
        (
            "http://www.legco.gov.hk/yr21-22/chinese/index.htm?lang=zh",
            f"http://www.legco.gov.hk/yr21-22/chinese/index.htm?jsessionid={HEX32}&lang=zh",
        ),
        (
            "https://www.example-news.com/article/12345/",
            f"https://www.example-news.com/article/12345/?sid={HEX32}",
        ),
        # Dot segments (resolved, as a browser requests them) and an encoded slash.
        (
            "https://assets.thestandnews.com/media/photos/a.png",
            "https://assets.thestandnews.com/media/thumbs/../photos/./a.png",
        ),
        (
            "https://assets.thestandnews.com/media/photos/a.png",
            "https://assets.thestandnews.com/media%2Fphotos/a.png",
        ),
        # Stand News original_url: no scheme, no www, raw Chinese.
        (
            "thestandnews.com/politics/加菲證明畢氏定理/",
            "https://www.thestandnews.com/politics/%E5%8A%A0%E8%8F%B2%E8%AD%89%E6%98%8E"
            "%E7%95%A2%E6%B0%8F%E5%AE%9A%E7%90%86",
        ),
        (
            "https://www.globaltimes.cn/page/202102/1214890.shtml?il=0&fbclid=IwAR0X5",
            "http://globaltimes.cn:80/page/202102/1214890.shtml?fbclid=IwAR0X5&il=0#comments",
        ),
    ],
)
def test_real_spellings_of_one_url_share_its_key(one: str, other: str) -> None:
    assert url_key(one) == url_key(other) == surt.surt(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://www.example-news.com/article/1", "https://www.example-news.com/article/2"),
        ("https://x.com:8080/a", "https://x.com/a"),
        ("https://www.example-news.com/a?sid=short", "https://www.example-news.com/a"),
        ("https://thestandnews.com/a?id=1", "https://thestandnews.com/a?id=2"),
    ],
)
def test_different_resources_keep_different_keys(one: str, other: str) -> None:
    assert url_key(one) != url_key(other)


def test_an_unreadable_port_gets_a_key_of_its_own() -> None:
    assert url_key("http://x.com:abc/a") != url_key("http://x.com/a")
