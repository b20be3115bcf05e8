"""Inline HTML tags inside Markdown: the URL attributes they carry, with exact source spans.

Why a tokenizer of our own: an HTML parser such as selectolax (already a dependency)
builds a tree but cannot say where in the source an attribute value was written, and
a rewrite must replace exactly those characters and nothing else. So this module
reads one tag at a time with compiled regular expressions and reports the character
span of each URL-bearing attribute value (inside its quotes).

The attribute syntax follows what browsers accept rather than strict CommonMark,
because the corpora were produced by scrapers, not by hand:

* values double-quoted, single-quoted or unquoted; names of elements and attributes
  in any case (reported lower-cased);
* a ``'`` inside a double-quoted value is part of the value (Citizen News writes
  ``<img src="https://…/it's.jpg">``); a ``>`` inside quotes does not end the tag;
* ``src=""`` is a zero-length reference (``start == end``, ``raw == ""``): a few
  Citizen News figures have ``<img src="">``, and a rewrite may want to fill them;
* an unquoted value runs to whitespace or ``>``, as in a browser (``src=/>`` is ``/``);
* when an attribute is repeated, only the first counts, as in a browser;
* ``srcset`` gives one reference per candidate URL, the span of the URL only
  (descriptors such as ``2x`` or ``480w`` are left out), split by the HTML
  standard's rules (a ``data:`` URL keeps its commas);
* ``<!-- comments -->`` are not scanned, nor the content of ``<script>``,
  ``<style>`` and ``<textarea>`` (raw text, not markup).

Values are reported as written: character references such as ``&amp;`` are not
decoded (the span must be the source text), so a consumer resolving the URL should
``html.unescape`` an ``html`` reference's ``raw``.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from linkrescue.rewriters.ahead import Ahead
from linkrescue.rewriters.model import LineIndex, Reference, RefKind, Syntax, make_reference

#: The URL-bearing attributes read, per element (lower case).
URL_ATTRIBUTES: Final[dict[str, frozenset[str]]] = {
    "a": frozenset({"href"}),
    "audio": frozenset({"src"}),
    "embed": frozenset({"src"}),
    "iframe": frozenset({"src"}),
    "img": frozenset({"src", "srcset"}),
    "link": frozenset({"href"}),
    "object": frozenset({"data"}),
    "source": frozenset({"src", "srcset"}),
    "track": frozenset({"src"}),
    "video": frozenset({"src", "poster"}),
}

#: Elements whose content is raw text, skipped up to their closing tag.
RAW_TEXT_ELEMENTS: Final = frozenset({"script", "style", "textarea"})

# One attribute: separators, a name, an optional value. Possessive quantifiers keep a
# failed match linear (no backtracking into names or values).
_ATTR_SRC = r"""[\s/]*+[^\s/>=][^\s/>=]*+(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s>]*+))?+"""
_TAG = re.compile(
    r"<(?P<name>[A-Za-z][A-Za-z0-9-]*+)(?=[\s/>])(?P<attrs>(?:" + _ATTR_SRC + r")*+)[\s/]*+>"
)
_ATTR = re.compile(
    r"""[\s/]*+(?P<name>[^\s/>=][^\s/>=]*+)"""
    r"""(?:\s*+=\s*+(?:"(?P<dq>[^"]*+)"|'(?P<sq>[^']*+)'|(?P<uq>[^\s>]*+)))?+"""
)
#: The tokenizer's patterns, shared with the page reader (:mod:`linkrescue.rewriters.page`).
TAG: Final = _TAG
ATTRIBUTE: Final = _ATTR
_SRCSET_URL = re.compile(r"[\s,]*+(\S*+)")
_SRCSET_DESCRIPTORS = re.compile(r"(?:[^,(]++|\([^)]*+\)?+)*+,?+")
_RAW_TEXT_END = re.compile(r"</(?:script|style|textarea)\s*>", re.IGNORECASE)
_TAG_OR_COMMENT = re.compile(r"<(?:!--|[A-Za-z])")


class HtmlSpan(NamedTuple):
    """A URL attribute value's span in the source, before it becomes a :class:`Reference`."""

    element: str
    attribute: str
    start: int
    end: int
    syntax: Syntax


class Tag(NamedTuple):
    """An opening tag read at some offset: where it ends, its name, its URL values."""

    end: int
    name: str
    spans: list[HtmlSpan]


def match_tag(text: str, pos: int, endpos: int | None = None) -> Tag | None:
    """Read the opening tag starting at ``text[pos]`` (a ``<``); None if there is none.

    Only tags that close with ``>`` before ``endpos`` count: ``<iframe src=`` leaked
    into a Markdown destination is not a tag.
    """
    m = _TAG.match(text, pos, len(text) if endpos is None else endpos)
    if m is None:
        return None
    name = m["name"].lower()
    wanted = URL_ATTRIBUTES.get(name)
    spans: list[HtmlSpan] = []
    if wanted is not None:
        seen: set[str] = set()
        for a in _ATTR.finditer(text, m.start("attrs"), m.end("attrs")):
            attribute = a["name"].lower()
            if attribute in seen:
                continue
            seen.add(attribute)
            if attribute not in wanted:
                continue
            quoted = a["dq"] is not None or a["sq"] is not None
            start, end = a.span("dq" if a["dq"] is not None else "sq" if quoted else "uq")
            if start < 0:  # a bare attribute without a value names no URL
                continue
            if attribute == "srcset":
                spans.extend(
                    HtmlSpan(name, attribute, s, e, Syntax.HTML_SRCSET)
                    for s, e in srcset_spans(text, start, end)
                )
            else:
                syntax = Syntax.HTML_QUOTED if quoted else Syntax.HTML_UNQUOTED
                spans.append(HtmlSpan(name, attribute, start, end, syntax))
    return Tag(m.end(), name, spans)


def srcset_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the candidate URLs in the ``srcset`` value ``text[start:end]``.

    Follows the HTML standard's parsing: a URL is a run of non-space characters;
    trailing commas end it; descriptors run to the next comma outside parentheses.
    """
    spans: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        m = _SRCSET_URL.match(text, pos, end)
        assert m is not None  # the pattern matches the empty string
        url_start, url_end = m.span(1)
        if url_start == url_end:
            break
        if text[url_end - 1] == ",":
            pos = url_end
            while url_end > url_start and text[url_end - 1] == ",":
                url_end -= 1
        else:
            d = _SRCSET_DESCRIPTORS.match(text, url_end, end)
            assert d is not None
            pos = d.end()
        if url_end > url_start:
            spans.append((url_start, url_end))
    return spans


def skip_raw_text(text: str, tag: Tag, endpos: int) -> int:
    """Where scanning resumes after ``tag``: past the closing tag of a raw-text element."""
    if tag.name not in RAW_TEXT_ELEMENTS:
        return tag.end
    close = _RAW_TEXT_END.search(text, tag.end, endpos)
    return endpos if close is None else close.end()


def comment_end(text: str, pos: int, endpos: int, closes: Ahead) -> int | None:
    """The end of the HTML comment opening at ``text[pos]`` (``<!--``), or None if unclosed.

    ``<!-->`` and ``<!--->`` are complete (empty) comments, as in HTML and CommonMark.
    ``closes``: the scan's look-ahead for ``-->`` (so many unclosed ``<!--`` cost one
    search, not one each).
    """
    for short in ("<!-->", "<!--->"):
        if text.startswith(short, pos, endpos):
            return pos + len(short)
    close = closes.next(pos + 4)
    return None if close == -1 else close + 3


class Lookahead:
    """A scan's look-ahead for what closes a tag (``>``) and a comment (``-->``).

    A tag is only a tag if a ``>`` ends it; where none follows, every ``<`` is text
    and the tag pattern need not run (it reads attributes to the end of the text
    before failing: quadratic over a broken line of unclosed tags).
    """

    __slots__ = ("comments", "tags")

    def __init__(self, text: str, end: int) -> None:
        self.tags = Ahead(text, ">", end)
        self.comments = Ahead(text, "-->", end)


def html_at(text: str, at: int, endpos: int, ahead: Lookahead) -> tuple[int, Tag | None]:
    """Read the comment or tag at ``text[at]`` (a ``<``): where scanning goes on, and
    the tag when it is one (None for a comment or plain text)."""
    if text.startswith("<!--", at):
        close = comment_end(text, at, endpos, ahead.comments)
        return (at + 1 if close is None else close), None
    if ahead.tags.next(at) == -1:
        return at + 1, None
    tag = match_tag(text, at, endpos)
    if tag is None:
        return at + 1, None
    return skip_raw_text(text, tag, endpos), tag


def scan_html(
    text: str, start: int = 0, end: int | None = None, *, lines: LineIndex | None = None
) -> list[Reference]:
    """The ``html`` references of the HTML fragment ``text[start:end]``, in order."""
    endpos = len(text) if end is None else end
    index = LineIndex.of(text) if lines is None else lines
    refs: list[Reference] = []
    pos = start
    ahead = Lookahead(text, endpos)
    while (m := _TAG_OR_COMMENT.search(text, pos, endpos)) is not None:
        pos, tag = html_at(text, m.start(), endpos, ahead)
        if tag is None:
            continue
        refs.extend(
            make_reference(
                text,
                index,
                RefKind.HTML,
                s.start,
                s.end,
                s.syntax,
                element=s.element,
                attribute=s.attribute,
            )
            for s in tag.spans
        )
    return refs
