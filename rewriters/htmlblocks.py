"""HTML blocks in Markdown (CommonMark §4.6): lines that are HTML, not Markdown.

Why: a documentation page wraps Markdown in ``<details>`` or strikes old text with a
``<del>`` on its own line; CommonMark renders everything up to the next blank line
as raw HTML, so a ``[link](…)`` written inside is text a reader sees as such, not a
link, and must not be reported (issue 10, class 5). The ``<a href>`` and ``<img src>``
inside are still HTML references: the scanner reads the block for tags only.

Recognised here: type 1 (``<pre>``, ``<script>``, ``<style>``, ``<textarea>``, up to
the line of the matching end tag), type 6 (a block-level tag name, opening or
closing: may interrupt a paragraph) and type 7 (any other complete tag alone on its
line, not after a paragraph line); types 6 and 7 end before a blank line, or where
the list item they are in ends. Types 2–5 (comments, ``<?``, ``<!X``, CDATA) are
left to the comment handling of the scanner.

Two lenient repairs, for the scraped news corpora (see the project's corpus notes):

* a first line that leaves no element open — every element it opens it closes, void
  elements such as ``<img>`` complete — is not an HTML block: Citizen News writes one
  ``<figure><img src="…"><figcaption>…</figcaption></figure>`` per line with the
  article's Markdown links right after it, no blank line between, and those links
  are the article's (CommonMark would make them raw text);
* a type 1 block whose end tag never comes hides nothing (as an unclosed ``<!--``).
"""

from __future__ import annotations

import re
from typing import Final

from linkrescue.rewriters.blocks import BLOCK_TAG_NAMES, enclosing_item_column, indent_width
from linkrescue.rewriters.html import match_tag

_TYPE_1: Final = re.compile(
    r"<(?:script|pre|style|textarea)(?:[ \t>]|\r?$)", re.IGNORECASE | re.MULTILINE
)
_TYPE_1_END: Final = re.compile(r"</(?:script|pre|style|textarea)>", re.IGNORECASE)
_TYPE_6: Final = re.compile(
    rf"</?{BLOCK_TAG_NAMES}(?:[ \t>]|/>|\r?$)", re.IGNORECASE | re.MULTILINE
)
_TAG_NAME: Final = re.compile(r"<(/?+)([A-Za-z][A-Za-z0-9-]*+)(?=[\s/>])")
_CLOSING_TAG: Final = re.compile(r"</(?P<name>[A-Za-z][A-Za-z0-9-]*+)[ \t]*+>")
_REST_BLANK: Final = re.compile(r"[ \t]*+\r?$", re.MULTILINE)
_BLANK_LINE: Final = re.compile(r"\n[ \t]*+\r?$", re.MULTILINE)
#: A line that leaves no paragraph open, in block quotes or not: a heading, a thematic
#: break, or a quote's blank line (``> # Title`` then ``<del>``: the quote holds no
#: paragraph the tag could continue lazily, so an HTML block starts).
_SINGLE_LINE_BLOCK: Final = re.compile(
    r"(?:[ ]{0,3}>[ ]?)*+[ ]{0,3}(?:#{1,6}(?:[ \t]|\r?$)"
    r"|(?:(?:\*[ \t]*+){3,}|(?:-[ \t]*+){3,}|(?:_[ \t]*+){3,})\r?$)"
    r"|(?:[ ]{0,3}>[ ]?)++[ \t]*+\r?$"
)
#: Elements without content (HTML's void elements): an opening tag completes them.
VOID_ELEMENTS: Final = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)


def html_block_end(text: str, line: int, at: int, start: int, end: int, after_block: bool) -> int:
    """Where the HTML block whose first line starts at ``line`` (its ``<`` at ``at``)
    ends, or -1 when no HTML block starts there.

    ``after_block``: the line follows a block the scanner just closed (a fence, an HTML
    block), which a type 7 block may follow as it may follow a blank line.
    """
    eol = text.find("\n", at, end)
    if eol == -1:
        eol = end
    if _TYPE_1.match(text, at, eol):
        close = _TYPE_1_END.search(text, at, end)
        if close is None:
            return -1  # an unclosed <pre> hides nothing
        after = text.find("\n", close.end(), end)
        return end if after == -1 else after + 1
    if _TYPE_6.match(text, at, eol) is None:
        if not _alone_on_its_line(text, at, eol):
            return -1
        if not (after_block or _after_blank_or_single_line_block(text, line, start)):
            return -1  # a type 7 block does not interrupt a paragraph
    if leaves_nothing_open(text, at, eol):
        return -1  # the news corpora's one-line <figure>…</figure>: Markdown follows
    indent = indent_width(text[line:at])
    column = enclosing_item_column(text, line, start, indent) if indent else 0
    if column == 0:
        blank = _BLANK_LINE.search(text, eol, end)
        return end if blank is None else blank.start() + 1
    pos = eol
    while pos < end:
        nxt = pos + 1
        if _REST_BLANK.match(text, nxt, end) or indent_width(text[nxt : nxt + 16]) < column:
            return nxt
        found = text.find("\n", nxt, end)
        pos = end if found == -1 else found
    return end


def unclosed_type_1(text: str, at: int, eol: int, end: int) -> bool:
    """Whether a type 1 block (``<pre>``, ``<script>``, …) opens at ``at`` on the line
    ending at ``eol`` and its end tag never comes before ``end`` (it hides nothing)."""
    return _TYPE_1.match(text, at, eol) is not None and _TYPE_1_END.search(text, at, end) is None


def _alone_on_its_line(text: str, at: int, eol: int) -> bool:
    """Whether a complete opening or closing tag starts at ``at`` with only white space
    after it on its line (type 7), and is not a type 1 element."""
    closing = _CLOSING_TAG.match(text, at, eol)
    if closing is not None:
        tag_end = closing.end()
    else:
        tag = match_tag(text, at, eol)
        if tag is None:
            return False
        tag_end = tag.end
    return _REST_BLANK.match(text, tag_end, eol) is not None


def _after_blank_or_single_line_block(text: str, line: int, start: int) -> bool:
    """Whether the line before ``line`` is blank, a heading or a thematic break (or
    ``line`` starts the body): not a paragraph that a type 7 block cannot interrupt."""
    if line <= start:
        return True
    previous = max(text.rfind("\n", start, line - 1) + 1, start)
    return (
        _REST_BLANK.match(text, previous, line - 1) is not None
        or _SINGLE_LINE_BLOCK.match(text, previous, line - 1) is not None
    )


def leaves_nothing_open(text: str, at: int, eol: int) -> bool:
    """Whether every element opened on ``text[at:eol]`` is closed on it (void elements
    complete), and every end tag there closes one opened there.

    Reads tag names only (one regex pass, no attributes): this runs on every line that
    starts with a tag, once per Citizen News figure.
    """
    opened: list[str] = []
    for slash, name in _TAG_NAME.findall(text, at, eol):
        name = name.lower()
        if not slash:
            if name not in VOID_ELEMENTS:
                opened.append(name)
            continue
        if name not in opened:
            return False
        while opened.pop() != name:
            pass
    return not opened
