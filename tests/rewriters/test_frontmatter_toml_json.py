"""TOML (``+++``) and JSON frontmatter, as Hugo sites write them: block, values, spans,
rewrites that still parse, errors, and the identity value."""

from __future__ import annotations

import json
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkrescue.rewriters import (
    Edit,
    RefKind,
    Syntax,
    apply_edits,
    find_frontmatter,
    identity_value,
    read_document,
    read_frontmatter,
)
from linkrescue.rewriters.destinations import destination_text, destination_value

COVER = "https://assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png"
#: A Hugo blog post as ``hugo new`` writes it with TOML, then filled in by hand.
HUGO_TOML = f"""+++
title = "Clubhouse 聊天平台爆紅"
date = 2021-02-07T20:58:00+08:00
draft = false
url = "https://thestandnews.com/china/clubhouse-聊天平台爆紅/"
tags = ["中國", "科技"]
images = ["{COVER}", 'https://www.thestandnews.com/media/C:\\photos\\it.jpg']

[params]
cover = "https://assets.thestandnews.com/media/\\u00e9t\\u00e9.png" # escaped
+++

![封面](https://assets.thestandnews.com/media/photos/body.png)

+++ not frontmatter: the body starts after the block +++
"""

#: The same post in JSON, as ``hugo convert toJSON`` writes it.
HUGO_JSON = (
    "{\n"
    '  "title": "Clubhouse {聊天平台} 爆紅",\n'
    '  "date": "2021-02-07T20:58:00+08:00",\n'
    '  "url": "https://thestandnews.com/china/clubhouse/",\n'
    f'  "images": ["{COVER}", "https://www.thestandnews.com/a\\/b\\"c.png"],\n'
    '  "cover": {"src": "https://assets.thestandnews.com/\\u00e9.png", "alt": ""}\n'
    "}\n"
    "\n"
    "[全文](https://www.thestandnews.com/china/full/)\n"
)


def frontmatter_refs(text: str, keys: tuple[str, ...]) -> list[tuple[str | None, str, Syntax]]:
    front = read_frontmatter(text, resource_keys=keys)
    assert front.error is None
    for r in front.references:
        assert r.kind is RefKind.FRONTMATTER
        assert text[r.start : r.end] == r.raw
        line = text.split("\n")[r.line - 1]
        assert line[r.column - 1 :].startswith(r.raw)
    return [(r.key, r.raw, r.syntax) for r in front.references]


def test_hugo_toml_post_values_spans_and_body() -> None:
    front = read_frontmatter(HUGO_TOML, resource_keys=("images", "params"))
    assert front.block is not None and front.block.format == "toml"
    assert front.data["title"] == "Clubhouse 聊天平台爆紅"
    assert front.data["params"] == {"cover": "https://assets.thestandnews.com/media/été.png"}
    assert HUGO_TOML[front.body_start :].startswith("\n![封面](")
    assert frontmatter_refs(HUGO_TOML, ("images", "params")) == [
        ("images.0", COVER, Syntax.TOML_BASIC),
        ("images.1", "https://www.thestandnews.com/media/C:\\photos\\it.jpg", Syntax.TOML_LITERAL),
        (
            "params.cover",
            "https://assets.thestandnews.com/media/\\u00e9t\\u00e9.png",
            Syntax.TOML_BASIC,
        ),
    ]
    values = [destination_value(r) for r in front.references]
    assert values[2] == "https://assets.thestandnews.com/media/été.png"
    assert values[1] == "https://www.thestandnews.com/media/C:\\photos\\it.jpg"


def test_toml_block_is_not_body_text() -> None:
    doc = read_document(HUGO_TOML, resource_keys=("images",))
    assert [(r.kind, r.raw) for r in doc.references] == [
        (RefKind.FRONTMATTER, COVER),
        (RefKind.FRONTMATTER, "https://www.thestandnews.com/media/C:\\photos\\it.jpg"),
        (RefKind.MD_IMAGE, "https://assets.thestandnews.com/media/photos/body.png"),
    ]
    # Before: "+++" was body text, so url = "https://…" was a bare-URL reference.
    assert all(r.start >= doc.body_start or r.kind is RefKind.FRONTMATTER for r in doc.references)


def test_toml_tables_arrays_of_tables_inline_tables_and_dotted_keys() -> None:
    text = (
        "+++\n"
        'cover.src = "https://a.hk/1.png"\n'
        "\"quoted key\" = 'https://a.hk/2.png'\n"
        'notes = """\nhttps://multi.hk/skipped\n"""\n'
        'images = [\n  "https://a.hk/3.png",  # a comment, with ] and "quotes"\n  42,\n'
        "  { src = 'https://a.hk/4.png' },\n]\n"
        '[[gallery]]\nsrc = "https://a.hk/5.png"\n'
        '[[gallery]]\nsrc = "https://a.hk/6.png"\n'
        '[social.twitter]\nimage = "https://a.hk/7.png"\n'
        "+++\nbody\n"
    )
    assert frontmatter_refs(
        text, ("cover", "quoted key", "notes", "images", "gallery", "social")
    ) == [
        ("cover.src", "https://a.hk/1.png", Syntax.TOML_BASIC),
        ("quoted key", "https://a.hk/2.png", Syntax.TOML_LITERAL),
        ("images.0", "https://a.hk/3.png", Syntax.TOML_BASIC),
        ("images.2.src", "https://a.hk/4.png", Syntax.TOML_LITERAL),
        ("gallery.0.src", "https://a.hk/5.png", Syntax.TOML_BASIC),
        ("gallery.1.src", "https://a.hk/6.png", Syntax.TOML_BASIC),
        ("social.twitter.image", "https://a.hk/7.png", Syntax.TOML_BASIC),
    ]


def test_hugo_json_post_values_spans_and_body() -> None:
    front = read_frontmatter(HUGO_JSON, resource_keys=("images", "cover"))
    assert front.block is not None and front.block.format == "json"
    assert front.data["title"] == "Clubhouse {聊天平台} 爆紅"  # braces in a string
    assert HUGO_JSON[front.body_start :] == "\n[全文](https://www.thestandnews.com/china/full/)\n"
    assert frontmatter_refs(HUGO_JSON, ("images", "cover")) == [
        ("images.0", COVER, Syntax.JSON_STRING),
        ("images.1", 'https://www.thestandnews.com/a\\/b\\"c.png', Syntax.JSON_STRING),
        ("cover.src", "https://assets.thestandnews.com/\\u00e9.png", Syntax.JSON_STRING),
    ]
    values = [destination_value(r) for r in front.references]
    assert values[1:] == [
        'https://www.thestandnews.com/a/b"c.png',
        "https://assets.thestandnews.com/é.png",
    ]
    doc = read_document(HUGO_JSON, resource_keys=("images",))
    assert [r.kind for r in doc.references] == [RefKind.FRONTMATTER] * 2 + [RefKind.MD_LINK]


@pytest.mark.parametrize("target", ["../media/a b/封面.png", "C:\\x\\\"q'.png\x7f\x01", ""])
def test_rewrite_keeps_toml_and_json_valid(target: str) -> None:
    """Every reference rewritten to ``target`` in its own quoting: the block still
    parses, to ``target`` at every rewritten key, and the body is untouched."""
    for text, keys, parse in (
        (HUGO_TOML, ("images", "params"), tomllib.loads),
        (HUGO_JSON, ("images", "cover"), json.loads),
    ):
        front = read_frontmatter(text, resource_keys=keys)
        assert front.block is not None and len(front.references) == 3
        edits = [Edit(r.start, r.end, r.raw, destination_text(r, target)) for r in front.references]
        new = apply_edits(text, edits)
        again = read_frontmatter(new, resource_keys=keys)
        assert again.error is None and again.block is not None
        data = parse(new[again.block.start : again.block.end])
        # A literal string has no escape: what it cannot hold is percent-encoded.
        literal = target.replace("'", "%27").replace("\x7f", "%7F").replace("\x01", "%01")
        second = literal if parse is tomllib.loads else target
        assert data["images"] == [target, second]
        cover = data["params"]["cover"] if "params" in keys else data["cover"]["src"]
        if target:  # an emptied value is no reference any more
            values = [destination_value(r) for r in again.references]
            assert values == [target.strip(), second.strip(), target.strip()]
        assert cover == target
        assert new[again.body_start :] == text[front.body_start :]


def test_toml_literal_rewrite_percent_encodes_what_it_cannot_hold() -> None:
    front = read_frontmatter(HUGO_TOML, resource_keys=("images",))
    literal = front.references[1]
    assert literal.syntax is Syntax.TOML_LITERAL
    assert destination_text(literal, "a'b\nc") == "a%27b%0Ac"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            '+++\ntitle = "引號未關\nimages = ["https://a.hk/x.png"]\n+++\n[ok](https://b.hk/)\n',
            "frontmatter is not valid TOML: Illegal character '\\n' (line 2)",
        ),
        (
            '+++\ntitle = "a"\ntitle = "b"\n+++\n[ok](https://b.hk/)\n',
            "frontmatter is not valid TOML: Cannot overwrite a value (line 3)",
        ),
        (
            '+++\nimages = ["https://a.hk/x.png"\n+++\n[ok](https://b.hk/)\n',
            "frontmatter is not valid TOML: Unclosed array (line 3)",
        ),
        (
            '{\n  "title": "a",\n  "images": [https://a.hk/x.png]\n}\n[ok](https://b.hk/)\n',
            "frontmatter is not valid JSON: Expecting value (line 3)",
        ),
        (
            '{\n  "title": "a",\n}\n[ok](https://b.hk/)\n',
            "frontmatter is not valid JSON: Expecting property name enclosed in double quotes (line 3)",
        ),
    ],
)
def test_malformed_toml_and_json_never_raise(text: str, error: str) -> None:
    doc = read_document(text, resource_keys=("images",))
    assert doc.frontmatter == {}
    assert doc.frontmatter_error == error
    assert [(r.kind, r.raw) for r in doc.references] == [(RefKind.MD_LINK, "https://b.hk/")]


@pytest.mark.parametrize(
    "text",
    [
        '{{< figure src="https://a.hk/x.png" >}}\n',  # a shortcode opens the page
        '{\n  "title": "never closed"\n',
        "+++\ntitle = 'no closing line'\n",
        "++\ntitle = 'two pluses'\n++\n",
    ],
)
def test_not_frontmatter(text: str) -> None:
    assert find_frontmatter(text) is None
    assert read_frontmatter(text, resource_keys=("images",)).error is None


def test_yaml_document_unchanged() -> None:
    text = '---\nimage: "https://a.hk/x.png"\nurl: "https://a.hk/"\n---\n+++\n'
    front = read_frontmatter(text, resource_keys=("image",))
    assert front.block is not None and front.block.format == "yaml"
    assert [(r.key, r.syntax) for r in front.references] == [("image", Syntax.YAML_DOUBLE_QUOTED)]
    assert identity_value(text, ("original_url", "url")) == "https://a.hk/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HUGO_TOML, "https://thestandnews.com/china/clubhouse-聊天平台爆紅/"),
        (HUGO_JSON, "https://thestandnews.com/china/clubhouse/"),
        # original_url first, whatever the order in the file; a literal string.
        ("+++\nurl = 'https://b.hk/'\noriginal_url = 'https://a.hk/'\n+++\n", "https://a.hk/"),
        # escaped, or in a table: the full parse answers.
        ('+++\nurl = "https://a.hk/\\u00e9"\n+++\n', "https://a.hk/é"),
        ('+++\n[params]\nurl = "https://a.hk/p"\n+++\n', None),
        ('+++\ntitle = "x"\n[params]\nurl = "https://a.hk/p"\n+++\n', None),
        ("+++\nurl = 42\n+++\n", None),
        ('+++\ntitle = "x"\n+++\n', None),
    ],
)
def test_identity_value_toml_and_json(text: str, expected: str | None) -> None:
    assert identity_value(text, ("original_url", "url")) == expected


def _at(data: object, path: list[str]) -> object:
    for part in path:
        data = data[int(part)] if isinstance(data, list) else data[part]  # type: ignore[index]
    return data


@pytest.mark.parametrize(
    "text",
    [
        '+++\r\na . b = "https://x.hk/1"\r\n"" = "https://x.hk/2"\r\n1234 = \'https://x.hk/3\'\r\n'
        "+++\r\nbody\r\n",
        '+++\nempty = {}\nnested = { a = { b = "https://x.hk/4" }, c = [] }\n'
        'm = [[1, 2], ["https://x.hk/5", "#not a comment"]]\n[ t . u ] # comment\n'
        'v = "https://x.hk/6" # "q"\n[[ arr ]]\nw = "https://x.hk/7"\n+++\n',
        '+++\nml = """a\\"""b"""\nml2 = \'\'\'x\'\'\'\'\'\nafter = "https://x.hk/8"\n'
        "d = 1979-05-27 07:32:00\nn = -1_000\ni = inf\nt = true\n+++\n",
        '+++\nlist = [\n  # leading comment\n  "https://x.hk/9", # trailing\n'
        '  \'https://x.hk/10\',\n]\nk = "a\\\\"\nz = "https://x.hk/11"\n+++\n',
        '+++\n\'lit\' = "https://x.hk/13"\n[a]\n[a.b]\nc = "https://x.hk/14"\n'
        '[[a.d]]\ne = "https://x.hk/15"\n[[a.d]]\n[[a.d]]\ne = "https://x.hk/16"\n+++\n',
    ],
)
def test_toml_spans_agree_with_tomllib(text: str) -> None:
    """Every string the walk finds reads, unescaped, as tomllib's value at its key path:
    comments, CRLF, dotted and quoted keys, headers with spaces, multi-line strings
    skipped, arrays of tables counted."""
    data = read_frontmatter(text, resource_keys=()).data
    front = read_frontmatter(text, resource_keys=tuple(data))
    assert front.error is None
    found = {}
    for r in front.references:
        assert text[r.start : r.end] == r.raw and r.key is not None
        found[r.key] = destination_value(r)
        assert _at(data, r.key.split(".")) == found[r.key]
    strings = text.count("https://x.hk/") + text.count('"a\\\\"') + text.count("#not a comment")
    assert len(found) == strings


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=12),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.text(st.characters(exclude_characters="."), max_size=6), inner, max_size=4
            )
        ),
        max_leaves=12,
    ),
    st.booleans(),
    st.sampled_from([None, 2]),
)
@settings(max_examples=200, deadline=None)
def test_json_spans_agree_with_json(value: object, ascii_only: bool, indent: int | None) -> None:
    """Any JSON object, written as json.dumps writes it: every non-empty string value
    is found, at the path of its value, and reads back as that value."""
    data = {"v": value, "title": "x"}
    text = json.dumps(data, ensure_ascii=ascii_only, indent=indent) + "\nbody [a](https://b.hk/)\n"
    front = read_frontmatter(text, resource_keys=("v",))
    assert front.error is None and front.data == data
    assert text[front.body_start :] == "body [a](https://b.hk/)\n"
    for r in front.references:
        assert r.key is not None and r.syntax is Syntax.JSON_STRING
        assert json.loads(f'"{r.raw}"') == _at(data, r.key.split("."))

    def strings(v: object) -> int:
        if isinstance(v, str):
            return 1 if v else 0
        if isinstance(v, list):
            return sum(map(strings, v))
        if isinstance(v, dict):
            return sum(map(strings, v.values()))
        return 0

    assert len(front.references) == strings(value)
