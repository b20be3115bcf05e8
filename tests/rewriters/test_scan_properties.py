"""Properties over generated documents: spans are exact, edits touch nothing else, nothing raises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from linkrescue.rewriters import (
    Reference,
    apply_edits,
    edit_for,
    identity_value,
    read_document,
    scan_html,
    scan_markdown,
)

MARKER = "\ue000"  # never generated below, so the edited text splits on it exactly

_url = st.builds(
    "".join,
    st.lists(
        st.sampled_from(
            [
                "http://web.archive.org/web/20211229095346/",
                "https://",
                "www.",
                "../../china/",
                "/web/2021im_/",
                "a.hk",
                "%E8%AD%98",
                "加菲",
                "(x)",
                ")",
                "(",
                " ",
                "\n",
                '"',
                "'",
                "<",
                ">",
                "\\",
                "...",
                "?a=1&amp;",
                ",",
                "。",
            ]
        ),
        max_size=6,
    ),
)
_text = st.text(alphabet="ab 中文，。*_~!\\`[]()<>\"'\n\t#-:&;", max_size=12)
_fragment = st.one_of(
    st.sampled_from(
        [
            "[",
            "]",
            "(",
            ")",
            "![",
            "](",
            "[]()",
            "`",
            "``",
            "```\n",
            "~~~\n",
            "\n    ",
            "\n\t",
            "\n\n",
            "\n",
            "- ",
            "1. ",
            "<!--",
            "-->",
            "<!-->",
            "\\[",
            "\\]",
            "<script>",
            "</script>",
            "[label]: ",
            "   [x]: ",
            "<iframe src=",
            "\r\n",
        ]
    ),
    _text,
    _url,
    st.builds("[{}]({})".format, _text, _url),
    st.builds("![{}]({} {})".format, _text, _url, st.sampled_from(['"t"', "'t'", "(t)", "x", ""])),
    st.builds("[![{}]({})]({})".format, _text, _url, _url),
    st.builds("<{}>".format, _url),
    st.builds(
        "<{} {}={}{}{}>".format,
        st.sampled_from(["img", "IMG", "a", "source", "video", "iframe", "div", "link"]),
        st.sampled_from(["src", "SRC", "href", "srcset", "poster", "alt"]),
        st.sampled_from(['"', "'", ""]),
        _url,
        st.sampled_from(['"', "'", "", ' 2x, b.jpg 1x"']),
    ),
)
_frontmatter = st.sampled_from(
    [
        "",
        '---\nimage: "http://web.archive.org/web/2021im_/https://a.hk/i.png"\n---\n',
        "\ufeff---\r\nimage: https://a.hk/x\r\ncover: {src: 'y'}\r\n---\r\n",
        '---\ntitle: "bad\x08"\nimage: "z"\n---\n',
        "---\nimages:\n  - a\n  - &x b\n  - *x\n...\n",
        "---\nimage: [unclosed\n---\n",
    ]
)
documents = st.builds(lambda fm, parts: fm + "".join(parts), _frontmatter, st.lists(_fragment))
KEYS = ("image", "images", "cover")


def check_spans(text: str, refs: tuple[Reference, ...] | list[Reference]) -> None:
    previous_end = 0
    for ref in refs:
        assert text[ref.start : ref.end] == ref.raw
        assert ref.start >= previous_end  # sorted, no overlap
        previous_end = ref.end
        assert ref.line == text.count("\n", 0, ref.start) + 1
        assert ref.column == ref.start - (text.rfind("\n", 0, ref.start) + 1) + 1


@settings(max_examples=400)
@given(documents)
def test_spans_are_exact_and_edits_change_nothing_outside_them(text: str) -> None:
    doc = read_document(text, resource_keys=KEYS)
    check_spans(text, doc.references)
    edited = apply_edits(text, [edit_for(r, MARKER) for r in doc.references])
    outside = [0, *(x for r in doc.references for x in (r.start, r.end)), len(text)]
    pieces = [text[outside[i] : outside[i + 1]] for i in range(0, len(outside), 2)]
    assert edited.split(MARKER) == pieces


@settings(max_examples=300)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    doc = read_document(text, resource_keys=KEYS)
    check_spans(text, doc.references)
    check_spans(text, scan_html(text))
    check_spans(text, scan_markdown(text))
    identity_value(text, ("original_url", "url"))


@settings(max_examples=300)
@given(st.text(alphabet="-.:\n\r\t \"'[]{}|>&*!#a\x08\ufeff", max_size=40))
def test_arbitrary_frontmatter_never_raises(yaml_text: str) -> None:
    text = f"---\n{yaml_text}\n---\nbody"
    doc = read_document(text, resource_keys=("a", "aa"))
    check_spans(text, doc.references)
    identity_value(text, ("a", "aa"))
