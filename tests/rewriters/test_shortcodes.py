"""Hugo shortcodes: the URLs of their parameters are references of their own kind.

The Citizen News corpus holds 16,191 ``{{< video src="https://web.archive.org/web/…if_/…" >}}``
shortcodes; read as bare URLs they were rewritten to ``src="[https://…](../store/….html)"``,
which broke 40 of 213 real articles. Each test is built from that shape.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from linkrescue.crawler.stages.resolve import Status, clean_destination, resolve
from linkrescue.rewriters import Edit, Reference, RefKind, apply_edits, read_document, scan_markdown
from linkrescue.rewriters.destinations import destination_text, encode_target

IA = "https://web.archive.org/web"
CN = "https://www.example-news.com"
VIDEO = f"{IA}/20211229095346if_/https://www.youtube.com/embed/Xy3_kR9aQ0c"
PHOTO = f"{IA}/20211229095346im_/{CN}/news_新聞/2021/12/圖片.jpg"
PDF = f"{IA}/20211230101010/https://www.legco.gov.hk/yr21-22/chinese/counmtg/agenda/cm20211229.pdf"
TWEET = f"{IA}/20211231120000/https://twitter.com/hkcnews/status/1476100000000000000"

#: A Citizen News article (format B) with the shortcodes a Hugo import of it holds.
ARTICLE = (
    "---\n"
    'title: "【直播】立法會大會 政府官員出席"\n'
    'date: "2021-12-29T10:30:00"\n'
    'author: "公民記者"\n'
    f'url: "{IA}/20211231120000/{CN}/article/48211/立法會"\n'
    f'original_url: "{CN}/article/48211/%E7%AB%8B%E6%B3%95%E6%9C%83"\n'
    "---\n"
    "立法會今日（29日）舉行大會。\n"
    "\n"
    f'{{{{< video src="{VIDEO}" >}}}}\n'
    "\n"
    f"{{{{% figure src='{PHOTO}' caption=\"議員在會上發言 https://x.hk\" %}}}}\n"
    "\n"
    "{{< figure\n"
    f'    "{PDF}"\n'
    '    "議程"\n'
    ">}}\n"
    f"{{{{< tweet user=hkcnews id=1476100000000000000 link={TWEET} >}}}}\n"
    "{{< youtube Xy3_kR9aQ0c >}}\n"
    f'寫法示範：{{{{</* video src="{VIDEO}" */>}}}}\n'
    f'`{{{{< video src="{VIDEO}" >}}}}`\n'
    "```\n"
    f'{{{{< video src="{VIDEO}" >}}}}\n'
    "```\n"
    f"全文見 [原文]({IA}/20211231120000/{CN}/article/48211/) 。\n"
)


def test_citizen_news_article_shortcodes_are_scanned_exactly() -> None:
    doc = read_document(ARTICLE, resource_keys=())
    found = [
        (r.kind, r.element, r.attribute, r.raw, r.line, r.column)
        for r in doc.references
        if r.kind is not RefKind.MD_LINK
    ]
    assert found == [
        (RefKind.SHORTCODE, "video", "src", VIDEO, 10, 16),
        (RefKind.SHORTCODE, "figure", "src", PHOTO, 12, 17),
        (RefKind.SHORTCODE, "figure", "0", PDF, 15, 6),
        (RefKind.SHORTCODE, "tweet", "link", TWEET, 18, 52),
    ]
    for ref in doc.references:
        assert ARTICLE[ref.start : ref.end] == ref.raw
    # The caption's URL is text, the escaped example and the code hold no reference.
    assert [r.kind for r in doc.references].count(RefKind.MD_LINK) == 1
    assert not [r for r in doc.references if r.kind is RefKind.AUTOLINK]


def outside(text: str, refs: list[Reference]) -> list[str]:
    """The pieces of ``text`` between the references' spans."""
    bounds = [0, *(x for r in refs for x in (r.start, r.end)), len(text)]
    return [text[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2)]


def test_rewriting_a_shortcode_replaces_only_its_url_and_reads_back() -> None:
    doc = read_document(ARTICLE, resource_keys=())
    targets = {
        VIDEO: encode_target("../../../rescued/www.youtube.com/embed/Xy3_kR9aQ0c.html"),
        PHOTO: encode_target("../../../rescued/www.example-news.com/news_新聞/2021/12/圖片.jpg"),
        PDF: encode_target("rescued/www.legco.gov.hk/yr21-22/cm 20211229.pdf"),
        TWEET: encode_target("../../../rescued/twitter.com/hkcnews/status/1.html"),
    }
    refs = [r for r in doc.references if r.kind is RefKind.SHORTCODE]
    edits = [Edit(r.start, r.end, r.raw, destination_text(r, targets[r.raw])) for r in refs]
    new = apply_edits(ARTICLE, edits)
    assert '{{< video src="../../../rescued/www.youtube.com/embed/Xy3_kR9aQ0c.html" >}}\n' in new
    assert (
        "{{% figure src='../../../rescued/www.example-news.com/news_新聞/2021/12/圖片.jpg' "
        'caption="議員在會上發言 https://x.hk" %}}' in new
    )
    # A positional value that no longer starts as a URL starts with "./" (the same file).
    assert '    "./rescued/www.legco.gov.hk/yr21-22/cm%2020211229.pdf"\n' in new
    assert "link=../../../rescued/twitter.com/hkcnews/status/1.html >}}" in new
    # Every byte outside the URLs is the same.
    again = read_document(new, resource_keys=())
    new_refs = [r for r in again.references if r.kind is RefKind.SHORTCODE]
    assert outside(new, new_refs) == outside(ARTICLE, refs)
    # The scanner reads each new path back as the same reference, resolved locally.
    assert [(r.element, r.attribute) for r in new_refs] == [(r.element, r.attribute) for r in refs]
    assert [clean_destination(r) for r in new_refs] == [
        targets[VIDEO],
        targets[PHOTO],
        "./" + targets[PDF],
        targets[TWEET],
    ]
    assert [r.raw for r in again.references if r.kind is not RefKind.SHORTCODE] == [
        r.raw for r in doc.references if r.kind is not RefKind.SHORTCODE
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{{< video src="URL" >}}', [("video", "src", "URL")]),
        ('{{% video src="URL" %}}', [("video", "src", "URL")]),
        ("{{<video src = 'URL'>}}", [("video", "src", "URL")]),
        ("{{< video src=URL >}}", [("video", "src", "URL")]),
        ("{{< video src=URL>}}", [("video", "src", "URL")]),
        ("{{< figure `URL` >}}", [("figure", "0", "URL")]),
        ('{{< figure "圖" "URL" >}}', [("figure", "1", "URL")]),
        (
            '{{< video\n\tsrc="URL"\n\tposter="URL"\n>}}',
            [("video", "src", "URL"), ("video", "poster", "URL")],
        ),
        ('{{< ns/video src="URL" >}}', [("ns/video", "src", "URL")]),
        ('{{< video src="" >}}', [("video", "src", "")]),
        ('{{< video id="abc" title="URL 片段" >}}', []),
        ('{{< ref "/article/1" >}} {{< relref "URL" >}}', []),
        ('{{</* video src="URL" */>}}', []),
        ('{{%/* video src="URL" */%}}', []),
        ('`{{< video src="URL" >}}`', []),
        ('```\n{{< video src="URL" >}}\n```\n', []),
        ('<!-- {{< video src="URL" >}} -->', []),
    ],
)
def test_shortcode_forms(text: str, expected: list[tuple[str, str, str]]) -> None:
    text = text.replace("URL", VIDEO)
    refs = scan_markdown(text)
    assert [(r.element, r.attribute, r.raw.replace(VIDEO, "URL")) for r in refs] == expected
    assert all(r.kind is RefKind.SHORTCODE and text[r.start : r.end] == r.raw for r in refs)


@pytest.mark.parametrize(
    "text",
    [
        f'{{{{< video src="{VIDEO}" ',  # never closed: text
        f'{{{{< video src="{VIDEO}" %}}}}',  # closed by the other delimiter: text
        f'{{{{</* video src="{VIDEO}" >}}}}',  # an escape never closed: text
    ],
)
def test_a_shortcode_that_does_not_parse_is_text(text: str) -> None:
    assert [(r.kind, r.raw) for r in scan_markdown(text)] == [(RefKind.AUTOLINK, VIDEO)]


def test_an_escaped_quote_in_a_value_is_read_as_hugo_does() -> None:
    text = '{{< video src="https://a.hk/say \\"hi\\".mp4" >}}'
    (ref,) = scan_markdown(text)
    assert ref.raw == 'https://a.hk/say \\"hi\\".mp4'
    assert clean_destination(ref) == 'https://a.hk/say "hi".mp4'


@pytest.mark.parametrize(
    ("text", "target", "written"),
    [
        # A quoted value: the quote escaped (never needed for an encoded target, but
        # destination_text must not rely on it).
        ('{{< video src="URL" >}}', 'a"b.html', '{{< video src="a\\"b.html" >}}'),
        ("{{< video src=`URL` >}}", "a`b.html", "{{< video src=`a%60b.html` >}}"),
        ("{{< video src='URL' >}}", "a'b.html", "{{< video src='a%27b.html' >}}"),
        # Unquoted: kept unquoted when Hugo reads it whole, quoted when it would not.
        ("{{< video src=URL >}}", "../a.html", "{{< video src=../a.html >}}"),
        ("{{< video src=URL >}}", "../a b.html", '{{< video src="../a b.html" >}}'),
        ("{{< video src=URL>}}", "../a>}}.html", '{{< video src="../a>}}.html">}}'),
        ("{{< figure URL >}}", "../a.png", '{{< figure "../a.png" >}}'),
        ("{{< figure URL >}}", "a.png", '{{< figure "./a.png" >}}'),
    ],
)
def test_a_target_is_written_in_the_values_quoting(text: str, target: str, written: str) -> None:
    text = text.replace("URL", PHOTO)
    (ref,) = scan_markdown(text)
    new = apply_edits(text, [Edit(ref.start, ref.end, ref.raw, destination_text(ref, target))])
    assert new == written
    (again,) = scan_markdown(new)
    # Read back as the same file (a quote that has no escape is percent-encoded).
    value = clean_destination(again)
    assert unquote(value) == (target if target != "a.png" else "./a.png")


def test_an_unquoted_html_value_gets_quotes_only_when_it_needs_them() -> None:
    text = f"<img src={PHOTO} alt=圖>"
    (ref,) = scan_markdown(text)
    plain = encode_target("../rescued/a.png")
    assert destination_text(ref, plain) == plain
    # "=" (a store name of a URL with a query) is a parse error in an unquoted value.
    query = encode_target("../rescued/www.example-news.com/img@q=id=3.jpg")
    new = apply_edits(text, [Edit(ref.start, ref.end, ref.raw, destination_text(ref, query))])
    assert new == '<img src="../rescued/www.example-news.com/img@q=id=3.jpg" alt=圖>'
    (again,) = scan_markdown(new)
    assert again.raw == query


def test_a_shortcode_url_resolves_to_its_original(tmp_path: object) -> None:
    text = f'{{{{< video src="{VIDEO}" >}}}}'
    (ref,) = scan_markdown(text)
    res = resolve(ref, "/nowhere", f"{CN}/article/48211/")
    assert (res.status, res.url) == (Status.REMOTE, "https://www.youtube.com/embed/Xy3_kR9aQ0c")
    assert res.archive is not None and res.archive.modifier == "if_"
