"""Markdown inside nested containers (list items and ``>`` quotes), issue 10."""

from __future__ import annotations

from linkrescue.rewriters.markdown import scan_markdown

STAND = "https://web.archive.org/web/20211229013202/https://www.thestandnews.com/politics/"
HKCNEWS = "https://web.archive.org/web/20220101000000/https://www.hkcnews.com/article/47231/"


def _found(text: str) -> list[tuple[str, str]]:
    return [(r.kind.value, r.raw) for r in scan_markdown(text)]


def test_a_markdown_sample_in_a_design_documents_list_item_is_code() -> None:
    """A design document shows the syntax it proposes as indented code in a list step:
    the sample's link is code, the step's own link is the document's."""
    text = (
        "## Proposal\n\n"
        "1. Archive every link of an article, e.g.\n\n"
        "   - the body's links, written as\n\n"
        f"           [立場新聞]({STAND})\n\n"
        f"   - and [the index]({HKCNEWS}).\n"
    )
    assert _found(text) == [("md-link", HKCNEWS)]


def test_indented_code_inside_a_quote_is_code() -> None:
    text = f"> Quoted sample:\n>\n>     [indented]({STAND})\n>     code\n\nAfter [x]({HKCNEWS}).\n"
    assert _found(text) == [("md-link", HKCNEWS)]


def test_a_details_block_in_a_quote_is_html_its_markdown_text() -> None:
    text = (
        "> <details>\n"
        f'> <summary>Sources</summary> <a href="{HKCNEWS}">眾新聞</a>\n'
        f"> [not a link]({STAND})\n"
        "> </details>\n"
    )
    assert _found(text) == [("html", HKCNEWS)]


def test_a_title_and_a_destination_on_the_quotes_next_line() -> None:
    text = f'> [報道]({STAND}\n> "Stand News")\n>\n> [1]:\n>   <{HKCNEWS}>\n\n[1]\n'
    found = _found(text)
    assert ("md-link", STAND) in found
    assert ("md-refdef", HKCNEWS) in found


def test_a_new_quote_on_the_next_line_ends_the_link() -> None:
    """``[x](url`` then a deeper ``>`` line: the quote interrupts the paragraph."""
    text = f"> [報道]({STAND}\n> > (t))\n"
    assert ("md-link", STAND) not in _found(text)


def test_a_news_caption_quote_keeps_its_links() -> None:
    text = f"![]({STAND}a.jpg)\n> 圖片來源：[立場新聞]({STAND})\n\n- [眾新聞]({HKCNEWS})\n"
    assert _found(text) == [("md-image", f"{STAND}a.jpg"), ("md-link", STAND), ("md-link", HKCNEWS)]
