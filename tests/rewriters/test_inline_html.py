"""The inline HTML tokenizer: URL attribute values with exact spans."""

from __future__ import annotations

import pytest

from linkrescue.rewriters.html import match_tag, scan_html, srcset_spans
from linkrescue.rewriters.model import RefKind


def values(text: str) -> list[tuple[str | None, str | None, str]]:
    refs = scan_html(text)
    for r in refs:
        assert r.kind is RefKind.HTML
        assert text[r.start : r.end] == r.raw
    return [(r.element, r.attribute, r.raw) for r in refs]


def test_citizen_news_figure_with_raw_cjk_and_apostrophe() -> None:
    src = (
        "https://web.archive.org/web/20211231120000im_/"
        "https://www.example-news.com/news_新聞/2021/it's.jpg"
    )
    text = f'<figure>\n<img src="{src}" alt="說明">\n<figcaption>說明</figcaption></figure>'
    [ref] = scan_html(text)
    assert (ref.element, ref.attribute, ref.raw, ref.line, ref.column) == ("img", "src", src, 2, 11)


def test_quoting_styles_and_case() -> None:
    text = "<IMG Src='a.png'><a HREF=b.html>x</a><link rel=x href = \"c.css\" >"
    assert values(text) == [
        ("img", "src", "a.png"),
        ("a", "href", "b.html"),
        ("link", "href", "c.css"),
    ]


def test_empty_src_is_a_zero_length_reference() -> None:
    text = '<p><img src="" alt="x"></p>'
    [ref] = scan_html(text)
    assert (ref.raw, ref.start, ref.end) == ("", text.index('""') + 1, text.index('""') + 1)


def test_gt_inside_quotes_does_not_end_the_tag() -> None:
    assert values('<a title="a > b" href="x">') == [("a", "href", "x")]


def test_every_element_and_attribute_pair() -> None:
    text = (
        '<video src="v.mp4" poster="p.jpg"><source src="s.webm" srcset="s1.jpg"><track src="t.vtt">'
        '</video><audio src="a.mp3"></audio><iframe src="https://www.youtube.com/embed/x"></iframe>'
        '<embed src="e.swf"><object data="o.pdf"></object><img srcset="i.jpg">'
    )
    assert values(text) == [
        ("video", "src", "v.mp4"),
        ("video", "poster", "p.jpg"),
        ("source", "src", "s.webm"),
        ("source", "srcset", "s1.jpg"),
        ("track", "src", "t.vtt"),
        ("audio", "src", "a.mp3"),
        ("iframe", "src", "https://www.youtube.com/embed/x"),
        ("embed", "src", "e.swf"),
        ("object", "data", "o.pdf"),
        ("img", "srcset", "i.jpg"),
    ]


def test_other_attributes_and_elements_are_not_references() -> None:
    assert values('<div src="x"><img alt="y" data-src="z" title=\'src="w"\'><a name=n>') == []


def test_repeated_attribute_counts_once_as_in_a_browser() -> None:
    assert values('<img src="first.png" src="second.png">') == [("img", "src", "first.png")]


def test_srcset_gives_each_candidate_url_without_descriptors() -> None:
    text = (
        '<img srcset="a.jpg 1x, b.jpg 2x,c.jpg,, d.jpg (x, y) 3x, data:image/png;base64,AA== 4x">'
    )
    assert [raw for _, _, raw in values(text)] == [
        "a.jpg",
        "b.jpg",
        "c.jpg",
        "d.jpg",
        "data:image/png;base64,AA==",
    ]


def test_srcset_spans_of_empty_and_blank_values() -> None:
    assert srcset_spans(" , ", 0, 3) == []
    assert srcset_spans("x", 0, 0) == []


def test_comments_and_raw_text_are_not_scanned() -> None:
    text = '<!-- <img src="a"> --><script>x = "<img src=b>"</script><textarea><a href=c></textarea>'
    assert values(text + '<img src="d">') == [("img", "src", "d")]


@pytest.mark.parametrize(
    "text", ["<img src=", '<img src="unclosed', "<iframe src=)", "< img src=x>", "<1a>", "<a"]
)
def test_unclosed_or_invalid_tags_are_not_tags(text: str) -> None:
    assert match_tag(text, 0) is None
    assert values(text) == []


def test_match_tag_reports_the_end_and_name() -> None:
    tag = match_tag("x<IMG src=a.png/>y", 1)
    assert tag is not None
    assert (tag.end, tag.name) == (len("x<IMG src=a.png/>"), "img")
    assert [(s.attribute, s.start, s.end) for s in tag.spans] == [("src", 10, 16)]  # "a.png/"
