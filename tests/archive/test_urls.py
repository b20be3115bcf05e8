"""Wayback URL grammar and URL identity, on the shapes real scraped corpora contain."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from linkrescue.archive.urls import (
    ArchiveLayer,
    encode_url,
    identity_key,
    looks_like_host,
    parse_archive_url,
    resource_key,
    root_relative_archive,
)


@pytest.mark.parametrize(
    ("url", "layer", "original"),
    [
        # Stand News frontmatter image: year-only timestamp with im_.
        (
            "http://web.archive.org/web/2021im_/https://assets.thestandnews.com/media/photos/a.png",
            ArchiveLayer("http://web.archive.org", "2021", "im_"),
            "https://assets.thestandnews.com/media/photos/a.png",
        ),
        # Stand News body links: always http://, 14-digit timestamp.
        (
            "http://web.archive.org/web/20211229095346/https://www.ft.com/content/7adb20d1",
            ArchiveLayer("http://web.archive.org", "20211229095346", None),
            "https://www.ft.com/content/7adb20d1",
        ),
        (
            "https://wayback.archive.org/web/20200101000000id_/http://example.com/x.jpg",
            ArchiveLayer("https://wayback.archive.org", "20200101000000", "id_"),
            "http://example.com/x.jpg",
        ),
        (
            "//web.archive.org/web/2019/http://example.com/",
            ArchiveLayer("https://web.archive.org", "2019", None),
            "http://example.com/",
        ),
        # Single slash after the scheme (Citizen News).
        (
            "https://web.archive.org/web/20211231120000/http:/www.example-news.com/a",
            ArchiveLayer("https://web.archive.org", "20211231120000", None),
            "http://www.example-news.com/a",
        ),
        # A percent-encoded original.
        (
            "https://web.archive.org/web/2021*/https%3A%2F%2Fexample.com%2Fa%3Fb%3D1",
            ArchiveLayer("https://web.archive.org", "2021*", None),
            "https://example.com/a?b=1",
        ),
        (
            "https://web.archive.org/web/*/http://example.com/",
            ArchiveLayer("https://web.archive.org", "*", None),
            "http://example.com/",
        ),
        # Modifier with digits (charset strategy).
        (
            "https://web.archive.org/web/20100101000000cm1252_/http://example.com/",
            ArchiveLayer("https://web.archive.org", "20100101000000", "cm1252_"),
            "http://example.com/",
        ),
        # Scheme-less original: the Wayback Machine assumes http.
        (
            "https://web.archive.org/web/2015/www.example.com/page",
            ArchiveLayer("https://web.archive.org", "2015", None),
            "http://www.example.com/page",
        ),
    ],
)
def test_wayback_urls_unwrap_to_the_original(url: str, layer: ArchiveLayer, original: str) -> None:
    parsed = parse_archive_url(url)
    assert parsed is not None
    assert parsed.outer == layer
    assert parsed.original == original


def test_nested_wayback_unwraps_to_innermost_and_keeps_outer_details() -> None:
    url = "https://web.archive.org/web/20211231000000/https://web.archive.org/web/2019id_/http://x.org/p"
    parsed = parse_archive_url(url)
    assert parsed is not None
    assert parsed.original == "http://x.org/p"
    assert [layer.timestamp for layer in parsed.layers] == ["20211231000000", "2019"]
    assert parsed.outer.modifier is None


def test_archive_today_inside_wayback() -> None:
    short = parse_archive_url("https://web.archive.org/web/20211231000000/https://archive.is/AbCd")
    assert short is not None
    assert short.original == "https://archive.is/AbCd"
    long = parse_archive_url(
        "https://web.archive.org/web/20211231000000/https://archive.ph/2021.12.29-101010/https://x.org/a"
    )
    assert long is not None
    assert long.original == "https://x.org/a"
    assert long.outer.root == "https://web.archive.org"
    assert long.layers[1] == ArchiveLayer("https://archive.ph", "2021.12.29-101010", None)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/web/2021/https://x.org/",  # /web/ on another host
        "https://web.archive.org/",
        "https://web.archive.org/about/",
        "https://archive.ph/AbCd",  # a short id wraps no original
        "mailto:someone@example.com",
        "not a url",
    ],
)
def test_not_archive_urls(url: str) -> None:
    assert parse_archive_url(url) is None


def test_root_relative_wayback_resolves_against_the_archive() -> None:
    parsed = root_relative_archive(
        "/web/20211231120000/https://www.example-news.com/article/12345/x"
    )
    assert parsed is not None
    assert parsed.outer.root == "https://web.archive.org"
    assert parsed.original == "https://www.example-news.com/article/12345/x"
    assert root_relative_archive("/images/a.png") is None


def test_one_key_per_resource_however_written() -> None:
    variants = [
        "HTTP://WWW.Example.COM:80/%e6%96%b0%e8%81%9e/a~b.jpg",
        "http://www.example.com/新聞/a%7Eb.jpg",
        "http://www.example.com/%E6%96%B0%E8%81%9E/a~b.jpg#fragment",
    ]
    keys = {resource_key(encode_url(v)) for v in variants}
    assert keys == {"http://www.example.com/%E6%96%B0%E8%81%9E/a~b.jpg"}
    assert resource_key(encode_url("https://münchen.de")) == "https://xn--mnchen-3ya.de/"
    assert resource_key(encode_url("https://x.org:443/")) == "https://x.org/"
    assert resource_key(encode_url("https://x.org:8443/")) == "https://x.org:8443/"
    # The scheme is part of a resource's identity.
    assert resource_key("http://x.org/") != resource_key("https://x.org/")


def test_identity_ignores_scheme_www_trailing_slash_and_escape_case() -> None:
    a = identity_key(encode_url("https://thestandnews.com/china/clubhouse-聊天平台/"))
    b = identity_key(
        "http://www.thestandnews.com/china/clubhouse-%e8%81%8a%e5%a4%a9%e5%b9%b3%e5%8f%b0"
    )
    assert a == b == "thestandnews.com/china/clubhouse-%E8%81%8A%E5%A4%A9%E5%B9%B3%E5%8F%B0"


@pytest.mark.parametrize(
    ("target", "host"),
    [
        ("bit.ly/3abc", True),
        ("fb.com/someone", True),
        ("instagram.com", True),
        ("www.example.com/x?y", True),
        ("index.html", False),
        ("photo.jpg", False),
        ("../../world/slug/", False),
        ("README.md", False),
        ("some-folder/file", False),
    ],
)
def test_scheme_less_hosts(target: str, host: bool) -> None:
    assert looks_like_host(target) is host


@given(
    st.from_regex(
        r"https?://[a-z0-9.-]{1,20}(:[0-9]{1,5})?(/[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%\[\]|^ 新聞]{0,40})?",
        fullmatch=True,
    )
)
@example("http://a.org/x?q='a'")  # the special-query set escapes ' (WHATWG URL)
@example("http://0/##0")  # a "#" inside the fragment is escaped
def test_fast_path_encoding_agrees_with_w3lib(url: str) -> None:
    from w3lib.url import safe_url_string

    def outcome(encode: Callable[[str], str]) -> str:
        try:
            return encode(url)
        except ValueError as exc:  # an impossible port: both must refuse it
            return f"ValueError: {exc}"

    assert outcome(encode_url) == outcome(lambda u: str(safe_url_string(u, encoding="utf-8")))


@given(
    st.from_regex(
        r"https?://[a-z]{1,8}\.org/[A-Za-z0-9%~._/-]{0,30}(\?[a-z=&%0-9]{0,10})?", fullmatch=True
    )
)
def test_identity_of_key_agrees_with_identity_key(url: str) -> None:
    from linkrescue.archive.urls import identity_of_key

    assert identity_of_key(resource_key(encode_url(url))) == identity_key(encode_url(url))


@given(
    st.from_regex(
        r"https?://[a-z0-9.-]{1,20}(/[A-Za-z0-9\-._~:/@!$&'()*+,;=%]{0,40})?(\?[a-z=&%0-9A-F]{0,10})?(#[a-z]{0,4})?",
        fullmatch=True,
    )
)
def test_fast_key_agrees_with_resource_key(url: str) -> None:
    from linkrescue.archive.urls import fast_key

    key = fast_key(url)
    if key is not None:
        assert key == resource_key(url)


@given(
    st.from_regex(
        r"(\.\./){0,3}[A-Za-z0-9\-._~/%新聞 ]{0,30}(\?[a-z=&]{0,6})?(#[a-z]{0,4})?", fullmatch=True
    )
)
def test_relative_fast_path_agrees_with_w3lib(target: str) -> None:
    from w3lib.url import safe_url_string

    from linkrescue.archive.urls import encode_relative

    assert encode_relative(target) == safe_url_string(target, encoding="utf-8")
