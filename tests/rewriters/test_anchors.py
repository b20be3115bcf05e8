"""The fragments a Markdown document defines (issue 11: ``check`` reports a link to a
heading that does not exist), under GitHub's and Hugo's heading-id rules.

Cases are shaped on the corpora: a Stand News article (Chinese headings, links to
them percent-encoded), a gohugo.io documentation page (``{#id}`` attributes, repeated
``## Example``), a GitHub README (code in headings, HTML anchors, emoji). The github
rule is also compared with an independent implementation: markdown-it-py's parser
with mdit-py-plugins' ``anchors`` plugin, whose slug follows GitHub's filter.
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

from linkrescue.rewriters.anchors import Anchors, anchors, decode_fragment

STAND_NEWS = """---
title: 國安法實施一周年
url: https://www.thestandnews.com/politics/國安法實施一周年/
---
![](https://web.archive.org/web/2021/https://assets.thestandnews.com/media/photos/a.jpg)

## 國安法下的香港

正文。見[下文](#%E5%9C%8B%E5%AE%89%E6%B3%95%E4%B8%8B%E7%9A%84%E9%A6%99%E6%B8%AF)。

## 「一國兩制」仍在？

## 國安法下的香港

## 新疆問題遭國際抨擊　英議員籲杯葛北京冬奧
"""

HUGO_DOCS = """+++
title = 'range'
linkTitle = 'range'
+++

Iterates over a non-empty collection.

## Use `range` with arrays {#arrays}

## Use `range` with maps {#maps}

## Example

```go-html-template
{{ range $k, $v := $m }}
## Example
{{ end }}
```

## Example

    ## Example (indented code)

## Example

{{% note %}}
See [maps](#maps).
{{% /note %}}
"""


def _ids(doc: Anchors) -> list[str]:
    return [a.id for a in doc.anchors]


def test_a_chinese_heading_keeps_its_characters_and_a_percent_encoded_link_finds_it() -> None:
    for rule in ("github", "hugo"):
        doc = anchors(STAND_NEWS, rule)
        # The ideographic space of Stand News titles is no " ": it goes, as "「」？" do.
        assert _ids(doc) == [
            "國安法下的香港",
            "一國兩制仍在",
            "國安法下的香港-1",
            "新疆問題遭國際抨擊英議員籲杯葛北京冬奧",
        ]
        target = doc.find("%E5%9C%8B%E5%AE%89%E6%B3%95%E4%B8%8B%E7%9A%84%E9%A6%99%E6%B8%AF")
        assert target is not None
        assert (target.line, target.column, target.text) == (7, 1, "國安法下的香港")
        assert doc.has("國安法下的香港")
        assert not doc.has("%E5%9C%8B")  # a prefix of the id is no id


def test_decode_fragment_is_the_browsers_percent_decoding() -> None:
    assert decode_fragment("%E5%9C%8B%E5%AE%89%E6%B3%95") == "國安法"
    assert decode_fragment("a+b%20c") == "a+b c"  # "+" is no space in a fragment
    assert decode_fragment("%FF") == "\ufffd"  # invalid UTF-8: a replacement, no error


def test_a_hugo_docs_page_under_the_hugo_rule() -> None:
    doc = anchors(HUGO_DOCS, "hugo")
    # {#…} gives the id; code blocks (fenced, indented) hold no heading; repeats numbered.
    assert _ids(doc) == ["arrays", "maps", "example", "example-1", "example-2"]
    assert [a.line for a in doc.anchors] == [8, 10, 12, 20, 24]
    assert doc.find("maps") is not None
    assert doc.find("Maps") is None  # a browser compares case-sensitively
    assert doc.find("use-range-with-maps") is None  # the explicit id replaced it


def test_the_same_page_under_the_github_rule_keeps_the_braces_as_text() -> None:
    doc = anchors(HUGO_DOCS, "github")
    assert _ids(doc) == [
        "use-range-with-arrays-arrays",
        "use-range-with-maps-maps",
        "example",
        "example-1",
        "example-2",
    ]


def test_hugo_explicit_ids_take_part_in_the_numbering_and_stop_at_a_class() -> None:
    text = (
        "## Foo {#foo}\n\n## Foo\n\n"
        "### **1 Sprengelia incarnata** Sm., *Kongl.* 263 (1794) {#1-s.-incarnata}\n\n"
        "## Not \\{#escaped}\n\n## Closing ### {#closing}\n\n"
        '## Key {.note id="from-key"}\n\n## Last wins {#x, #y}\n\n'
        "## No attributes {#foo:bar}\n\n"  # ":" ends the id, then is no attribute
        "## Chinese {#國安法}\n"
    )
    assert _ids(anchors(text, "hugo")) == [
        "foo",
        "foo-1",
        "1-s",
        "not-escaped",
        "closing",
        "from-key",
        "y",
        "no-attributes-foobar",
        "國安法",
    ]


def test_headings_in_code_liquid_html_blocks_and_frontmatter_are_not_headings() -> None:
    text = (
        "---\ntitle: README\n# draft: true\n---\n"
        "# Real\n\n"
        "```markdown\n# Fenced\n```\n\n"
        "~~~\n## Tilde\n~~~\n\n"
        "    # Indented code\n\n"
        "{% highlight markdown %}\n# Liquid\n{% endhighlight %}\n\n"
        "{% raw %}\n## Raw\n{% endraw %}\n\n"
        "<details>\n# In an HTML block\n</details>\n\n"
        "<!--\n# Commented out\n-->\n\n"
        "- item\n\n  ```\n  # In a list item's fence\n  ```\n\n"
        "#NoSpace is a hashtag\n\n"
        "## Last\n"
    )
    assert _ids(anchors(text, "github")) == ["real", "last"]


def test_setext_headings_of_one_or_more_lines() -> None:
    text = (
        "Title\n=====\n\n"
        "Two *line*\nsetext heading\n---\n\n"
        "text\n\n---\n\n"  # a thematic break after a blank line: no heading
        "- item\n---\n"  # the underline is outside the item: a thematic break
        "\n  Indented\n  ---\n"
        "\n> Quoted\nlazy line\n===\n"  # a lazy "===" is text, not an underline
    )
    assert _ids(anchors(text, "github")) == ["title", "two-linesetext-heading", "indented"]


def test_headings_in_list_items_and_quotes() -> None:
    text = (
        "- ## In a list\n"
        "1. Step\n\n   ### Inside the step\n\n"
        "> ## In a quote\n>\n> Quoted\n> ===\n"
        "> - ## Both\n"
    )
    assert _ids(anchors(text, "github")) == [
        "in-a-list",
        "inside-the-step",
        "in-a-quote",
        "quoted",
        "both",
    ]


def test_html_anchors_anywhere_outside_code() -> None:
    text = (
        '<a name="top"></a>\n\n'
        '## <a name="install"></a>Install\n\n'
        '<h2 id="faq">FAQ</h2>\n\n'
        "Some <span ID='note-1'>text</span> and <div name=\"not-an-anchor\">.\n\n"
        '```html\n<a id="in-code"></a>\n```\n\n'
        "<img src=x id=unquoted>\n"
    )
    doc = anchors(text, "hugo")
    html = [(a.id, a.line) for a in doc.anchors if a.kind == "html"]
    assert html == [("top", 1), ("install", 3), ("faq", 5), ("note-1", 7), ("unquoted", 13)]
    assert [a.id for a in doc.anchors if a.kind == "heading"] == ["install"]
    assert not doc.has("in-code")
    assert not doc.has("not-an-anchor")


def test_headings_written_in_html_get_an_id_on_github_only() -> None:
    text = (
        '<h1 align="center">\n  <img src="logo.svg" alt="Logo"><br>Project &amp; Co\n</h1>\n\n'
        "## Project & Co\n\n"
        '<h2 id="faq">FAQ</h2>\n'
    )
    github = anchors(text, "github")
    headings = [(a.id, a.line) for a in github.anchors if a.kind == "heading"]
    # The element's text, newlines and all (GitHub's filter trims nothing), then the
    # Markdown heading of the same text numbered after it.
    assert headings == [("--project--co", 1), ("project--co", 5), ("faq", 7)]
    hugo = anchors(text, "hugo")
    assert [(a.id, a.kind) for a in hugo.anchors] == [("project--co", "heading"), ("faq", "html")]


def test_tags_shown_as_code_are_no_headings_and_no_anchors() -> None:
    """docs/wayback-facts.md quotes the archive's answer in a code span."""
    text = (
        'The body contains `<h2>Hrm.</h2>` and ``<a id="x">` ``.\n\n'
        'A real <a id="y">anchor</a> after \\`one backtick, `<a id="z">`.\n'
    )
    for rule in ("github", "hugo"):
        assert _ids(anchors(text, rule)) == ["y"]


def test_emoji_and_punctuation() -> None:
    text = "## 🎉 What's new? (v2.0)\n\n## C++ & C#: `std::vector<T>`\n\n## 1.2.3 — “Quotes”\n"
    for rule in ("github", "hugo"):
        # The emoji goes, the space after it stays (Hugo trims white space only:
        # its docs' anchorize "<- Let's try this" is "--lets-try-this").
        assert _ids(anchors(text, rule)) == ["-whats-new-v20", "c--c-stdvectort", "123--quotes"]


#: Hugo's own table (markup/goldmark/autoid_test.go, TestSanitizeAnchorName: "Tests
#: generated manually on github.com") and its docs' anchorize examples, as headings.
HUGO_TABLE = [
    ("God is good: 神真美好", "god-is-good-神真美好"),
    ("Number 32", "number-32"),
    ("Question?", "question"),
    ("1+2=3", "123"),
    ('Special !"#$%&(parens)=?´* chars', "special-parens-chars"),
    ("Resumé", "resumé"),
    ("One-Hyphen", "one-hyphen"),
    ("Multiple--Hyphens", "multiple--hyphens"),
    ("Trailing hyphen-", "trailing-hyphen-"),
    ("Many   spaces  here", "many---spaces--here"),
    ("Forward/slash", "forwardslash"),
    ("Backward\\slash", "backwardslash"),
    ("Under_score", "under_score"),
    ("Nonbreaking\u00a0Space", "nonbreakingspace"),
    ("Tab\tSpace", "tabspace"),
    ("This is also    a header", "this-is-also----a-header"),
    ("main.go", "maingo"),
    ("<- Let's try this, shall we?", "--lets-try-this-shall-we"),
    ("Hello, 世界", "hello-世界"),
]


@pytest.mark.parametrize("rule", ["github", "hugo"])
def test_hugos_table_of_ids_generated_on_github(rule: str) -> None:
    text = "".join(f"## {heading}\n\n" for heading, _ in HUGO_TABLE)
    doc = anchors(text, rule)  # type: ignore[arg-type]
    assert _ids(doc) == [expected for _, expected in HUGO_TABLE]


def test_where_the_two_rules_differ() -> None:
    text = (
        "## हिन्दी\n\n"  # Devanagari vowel signs and virama are marks
        "## ![logo](logo.png) Project\n\n"
        '## <span class="badge"></span> Title\n\n'
        "##\n\n"
        "## 🎉\n"
    )
    # GitHub: no alt text, nothing trimmed, an empty heading has no id and an empty id
    # ("## 🎉") defines no fragment worth linking.
    assert _ids(anchors(text, "github")) == ["हिन्दी", "-project", "-title"]
    assert _ids(anchors(text, "hugo")) == ["हनद", "logo-project", "title", "heading", "heading-1"]


def test_inline_markup_is_removed_as_rendered() -> None:
    text = (
        "## The **bold** and _emphasis_ of snake_case_name\n\n"
        "## [Link text](https://example.com/a_(b)) and <https://x.org>\n\n"
        "## Tom &amp; Jerry &copy; \\*not emphasis\\*\n\n"
        "## Title <small>beta</small>\n\n"
        "## ``code with ` inside``\n"
    )
    assert _ids(anchors(text, "github")) == [
        "the-bold-and-emphasis-of-snake_case_name",
        "link-text-and-httpsxorg",
        "tom--jerry--not-emphasis",
        "title-beta",
        "code-with--inside",
    ]


def test_fragments_under_github_match_whatever_their_case_and_prefix() -> None:
    text = "# Install\n\n## Diagnostic\n"
    github = anchors(text, "github")
    for fragment in ("install", "Install", "DiAgNoStIc", "user-content-install"):
        assert github.has(fragment), fragment
    hugo = anchors(text, "hugo")
    assert hugo.has("install")
    assert not hugo.has("Install")
    assert not hugo.has("user-content-install")


def test_a_missed_fragment_gets_the_closest_anchor_for_the_message() -> None:
    doc = anchors(HUGO_DOCS, "hugo")
    assert doc.find("Maps") is None
    suggestion = doc.closest("Maps")  # the case is all that differs
    assert suggestion is not None and (suggestion.id, suggestion.line) == ("maps", 10)
    stale = doc.closest("examples")  # the heading was renamed
    assert stale is not None and stale.id == "example"
    assert doc.closest("installation") is None  # nothing like it


def test_the_top_of_the_page_is_always_there() -> None:
    doc = anchors("No headings at all.\n", "hugo")
    assert doc.anchors == ()
    assert doc.has("") and doc.has("top") and doc.has("TOP")
    assert doc.find("top") is None
    assert not doc.has("anything")


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown heading-id rule"):
        anchors("# x\n", "gitlab")  # type: ignore[arg-type]


# --- an independent implementation of the github rule ---------------------------------

_MDIT = MarkdownIt("commonmark").use(anchors_plugin, min_level=1, max_level=6)

#: Headings of the kinds GitHub READMEs and docs carry. mdit-py-plugins' slug keeps
#: Python's ``\\w`` (no marks, every number) where GitHub keeps ``\\p{Word}``: none here
#: holds a mark, a non-decimal number or connector punctuation other than "_".
README_HEADINGS = [
    "Installation",
    "Quick start",
    "Use `range` with maps",
    "The **bold** and _emphasis_ of snake_case_name",
    "__init__.py and `__main__`",
    "[Link text](https://example.com/a_(b)) and more",
    "Tom &amp; Jerry &#169; &#x4e2d;",
    "What's new in v2.0?",
    "C++ & C#: `std::vector<T>`",
    "Title <small>beta</small>",
    "國安法下的香港",
    "「一國兩制」仍在？",
    "新疆問題遭國際抨擊　英議員籲杯葛北京冬奧",
    "Résumé — naïve café",
    "🎉 Emoji first",
    "Trailing hashes ##",
    "Installation",
    "Installation",
    "Escaped \\_underscores\\_ and \\*stars\\*",
    "Multiple   spaces",
    "dash-separated-words",
    "Ünïcödé ÀÉÎ",
    "Image ![alt text](x.png) inside",
]


def test_the_github_rule_agrees_with_markdown_it_and_mdit_py_plugins() -> None:
    text = "\n\n".join(f"## {h}" for h in README_HEADINGS) + "\n"
    expected = [
        str(token.attrGet("id")) for token in _MDIT.parse(text) if token.type == "heading_open"
    ]
    assert _ids(anchors(text, "github")) == expected
