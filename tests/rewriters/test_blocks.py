"""Block structure the scan must respect (issue 10, classes 1 and 5), checked against
markdown-it-py's CommonMark parser on documentation-site shapes: design documents with
deep lists and tables, Jekyll and Hugo pages, news archive links."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from linkrescue.rewriters.markdown import scan_markdown
from linkrescue.rewriters.model import RefKind

SN = "http://web.archive.org/web/20211229095346/https://www.thestandnews.com"
CN = "https://web.archive.org/web/20211231120000/https://www.hkcnews.com"
_PARSER = MarkdownIt("commonmark").enable("table")


def commonmark_links(text: str) -> list[str]:
    """The destinations of the links and images markdown-it-py finds, in order."""
    out: list[str] = []

    def walk(tokens: list[Token]) -> None:
        for t in tokens:
            if t.type == "link_open":
                out.append(str(t.attrs["href"]))
            elif t.type == "image":
                out.append(str(t.attrs["src"]))
            if t.children:
                walk(t.children)

    walk(_PARSER.parse(text))
    return out


def scanned_links(text: str) -> list[str]:
    refs = scan_markdown(text)
    assert all(text[r.start : r.end] == r.raw for r in refs)
    return [r.raw for r in refs if r.kind in (RefKind.MD_LINK, RefKind.MD_IMAGE)]


# --- class 1: a code span never crosses a block boundary ------------------------------


def test_an_unclosed_backtick_does_not_hide_the_next_paragraphs_links() -> None:
    text = (
        "## Rollout\n\n"
        "Set `feature.enabled to true in the config (see below).\n\n"
        f"The [announcement]({SN}/politics/announcement/) and the\n"
        f"[FAQ]({CN}/article/4711/faq) explain why; run `make check` first.\n"
    )
    expected = [f"{SN}/politics/announcement/", f"{CN}/article/4711/faq"]
    assert commonmark_links(text) == expected
    assert scanned_links(text) == expected


def test_an_unclosed_backtick_in_a_list_item_ends_with_the_item() -> None:
    text = (
        "1. Install the CLI:\n"
        "   - run `pip install linkrescue\n"
        "   - read the [install guide](https://example.org/docs/install/)\n"
        "     and the [changelog](https://example.org/docs/changes/) `v2`\n"
        "2. Configure `[corpus]` in `config.toml`.\n"
    )
    expected = ["https://example.org/docs/install/", "https://example.org/docs/changes/"]
    assert commonmark_links(text) == expected
    assert scanned_links(text) == expected


def test_a_heading_is_its_own_inline_block() -> None:
    text = f"### The `--format option\n[JSONL]({SN}/jsonl/) output has one record a line `x`\n"
    assert commonmark_links(text) == [f"{SN}/jsonl/"]
    assert scanned_links(text) == [f"{SN}/jsonl/"]


def test_table_rows_and_cells_do_not_pair_backticks() -> None:
    text = (
        "| Option | Meaning |\n"
        "|---|---|\n"
        "| `--since | only [after a date](https://example.org/docs/since/) |\n"
        "| `--until` | [before a date](https://example.org/docs/until/) ` |\n"
    )
    expected = ["https://example.org/docs/since/", "https://example.org/docs/until/"]
    assert commonmark_links(text) == expected
    assert scanned_links(text) == expected


def test_a_code_span_still_runs_over_a_soft_line_break_and_lazy_lines() -> None:
    # The same paragraph: the code span closes on the next line and hides the
    # link-shaped text inside it, in a list item and in a block quote.
    text = (
        "- call `fetch(url,\n"
        "  [opts](https://example.org/x))` to get it\n"
        "> a quote with `code\n"
        "that runs on [here](https://example.org/y)` lazily\n"
        "\nand [after](https://example.org/z).\n"
    )
    assert commonmark_links(text) == ["https://example.org/z"]
    assert scanned_links(text) == ["https://example.org/z"]


# --- class 5: a lone CR is a line ending ------------------------------------------------


def test_a_lone_cr_ends_lines_for_blocks_and_for_line_numbers() -> None:
    # An old Mac-style export: every line ends in a lone CR (CommonMark §2.1).
    text = (
        "Intro with a stray `backtick\r\r"
        f"See [the archive]({SN}/china/clubhouse/).\r"
        f"[1]: {CN}/article/101/x\r\r"
        "```\r"
        f"[not a link]({SN}/code/)\r"
        "```\r"
        f"Last [link]({CN}/article/102/y)\r"
    )
    assert commonmark_links(text) == [f"{SN}/china/clubhouse/", f"{CN}/article/102/y"]
    refs = scan_markdown(text)
    assert [(r.kind, r.raw, r.line, r.column) for r in refs] == [
        (RefKind.MD_LINK, f"{SN}/china/clubhouse/", 3, 19),
        (RefKind.MD_REFDEF, f"{CN}/article/101/x", 4, 6),
        (RefKind.MD_LINK, f"{CN}/article/102/y", 9, 13),
    ]
    assert all(text[r.start : r.end] == r.raw for r in refs)


def test_crlf_and_lf_line_numbers_are_unchanged() -> None:
    text = f"a\r\n\r\nsee [x]({SN}/a/)\nand [y]({SN}/b/)\r\n"
    assert [(r.line, r.column) for r in scan_markdown(text)] == [(3, 9), (4, 9)]


# --- class 5: a fence ends with its list item or quote --------------------------------


def test_an_unclosed_fence_in_a_list_item_ends_with_the_item() -> None:
    # A design document's steps: the fence of step 1 is never closed.
    text = (
        "1. Build the image:\n"
        "   ```sh\n"
        "   docker build -t rescue https://example.org/not-a-link/\n"
        "2. Read the [deployment notes](https://example.org/docs/deploy/).\n"
        "3. Compare with the [archived post]"
        f"({SN}/politics/%E7%AB%8B%E5%A0%B4/).\n"
    )
    expected = ["https://example.org/docs/deploy/", f"{SN}/politics/%E7%AB%8B%E5%A0%B4/"]
    assert commonmark_links(text) == expected
    assert scanned_links(text) == expected
    assert [r.raw for r in scan_markdown(text) if r.kind is RefKind.AUTOLINK] == []


def test_a_fence_indented_four_spaces_in_a_loose_list_item_is_code() -> None:
    # Hugo docs indent a list item's content 4 spaces: the fence is code, and the
    # URLs in the sample are not references.
    text = (
        "1.  Add the shortcode:\n"
        "\n"
        "    ```go-html-template\n"
        '    {{< video src="https://example.org/sample.mp4" >}}\n'
        "    [example](https://example.org/sample/)\n"
        "    ```\n"
        "\n"
        "    Then see [the video docs](https://gohugo.io/content-management/shortcodes/).\n"
    )
    assert commonmark_links(text) == ["https://gohugo.io/content-management/shortcodes/"]
    refs = scan_markdown(text)
    assert [(r.kind, r.raw) for r in refs] == [
        (RefKind.MD_LINK, "https://gohugo.io/content-management/shortcodes/")
    ]


def test_a_fence_right_after_a_list_marker_and_one_in_a_quote() -> None:
    text = (
        "- ```\n"
        "  [sample](https://example.org/a)\n"
        "  ```\n"
        f"- [first]({CN}/article/1/x)\n"
        "\n"
        "> ```\n"
        "> [quoted sample](https://example.org/b)\n"
        f"[after the quote]({CN}/article/2/y)\n"
    )
    expected = [f"{CN}/article/1/x", f"{CN}/article/2/y"]
    assert commonmark_links(text) == expected
    assert scanned_links(text) == expected


def test_an_indented_line_of_backticks_in_a_paragraph_is_text() -> None:
    text = "A paragraph\n    ```\n[still a link](https://example.org/c)\n"
    assert commonmark_links(text) == ["https://example.org/c"]
    assert scanned_links(text) == ["https://example.org/c"]


# --- class 5: Markdown inside HTML blocks is HTML ---------------------------------------


def _kinds(text: str) -> list[tuple[RefKind, str]]:
    refs = scan_markdown(text)
    assert all(text[r.start : r.end] == r.raw for r in refs)
    return [(r.kind, r.raw) for r in refs]


def test_markdown_inside_a_details_block_is_text_but_its_tags_are_read() -> None:
    # A Jekyll/Hugo docs page: a collapsible section written without blank lines.
    text = (
        "<details>\n"
        "<summary>Older releases</summary>\n"
        "- [v1.8.7](https://example.org/pkg-1.8.7.tar.bz2)\n"
        '- <a href="https://example.org/pkg-1.8.6.tar.bz2">v1.8.6</a>\n'
        "</details>\n"
        "\n"
        "Current: [v2.0](https://example.org/pkg-2.0.tar.bz2).\n"
    )
    assert commonmark_links(text) == ["https://example.org/pkg-2.0.tar.bz2"]
    assert _kinds(text) == [
        (RefKind.HTML, "https://example.org/pkg-1.8.6.tar.bz2"),
        (RefKind.MD_LINK, "https://example.org/pkg-2.0.tar.bz2"),
    ]


def test_a_del_tag_alone_on_its_line_opens_an_html_block_unless_it_follows_a_paragraph() -> None:
    struck = (
        "<del>\n"
        f"[Old mirror]({SN}/old-mirror/) and https://old.example.org/\n"
        "</del>\n"
        "\n"
        "[New mirror](https://example.org/mirror/)\n"
    )
    assert commonmark_links(struck) == ["https://example.org/mirror/"]
    assert _kinds(struck) == [(RefKind.MD_LINK, "https://example.org/mirror/")]
    # After a paragraph line, a lone tag (type 7) cannot start a block: Markdown.
    inline = f"Mirrors:\n<del>\n[Old mirror]({SN}/old-mirror/)\n</del>\n"
    assert commonmark_links(inline) == [f"{SN}/old-mirror/"]
    assert _kinds(inline) == [(RefKind.MD_LINK, f"{SN}/old-mirror/")]


def test_pre_blocks_hide_markdown_and_an_unclosed_pre_hides_nothing() -> None:
    text = f"<pre>\n[not a link](https://example.org/in-pre/)\n</pre>\n[after]({CN}/article/7/x)\n"
    assert commonmark_links(text) == [f"{CN}/article/7/x"]
    assert _kinds(text) == [(RefKind.MD_LINK, f"{CN}/article/7/x")]
    # Never closed (a scraper's truncated page): the links after it still count.
    broken = f"<pre>\nsample\n\n[after]({CN}/article/8/y)\n"
    assert _kinds(broken) == [(RefKind.MD_LINK, f"{CN}/article/8/y")]


def test_an_html_block_in_a_list_item_ends_with_the_item() -> None:
    text = (
        "- Step one\n"
        "\n"
        '  <div class="note">\n'
        "  [hidden](https://example.org/hidden/)\n"
        f"[shown]({SN}/shown/)\n"
    )
    assert commonmark_links(text) == [f"{SN}/shown/"]
    assert scanned_links(text) == [f"{SN}/shown/"]


def test_a_shortcode_inside_an_html_block_is_still_read() -> None:
    # Hugo renders shortcodes before Markdown: inside a <div> they still give URLs.
    text = '<div class="gallery">\n{{< figure src="https://example.org/a.jpg" >}}\n</div>\n'
    assert [(r.kind, r.raw) for r in scan_markdown(text)] == [
        (RefKind.SHORTCODE, "https://example.org/a.jpg")
    ]


def test_lenient_repair_markdown_after_a_complete_one_line_figure_is_read() -> None:
    # Citizen News (docs/corpus-patterns.md, format B): one <figure> per line and the
    # article's links right after it. CommonMark makes those lines raw HTML; the scan
    # reads them as Markdown on purpose (README: how references are resolved).
    figure = (
        f'<figure><img src="{CN}/news_新聞/2021/圖片.jpg">'
        f"<figcaption>圖片：[來源]({CN}/article/99/src)</figcaption></figure>"
    )
    text = (
        f"{figure}\n"
        f"[另一篇](/web/20211231120000/https://www.hkcnews.com/article/102/x) 與\n"
        f"1. [第 1 篇](/web/20211231120000/https://www.hkcnews.com/article/2001/x)\n"
    )
    assert commonmark_links(text) == []  # the deviation, on purpose
    assert _kinds(text) == [
        (RefKind.HTML, f"{CN}/news_新聞/2021/圖片.jpg"),
        (RefKind.MD_LINK, f"{CN}/article/99/src"),
        (RefKind.MD_LINK, "/web/20211231120000/https://www.hkcnews.com/article/102/x"),
        (RefKind.MD_LINK, "/web/20211231120000/https://www.hkcnews.com/article/2001/x"),
    ]


def test_a_lone_tag_right_after_a_fence_opens_an_html_block() -> None:
    text = "```\nmake docs\n```\n<del>\n[retired page](https://example.org/old/)\n"
    assert commonmark_links(text) == []
    assert scanned_links(text) == []
