"""YAML frontmatter: the block, the values, resource spans, errors, and the identity value."""

from __future__ import annotations

import pytest

from linkrescue.rewriters import RefKind, find_frontmatter, identity_value, read_frontmatter

IMAGE = "http://web.archive.org/web/2021im_/https://assets.thestandnews.com/media/photos/t.png"
STAND_NEWS = f"""---
title: "Clubhouse 聊天平台爆紅"
author: "立場報道"
date: "2021-02-07T20:58:00"
categories:
  - "中國"
tags: []
image: "{IMAGE}"
original_url: "thestandnews.com/china/clubhouse-聊天平台爆紅"
---
![]({IMAGE})
"""


def spans(text: str, keys: tuple[str, ...]) -> list[tuple[str | None, str, int, int]]:
    front = read_frontmatter(text, resource_keys=keys)
    for r in front.references:
        assert r.kind is RefKind.FRONTMATTER
        assert text[r.start : r.end] == r.raw
    return [(r.key, r.raw, r.line, r.column) for r in front.references]


def test_stand_news_frontmatter() -> None:
    front = read_frontmatter(STAND_NEWS, resource_keys=("image", "cover"))
    assert front.error is None
    assert front.data["categories"] == ["中國"]
    assert front.data["original_url"] == "thestandnews.com/china/clubhouse-聊天平台爆紅"
    assert STAND_NEWS[front.body_start :].startswith("![](")
    assert spans(STAND_NEWS, ("image",)) == [("image", IMAGE, 8, 9)]


def test_nested_values_get_dotted_keys_and_plain_and_quoted_spans() -> None:
    text = (
        "---\n"
        "cover:\n  src: 'https://a.hk/it''s.jpg'\n  alt: 封面\n"
        'images:\n  - https://b.hk/1.png   # comment\n  - {src: "https://c.hk/2.png"}\n'
        'gallery: ["", 42, null, true]\n'
        "hero: |\n  https://block.hk/x\n"
        "Image: https://other-case.hk/\n"
        'link: "https://d.hk/a\\"b"\n'
        "---\nbody\n"
    )
    assert spans(text, ("cover", "images", "gallery", "hero", "link", "image")) == [
        ("cover.src", "https://a.hk/it''s.jpg", 3, 9),
        ("cover.alt", "封面", 4, 8),
        ("images.0", "https://b.hk/1.png", 6, 5),
        ("images.1.src", "https://c.hk/2.png", 7, 12),
        ("link", 'https://d.hk/a\\"b', 12, 8),
    ]


def test_anchor_and_tag_are_not_in_the_span_and_an_alias_is_reported_once() -> None:
    text = '---\nimage: &a https://a.hk/x.png\ncover: *a\nlink: !!str "https://b.hk/"\n---\n'
    assert spans(text, ("image", "cover", "link")) == [
        ("image", "https://a.hk/x.png", 2, 11),
        ("link", "https://b.hk/", 4, 14),
    ]


def test_crlf_and_bom() -> None:
    text = '\ufeff---\r\ntitle: "t"\r\nimage: "https://a.hk/é.png"\r\n---\r\nbody\r\n'
    front = read_frontmatter(text, resource_keys=("image",))
    assert front.error is None
    assert front.data == {"title": "t", "image": "https://a.hk/é.png"}
    assert text[front.body_start :] == "body\r\n"
    assert spans(text, ("image",)) == [("image", "https://a.hk/é.png", 3, 9)]


def test_yaml_document_end_marker_closes_the_block() -> None:
    block = find_frontmatter("---\na: 1\n...\nbody")
    assert block is not None
    assert block.body_start == len("---\na: 1\n...\n")


@pytest.mark.parametrize(
    "text",
    ["no frontmatter\n---\n", "---\nnever closed\n", "---", " ---\na: 1\n---\n", "--\na: 1\n--\n"],
)
def test_no_frontmatter(text: str) -> None:
    front = read_frontmatter(text, resource_keys=("a",))
    assert (front.block, front.data, front.error, front.body_start) == (None, {}, None, 0)


def test_empty_frontmatter() -> None:
    front = read_frontmatter("---\n---\nbody", resource_keys=("image",))
    assert (front.data, front.error, front.body_start) == ({}, None, 8)


@pytest.mark.parametrize(
    ("yaml_text", "error"),
    [
        (
            'title: "a\x08b"\nimage: "x"\n',
            "frontmatter is not valid YAML: unacceptable character #x0008: "
            "control characters are not allowed (line 2)",
        ),
        (  # the bad line (the quote that never closes), not the closing "---" (line 4)
            'title: "unclosed\nimage: x\n',
            "frontmatter is not valid YAML: found unexpected end of stream "
            "while scanning a quoted scalar (line 2)",
        ),
        (  # the quote never closed on line 2 runs on to the next one, where YAML finds a fault
            'title: "引號未關\ndate: "2021-12-29"\noriginal_url: "x"\n',
            "frontmatter is not valid YAML: did not find expected key "
            "(line 3, after a quoted value opened on line 2)",
        ),
        (
            "title: x\ntags: [a, b\n",
            "frontmatter is not valid YAML: did not find expected ',' or ']' "
            "while parsing a flow sequence (line 3)",
        ),
        (
            "tags:\n\t- a\n",
            "frontmatter is not valid YAML: found character that cannot start any token (line 3)",
        ),
        ("- a\n- b\n", "frontmatter is not a mapping (it is a list)"),
        ("just text\n", "frontmatter is not a mapping (it is the scalar 'just text')"),
    ],
)
def test_malformed_frontmatter_is_an_error_value(yaml_text: str, error: str) -> None:
    text = f"---\n{yaml_text}---\n[a](b)\n"
    front = read_frontmatter(text, resource_keys=("image",))
    assert (front.data, front.references, front.error) == ({}, (), error)
    assert text[front.body_start :] == "[a](b)\n"


def test_value_that_cannot_be_constructed_keeps_the_references() -> None:
    text = "---\ndate: 2021-02-30\nimage: https://a.hk/x.png\n---\n"
    front = read_frontmatter(text, resource_keys=("image",))
    assert front.data == {}
    assert front.error == "frontmatter is not valid YAML: day is out of range for month"
    assert [r.raw for r in front.references] == ["https://a.hk/x.png"]


# --- identity -------------------------------------------------------------------------

KEYS = ("original_url", "url")


@pytest.mark.parametrize(
    ("frontmatter", "expected"),
    [
        ('original_url: "thestandnews.com/china/a"\nurl: "x"', "thestandnews.com/china/a"),
        (
            "url: https://web.archive.org/web/2021/https://a.hk/1",
            "https://web.archive.org/web/2021/https://a.hk/1",
        ),
        ('original_url: ""\nurl: "https://b.hk/2"', "https://b.hk/2"),
        ("original_url: 'it''s'  # comment", "it's"),
        ('original_url: "a\\u00e9"', "aé"),  # escapes: the full parse
        ("original_url:\n  https://c.hk/3", "https://c.hk/3"),  # continued: the full parse
        ("original_url: 12345\nurl: u", "u"),  # not a string
        ('"original_url": "quoted key"', "quoted key"),
        ("other: 1", None),
        ("original_url: x\noriginal_url: y", "y"),  # YAML keeps the last
        ('title: "bad\x08"\noriginal_url: "https://d.hk/4"', "https://d.hk/4"),
    ],
)
def test_identity_value(frontmatter: str, expected: str | None) -> None:
    text = f"---\n{frontmatter}\n---\nbody\n"
    assert identity_value(text, KEYS) == expected


def test_identity_value_agrees_with_the_full_parse_on_valid_yaml() -> None:
    front = read_frontmatter(STAND_NEWS, resource_keys=())
    assert identity_value(STAND_NEWS, KEYS) == front.data["original_url"]
    assert identity_value("no frontmatter", KEYS) is None


def test_data_keys_build_only_the_values_asked_for() -> None:
    from linkrescue.rewriters import read_document

    text = (
        '---\ntitle: "T"\ndate: 2021-02-07\ntags:\n  - a\nimage: "https://x.org/a.png"\n---\nbody\n'
    )
    full = read_document(text, resource_keys=("image",))
    some = read_document(text, resource_keys=("image",), data_keys=("date", "missing"))
    assert set(full.frontmatter) == {"title", "date", "tags", "image"}
    assert dict(some.frontmatter) == {"date": full.frontmatter["date"]}
    assert some.references == full.references
