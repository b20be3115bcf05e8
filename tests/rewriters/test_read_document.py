"""Whole documents: decoding bytes, and reading the real Stand News example."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkrescue.rewriters import NotTextError, RefKind, decode_document, read_document

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/thestandnews/china-clubhouse.md"
KEYS = ("image", "images", "cover")
WB = "http://web.archive.org/web/20211229095346/"
IMAGE = (
    "http://web.archive.org/web/2021im_/"
    "https://assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png"
)


def test_example_article_gives_the_frontmatter_image_and_every_body_link() -> None:
    text = decode_document(EXAMPLE.read_bytes())
    doc = read_document(text, resource_keys=KEYS)
    assert doc.frontmatter_error is None
    assert doc.frontmatter["original_url"] == (
        "thestandnews.com/china/clubhouse-聊天平台爆紅-新疆人親述被迫害苦況-網絡審查缺口遲早被堵塞"
    )
    assert text[doc.body_start :].startswith(f"![]({IMAGE})")
    for ref in doc.references:
        assert text[ref.start : ref.end] == ref.raw
    assert [r.start for r in doc.references] == sorted(r.start for r in doc.references)
    fb = "https://www.facebook.com/coco.shen/posts/10157672268636821"
    expected = [
        (RefKind.FRONTMATTER, 12, 9, IMAGE),
        (RefKind.MD_IMAGE, 15, 5, IMAGE),
        (RefKind.MD_LINK, 27, 44, "../../international/%E8%A8%98-clubhouse-%E6%88%BF%E9%96%93-"),
        (RefKind.MD_LINK, 27, 393, WB + fb),
        (RefKind.MD_LINK, 43, 75, "../../international/bbc-%E8%AA%BF%E6%9F%A5%E6%96%B0"),
        (RefKind.MD_LINK, 45, 13, "../../china/%E7%BE%8E%E5%9C%8B%E5%8B%99%E9%99%A2-"),
        (RefKind.MD_LINK, 47, 26, "../../international/%E8%8B%B1%E8%AD%B4%E8%B2%AC"),
        (RefKind.MD_LINK, 49, 64, "../../international/%E8%8B%B1%E8%AD%B0%E5%93%A1"),
        (RefKind.MD_LINK, 51, 12, WB + "https://www.reuters.com/article/us-china-internet-"),
        (RefKind.MD_LINK, 51, 203, WB + "https://www.ft.com/content/7adb20d1-"),
        (RefKind.MD_LINK, 51, 317, WB + "https://asia.nikkei.com/Business/Technology/"),
        (RefKind.MD_LINK, 51, 463, WB + "https://www.voacantonese.com/a/5768029.html"),
        (RefKind.MD_LINK, 51, 557, WB + "https://www.globaltimes.cn/page/202102/1214890.shtml"),
    ]
    assert len(doc.references) == len(expected)
    for ref, (kind, line, column, start_of_raw) in zip(doc.references, expected, strict=True):
        assert (ref.kind, ref.line, ref.column) == (kind, line, column)
        assert ref.raw.startswith(start_of_raw)
        # The whole destination: it runs up to the closing parenthesis (or quote).
        assert text[ref.end] == ('"' if kind is RefKind.FRONTMATTER else ")")
    assert doc.references[0].key == "image"
    assert doc.references[3].raw == WB + fb
    assert doc.references[-1].raw.endswith(
        "?fbclid=IwAR0X5FtAj9kK35LSDVsICLSD6ejLbvpQZzci2tqkogRtidROrd1Lm-WyAy0"
    )


def test_references_are_sorted_frontmatter_first() -> None:
    text = '---\ncover: {src: "https://a.hk/c.png"}\nimage: "https://a.hk/i.png"\n---\n[x](y) <img src="z">\n'
    doc = read_document(text, resource_keys=KEYS)
    assert [(r.kind, r.key, r.raw) for r in doc.references] == [
        (RefKind.FRONTMATTER, "cover.src", "https://a.hk/c.png"),
        (RefKind.FRONTMATTER, "image", "https://a.hk/i.png"),
        (RefKind.MD_LINK, None, "y"),
        (RefKind.HTML, None, "z"),
    ]
    assert doc.references[3].element == "img"


def test_malformed_frontmatter_still_gives_the_body_links() -> None:
    text = '---\ntitle: "控制\x01字元"\nurl: "https://web.archive.org/web/2021/https://a.hk/1"\n---\n[a](/web/2021/https://a.hk/2)\n'
    doc = read_document(text, resource_keys=("url",))
    assert doc.frontmatter == {}
    assert doc.frontmatter_error == (
        "frontmatter is not valid YAML: unacceptable character #x0001: "
        "control characters are not allowed (line 2)"
    )
    assert [(r.kind, r.raw, r.line) for r in doc.references] == [
        (RefKind.MD_LINK, "/web/2021/https://a.hk/2", 5)
    ]


def test_no_frontmatter_and_bom() -> None:
    text = decode_document("\ufeff[a](b)\r\n".encode())
    assert text.startswith("\ufeff")
    doc = read_document(text, resource_keys=KEYS)
    assert doc.body_start == 1
    assert [(r.raw, r.start, r.line, r.column) for r in doc.references] == [("b", 5, 1, 6)]


def test_decode_keeps_every_character() -> None:
    data = "\ufeff---\r\ntitle: 中文\r\n---\r\n\r\n".encode()
    assert decode_document(data).encode() == data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PNG\x00\x01", "binary: NUL byte at offset 3"),
        ("標題".encode("big5"), "not UTF-8: byte 0xbc at offset 0 (invalid start byte)"),
        (b"abc\xe4\xb8", "not UTF-8: byte 0xe4 at offset 3 (unexpected end of data)"),
    ],
)
def test_not_text(data: bytes, reason: str) -> None:
    with pytest.raises(NotTextError) as caught:
        decode_document(data)
    assert str(caught.value) == reason
