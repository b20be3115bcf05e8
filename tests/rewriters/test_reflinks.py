"""Reference-style links (issue 10, classes 2 and 5): visible text is never a URL, and
every use is reported with its definition, as CommonMark (markdown-it-py) reads them.

The documents are shaped like the sites where these were met: Ruby's Jekyll news posts
(numbered definitions at the end, the URL itself shown as the link's text), and Stand
News / Citizen News articles kept as Markdown with archive URLs in their definitions.
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from linkrescue.rewriters import read_document, scan_markdown
from linkrescue.rewriters.destinations import destination_text, destination_value
from linkrescue.rewriters.model import Reference, RefKind, Syntax
from linkrescue.rewriters.reflinks import normalize_label

USE, DEF, LINK, AUTO = RefKind.MD_REFUSE, RefKind.MD_REFDEF, RefKind.MD_LINK, RefKind.AUTOLINK
CACHE = "https://cache.ruby-lang.org/pub/ruby/1.8"
IA = "https://web.archive.org/web/20211229095346"
STAND = "https://www.thestandnews.com"
CITIZEN = "https://www.hkcnews.com"

RUBY_POST = f"""---
layout: news_post
title: "Ruby 1.8.7-p374 Released"
author: "usa"
date: 2013-06-27 11:00:00 +0000
lang: en
---

Now Ruby 1.8.7-p374 is released.

This release includes a security fix about bundled OpenSSL:
* [Hostname check bypassing vulnerability in SSL client (CVE-2013-4073)][1]

## Download

* [{CACHE}/ruby-1.8.7-p374.tar.bz2][2]

      SIZE:   4991371 bytes
      MD5:    83c92e2b57ea08f31187060098b2200b

* [{CACHE}/ruby-1.8.7-p374.tar.gz][3]
* See [the downloads page][] or [Ruby's Redmine].

[1]: https://www.ruby-lang.org/en/news/2013/06/27/hostname-check-bypassing-vulnerability-in-openssl-client-cve-2013-4073/
[2]: {CACHE}/ruby-1.8.7-p374.tar.bz2
[3]: {CACHE}/ruby-1.8.7-p374.tar.gz
[The Downloads  Page]: https://www.ruby-lang.org/en/downloads/
[ruby's redmine]: https://bugs.ruby-lang.org/
"""


def found(text: str) -> list[tuple[RefKind, str, str | None, str | None]]:
    """(kind, text as written, label, definition's destination) of every reference."""
    refs = scan_markdown(text)
    for r in refs:
        assert text[r.start : r.end] == r.raw
        if r.definition is not None:
            d = r.definition
            assert text[d.start : d.end] == d.raw and d.kind is DEF
    return [(r.kind, r.raw, r.key, r.definition and r.definition.raw) for r in refs]


_COMMONMARK = MarkdownIt("commonmark")


def commonmark_links(text: str) -> list[tuple[str, str]]:
    """Every link and image markdown-it-py renders: (text or alt, destination)."""
    links: list[tuple[str, str]] = []

    def walk(tokens: list[Token]) -> None:
        opened: list[tuple[str, list[str]]] = []
        for token in tokens:
            if token.type == "link_open":
                opened.append((str(token.attrGet("href")), []))
            elif token.type == "link_close":
                href, parts = opened.pop()
                links.append(("".join(parts), href))
            elif token.type == "image":
                links.append((token.content, str(token.attrGet("src"))))
            elif opened and token.type in ("text", "code_inline", "softbreak"):
                opened[-1][1].append("\n" if token.type == "softbreak" else token.content)
            if token.children:
                walk(token.children)

    walk(_COMMONMARK.parse(text))
    return links


def our_links(text: str) -> list[tuple[str, str]]:
    """The same from the scan: a use's text and its definition's destination; an
    inline link's destination (its text is not reported)."""
    return [
        (r.raw, destination_value(r.definition))
        for r in scan_markdown(text)
        if r.kind is USE and r.definition is not None
    ]


def test_a_url_shown_as_a_links_text_is_never_reported_as_a_url() -> None:
    refs = found(RUBY_POST)
    assert [r for r in refs if r[0] is AUTO] == []
    assert refs[:5] == [
        (
            USE,
            "Hostname check bypassing vulnerability in SSL client (CVE-2013-4073)",
            "1",
            "https://www.ruby-lang.org/en/news/2013/06/27/hostname-check-bypassing-vulnerability-in-openssl-client-cve-2013-4073/",
        ),
        (USE, f"{CACHE}/ruby-1.8.7-p374.tar.bz2", "2", f"{CACHE}/ruby-1.8.7-p374.tar.bz2"),
        (USE, f"{CACHE}/ruby-1.8.7-p374.tar.gz", "3", f"{CACHE}/ruby-1.8.7-p374.tar.gz"),
        # Collapsed and shortcut: the label is the text, matched case-folded with
        # its white space collapsed, as CommonMark compares labels.
        (
            USE,
            "the downloads page",
            "the downloads page",
            "https://www.ruby-lang.org/en/downloads/",
        ),
        (USE, "Ruby's Redmine", "Ruby's Redmine", "https://bugs.ruby-lang.org/"),
    ]
    assert [r[0] for r in refs[5:]] == [DEF] * 5
    # Where each use is: its text, on the line a reader sees it.
    uses = [r for r in read_document(RUBY_POST, resource_keys=()).references if r.kind is USE]
    assert [(r.line, r.column) for r in uses] == [(12, 4), (16, 4), (21, 4), (22, 8), (22, 34)]
    assert our_links(RUBY_POST) == commonmark_links(RUBY_POST)


def test_a_definition_whose_label_is_a_url_reports_only_its_destination() -> None:
    # Stand News pages scraped with their links turned into numbered references,
    # the label being the original URL.
    text = (
        f"立場新聞 [{STAND}/][] 及 [{STAND}/politics/x/]。\n\n"
        f"[{STAND}/]: {IA}/{STAND}/\n"
        f"[{STAND}/politics/x/]: <{IA}/{STAND}/politics/x/>\n"
    )
    assert found(text) == [
        (USE, f"{STAND}/", f"{STAND}/", f"{IA}/{STAND}/"),
        (USE, f"{STAND}/politics/x/", f"{STAND}/politics/x/", f"{IA}/{STAND}/politics/x/"),
        (DEF, f"{IA}/{STAND}/", None, None),
        (DEF, f"{IA}/{STAND}/politics/x/", None, None),
    ]
    assert our_links(text) == commonmark_links(text)
    # The scan's own definition alone: no autolink from its label.
    label_only = f"[{STAND}/]: {IA}/{STAND}/\n"
    assert found(label_only) == [(DEF, f"{IA}/{STAND}/", None, None)]


@pytest.mark.parametrize(
    "definition",
    [
        f"> [1]: {IA}/{CITIZEN}/article/48211/\n",  # in a block quote
        f"> > [1]: {IA}/{CITIZEN}/article/48211/\n",  # nested
        f"- item\n\n    [1]: {IA}/{CITIZEN}/article/48211/\n",  # in a list item, 4 spaces
        f"1. item\n\n   [1]: {IA}/{CITIZEN}/article/48211/\n",
        f"- [1]: {IA}/{CITIZEN}/article/48211/\n",  # opening a list item
        f"   [1]: {IA}/{CITIZEN}/article/48211/\n",  # 3 spaces
    ],
    ids=["quote", "nested-quote", "list-4-spaces", "ordered-list", "list-marker", "3-spaces"],
)
def test_a_definition_in_a_container_is_a_definition(definition: str) -> None:
    text = f"公民實況 [報道][1]。\n\n{definition}"
    assert found(text) == [
        (USE, "報道", "1", f"{IA}/{CITIZEN}/article/48211/"),
        (DEF, f"{IA}/{CITIZEN}/article/48211/", None, None),
    ]
    assert our_links(text) == commonmark_links(text)


def test_four_spaces_outside_a_list_are_no_definition() -> None:
    # Under a paragraph line, four spaces continue the paragraph: "[1]: …" is its text.
    text = f"[報道][1]\n\n據報道：\n    [1]: {IA}/b.hk/\n"
    assert found(text) == [(USE, "報道", "1", None), (AUTO, f"{IA}/b.hk/", None, None)]
    assert commonmark_links(text) == []


def test_a_footnote_style_label_is_an_ordinary_definition() -> None:
    # CommonMark has no footnotes: [^1]: is a definition of the label "^1", and [^1]
    # a link to it; a footnote's prose ("[^2]: see page 5") is no definition.
    text = f"據報道[^1]，另見[^2]。\n\n[^1]: {IA}/{STAND}/china/x/\n[^2]: see page 5 of the print edition\n"
    assert found(text) == [
        (USE, "^1", "^1", f"{IA}/{STAND}/china/x/"),
        (DEF, f"{IA}/{STAND}/china/x/", None, None),
    ]
    assert our_links(text) == commonmark_links(text)


def test_a_full_reference_takes_precedence_over_an_inline_link_after_it() -> None:
    defined = f"[原文][ref](2021年12月)\n\n[ref]: {IA}/{STAND}/x/\n"
    assert found(defined) == [
        (USE, "原文", "ref", f"{IA}/{STAND}/x/"),
        (DEF, f"{IA}/{STAND}/x/", None, None),
    ]
    assert our_links(defined) == commonmark_links(defined) == [("原文", f"{IA}/{STAND}/x/")]
    # Undefined: [原文] is text and [ref](…) an inline link (markdown-it agrees).
    undefined = f"[原文][ref]({IA}/{STAND}/x/)\n"
    assert found(undefined) == [(LINK, f"{IA}/{STAND}/x/", None, None)]
    assert commonmark_links(undefined) == [("ref", f"{IA}/{STAND}/x/")]


def test_a_defined_label_wins_over_a_destination_that_is_text() -> None:
    # The lenient repair of a destination with spaces yields to a defined label.
    text = f"[foo](not a link)\n\n[foo]: {IA}/{STAND}/x/\n"
    assert found(text)[0] == (USE, "foo", "foo", f"{IA}/{STAND}/x/")
    assert our_links(text) == commonmark_links(text)


def test_uses_of_undefined_labels() -> None:
    # Full and collapsed uses show their brackets to the reader: reported, with no
    # definition. A shortcut of an undefined label ([sic], a task list's [ ]) is text.
    text = "- [ ] check [sic] the [Stand News archive][missing] and [ruby-core][]\n"
    assert found(text) == [
        (USE, "Stand News archive", "missing", None),
        (USE, "ruby-core", "ruby-core", None),
    ]
    assert commonmark_links(text) == []
    # Its text is no URL either: a reference was meant, its definition is missing
    # (a rescue rewriting the URL into a link would leave no reference to mend).
    assert found(f"[{STAND}/][1] [{STAND}/x/][]\n") == [
        (USE, f"{STAND}/", "1", None),
        (USE, f"{STAND}/x/", f"{STAND}/x/", None),
    ]
    # Text in brackets only, [https://…] with no definition: a GFM autolink in text.
    assert found(f"[{STAND}/]\n") == [(AUTO, f"{STAND}/", None, None)]
    # "[]" after an undefined label may still open an inline link, as in markdown-it.
    text = f"[{STAND}/][]({IA}/{STAND}/)\n"
    assert found(text) == [(AUTO, f"{STAND}/", None, None), (LINK, f"{IA}/{STAND}/", None, None)]
    assert commonmark_links(text) == [("", f"{IA}/{STAND}/")]


def test_the_first_definition_of_a_label_wins_and_labels_match_loosely() -> None:
    text = f"[Stand  News]\n\n[stand news]: {IA}/a/\n[STAND NEWS]: {IA}/b/\n"
    assert found(text) == [
        (USE, "Stand  News", "Stand  News", f"{IA}/a/"),
        (DEF, f"{IA}/a/", None, None),
        (DEF, f"{IA}/b/", None, None),
    ]
    assert our_links(text) == commonmark_links(text)
    assert normalize_label(" Stand\n\tNEWS ") == normalize_label("stand news") == "stand news"


def test_an_image_by_reference_and_links_inside_a_links_text() -> None:
    text = f"![立場新聞標誌][logo] [a [b][logo] c]({IA}/x/)\n\n[logo]: {IA}im_/{STAND}/logo.png\n"
    refs = found(text)
    assert refs[:2] == [
        (USE, "立場新聞標誌", "logo", f"{IA}im_/{STAND}/logo.png"),
        (USE, "b", "logo", f"{IA}im_/{STAND}/logo.png"),  # the inner link: the outer is text
    ]
    # "(…)" after the outer text is text: a GFM autolink.
    assert [r[:2] for r in refs[2:]] == [(AUTO, f"{IA}/x/"), (DEF, f"{IA}im_/{STAND}/logo.png")]
    assert our_links(text) == commonmark_links(text)


def test_nothing_in_code_defines_or_uses_a_label() -> None:
    text = f"`[x][1]` and\n\n```\n[1]: {IA}/a/\n```\n\n[x][1]\n"
    assert found(text) == [(USE, "x", "1", None)]
    assert commonmark_links(text) == []


def test_a_uses_text_is_never_written_to() -> None:
    [use, _] = scan_markdown(f"[x][1]\n\n[1]: {IA}/a/\n")
    assert use.syntax is Syntax.MARKDOWN_TEXT
    with pytest.raises(ValueError, match="rewrite its definition"):
        destination_text(use, "../rescued/a.html")


def test_an_email_autolink_is_a_mailto_link() -> None:
    text = "投稿：<editor@thestandnews.com>，或 <mailto:news@hkcnews.com>；<not an@address>\n"
    refs = scan_markdown(text)
    assert [(r.kind, r.raw, r.syntax) for r in refs] == [
        (AUTO, "editor@thestandnews.com", Syntax.AUTOLINK_EMAIL),
        (AUTO, "mailto:news@hkcnews.com", Syntax.AUTOLINK),
    ]
    assert [destination_value(r) for r in refs] == [
        "mailto:editor@thestandnews.com",
        "mailto:news@hkcnews.com",
    ]
    assert [
        (token.attrGet("href"))
        for block in _COMMONMARK.parse(text)
        for token in block.children or []
        if token.type == "link_open"
    ] == ["mailto:editor@thestandnews.com", "mailto:news@hkcnews.com"]


def test_a_reference_carries_its_definition() -> None:
    text = f'見[此][1]。\n\n[1]: <{IA}/{STAND}/x y/> "題"\n'
    use = scan_markdown(text)[0]
    assert isinstance(use.definition, Reference)
    assert (use.definition.line, use.definition.column) == (3, 7)
    assert use.definition.syntax is Syntax.MARKDOWN_ANGLE
    assert destination_value(use.definition) == f"{IA}/{STAND}/x y/"


def test_an_ordered_list_from_2_under_a_paragraph_holds_no_definition() -> None:
    """CommonMark §5.2: a list starting at other than 1 cannot interrupt a paragraph, so
    ``2) [1]: url`` under a paragraph line is that paragraph's text (markdown-it agrees);
    after a definition or a blank line it is a list item holding a definition."""
    url = "https://www.thestandnews.com/politics/民主派初選/"
    under = f"立場新聞報道：\n2) [1]: {url}\n\n[1]\n"
    kinds = [r.kind.value for r in read_document(under, resource_keys=()).references]
    assert "md-refdef" not in kinds
    for text in (
        f"立場新聞報道：\n\n2) [1]: {url}\n",
        f"> [0]: {url}\n2) [1]: {url}\n",
        f"1) a\n2) [1]: {url}\n",
    ):
        kinds = [r.kind.value for r in read_document(text, resource_keys=()).references]
        assert kinds.count("md-refdef") >= 1, text
