"""Each reference carries the syntax its scanner read it in, and reading and writing go by it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from linkrescue.rewriters import read_document
from linkrescue.rewriters.destinations import destination_text, destination_value
from linkrescue.rewriters.model import Reference, RefKind, Syntax
from tests.rewriters.test_scan_properties import KEYS, documents

PHOTO = "https://web.archive.org/web/20211229095346im_/https://assets.thestandnews.com/media/photos/%E5%9C%96.jpg"
ARTICLE = "http://web.archive.org/web/20211229095346/https://www.thestandnews.com/politics/x/"

# One Stand News / Citizen News article holding every syntax a scanner tells apart.
TEXT = f"""---
image: "{PHOTO}"
cover: '{PHOTO}?a=''1'''
images: [{PHOTO}?b]
---
![]({PHOTO}) [文章](<{ARTICLE}> "t") <{ARTICLE}?auto>
見 {ARTICLE}?bare 及!{ARTICLE}?bang <{ARTICLE}?angle x>
<figure><img src="{PHOTO}?dq" alt=圖><img src='{PHOTO}?sq'><img src={PHOTO}?uq></figure>
<img srcset="{PHOTO}?1x 1x, {PHOTO}?2x 2x">
{{{{< video src="{PHOTO}?v" poster=`{PHOTO}?p` >}}}}{{{{< figure '{PHOTO}?f' >}}}}{{{{< figure {PHOTO}?g >}}}}

[ref]: {ARTICLE}?def
[ref2]: <{ARTICLE}?angle def>
"""

EXPECTED = [
    (RefKind.FRONTMATTER, PHOTO, Syntax.YAML_DOUBLE_QUOTED),
    (RefKind.FRONTMATTER, f"{PHOTO}?a=''1''", Syntax.YAML_SINGLE_QUOTED),
    (RefKind.FRONTMATTER, f"{PHOTO}?b", Syntax.YAML_PLAIN),
    (RefKind.MD_IMAGE, PHOTO, Syntax.MARKDOWN_RAW),
    (RefKind.MD_LINK, ARTICLE, Syntax.MARKDOWN_ANGLE),
    (RefKind.AUTOLINK, f"{ARTICLE}?auto", Syntax.AUTOLINK),
    (RefKind.AUTOLINK, f"{ARTICLE}?bare", Syntax.BARE),
    (RefKind.AUTOLINK, f"{ARTICLE}?bang", Syntax.BARE_AFTER_BANG),
    (RefKind.AUTOLINK, f"{ARTICLE}?angle", Syntax.BARE_AFTER_ANGLE),
    (RefKind.HTML, f"{PHOTO}?dq", Syntax.HTML_QUOTED),
    (RefKind.HTML, f"{PHOTO}?sq", Syntax.HTML_QUOTED),
    (RefKind.HTML, f"{PHOTO}?uq", Syntax.HTML_UNQUOTED),
    (RefKind.HTML, f"{PHOTO}?1x", Syntax.HTML_SRCSET),
    (RefKind.HTML, f"{PHOTO}?2x", Syntax.HTML_SRCSET),
    (RefKind.SHORTCODE, f"{PHOTO}?v", Syntax.SHORTCODE_DOUBLE_QUOTED),
    (RefKind.SHORTCODE, f"{PHOTO}?p", Syntax.SHORTCODE_RAW_STRING),
    (RefKind.SHORTCODE, f"{PHOTO}?f", Syntax.SHORTCODE_SINGLE_QUOTED),
    (RefKind.SHORTCODE, f"{PHOTO}?g", Syntax.SHORTCODE_UNQUOTED),
    (RefKind.MD_REFDEF, f"{ARTICLE}?def", Syntax.MARKDOWN_RAW),
    (RefKind.MD_REFDEF, f"{ARTICLE}?angle def", Syntax.MARKDOWN_ANGLE),
]


def test_every_scanner_says_which_syntax_a_destination_is_written_in() -> None:
    refs = read_document(TEXT, resource_keys=("image", "cover", "images")).references
    assert [(r.kind, r.raw, r.syntax) for r in refs] == EXPECTED


def test_the_same_characters_are_read_and_written_by_their_syntax() -> None:
    """A quote means one thing in YAML and another in Markdown: only the syntax tells."""
    refs = {r.raw: r for r in read_document(TEXT, resource_keys=("cover",)).references}
    single = refs[f"{PHOTO}?a=''1''"]  # YAML: '' is one quote
    assert destination_value(single) == f"{PHOTO}?a='1'"
    assert destination_text(single, "../rescued/it's.jpg") == "../rescued/it''s.jpg"
    spaced = refs[f"{ARTICLE}?angle def"]  # inside <…> a space is the destination's
    assert destination_value(spaced) == f"{ARTICLE}?angle def"
    raw = Reference(RefKind.MD_REFDEF, spaced.raw, 0, 0, 1, 1, syntax=Syntax.MARKDOWN_RAW)
    assert destination_value(raw) == f"{ARTICLE}?angledef"  # raw: scraping junk, dropped
    bang = refs[f"{ARTICLE}?bang"]
    assert destination_text(bang, "../a.html") == f"<span>[{ARTICLE}?bang](../a.html)</span>"


_shortcode = st.builds(
    "{{{{< {} {}{}{}{} >}}}}".format,
    st.sampled_from(["video", "figure", "img"]),
    st.sampled_from(["src=", "poster=", "", "title="]),
    st.sampled_from(['"', "'", "`", ""]),
    st.sampled_from([PHOTO, "../../china/x/", "a b", 'a\\"b', ""]),
    st.sampled_from(['"', "'", "`", ""]),
)


@settings(max_examples=400)
@given(documents, st.lists(_shortcode, max_size=3))
def test_the_syntax_agrees_with_the_characters_around_the_span(
    text: str, shortcodes: list[str]
) -> None:
    """What the rewriter used to guess from the characters around a span, the
    scanner now says: wherever that guess could be made, the two agree."""
    text += "\n".join(shortcodes)
    for ref in read_document(text, resource_keys=KEYS).references:
        before = text[ref.start - 1 : ref.start] if ref.start else ""
        after = text[ref.end : ref.end + 1]
        assert ref.syntax in FAMILY[ref.kind], ref
        if ref.syntax in (Syntax.MARKDOWN_ANGLE, Syntax.AUTOLINK, Syntax.AUTOLINK_EMAIL):
            assert (before, after) == ("<", ">"), ref
        elif ref.syntax is Syntax.BARE_AFTER_ANGLE:
            assert before == "<", ref
        elif ref.syntax is Syntax.BARE_AFTER_BANG:
            assert before == "!", ref
        elif ref.syntax is Syntax.BARE:
            assert before not in ("<", "!"), ref
        elif ref.syntax is Syntax.MARKDOWN_RAW:
            assert before != "<", ref
        elif ref.syntax is Syntax.HTML_QUOTED:
            assert before == after and before in ('"', "'"), ref
        elif ref.syntax in QUOTES:
            assert before == after == QUOTES[ref.syntax], ref
        elif ref.syntax is Syntax.YAML_PLAIN:
            assert before not in ('"', "'"), ref
        elif ref.syntax is not Syntax.HTML_SRCSET:  # an unquoted value is never between quotes
            assert not (before == after and before in ('"', "'", "`")), ref


FAMILY = {
    RefKind.MD_LINK: {Syntax.MARKDOWN_RAW, Syntax.MARKDOWN_ANGLE},
    RefKind.MD_IMAGE: {Syntax.MARKDOWN_RAW, Syntax.MARKDOWN_ANGLE},
    RefKind.MD_REFDEF: {Syntax.MARKDOWN_RAW, Syntax.MARKDOWN_ANGLE},
    RefKind.MD_REFUSE: {Syntax.MARKDOWN_TEXT},
    RefKind.AUTOLINK: {
        Syntax.AUTOLINK,
        Syntax.AUTOLINK_EMAIL,
        Syntax.BARE,
        Syntax.BARE_AFTER_BANG,
        Syntax.BARE_AFTER_ANGLE,
    },
    RefKind.HTML: {Syntax.HTML_QUOTED, Syntax.HTML_UNQUOTED, Syntax.HTML_SRCSET},
    RefKind.SHORTCODE: {
        Syntax.SHORTCODE_DOUBLE_QUOTED,
        Syntax.SHORTCODE_SINGLE_QUOTED,
        Syntax.SHORTCODE_RAW_STRING,
        Syntax.SHORTCODE_UNQUOTED,
    },
    RefKind.FRONTMATTER: {Syntax.YAML_DOUBLE_QUOTED, Syntax.YAML_SINGLE_QUOTED, Syntax.YAML_PLAIN},
}
QUOTES = {
    Syntax.SHORTCODE_DOUBLE_QUOTED: '"',
    Syntax.SHORTCODE_SINGLE_QUOTED: "'",
    Syntax.SHORTCODE_RAW_STRING: "`",
    Syntax.YAML_DOUBLE_QUOTED: '"',
    Syntax.YAML_SINGLE_QUOTED: "'",
}
