"""``scan`` against an independent CommonMark parser (markdown-it-py), issue 10.

Documents are generated from CommonMark constructs — paragraphs, nested bullet and
ordered lists at varying indents, nested block quotes with lazy continuation lines,
GFM tables, code spans (matched and unmatched backtick runs) and fences (closed or
not) in every container, indented code, reference definitions and their uses (full,
collapsed, shortcut; defined or not), inline links and images with titles, angle
destinations and nested brackets, HTML blocks and inline HTML, autolinks (URI and
e-mail), bare URLs, headings — with the URLs of the real corpora (Stand News and
Citizen News captures on web.archive.org) and of documentation sites (relative
links, anchors). Both sides are reduced to ``(kind, line, destination)`` by
``tests/support/commonmark.py`` (its docstring says how each is mapped) and must agree;
the only disagreements allowed are the named lenient repairs of its ``RULES`` (README,
"How references are resolved").

One test per kind family, so a disagreement in one does not hide another: inline
links and images, reference definitions, reference uses (``md-refuse``), autolinks.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from linkrescue.rewriters import read_document
from tests.support.commonmark import (
    INLINE_KINDS,
    Found,
    commonmark_view,
    compare,
    match_references,
    visible_text_as_url,
)

URLS = [
    "https://web.archive.org/web/20211229013202/https://www.thestandnews.com/politics/"
    "%E6%B0%91%E4%B8%BB%E6%B4%BE/",
    "http://web.archive.org/web/2021im_/https://assets.thestandnews.com/media/photos/a.jpg",
    "https://web.archive.org/web/20220101000000/https://www.hkcnews.com/article/47231/"
    "%E7%AB%8B%E6%B3%95%E6%9C%83",
    "https://web.archive.org/web/2021/https://www.facebook.com/standnewshk/posts/1",
    "https://www.thestandnews.com/society/a_b(c)",
    "https://zh.wikipedia.org/wiki/香港",
    "../guide/install.md",
    "/docs/config/#options",
    "install.md#setup",
    "https://jekyllrb.com/docs/configuration/",
    "https://example.org/pkg-1.8.7.tar.bz2",
]
LABELS = ["1", "docs", "Stand News", "https://example.org/pkg-1.8.7.tar.bz2", "^1"]
WORDS = ["立場新聞", "眾新聞", "the", "archive", "reads", "*emphasis*", "_x_", "\\[", "a|b", "!"]

url = st.sampled_from(URLS)
label = st.sampled_from(LABELS)
title = st.sampled_from(["", ' "Stand News"', " 'title'", " (t)"])


@st.composite
def inline_piece(draw: st.DrawFn) -> str:
    u = draw(url)
    text = draw(st.sampled_from(["報道", "the docs", "a [nested] text", "`code`", u]))
    choice = draw(st.integers(0, 26))
    pieces = [
        f"[{text}]({u}{draw(title)})",
        f"![{text}]({u}{draw(title)})",
        f"[{text}](<{u}>)",
        f"[![alt]({u})]({draw(url)})",
        f"`{text} [x]({u})`",
        draw(st.sampled_from(["`", "``", "`x``"])),
        f"<{u}>" if u.startswith("http") else "<news@example.org>",
        f"{u}" if u.startswith("http") else f"www.example.org/{u.lstrip('./')}",
        f"[{text}][{draw(label)}]",
        f"[{draw(label)}][]",
        f"[{draw(label)}]",
        f'<span title="x">{text}</span>',
        f'<a href="{u}">{text}</a>',
        draw(st.sampled_from(WORDS)),
        f"[{text}][{draw(label)}]({u})",
        f"{u}。",
        "\\`",
        draw(st.sampled_from(["  \n", "\\\n", "\n"])),
        f"[{text}](https://example.org/a\\(b\\)?q=1&amp;r=2)",
        f"[{text}]({u}\n{draw(title).strip() or '(t)'})",
        f"[te\\]xt `]` *{text}*]({u})",
        f"[{text}](/docs/a(b(c))d)",
        f"![{text}]({u}) text",
        f"&lt;{u}&gt;",
        f"[{text}]",
        f"<{u}",
        f"(see {u}; then {u}.)",
    ]
    return pieces[choice]


inline = st.lists(inline_piece(), min_size=1, max_size=6).map(" ".join)


@st.composite
def leaf_block(draw: st.DrawFn) -> list[str]:
    choice = draw(st.integers(0, 10))
    if choice <= 2:
        return draw(inline).split("\n")
    if choice == 3:
        return [f"{'#' * draw(st.integers(1, 3))} {draw(inline)}".replace("\n", " ")]
    if choice == 4:
        fence = draw(st.sampled_from(["```", "~~~", "````"]))
        body = [f"[in code]({draw(url)})", draw(inline).replace("\n", " ")]
        closed = draw(st.booleans())
        return [fence + draw(st.sampled_from(["", "markdown"])), *body] + (
            [fence] if closed else []
        )
    if choice == 5:
        return ["", f"    [indented]({draw(url)})", "    code", ""]
    if choice == 6:
        return [f"[{draw(label)}]: {draw(url)}{draw(title)}"]
    if choice == 7:
        tag = draw(st.sampled_from(["div", "details", "del"]))
        return [f"<{tag}>", draw(inline).replace("\n", " "), f"</{tag}>"]
    if choice == 8:
        cell_text = draw(inline)
        return [
            "| link | note |",
            "|---|:--|",
            # A "|" in a cell's text, escaped as table writers do, or not: then it makes
            # a cell GFM drops past the header's count, with its links.
            f"| {draw(st.sampled_from([cell_text, cell_text.replace('|', chr(92) + '|')]))}"
            f" | [t]({draw(url)}) |".replace("\n", " "),
            # GFM runs a table on over the lines below it: a row with no "|", a
            # definition that is a row's text, a backtick pairing with none in the next row.
            *draw(
                st.sampled_from(
                    [
                        [],
                        [""],
                        [draw(inline).replace("\n", " ")],
                        [f"[{draw(label)}]: {draw(url)}"],
                        [f"x `{draw(inline)}".replace("\n", " "), f"| ` [c]({draw(url)}) |"],
                    ]
                )
            ),
        ]
    if choice == 9:
        return draw(
            st.sampled_from(
                [
                    [f"[{draw(label)}]:", f"  <{draw(url)}>"],
                    [draw(inline).replace("\n", " "), draw(st.sampled_from(["===", "---"]))],
                    ["***"],
                    [f"[{draw(label)}]: {draw(url)}", f"  {draw(title).strip() or '(t)'}"],
                ]
            )
        )
    return ["<!-- a comment", draw(inline).replace("\n", " "), "-->"]


def _contain(lines: list[str], first: str, rest: str, lazy: bool) -> list[str]:
    out = []
    for i, line in enumerate(lines):
        if i == 0:
            out.append(first + line)
        elif lazy and i == len(lines) - 1 and line and not line.startswith(" "):
            out.append(line)  # a lazy continuation line
        else:
            out.append((rest + line) if line else rest.rstrip())
    return out


def container(
    children: st.SearchStrategy[list[str]], ordered: tuple[str, ...] = ("1.", "2)", "10.")
) -> st.SearchStrategy[list[str]]:
    @st.composite
    def build(draw: st.DrawFn) -> list[str]:
        blocks = draw(st.lists(children, min_size=1, max_size=3))
        lines = [line for block in blocks for line in [*block, ""]][:-1]
        kind = draw(st.integers(0, 2))
        lazy = draw(st.booleans())
        if kind == 0:
            return _contain(lines, "> ", "> ", lazy)
        indent = " " * draw(st.integers(0, 3))
        marker = (
            draw(st.sampled_from(["-", "*", "+"])) if kind == 1 else draw(st.sampled_from(ordered))
        )
        gap = " " * draw(st.integers(1, 4))
        width = len(indent) + len(marker) + len(gap)
        return _contain(lines, indent + marker + gap, " " * width, lazy)

    return build()


blocks = st.recursive(leaf_block(), container, max_leaves=6)

#: Top-level blocks and one level of list item or quote, holding any leaf block.
handled_blocks = st.one_of(
    leaf_block(),
    # An ordered list starting at 2 or 10 cannot interrupt a paragraph; the scan's
    # definition-under-paragraph repair reads "2) [1]: url" as a definition there.
    container(leaf_block(), ordered=("1.", "1)")),
)


_DEFINITION_START = re.compile(r"\[[^\]]+\]:")


@st.composite
def document(draw: st.DrawFn, deep: bool = False) -> str:
    parts = draw(st.lists(blocks if deep else handled_blocks, min_size=1, max_size=5))
    separators = [draw(st.sampled_from(["\n\n", "\n", "\n\n\n"])) for _ in parts]
    text = "Intro 立場新聞.\n"
    for part, sep in zip(parts, separators, strict=True):
        if not deep and part and _DEFINITION_START.match(part[0]):
            # Right under a quote or list line a definition is a lazy continuation line
            # in CommonMark; the scan's definition-under-paragraph repair reads it as a
            # definition, and the uses around follow (not aligned yet).
            sep = "\n\n"
        text += sep + "\n".join(part)
    return text + "\n"


PROFILE = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _assert_agree(text: str, kinds: frozenset[str]) -> None:
    comparison = compare(text)
    problems = comparison.disagreements(kinds)
    assert not problems, "\n".join([*problems, "--- document:", text])


# Shapes quoted in issue 10.
ISSUE_SHAPES = [
    # class 1: an unmatched backtick hides the links of later blocks.
    "Run `make\n\n- see [the docs](https://jekyllrb.com/docs/configuration/)\n- and `x`\n",
    # class 2: visible text taken for a URL; definitions in containers, footnote labels.
    "Get [https://example.org/pkg-1.8.7.tar.bz2][1].\n\n[1]: https://example.org/pkg\n",
    "> [x]: https://web.archive.org/web/2021/https://www.thestandnews.com/\n\n[x]\n",
    "- item\n\n    [y]: https://example.org/y\n",
    "Note[^1].\n\n[^1]: https://example.org/note\n",
    # class 5: e-mail autolinks, [text][ref](aside), Markdown inside HTML blocks,
    # an unclosed fence in a list item, a lone CR.
    "Write to <news@example.org>.\n",
    "[text][ref](aside)\n\n[ref]: https://example.org/ref\n",
    "<details>\n[inside](https://example.org/in)\n</details>\n\n[after](/after)\n",
    "- ```\n  code\n\n[after](https://example.org/after)\n",
    "[a](https://example.org/a)\r[b](https://example.org/b)\n",
]


@pytest.mark.parametrize("text", ISSUE_SHAPES)
def test_issue_shapes_agree_with_commonmark(text: str) -> None:
    comparison = compare(text)
    assert not comparison.disagreements(), "\n".join(comparison.disagreements())


def test_a_url_shown_as_link_text_is_not_reported_as_an_autolink() -> None:
    text = "Get [https://example.org/pkg-1.8.7.tar.bz2][1].\n\n[1]: https://example.org/pkg\n"
    assert visible_text_as_url(compare(text)) == []


def test_a_url_shown_as_the_text_of_an_html_link_is_not_reported() -> None:
    """Citizen News writes the address it links as the link's text; a rescue must not
    rewrite what the reader sees (only the href is a reference)."""
    url = "https://www.hkcnews.com/article/47651/國安法-立場新聞"
    text = f'來源：<a href="{url}" target="_blank">{url}</a>，另見 https://www.thestandnews.com/\n'
    assert visible_text_as_url(compare(text)) == []
    found = [(r.kind.value, r.raw) for r in read_document(text, resource_keys=()).references]
    assert found == [("html", url), ("autolink", "https://www.thestandnews.com/")]


def test_lenient_repairs_are_named_not_skipped() -> None:
    """The corpora's junk that ``scan`` reads on purpose is explained by its rule, and
    the comparison still sees the references both sides agree on."""
    text = (
        "[\n\n**立場新聞**\n\n](https://web.archive.org/web/20211229/https://www.thestandnews.com/)\n\n"
        "[專頁](https://web.archive.org/web/2021/https://facebook.com/ SomePage/)\n\n"
        "[影片](<iframe src=)\n\n"
        "見 https://www.thestandnews.com/a。其後 [ok](/docs/config/#options)\n\n"
        'Photo by {{< newtablink "https://unsplash.com/@synkevych" >}}Roman{{< /newtablink >}}\n'
    )
    comparison = compare(text)
    assert comparison.disagreements() == []
    assert sorted({name for name, _ in comparison.explained}) == [
        "bare-url-stops-at-cjk-punctuation",
        "html-leaked-destination",
        "multi-paragraph-link-text",
        "shortcode-parameter",
        "spaced-destination",
    ]
    assert comparison.agreed(INLINE_KINDS) == 1


def test_template_code_is_read_as_the_site_renders_it_first() -> None:
    """Jekyll renders Liquid before Markdown: a definition to ``{{ site.url }}`` is one
    (and the definitions after it too, which raw CommonMark would read as a paragraph's
    text), and a ``{% highlight %}`` block is code, by the named rule."""
    text = (
        "---\ntitle: Downloads\n---\nGet [Ruby][1] from [the mirror][2].\n\n"
        "{% highlight sh %}\n[not a link](https://www.ruby-lang.org/in-code)\n{% endhighlight %}\n\n"
        "[1]: {{ site.url }}/en/downloads/\n[2]: https://cache.ruby-lang.org/pub/ruby/\n"
    )
    comparison = compare(text)
    definitions = sorted(
        (f.line, f.destination) for f in comparison.theirs if f.kind == "md-refdef"
    )
    assert definitions == [
        (10, "{{site.url}}/en/downloads/"),
        (11, "https://cache.ruby-lang.org/pub/ruby/"),
    ]
    assert comparison.disagreements(frozenset({"md-refdef", "md-link"})) == []
    assert [name for name, _ in comparison.explained] == ["liquid-code-block"]


def test_a_reference_on_another_line_or_with_another_destination_is_a_disagreement() -> None:
    """The instrument can fail: the same destination one line off, or another
    destination on the same line, is a disagreement on both sides."""
    theirs = [Found("md-link", 3, "/docs/config/", "/docs/config/")]
    assert match_references([Found("md-link", 4, "/docs/config/", "x")], theirs) != []
    assert match_references([Found("md-link", 3, "/docs/other/", "x")], theirs) != []
    assert match_references([Found("md-link", 3, "/docs/config/", "x")], theirs) == []


def test_commonmark_lines_are_those_of_the_destinations() -> None:
    """markdown-it's lines come from the source positions of its tokens: a code span,
    inline HTML or a title over several lines before a link does not shift it."""
    text = (
        "Run `make\nbuild` <span\nclass=x>t</span> [a](/docs/a\n'title\non two lines') "
        "[b](\n/docs/b) ![c\nd](/img/c.png)\n\n> [e][1]\n\n[1]:\n  /docs/e\n"
    )
    lines = sorted((f.kind, f.line, f.written) for f in commonmark_view(text).references)
    assert lines == [
        ("md-image", 7, "/img/c.png"),
        ("md-link", 3, "/docs/a"),
        ("md-link", 6, "/docs/b"),
        ("md-refdef", 12, "/docs/e"),
        ("md-refuse", 9, "/docs/e"),
    ]


@PROFILE
@given(document())
@example("[a](https://example.org/a) `x\n\n[b](https://example.org/b) x`\n")
@example("<div>\n[in html](https://example.org/in)\n</div>\n")
def test_inline_links_and_images_agree_with_commonmark(text: str) -> None:
    _assert_agree(text, INLINE_KINDS)


@PROFILE
@given(document())
@example("> [x]: https://example.org/x\n")
@example("[^1]: https://example.org/note\n")
def test_reference_definitions_agree_with_commonmark(text: str) -> None:
    _assert_agree(text, frozenset({"md-refdef"}))


@PROFILE
@given(document())
@example("[Stand News]\n\n[Stand News]: https://www.thestandnews.com/\n")
def test_reference_uses_agree_with_commonmark(text: str) -> None:
    _assert_agree(text, frozenset({"md-refuse"}))


@PROFILE
@given(document())
@example("[https://example.org/pkg-1.8.7.tar.bz2][1]\n\n[1]: https://example.org/pkg\n")
@example("<news@example.org>\n")
def test_autolinks_agree_with_commonmark(text: str) -> None:
    _assert_agree(text, frozenset({"autolink"}))


@PROFILE
@given(document(deep=True))
def test_nested_containers_agree_with_commonmark(text: str) -> None:
    _assert_agree(text, INLINE_KINDS | {"md-refdef", "md-refuse", "autolink"})
