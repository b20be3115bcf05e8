"""Rewriting never changes a byte outside the replaced URLs, and the scanner agrees with it.

Generated real-shaped Markdown documents (frontmatter quoted, single-quoted, plain
and in flow lists; CJK paragraphs with links, images, ``[![](a)](b)``, reference
definitions, ``<…>`` autolinks and bare URLs, inline ``<img>`` with ``src`` and
``srcset``, Hugo shortcodes in every quoting, on one line or several, escaped or in
code, code spans and fences holding link-like text, escapes, CRLF or LF,
with or without a final newline) are read with :func:`linkrescue.rewriters.read_document`;
some of their references are pointed at local targets with nasty names (spaces,
parentheses, ``#``, ``%``, ``&``, quotes, CJK, and every kind of Unicode white space
and control character: U+3000 in Chinese titles, U+00A0, U+2028, U+0085, U+200B…)
exactly as ``rescue`` does it (:func:`encode_target`, :func:`destination_text`,
:func:`apply_edits`). Then:

(a) the text between the edited spans is unchanged, piece by piece;
(b) reading the rewritten document again finds every other reference as before
    and, at each edited place, a reference whose text is the new destination (a
    bare URL became ``[url](target)``: the link's destination), which the resolver
    reads back as the target (what ``rescue`` run again and ``scan`` rely on), with
    no character in it that a reader could take as the end of a destination (an
    unquoted HTML or shortcode value that needed quotes got them);
(c) putting the originals back at the new places gives the original text exactly
    (what ``restore`` does).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkrescue.crawler.stages.resolve import clean_destination
from linkrescue.rewriters import Edit, Reference, RefKind, apply_edits, read_document, scan_markdown
from linkrescue.rewriters.destinations import destination_text, encode_target
from linkrescue.rewriters.shortcode import as_url_value

KEYS = ("image",)

# --- documents -------------------------------------------------------------------

URLS = st.sampled_from(
    [
        "http://web.archive.org/web/2021im_/https://assets.thestandnews.com/media/photos/a.png",
        "http://web.archive.org/web/20211229095346/https://www.facebook.com/coco.shen/posts/1",
        "https://web.archive.org/web/20211230101010im_/https://www.example-news.com/news_新聞/圖片.jpg",
        "/web/20211231120000/https://www.example-news.com/article/12345/標題",
        "../../china/%E8%AD%98%E5%88%A5/",
        "../../cosmos/加菲證明畢氏定理/",
        "bit.ly/3xYzAbC",
        "https://zh.wikipedia.org/wiki/立場新聞_(香港)",
        "http://web.archive.org/web/20211229095346/https://x.hk/a?b=1&amp;c=2",
        "https://www.example-news.com/news/it's.jpg",
        "http://web.archive.org/web/20211229095346/https://www.thestandnews.com/%E8%AD%98",
        "www.info.gov.hk/gia/general/202112/29/P2021122900321.htm",
        "https://web.archive.org/web/2021/https://archive.is/AbCd",
        "http://web.archive.org/web/20211229095346/https://a.hk/photos[1]/x\\y.jpg",
        "https://www.example-news.com/img.php?id=3&reg=hk",
    ]
)
CJK = st.sampled_from(
    ["立場新聞", "公民實況", "圖片說明", "「引述」", "，", "。", "（註）", "新疆"]
)
WORDS = st.sampled_from(["text ", "**粗體** ", "\\*", "\\[", "\\]", "_x_ ", "a&b ", "! ", "~ "])
PLAIN = st.lists(st.one_of(CJK, WORDS), max_size=4).map("".join)


def _inline(url: str, other: str, text: str, kind: str) -> str:
    return {
        "link": f"[{text}]({url})",
        "image": f"![{text}]({url})",
        "titled": f'![{text}]({url} "標題")',
        "nested": f"[![{text}]({url})]({other})",
        "angle": f"<{url}>" if "://" in url else f"<https://{url}>",
        "bare": f" {url} " if "://" in url or url.startswith("www.") else f" https://{url} ",
        "bang": f"看!{url}，" if "://" in url else f"看!https://{url}，",
        "dest-angle": f"[{text}](<{url}>)",
        "code": f"`[{text}]({url})`",
        "empty": f"[]()[{text}]({url})",
        "multiline": f"[\n\n**{text}**\n\n]({url})",
        "html-in-link": f'[<img src="{url}">]({other})',
        "bare-in-alt": f"![見 https://{url.split('://')[-1]} 圖]({other})",
        "bare-in-brackets": f"[https://{url.split('://')[-1]}]",
        "then-paren": f"[{text}]({url})({other})",
        # Reference-style uses: of a label defined nowhere, of a definition whose
        # label and the link's text are URLs (Jekyll, Stand News), a shortcut.
        "undefined-use": f"[{text}][無此標籤]",
        "url-use": (
            f"[https://{url.split('://')[-1]}][編號] [https://{other.split('://')[-1]}]\n\n"
            f"[編號]: {other}\n[https://{other.split('://')[-1]}]: {url}\n\n"
        ),
        "shortcut": f"[註]{text}",
        "email": f"{text}<editor@thestandnews.com>",
    }[kind]


INLINE = st.builds(
    _inline,
    URLS,
    URLS,
    PLAIN,
    st.sampled_from(
        [
            "link",
            "image",
            "titled",
            "nested",
            "angle",
            "bare",
            "bang",
            "dest-angle",
            "code",
            "empty",
            "multiline",
            "html-in-link",
            "bare-in-alt",
            "bare-in-brackets",
            "then-paren",
            "undefined-use",
            "url-use",
            "shortcut",
            "email",
        ]
    ),
)
HTML = st.builds(
    lambda url, other, quote, alt: {
        '"': f'<img src="{url}" alt="{alt}">',
        "'": f"<figure><img src='{url}'><figcaption>{alt}</figcaption></figure>",
        "": f"<img src={url.replace(' ', '')}>",
        "srcset": f'<img srcset="{url} 1x, {other} 2x" src="{other}">',
    }[quote],
    URLS.filter(lambda u: "'" not in u),
    URLS.filter(lambda u: "'" not in u),
    st.sampled_from(['"', "'", "", "srcset"]),
    PLAIN,
)
SHORTCODE = st.builds(
    lambda url, form, alt: {
        "video": f'{{{{< video src="{url}" >}}}}',
        "percent": f'{{{{% figure src="{url}" caption="{alt}" %}}}}',
        "positional": f'{{{{< figure "{url}" "{alt}" >}}}}',
        "single": f"{{{{< img src='{url}' alt='{alt}' >}}}}",
        "unquoted": f"{{{{< img src={url.replace(' ', '')} >}}}}",
        "positional-unquoted": f"{{{{< figure {url.replace(' ', '')} >}}}}",
        "raw": f"{{{{< embed `{url}` >}}}}",
        "multiline": f'{{{{< figure\n    src="{url}"\n    alt="{alt}"\n>}}}}',
        "glued": f'{{{{<video src = "{url}">}}}}{{{{< /video >}}}}',
        "escaped": f'{{{{</* video src="{url}" */>}}}}',
        "code": f'`{{{{< video src="{url}" >}}}}`',
    }[form],
    URLS.filter(lambda u: "'" not in u),
    st.sampled_from(
        [
            "video",
            "percent",
            "positional",
            "single",
            "unquoted",
            "positional-unquoted",
            "raw",
            "multiline",
            "glued",
            "escaped",
            "code",
        ]
    ),
    st.sampled_from(["圖片說明", "公民實況", "x"]),
)
PARAGRAPH = st.lists(st.one_of(PLAIN, INLINE, HTML, SHORTCODE), min_size=1, max_size=5).map("".join)
BLOCK = st.one_of(
    PARAGRAPH,
    st.builds(lambda label, url: f"[{label}]: {url}", st.sampled_from(["1", "ref", "註"]), URLS),
    st.builds(lambda url: f"```\n[不是連結]({url})\n```", URLS),
    st.builds(lambda url: f"~~~md\n![]({url})\n~~~", URLS),
    st.builds(lambda url: f"> 圖：[來源]({url})", URLS),
    st.builds(lambda url: f"- [項目]({url})\n- 第二項", URLS),
    st.builds(lambda url: f"- 項目\n\n    [續]({url})", URLS),
    st.builds(lambda url: f'[ref]: <{url}> "標題"', URLS),
    st.builds(lambda url: f"\t<img src='{url}'>", URLS.filter(lambda u: "'" not in u)),
    st.builds(lambda url: f"<!-- [註釋]({url}) -->", URLS),
    st.builds(lambda url: f"> [註]: {url}", URLS),
    st.builds(lambda url: f"- 項目\n\n    [ref]: {url}", URLS),
    st.builds(lambda url: f"[^1]: {url}", URLS),
)
FRONTMATTER = st.one_of(
    st.just(""),
    st.builds(
        lambda url, style, extra: (
            "---\n"
            + 'title: "標題"\n'
            + {
                "double": f'image: "{url}"\n',
                "single": f"image: '{url}'\n",
                "plain": f"image: {url}\n",
                "block": f'image:\n  - {url}\n  - "{url}"\n',
                "flow": f"image: [{url}, '{url}']\n",
                "flowmap": f"image: {{src: {url}, alt: '圖'}}\n",
                "anchor": f"image: &img {url}\ncover: *img\n",
            }[style]
            + extra
            + "---\n"
        ),
        URLS.filter(lambda u: "'" not in u),
        st.sampled_from(["double", "single", "plain", "block", "flow", "flowmap", "anchor"]),
        st.sampled_from(["", 'original_url: "thestandnews.com/china/識別"\n', "date: ''\n"]),
    ),
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    text = draw(FRONTMATTER) + "\n\n".join(draw(st.lists(BLOCK, min_size=1, max_size=5)))
    if draw(st.booleans()):
        text += "\n"
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


# --- targets ---------------------------------------------------------------------

#: What any reader may take as the end of a destination, or trim from a value.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
SEGMENT = st.lists(
    st.one_of(
        st.sampled_from(
            [
                *"abcxyz09._-~",
                *" ()[]#%&;=@'\"<>\\`,!*+$:|{}^",
                "新聞",
                "圖片",
                "識",
                "é",
                "&amp;",
                "&reg",
                ">}}",
                "%}}",
                # An ideographic space (Chinese titles), no-break spaces, line and
                # paragraph separators, NEL, zero-width space, BOM, vertical tab.
                *"\u3000\u00a0\u202f\u2028\u2029\u0085\u200b\ufeff\x0b\x1f\x9f\u1680\ufffe",
            ]
        ),
        st.characters(categories=("Zs", "Zl", "Zp", "Cc", "Cf"), exclude_characters="\x00"),
    ),
    min_size=1,
    max_size=6,
).map("".join)
PREFIX = st.sampled_from(
    [
        "../../rescued/",
        "../../../../rescued/",
        "rescued/",
        "/rescued/",
        "../",
        "https://cdn.example.org/rescued/",  # [rewrite] style = "absolute" with a host
    ]
)
FRAGMENT = st.sampled_from(
    ["", "comments", "%E6%AE%B5", "a(1)", "x&y", "it's", "a&amp;b", "x&reg=1", "a\\b", "a#b"]
)
TARGETS = st.builds(
    lambda prefix, segments, leaf, fragment: encode_target(
        prefix + "/".join([*segments, leaf]), fragment=fragment
    ),
    PREFIX,
    st.lists(SEGMENT, max_size=2),
    st.builds("{}.{}".format, SEGMENT, st.sampled_from(["png", "jpg", "html"])),
    FRAGMENT,
)


# --- the properties --------------------------------------------------------------


def value_at(data: object, key: str) -> object:
    """The frontmatter value at a reference's dotted ``key`` (``image``, ``image.0.src``)."""
    for part in key.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]  # type: ignore[index]
    return data


def check_rewrite(text: str, chosen: list[tuple[Reference, str]]) -> None:
    """Rewrite the ``chosen`` references to their targets; check (a), (b) and (c)."""
    doc = read_document(text, resource_keys=KEYS)
    edits = [
        (Edit(ref.start, ref.end, ref.raw, destination_text(ref, target)), ref, target)
        for ref, target in sorted(chosen, key=lambda c: c[0].start)
    ]
    new_text = apply_edits(text, [e for e, _, _ in edits])

    # Where each edit lands in the new text.
    places = []
    delta = 0
    for edit, _, _ in edits:
        start = edit.start + delta
        places.append((start, start + len(edit.replacement)))
        delta += len(edit.replacement) - (edit.end - edit.start)

    # (a) Nothing outside the spans changed.
    def outside(t: str, spans: list[tuple[int, int]]) -> list[str]:
        bounds = [0, *(x for s in spans for x in s), len(t)]
        return [t[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2)]

    assert outside(new_text, places) == outside(text, [(e.start, e.end) for e, _, _ in edits])

    # (b) The scanner finds what the rewriter wrote, and nothing else changed.
    again = read_document(new_text, resource_keys=KEYS)
    assert again.frontmatter_error == doc.frontmatter_error
    found = {r.start: r for r in again.references}
    expected: list[tuple[RefKind, str, str | None]] = []
    edited = {
        e.start: (e, ref, target, place)
        for (e, ref, target), place in zip(edits, places, strict=True)
    }
    for ref in doc.references:
        if ref.start not in edited:
            expected.append((ref.kind, ref.raw, ref.key))
            continue
        edit, _, target, (start, _) = edited[ref.start]
        if ref.kind is RefKind.AUTOLINK and edit.replacement != target:
            # A bare URL, or <url> made relative: now [url](target), maybe in a <span>.
            dest_start = start + edit.replacement.rindex("](") + 2
            new = found.get(dest_start)
            assert new is not None and new.kind is RefKind.MD_LINK, (edit, again.references)
            assert new.end == start + edit.replacement.rindex(")")
        elif edit.replacement[:1] == '"' != target[:1]:
            # An unquoted HTML or shortcode value that the target would have ended got quotes.
            assert ref.kind in (RefKind.HTML, RefKind.SHORTCODE), edit
            new = found.get(start + 1)
            assert new is not None, (edit, again.references)
            assert f'"{new.raw}"' == edit.replacement, (edit, new)
        else:
            new = found.get(start)
            assert new is not None, (edit, again.references)
            assert new.raw == edit.replacement, (edit, new)
        if ref.kind is RefKind.SHORTCODE:  # a path in a positional value starts "./"
            target = as_url_value(ref.attribute or "", target)
        assert unquote(clean_destination(new)) == unquote(target), (edit, new)
        unsafe = [c for c in new.raw if c.isspace() or unicodedata.category(c) in UNSAFE_CATEGORIES]
        assert not unsafe, (edit, new)
        if new.key is not None:  # and YAML reads the value as the target, unescaped
            value = value_at(again.frontmatter, new.key)
            assert isinstance(value, str) and unquote(value) == unquote(target), (edit, value)
        expected.append((new.kind, new.raw, new.key))
    assert [(r.kind, r.raw, r.key) for r in again.references] == expected

    # (c) Undoing the edits at their new places gives back the original text.
    undo = [
        Edit(start, end, edit.replacement, edit.expected)
        for (edit, _, _), (start, end) in zip(edits, places, strict=True)
    ]
    assert apply_edits(new_text, undo) == text


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.data())
def test_rewriting_changes_only_the_replaced_urls(data: st.DataObject) -> None:
    text = data.draw(documents(), label="document")
    doc = read_document(text, resource_keys=KEYS)
    # rescue never rewrites an empty destination ([]() or src=""): nothing to point at;
    # nor the text of a reference-style use (its definition is rewritten).
    candidates = [r for r in doc.references if r.raw.strip() and r.kind is not RefKind.MD_REFUSE]
    chosen = [
        (ref, data.draw(TARGETS, label=f"target of {ref.raw!r}"))
        for ref in candidates
        if data.draw(st.booleans(), label=f"rewrite {ref.raw!r}")
    ]
    check_rewrite(text, chosen)


# --- what the property found (each was a bug) ---------------------------------------

IA = "http://web.archive.org/web/20211229095346"


def rewrite_one(text: str, raw: str, target: str) -> str:
    """``text`` with the reference written ``raw`` pointed at ``target``, checked as above."""
    doc = read_document(text, resource_keys=KEYS)
    ref = next(r for r in doc.references if r.raw == raw)
    check_rewrite(text, [(ref, target)])
    return apply_edits(text, [Edit(ref.start, ref.end, raw, destination_text(ref, target))])


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("img@q=id=3&reg=hk.jpg", ""), ("a&amp;b.png", ""), ("x.html", "x&reg=1"), ("x.html", "it's")],
)
def test_an_ampersand_or_quote_in_a_target_reads_back_as_itself(name: str, fragment: str) -> None:
    # "&reg" and "&amp;" are character references in a Markdown destination.
    target = encode_target(f"../rescued/www.example-news.com/{name}", fragment=fragment)
    text = f"---\nimage: '{IA}/https://a.hk/i.png'\n---\n[圖]({IA}/https://a.hk/x)\n"
    rewrite_one(text, f"{IA}/https://a.hk/x", target)
    rewrite_one(text, f"{IA}/https://a.hk/i.png", target)  # '' would be read back as ''


def test_an_autolink_made_relative_stays_a_link() -> None:
    # "<../x.html>" is no autolink (CommonMark wants a scheme): it would show as text.
    text = f"原文 <{IA}/https://a.hk/x>。\n"
    new = rewrite_one(text, f"{IA}/https://a.hk/x", "../rescued/a.hk/x.html")
    assert new == f"原文 <span>[{IA}/https://a.hk/x](../rescued/a.hk/x.html)</span>。\n"
    absolute = rewrite_one(text, f"{IA}/https://a.hk/x", "https://cdn.example.org/a.hk/x.html")
    assert absolute == "原文 <https://cdn.example.org/a.hk/x.html>。\n"


def test_a_bare_url_after_an_exclamation_mark_does_not_become_an_image() -> None:
    text = "好消息!https://a.hk/x 完\n"
    new = rewrite_one(text, "https://a.hk/x", "../rescued/a.hk/x.html")
    assert new == "好消息!<span>[https://a.hk/x](../rescued/a.hk/x.html)</span> 完\n"


def test_a_plain_frontmatter_value_in_a_flow_list_stays_one_value() -> None:
    text = f"---\nimage: [{IA}/https://a.hk/i.png, b.png]\n---\n"
    target = encode_target("../rescued/res.cloudinary.com/w_300,h_200/{x}.png")
    new = rewrite_one(text, f"{IA}/https://a.hk/i.png", target)
    assert read_document(new, resource_keys=KEYS).frontmatter["image"] == [
        "../rescued/res.cloudinary.com/w_300%2Ch_200/%7Bx%7D.png",
        "b.png",
    ]


def test_a_bare_url_ending_in_a_backslash_escaped_bracket() -> None:
    # The label [url](…) escapes "\" and "[" so it shows the URL as written.
    text = f"[](a.png)({IA}/https://a.hk/a.png)[](b.png) 與 [x\\\\y]({IA}/https://a.hk/b)\n"
    bare = f"{IA}/https://a.hk/a.png)[](b.png"
    assert [r.raw for r in read_document(text, resource_keys=KEYS).references][:2] == [
        "a.png",
        bare,
    ]
    rewrite_one(text, bare, "../rescued/a.hk/a.png")
    # The scanner: "\[" after a bare URL in brackets is the bracket's escape.
    assert [r.raw for r in scan_markdown("[http://a.hk/a.png)\\[](../x.png)")] == ["../x.png"]


def test_a_bare_url_in_an_image_description_is_not_a_reference() -> None:
    # Alt text is plain text; the scanner's fast path (a plain destination) skipped
    # it while its slow path (parentheses in the destination) reported it.
    for dest in ("https://zh.wikipedia.org/wiki/立場新聞_(香港)", "../rescued/a.png"):
        text = f"![見 https://a.hk/x 圖]({dest})"
        assert [r.raw for r in scan_markdown(text)] == [dest]
