"""CSS: the URLs a stylesheet (or a ``style`` attribute, or a ``<style>`` element) loads,
with exact spans, for a rescued page's requisites and their rewrite (issue 13).

A stylesheet is the other half of a page that renders: its ``url(…)`` values are the
page's background images and its fonts, and ``@import`` pulls further stylesheets.
Read the way CSS Syntax Level 3 tokenizes (what a browser loads), not with a
pattern over the text:

* comments ``/* … */`` and strings are skipped whole, so a ``url(`` inside either is
  text, not a reference;
* ``url(x)`` is unquoted (the span trims its white space; it ends at ``)``), and
  ``url("x")`` / ``url('x')`` is a string inside the function, the span inside the
  quotes; ``url(`` only starts a URL where an identifier cannot go on before it
  (``myurl(`` is another function);
* ``@import "x"`` and ``@import url(x)``: a stylesheet to fetch;
* strings in ``image-set(…)`` (and ``-webkit-image-set``) are image URLs;
* inside an ``@font-face`` block a URL is a font.

Values are reported as written; :func:`css_value` undoes CSS escapes (``\\28`` is
``(``). Stored pages are read as Latin-1 (see :mod:`linkrescue.rewriters.page`), so
every offset is a byte offset of the original file too.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final, NamedTuple

from linkrescue.rewriters.model import Syntax


class CssUse(StrEnum):
    """What a CSS URL loads, so the crawl knows what to expect of it."""

    IMPORT = "import"
    FONT = "font"
    IMAGE = "image"


class CssSpan(NamedTuple):
    """One URL of a stylesheet: its span (inside quotes or parentheses) and what it loads."""

    start: int
    end: int
    syntax: Syntax
    use: CssUse


_TOKENS: Final = re.compile(
    r"""(?P<comment>/\*)"""
    r"""|(?P<string>["'])"""
    r"""|(?<![\w\\-])(?P<url>url\()"""
    r"""|(?<![\w\\-])(?P<set>(?:-webkit-)?image-set\()"""
    r"""|(?P<import>@import)(?![\w-])"""
    r"""|(?P<fontface>@font-face)(?![\w-])"""
    r"""|(?P<open>\{)|(?P<close>\})|(?P<paren>\))""",
    re.IGNORECASE,
)
_STRING_BODY: Final = {
    '"': re.compile(r'(?:[^"\\\n]|\\.|\\\n)*+', re.DOTALL),
    "'": re.compile(r"(?:[^'\\\n]|\\.|\\\n)*+", re.DOTALL),
}
_SPACE: Final = re.compile(r"[ \t\r\n\f]*+")
#: An unquoted url's body: anything but quotes, parentheses and white space (escapes kept).
_UNQUOTED: Final = re.compile(
    r"(?:[^\"'()\\ \t\r\n\f]|\\[0-9A-Fa-f]{1,6}(?:\r\n|[ \t\r\n\f])?|\\.)*+", re.DOTALL
)
_ESCAPE: Final = re.compile(r"\\(?:([0-9A-Fa-f]{1,6})[ \t\n\f]?|\r\n|(.))", re.DOTALL)


def scan_css(text: str, start: int = 0, end: int | None = None) -> list[CssSpan]:
    """Every URL of the CSS ``text[start:end]``, in order."""
    endpos = len(text) if end is None else end
    spans: list[CssSpan] = []
    pos = start
    depth = 0
    font_depth = -1  # the depth inside an @font-face block, -1 when outside one
    font_next = False  # an @font-face was read; its block is the next one opened
    sets: list[int] = []  # the depths of open image-set( functions
    parens = 0
    importing = False  # an @import was read; its URL comes next
    while (m := _TOKENS.search(text, pos, endpos)) is not None:
        kind = m.lastgroup
        pos = m.end()
        use = CssUse.FONT if font_depth >= 0 and depth >= font_depth else CssUse.IMAGE
        if kind == "comment":
            close = text.find("*/", pos, endpos)
            pos = endpos if close == -1 else close + 2
        elif kind == "string":
            body = _STRING_BODY[m.group()].match(text, pos, endpos)
            assert body is not None  # matches the empty string
            s, e = body.span()
            pos = e + 1 if e < endpos and text[e] == m.group() else e
            if importing:
                spans.append(CssSpan(s, e, Syntax.CSS_STRING, CssUse.IMPORT))
            elif sets and parens == sets[-1]:
                spans.append(CssSpan(s, e, Syntax.CSS_STRING, CssUse.IMAGE))
            importing = False
        elif kind == "url":
            found, pos = _url_at(text, pos, endpos, CssUse.IMPORT if importing else use)
            if found is not None:
                spans.append(found)
            importing = False
        elif kind == "set":
            parens += 1
            sets.append(parens)
        elif kind == "paren":
            if sets and sets[-1] == parens:
                sets.pop()
            parens = max(0, parens - 1)
        elif kind == "import":
            importing = True
        elif kind == "fontface":
            font_next = True
        elif kind == "open":
            depth += 1
            importing = False
            if font_next:
                font_depth, font_next = depth, False
        else:  # close
            if font_depth >= 0 and depth == font_depth:
                font_depth = -1
            depth = max(0, depth - 1)
    return spans


def _url_at(text: str, pos: int, end: int, use: CssUse) -> tuple[CssSpan | None, int]:
    """The URL of the ``url(`` whose ``(`` ends at ``pos``, and where scanning goes on."""
    at = _SPACE.match(text, pos, end)
    assert at is not None
    pos = at.end()
    if pos < end and text[pos] in "\"'":
        quote = text[pos]
        body = _STRING_BODY[quote].match(text, pos + 1, end)
        assert body is not None
        s, e = body.span()
        after = e + 1 if e < end and text[e] == quote else e
        close = text.find(")", after, end)
        return CssSpan(s, e, Syntax.CSS_STRING, use), (end if close == -1 else close + 1)
    body = _UNQUOTED.match(text, pos, end)
    assert body is not None
    s, e = body.span()
    tail = _SPACE.match(text, e, end)
    assert tail is not None
    if tail.end() < end and text[tail.end()] == ")":
        return CssSpan(s, e, Syntax.CSS_URL, use), tail.end() + 1
    # a bad url (a quote or a parenthesis inside): CSS skips it to the next ")"
    close = text.find(")", e, end)
    return None, (end if close == -1 else close + 1)


def css_value(raw: str) -> str:
    """The URL a CSS ``url(…)`` or string says, its escapes undone (CSS Syntax §4.3.7)."""
    if "\\" not in raw:
        return raw.strip()

    def unescape(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            code = int(m.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return m.group(2) or ""  # an escaped newline in a string is nothing

    return _ESCAPE.sub(unescape, raw).strip()


#: What a URL written in CSS cannot hold as it is: quotes, parentheses, backslashes,
#: white space and controls; percent-encoded, the one escape every reader undoes.
_CSS_UNSAFE: Final = re.compile(r"[\x00-\x20\x7f\"'()\\]")


def css_text(target: str) -> str:
    """``target`` written so that it can replace a CSS URL's span, quoted or not."""
    return _CSS_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), target)
