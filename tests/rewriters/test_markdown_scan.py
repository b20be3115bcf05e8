"""The Markdown body scanner, on snippets shaped like the two real corpora."""

from __future__ import annotations

import pytest

from linkrescue.rewriters.markdown import scan_markdown
from linkrescue.rewriters.model import RefKind

LINK, IMAGE, REFDEF, AUTO, HTML = (
    RefKind.MD_LINK,
    RefKind.MD_IMAGE,
    RefKind.MD_REFDEF,
    RefKind.AUTOLINK,
    RefKind.HTML,
)
WB = "http://web.archive.org/web"


def found(text: str) -> list[tuple[RefKind, str]]:
    refs = scan_markdown(text)
    for r in refs:
        assert text[r.start : r.end] == r.raw
    return [(r.kind, r.raw) for r in refs]


def where(text: str) -> list[tuple[str, int, int]]:
    return [(r.raw, r.line, r.column) for r in scan_markdown(text)]


# --- links and images -----------------------------------------------------------------


def test_stand_news_paragraph_link_has_line_and_column_in_characters() -> None:
    text = (
        "以往新疆地區大力打壓外媒採訪。\n\n"
        "有[海外新疆人哭訴](http://web.archive.org/web/20211229095346/"
        "https://www.facebook.com/coco.shen/posts/10157672268636821)，亦有外媒記者。"
    )
    [ref] = scan_markdown(text)
    assert ref.kind is LINK
    assert (
        ref.raw == f"{WB}/20211229095346/https://www.facebook.com/coco.shen/posts/10157672268636821"
    )
    assert (ref.line, ref.column) == (3, 12)  # CJK characters count one column each
    assert text[ref.start : ref.end] == ref.raw


def test_image_wrapped_in_link_gives_the_image_and_the_link() -> None:
    img = "https://assets.thestandnews.com/media/photos/p.png"
    text = f"[![]({WB}/2021im_/{img})]({WB}/20211229095346/{img})"
    assert found(text) == [(IMAGE, f"{WB}/2021im_/{img}"), (LINK, f"{WB}/20211229095346/{img}")]
    assert where(text)[1][2] == text.index(f"{WB}/2021122") + 1


def test_link_text_spanning_blank_lines() -> None:
    text = "前文\n\n[\n\n**延伸閱讀：標題**\n\n](../../china/slug/)\n"
    assert where(text) == [("../../china/slug/", 7, 3)]


def test_link_text_with_nested_brackets_and_escapes() -> None:
    text = r"[\[編按\] 文 [註](../a/) 完](../b/) and \[not a link](../c/)"
    assert found(text) == [(LINK, "../a/")]  # no links inside links; \[ is not a bracket


def test_image_alt_may_contain_a_link() -> None:
    assert found("![a [b](c) d](e.png)") == [(LINK, "c"), (IMAGE, "e.png")]


def test_titles_are_not_part_of_the_span() -> None:
    text = '[a](/x "t") [b](/y \'u\') [c](/z (v)) [d](\n/w\n"multi\nline"\n)'
    assert found(text) == [(LINK, "/x"), (LINK, "/y"), (LINK, "/z"), (LINK, "/w")]


def test_angle_destination_span_is_inside_the_brackets() -> None:
    assert where('[a](<../../cosmos/加菲 證明/> "t")') == [("../../cosmos/加菲 證明/", 1, 6)]


def test_balanced_parentheses_and_escaped_parenthesis_in_destination() -> None:
    text = r"[w](https://zh.wikipedia.org/wiki/Foo_(bar)) [e](a\)b)"
    assert found(text) == [(LINK, "https://zh.wikipedia.org/wiki/Foo_(bar)"), (LINK, r"a\)b")]


def test_raw_unicode_and_literal_dots_in_destination() -> None:
    assert found("[x](../../cosmos/加菲證明畢氏定理/) [y](/web/2021/https://a.hk/x/......)") == [
        (LINK, "../../cosmos/加菲證明畢氏定理/"),
        (LINK, "/web/2021/https://a.hk/x/......"),
    ]


# --- lenient rules for corpus junk ----------------------------------------------------


def test_whitespace_inside_destination_runs_to_the_closing_parenthesis() -> None:
    text = "[專頁](https://web.archive.org/web/2021/https://facebook.com/ SomePage/  )後"
    assert where(text) == [
        ("https://web.archive.org/web/2021/https://facebook.com/ SomePage/", 1, 6)
    ]


def test_line_break_inside_destination() -> None:
    text = "[t](https://web.archive.org/web/2021/https://facebook.com/\nSomePage/)"
    assert found(text) == [
        (LINK, "https://web.archive.org/web/2021/https://facebook.com/\nSomePage/")
    ]


def test_junk_after_whitespace_does_not_cross_a_blank_line_or_a_bracket() -> None:
    # Not links, so their URLs are bare URLs.
    assert found("[a](http://x.com/ junk\n\nmore) [b](http://y.com/ z [c](d)") == [
        (AUTO, "http://x.com/"),
        (AUTO, "http://y.com/"),
        (LINK, "d"),
    ]


def test_stray_quote_at_end_of_destination_stays_in_the_span() -> None:
    text = '[識](../../politics/%E8%AA%8D%E8%AD%98")'
    assert found(text) == [(LINK, '../../politics/%E8%AA%8D%E8%AD%98"')]


def test_empty_link_is_zero_length_and_does_not_swallow_the_next_link() -> None:
    text = "[]()[相關報道](http://web.archive.org/web/20211229095346/https://www.ft.com/x)"
    empty, link = scan_markdown(text)
    assert (empty.raw, empty.start, empty.end) == ("", 3, 3)
    assert link.raw == f"{WB}/20211229095346/https://www.ft.com/x"


def test_empty_angle_destination_is_zero_length() -> None:
    [ref] = scan_markdown("[a](<>)")
    assert (ref.raw, ref.start, ref.end) == ("", 5, 5)


def test_html_leaked_into_destination() -> None:
    text = "[影片](<iframe src=)\n\n[下一段](/web/20211231120000/https://www.example-news.com/a/1)"
    assert found(text) == [
        (LINK, "<iframe src="),
        (LINK, "/web/20211231120000/https://www.example-news.com/a/1"),
    ]


@pytest.mark.parametrize(
    "text",
    ["[a](b", "[a](", "[a](<b", "[a](b (c)", "]]][[[(((", "[a](\n\n)", "![", "<", "`", "[a]: "],
)
def test_unfinished_constructs_give_nothing_and_do_not_raise(text: str) -> None:
    assert found(text) == []


# --- code and comments ----------------------------------------------------------------


def test_code_spans_match_backtick_runs_of_equal_length() -> None:
    text = "`[a](b)` ``x ` [c](d) `` [e](f) `unclosed [g](h)"
    assert found(text) == [(LINK, "f"), (LINK, "h")]


def test_fenced_code_blocks_are_skipped_until_a_long_enough_fence() -> None:
    text = (
        "```html\n[a](b)\n``\n[c](d)\n```\n[e](f)\n"
        "  ~~~~\n[g](h)\n~~~\n[i](j)\n~~~~\n[k](l)\n"
        "```\n[m](n) never closed"
    )
    assert found(text) == [(LINK, "f"), (LINK, "l")]


def test_backtick_fence_info_string_cannot_hold_backticks() -> None:
    assert found("```x`y\n[a](b)\n") == [(LINK, "b")]


def test_fence_indented_four_spaces_is_not_a_fence() -> None:
    assert found("para\n    ```\n[a](b)\n") == [(LINK, "b")]


def test_indented_code_after_blank_line_is_skipped() -> None:
    text = "段落\n\n    [code](a)\n\t[tab](b)\n\n    [still](c)\n[out](d)\n    [lazy](e)"
    assert found(text) == [(LINK, "d"), (LINK, "e")]


def test_indented_code_at_body_start() -> None:
    assert found("    [code](a)\n\n[ok](b)") == [(LINK, "b")]


def test_indented_line_without_blank_line_is_a_paragraph_continuation() -> None:
    assert found("text\n    [a](b)") == [(LINK, "b")]


def test_indented_line_inside_a_list_item_is_not_code() -> None:
    text = "- 項目\n\n    [in list](a)\n\n1. item\n   more\n\n        [code](b)\n"
    assert found(text) == [(LINK, "a")]


def test_html_comments_are_not_scanned() -> None:
    text = "<!--\n[a](b)\n```\n-->\n[c](d) <!-- [e](f) --> [g](h) <!--> [i](j)"
    assert found(text) == [(LINK, "d"), (LINK, "h"), (LINK, "j")]


def test_unclosed_comment_hides_nothing() -> None:
    assert found("<!-- [a](b)") == [(LINK, "b")]


# --- reference definitions ------------------------------------------------------------


def test_reference_definitions_at_line_start() -> None:
    text = (
        '[1]: http://web.archive.org/web/2021/https://a.hk/ "title"\n'
        "   [two]: <https://b.hk/x y>\n"
        "    [code]: nope\n"
        "[three]:\n  https://c.hk/\n"
        "[^note]: a footnote, not a destination\n"
        "[4]: see page 5\n"
        "text [5]: d\n"
    )
    assert where(text) == [
        ("http://web.archive.org/web/2021/https://a.hk/", 1, 6),
        ("https://b.hk/x y", 2, 12),
        ("https://c.hk/", 5, 3),
    ]
    assert {r.kind for r in scan_markdown(text)} == {REFDEF}


# --- autolinks and bare URLs ----------------------------------------------------------


def test_angle_autolink_span_is_inside_the_brackets() -> None:
    assert where("見 <https://www.legco.gov.hk/a?b=1>。") == [
        ("https://www.legco.gov.hk/a?b=1", 1, 4)
    ]


def test_bare_urls_leave_out_trailing_punctuation() -> None:
    text = (
        "See https://a.hk/x. Or (https://b.hk/y_(z)). www.c.hk/p?q=1, "
        "*https://d.hk/e*, http://e.hk/?a=1&amp; and 'https://f.hk/g'"
    )
    assert found(text) == [
        (AUTO, "https://a.hk/x"),
        (AUTO, "https://b.hk/y_(z)"),
        (AUTO, "www.c.hk/p?q=1"),
        (AUTO, "https://d.hk/e"),
        (AUTO, "http://e.hk/?a=1"),
        (AUTO, "https://f.hk/g"),
    ]


def test_bare_url_glued_to_chinese_text_stops_at_cjk_punctuation() -> None:
    text = "詳情見https://zh.wikipedia.org/wiki/香港，另見www.info.gov.hk。「http://x.hk/a」"
    assert found(text) == [
        (AUTO, "https://zh.wikipedia.org/wiki/香港"),
        (AUTO, "www.info.gov.hk"),
        (AUTO, "http://x.hk/a"),
    ]


def test_url_inside_a_url_or_a_word_is_not_a_bare_url() -> None:
    assert found("web.archive.org/web/2021/https://a.hk xhttp://b.hk mail@www.c.hk") == []


def test_url_in_link_text_is_not_a_reference_of_its_own() -> None:
    text = (
        "[https://www.facebook.com/x](http://web.archive.org/web/2021/https://www.facebook.com/x)"
    )
    assert found(text) == [(LINK, f"{WB}/2021/https://www.facebook.com/x")]


def test_bare_url_does_not_run_through_the_end_of_a_link_text() -> None:
    # The code span wins over the bracket: no link, so the URL is a bare one.
    assert found("[see https://a.hk/x`](b)` ok") == [(AUTO, "https://a.hk/x")]
    assert found("[see https://a.hk/x](b)") == [(LINK, "b")]


# --- inline HTML ----------------------------------------------------------------------


def test_citizen_news_figure() -> None:
    src = "https://web.archive.org/web/20211231120000im_/https://www.example-news.com/news_新聞/圖片.jpg"
    text = f'<figure><img src="{src}"><figcaption>說明 [a](b)</figcaption></figure>'
    refs = scan_markdown(text)
    assert [(r.kind, r.raw, r.element, r.attribute) for r in refs] == [
        (HTML, src, "img", "src"),
        (LINK, "b", None, None),
    ]


def test_html_in_link_text_and_tags_hiding_brackets() -> None:
    text = '[<img src="a.png">](b) <a title="](x)" href="c">d</a>'
    assert found(text) == [(HTML, "a.png"), (LINK, "b"), (HTML, "c")]


def test_script_and_style_content_is_not_scanned() -> None:
    text = (
        "<script>var u = 'https://a.hk/' + '[x](y)';</script><STYLE>a{b:url(http://c.hk)}</style>"
    )
    assert found(text) == []


# --- offsets --------------------------------------------------------------------------


def test_offsets_are_into_the_whole_text_when_scanning_from_a_start() -> None:
    text = "---\nimage: x\n---\r\n[a](b)\r\n"
    [ref] = scan_markdown(text, text.index("[a]"))
    assert (ref.start, ref.raw, ref.line, ref.column) == (text.index("(b") + 1, "b", 4, 5)


def test_crlf_document() -> None:
    text = '```\r\n[a](b)\r\n```\r\n\r\n    [c](d)\r\n\r\n[e](f "t"\r\n)\r\n[g]: h\r\n'
    assert found(text) == [(LINK, "f"), (REFDEF, "h")]
