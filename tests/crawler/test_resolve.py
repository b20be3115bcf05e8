"""Resolution rules, each on a case shaped like the real corpora (docs/corpus-patterns.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkrescue.crawler.stages.resolve import Status, clean_destination, document_address, resolve
from linkrescue.rewriters.model import Reference, RefKind, Syntax

STAND_ADDRESS = document_address("thestandnews.com/china/clubhouse-聊天平台爆紅")
CITIZEN_ADDRESS = document_address("https://www.example-news.com/article/12345/%E6%A8%99%E9%A1%8C")


def md(raw: str, kind: RefKind = RefKind.MD_LINK) -> Reference:
    """A reference written as ``[t](raw)`` in a one-line document."""
    return Reference(kind, raw, 4, 4 + len(raw), 1, 5, syntax=Syntax.MARKDOWN_RAW)


def html_ref(raw: str) -> Reference:
    """A reference written as ``<img src="raw">``."""
    return Reference(
        RefKind.HTML, raw, 10, 10 + len(raw), 1, 11, "img", "src", syntax=Syntax.HTML_QUOTED
    )


def run(
    raw: str, address: str | None = STAND_ADDRESS, tmp: Path | None = None, *, html: bool = False
):  # type: ignore[no-untyped-def]
    ref = html_ref(raw) if html else md(raw)
    return resolve(ref, str(tmp or "/nonexistent-dir"), address)


def test_document_address_without_scheme_gets_https_and_is_encoded() -> None:
    assert STAND_ADDRESS == (
        "https://thestandnews.com/china/clubhouse-%E8%81%8A%E5%A4%A9%E5%B9%B3%E5%8F%B0%E7%88%86%E7%B4%85"
    )
    # An archive URL as address stands for its original.
    assert (
        document_address("https://web.archive.org/web/20211231000000/https://x.org/a")
        == "https://x.org/a"
    )
    assert document_address("") is None
    assert document_address(None) is None


def test_relative_link_resolves_against_the_article_address_never_the_file_system() -> None:
    res = run("../../international/%E8%A8%98-clubhouse/")
    assert res.status is Status.REMOTE
    assert res.url == "https://thestandnews.com/international/%E8%A8%98-clubhouse/"
    assert res.archive is None


def test_raw_unicode_in_a_relative_link_is_encoded_like_a_browser() -> None:
    res = run("../../cosmos/加菲證明畢氏定理/")
    assert res.url == (
        "https://thestandnews.com/cosmos/%E5%8A%A0%E8%8F%B2%E8%AD%89%E6%98%8E%E7%95%A2%E6%B0%8F%E5%AE%9A%E7%90%86/"
    )


def test_wayback_link_gives_original_and_archive_details() -> None:
    res = run(
        "http://web.archive.org/web/20211229095346/https://www.facebook.com/coco.shen/posts/1"
    )
    assert res.status is Status.REMOTE
    assert res.url == "https://www.facebook.com/coco.shen/posts/1"
    assert res.archive is not None
    assert (res.archive.root, res.archive.timestamp, res.archive.modifier) == (
        "http://web.archive.org",
        "20211229095346",
        None,
    )


def test_root_relative_wayback_link_resolves_against_the_archive_not_the_site() -> None:
    res = run("/web/20211231120000/https://www.example-news.com/article/999/x", CITIZEN_ADDRESS)
    assert res.url == "https://www.example-news.com/article/999/x"
    assert res.archive is not None and res.archive.root == "https://web.archive.org"


def test_root_relative_non_archive_link_resolves_against_the_site() -> None:
    res = run("/images/a.png", CITIZEN_ADDRESS)
    assert res.url == "https://www.example-news.com/images/a.png"


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("bit.ly/3xYz", "https://bit.ly/3xYz"),
        ("fb.com/someone", "https://fb.com/someone"),
        ("instagram.com/p/abc/", "https://instagram.com/p/abc/"),
    ],
)
def test_scheme_less_host_targets_become_https(raw: str, url: str) -> None:
    assert run(raw).url == url


def test_text_that_only_looks_like_a_path_stays_relative() -> None:
    assert run("index.html").url == "https://thestandnews.com/china/index.html"


def test_stray_trailing_quote_is_dropped() -> None:
    res = run('../../china/%E7%BE%8E%E5%9C%8B/%E8%AD%98"')
    assert res.url == "https://thestandnews.com/china/%E7%BE%8E%E5%9C%8B/%E8%AD%98"


def test_whitespace_and_newlines_inside_a_destination_are_scraping_junk() -> None:
    res = run("https://web.archive.org/web/20211231120000/https://facebook.com/ SomePage/")
    assert res.url == "https://facebook.com/SomePage/"
    res = run("https://example.org/a\n  /b")
    assert res.url == "https://example.org/a/b"


def test_html_attribute_entities_are_decoded_and_spaces_encoded() -> None:
    res = run("https://example.org/a b.jpg?x=1&amp;y=2", html=True)
    assert res.url == "https://example.org/a%20b.jpg?x=1&y=2"


def test_quote_inside_an_html_src_is_part_of_the_url() -> None:
    # Citizen News writes src="…/it's.jpg": the quote is the file name's.
    res = run(
        "https://web.archive.org/web/20211231120000im_/https://www.example-news.com/it's.jpg",
        html=True,
    )
    assert res.url == "https://www.example-news.com/it's.jpg"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("mailto:news@example.com", "mailto: link"),
        ("tel:+85212345678", "tel: link"),
        ("data:image/png;base64,iVBOR", "data: URI (inline content)"),
        ("javascript:void(0)", "javascript: link"),
        ("#top", "fragment-only link (same page)"),
        ("", "empty URL"),
    ],
)
def test_skipped_with_reason(raw: str, reason: str) -> None:
    res = run(raw)
    assert res.status is Status.SKIPPED
    assert res.reason == reason


def test_empty_img_src_is_skipped() -> None:
    res = run("", html=True)
    assert (res.status, res.reason) == (Status.SKIPPED, "empty URL")


@pytest.mark.parametrize(
    "raw",
    ["<iframe src=", "https://", "http://exa mple.com:99999/"],
)
def test_junk_is_invalid_with_a_reason(raw: str) -> None:
    res = run(raw)
    assert res.status is Status.INVALID
    assert res.reason


def test_relative_link_without_document_address_is_invalid() -> None:
    res = run("../x/", address=None)
    assert res.status is Status.INVALID
    assert "no address" in (res.reason or "")


def test_bare_chinese_text_as_destination_is_not_a_url() -> None:
    res = run("立場新聞", CITIZEN_ADDRESS)
    assert res.status is Status.INVALID


def test_existing_relative_file_is_local(tmp_path: Path) -> None:
    (tmp_path / "rescued").mkdir()
    (tmp_path / "rescued" / "a b.png").write_bytes(b"\x89PNG")
    res = run("rescued/a%20b.png", tmp=tmp_path)
    assert res.status is Status.LOCAL


def test_wiki_cite_junk_is_cut() -> None:
    res = run(
        "https://example.org/page%7Carchive-url=https://web.archive.org/web/2020/https://example.org/page"
    )
    assert res.url == "https://example.org/page"


def test_nested_archive_reports_innermost_original_and_outer_archive() -> None:
    res = run("https://web.archive.org/web/20211231000000/https://archive.ph/AbCd")
    assert res.url == "https://archive.ph/AbCd"
    assert res.archive is not None and res.archive.timestamp == "20211231000000"


def test_markdown_escapes_are_removed() -> None:
    ref = md(r"https://example.org/a\_b\(1\)")
    assert clean_destination(ref) == "https://example.org/a_b(1)"


def test_same_resource_written_two_ways_has_one_key() -> None:
    a = run(
        "http://web.archive.org/web/2021im_/https://ASSETS.thestandnews.com/media/%e5%9c%96.png"
    )
    b = run(
        "https://web.archive.org/web/20211229095346/https://assets.thestandnews.com:443/media/圖.png"
    )
    assert a.key == b.key == "https://assets.thestandnews.com/media/%E5%9C%96.png"


def test_only_complete_character_references_are_decoded() -> None:
    # CommonMark decodes "&amp;" in a destination, but "&reg=hk" is a query parameter.
    assert (
        run("https://example.org/a?id=1&reg=hk&amp;x=2").url
        == "https://example.org/a?id=1&reg=hk&x=2"
    )
    assert run("https://example.org/a?id=1&reg=hk&amp;x=2", html=True).url == (
        "https://example.org/a?id=1&reg=hk&x=2"
    )


@pytest.mark.parametrize(
    ("text", "syntax", "raw", "url"),
    [
        (
            "image: 'https://example.org/it''s.png'\n",
            Syntax.YAML_SINGLE_QUOTED,
            "https://example.org/it''s.png",
            "https://example.org/it's.png",
        ),
        (
            'image: "https://example.org/a\\u0062c.png"\n',
            Syntax.YAML_DOUBLE_QUOTED,
            "https://example.org/a\\u0062c.png",
            "https://example.org/abc.png",
        ),
    ],
)
def test_frontmatter_escapes_are_undone(text: str, syntax: Syntax, raw: str, url: str) -> None:
    start = text.index(raw)
    end = start + len(raw)
    ref = Reference(RefKind.FRONTMATTER, raw, start, end, 1, start + 1, key="image", syntax=syntax)
    assert resolve(ref, "/nonexistent-dir", None).url == url


def test_a_reference_into_the_store_is_the_stores_even_when_its_file_is_gone(
    tmp_path: Path,
) -> None:
    """The rewrite wrote ``../../rescued/…``; the file was deleted. It must not become
    ``https://thestandnews.com/rescued/…`` (a made-up URL the archive was asked for)."""
    from linkrescue.archive.store.store import Store
    from linkrescue.crawler.stages.resolve import store_location

    doc_dir = tmp_path / "content" / "china"
    doc_dir.mkdir(parents=True)
    Store(tmp_path / "rescued").close()
    store = store_location(tmp_path / "rescued")
    assert store is not None
    photo = "../../rescued/assets.thestandnews.com/media/photos/%E5%9C%96%E7%89%87.jpg"
    ref = md(photo, RefKind.MD_IMAGE)
    res = resolve(ref, str(doc_dir), STAND_ADDRESS, store)
    assert res.status is Status.LOCAL and res.key is None
    assert res.stored == "assets.thestandnews.com/media/photos/圖片.jpg"
    # The site-absolute style of static-site generators: /rescued/… is the store's too.
    absolute = store_location(tmp_path / "rescued", absolute_prefix="/rescued/")
    ref = md("/rescued/assets.thestandnews.com/a%20b.png", RefKind.MD_IMAGE)
    res = resolve(ref, str(doc_dir), STAND_ADDRESS, absolute)
    assert (res.status, res.stored) == (Status.LOCAL, "assets.thestandnews.com/a b.png")
    # A relative link elsewhere, and a folder that holds no store, resolve as before.
    ref = md("../../international/slug/")
    assert resolve(ref, str(doc_dir), STAND_ADDRESS, store).status is Status.REMOTE
    assert store_location(tmp_path / "content") is None


def test_liquid_template_code_is_skipped_never_a_url() -> None:
    # Ruby-site shapes: {% link %} lost its spaces to the junk repair and became
    # https://<site>/…/%7B%linken/news/…%%7D before; an <img> keeps its spaces.
    for raw, html in (
        ("{% link en/news/_posts/2019-12-25-ruby-2-7-0-released.md %}", False),
        ("{{ site.url }}/en/downloads/", False),
        ("{{ '/images/header-ruby-logo.png' | relative_url }}", True),
    ):
        res = run(raw, "https://www.ruby-lang.org/en/news/", html=html)
        assert (res.status, res.reason, res.url) == (Status.SKIPPED, "template code", None)


def test_site_url_and_baseurl_resolve_against_the_configured_base_url() -> None:
    site = "https://www.ruby-lang.org/"
    for raw, html, url in (
        ("{{ site.url }}/en/downloads/", False, "https://www.ruby-lang.org/en/downloads/"),
        (
            "{{site.baseurl}}/images/logo.png?v=2",
            False,
            "https://www.ruby-lang.org/images/logo.png?v=2",
        ),
        ("{{ site.url }}{{ site.baseurl }}/en/", True, "https://www.ruby-lang.org/en/"),
    ):
        ref = html_ref(raw) if html else md(raw)
        res = resolve(ref, "/nonexistent-dir", None, site=site)
        assert (res.status, res.url) == (Status.REMOTE, url)
    # Anything else stays template code, base URL or not.
    for raw in ("{{ site.url }}{{ page.url }}", "{{ site.github.url }}/x", "{% link x.md %}"):
        res = resolve(md(raw), "/nonexistent-dir", None, site=site)
        assert (res.status, res.reason) == (Status.SKIPPED, "template code")
