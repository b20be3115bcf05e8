"""A lenient, fast scanner of a Markdown body for the URLs it names, with exact spans.

Why not a CommonMark parser: parsers give a tree without source offsets for link
destinations, and they drop what is not valid CommonMark, while scraped archives are
full of destinations no parser accepts yet a reader would call a link. This scanner
finds links, images, reference definitions, autolinks, bare URLs, inline HTML
(through :mod:`linkrescue.rewriters.html`) and Hugo shortcodes (through :mod:`linkrescue.rewriters.shortcode`:
a URL inside ``{{< video src="…" >}}`` is a parameter value, never a bare URL) in one
pass of compiled regular expressions that jump from one candidate (`` ` `` ``[`` ``]``
``<`` ``\\`` ``http`` ``www.`` ``{{<`` ``{{%``) to the next, and reports
each destination as a character span of the whole document, ``text[start:end] == raw``.

What it follows from CommonMark/GFM, because getting it wrong rewrites the wrong text:

* a line ends at LF, CRLF or a lone CR (§2.1; old Mac exports): for blank lines,
  fences, definitions and line numbers alike;
* nothing is read inside code spans (backtick runs matched by equal length, within
  one paragraph, heading or table cell: :mod:`linkrescue.rewriters.blocks` says where
  that ends; an unmatched run is text), fenced
  code (```` ``` ```` or ``~~~`` with up to 3 spaces of indent past its container,
  closed by a fence of the same character at least as long, or by the end of its
  container: a list item's fence ends at the first line indented less than the
  item's content, a ``>`` quote's at the first line without its ``>``; else by the end
  of the document), indented code
  (4 spaces or a tab after a blank line, unless the lines above make it a list
  item's continuation), or HTML comments;
* an HTML block (§4.6: ``<details>``, ``<div>``, ``<pre>``, a ``<del>`` alone on its
  line after a blank line, …; :mod:`linkrescue.rewriters.htmlblocks`) is HTML up to
  its blank line or end tag: only its tags' URLs (and Hugo shortcodes) are read, its
  Markdown is text;
* ``\\[`` and ``\\]`` are not brackets; brackets nest; ``[![](img)](href)`` gives the
  image and the link; once a link is formed, the ``[`` openers before it can no
  longer form links (no links inside links);
* ``<dest>`` destinations (span inside the brackets) and raw ones with balanced
  parentheses; titles in ``"…"``, ``'…'`` or ``(…)`` are not part of the span;
* bare ``http://``, ``https://`` and ``www.`` URLs follow GFM's extended autolinks,
  trailing ``?!.,:*_~'"``, unbalanced ``)`` and a trailing entity like ``&amp;`` are not
  part of them; URLs inside the text of a link or image are not reported (the
  destination is what counts; Stand News link texts often repeat the URL); a
  backslash before the bracket that ends a bare URL escapes it and is not the URL's.

Where it is deliberately more lenient, each for a shape seen in the real corpora
(see the project's corpus notes):

* link text may span blank lines (Stand News: ``[\\n\\n**title**\\n\\n](…)``);
* a destination with whitespace or line breaks inside (Citizen News:
  ``(https://web.archive.org/web/2021/https://facebook.com/ SomePage/)``) is a
  reference running to the last non-space character before the closing ``)``, when
  what follows the space is not a title; the closing ``)`` must come before a blank
  line and before any bracket or parenthesis;
* a stray ``"`` glued to the end of a destination (Stand News: ``…%E8%AD%98")``)
  stays in the span, as CommonMark says; the resolver cleans it;
* ``[]()`` is a zero-length reference (``start == end``) and does not swallow the
  ``[text](url)`` glued after it (Stand News);
* HTML leaked into a destination (Citizen News: ``[text](<iframe src=)``) is read as
  a raw destination, ``<iframe src=``, rather than dropped;
* a bare URL stops at CJK punctuation and full-width forms (``，。「」（）`` …) and at
  ``—``/``…``/curly quotes, which GFM would include: Chinese prose glues them to URLs;
  ``http(s)://`` may follow any character but an ASCII letter, digit or URL
  punctuation (as cmark-gfm does, so a URL right after Chinese text is found);
* an unclosed ``<!--`` hides nothing (it is text), so a stray one cannot hide the
  rest of an article's links; nor does an unclosed ``<pre>``;
* a line of complete HTML elements (every element it opens it closes, ``<img>``
  complete) is not an HTML block: Citizen News writes
  ``<figure><img …><figcaption>…</figcaption></figure>`` with the article's Markdown
  links on the next lines, no blank line between.

Liquid (Jekyll sites, :mod:`linkrescue.rewriters.liquid`): ``{% highlight %}``,
``{% raw %}`` and ``{% comment %}`` blocks are code, found before Markdown's code
blocks as Liquid renders first; a destination holding ``{{ … }}`` or ``{% … %}``
(``[1]: {{ site.url }}/news/``, ``[x]({% link x.md %})``) is read whole, spaces and all.

Reference-style links (:mod:`linkrescue.rewriters.reflinks`): the body's definitions
are read first, as CommonMark decides ``[text][label]`` by whether ``label`` is defined
anywhere; a use is reported at its text (``md-refuse``, with its definition), never a
URL of its own, and so is a definition's label. ``<name@example.org>`` is an e-mail
autolink (a ``mailto:`` destination).

Nested containers (:mod:`linkrescue.rewriters.nesting`): a document whose list items or
``>`` quotes hold indented code, HTML blocks or other containers has its code and HTML
blocks read by a CommonMark block parser; a link's title or a definition's destination
on the quote's next line is read.

Not handled: indented code after a heading or a fence rather than a blank line (in a
document without such containers); GFM tables running on over the lines after them
without a blank line (cells past the header's count are dropped: ``tables.py``). An ordered list starting at 2 or more
under a paragraph line holds no definition (``reflinks._continues_paragraph``).

Cost: the candidate search runs in C and Python code runs only per candidate. On
the synthetic 50,000-article corpus (``benchmarks/gen_corpus.py``: 3.1 KB and 5
references per article on average) the body scan, line index included, reads about
36,000 documents per second on one core (27 µs each).
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Final

from linkrescue.rewriters.ahead import Ahead
from linkrescue.rewriters.blocks import (
    InlineBlocks,
    container_fence,
    container_fence_end,
    indent_width,
)
from linkrescue.rewriters.html import Lookahead, comment_end, html_at, match_tag, skip_raw_text
from linkrescue.rewriters.htmlblocks import html_block_end
from linkrescue.rewriters.liquid import TEMPLATE_DESTINATION, opens_region, template_regions
from linkrescue.rewriters.model import (
    LineIndex,
    Reference,
    RefKind,
    Syntax,
    make_reference,
    make_references,
)
from linkrescue.rewriters.nesting import needs_block_pass, nested_blocks
from linkrescue.rewriters.reflinks import (
    LABEL,
    MAX_LABEL,
    NO_DEFINITIONS,
    Definitions,
    find_definitions,
)
from linkrescue.rewriters.shortcode import ShortcodeMemo, match_shortcode
from linkrescue.rewriters.tables import NO_TABLES, Tables, find_tables

# Internal record of a found span: kind, start, end, element, attribute, syntax.
_Found = tuple[RefKind, int, int, str | None, str | None, Syntax]
_BARE: Final = frozenset({Syntax.BARE, Syntax.BARE_AFTER_BANG, Syntax.BARE_AFTER_ANGLE})
_TEXT: Final = Syntax.MARKDOWN_TEXT
_USE: Final = RefKind.MD_REFUSE
_START: Final = itemgetter(1)  # a found reference's start

_PUNCT: Final = r"!-/:-@\[-`{-~"  # ASCII punctuation, the escapable characters

# Candidates of the inline pass. Every alternative starts with a literal character so
# that the regex engine can skip ahead with a character set (much faster than a
# leading class or lookbehind). The first two read a whole plain link or image (text
# without brackets, escapes, code or tags; a destination without spaces, parentheses
# or "<") in one match: most links of the corpora, at no Python cost per character.
_PLAIN_TEXT = r"[^\[\]\\`<]*+\]\("
_PLAIN_DEST = r"[^\x00-\x20()<\\]*+"
_INLINE = re.compile(
    rf"!\[{_PLAIN_TEXT}(?P<image>{_PLAIN_DEST})\)|\[{_PLAIN_TEXT}(?P<link>{_PLAIN_DEST})\)"
    # A "<" counts only before what may start a tag, comment or autolink (a letter, "!",
    # "/" or an e-mail's first character): a run of "<" is text, skipped here in C.
    r"|``*|!\[|\[|\]|<(?=[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])|\\["
    + _PUNCT
    + r"]|https?://|www\.|HTTPS?://|WWW\.|Https?://|Www\."
    r"|\{\{[<%]|\{%"
)

# Block-level candidates after a newline: a fence, a comment at a line start, or a blank
# line followed by an indented line (a possible indented code block).
_FENCE_OR_COMMENT = (
    r"[ ]{0,3}(?:(?P<bt>`{3,})(?=[^`\n]*$)|(?P<tl>~{3,})|(?P<cm><!--)|(?P<hb><[A-Za-z/]))"
)
_INDENTED = r"(?=(?:[ ]{4}|[ ]{0,3}\t)[ \t]*[^ \t\r\n])"
# A fence after ">" or list markers, or indented 4 or more (in a list item, maybe).
_BOXED = (
    r"(?:(?:[ ]{0,3}(?:>[ ]?|(?:[-+*]|\d{1,9}[.)])[ ]{1,4}))++[ ]*+|[ ]{4,}+)"
    r"(?=`{3,}+(?![^\n]*`)|~{3,})"
)
_BOX_AT = re.compile(_BOXED)
_BLOCK_FIRST = re.compile(
    _FENCE_OR_COMMENT + r"|(?P<ind>)" + _INDENTED + r"|(?P<box>" + _BOXED + ")", re.MULTILINE
)
_BLOCK_NEXT = re.compile(
    # The look-ahead fails at once on a line of text (most lines): one class test.
    r"\n(?=[ \t\r\n`~<>*+\-\d])(?:"
    + _FENCE_OR_COMMENT
    + r"|[ \t\r]*\n(?P<ind>)"
    + _INDENTED
    + r"|(?=[ >*+\-\d])(?P<box>"
    + _BOXED
    + "))",
    re.MULTILINE,
)
_CODE_LINES = re.compile(r"(?:(?:[ ]{4}|[ ]{0,3}\t)[^\n]*+(?:\n|\Z)|[ \t\r]*+\n)*+")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|\r?$)")
_INNER_ITEM = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|\r?$)")
_FENCE_CLOSE: dict[tuple[str, int], re.Pattern[str]] = {}
_BACKTICK_RUN = re.compile(r"`+")
_FENCE_RUN = re.compile(r"`{3,}+|~{3,}+")
_HTML_BLOCK_TOKEN = re.compile(r"<(?:!--|[A-Za-z])|\{\{[<%]")
_LONE_CR = re.compile(r"\r(?!\n)")
_NOT_NEWLINE = re.compile(r"[^\n]")

# Destinations.
# A line break inside a link's destination and title: the next line may repeat the
# ">" markers of the quote the link is in (CommonMark §5.1; see _opens_deeper_quote).
_NEXT_LINE = r"\r?\n(?:[ \t]*+>)*+[ \t]*+"
_SPACE = re.compile(rf"[ \t]*+(?:{_NEXT_LINE})?")
_ANGLE_DEST = re.compile(r"<(?:[^<>\n\\]++|\\.)*+>")
_RAW_DEST = re.compile(r"(?:[^\x00-\x20()\\]++|\\[" + _PUNCT + r"]|\\)*+")
_TITLE_THEN_CLOSE = re.compile(
    rf"""[ \t]*+(?:{_NEXT_LINE})?"""
    r"""(?:(?<=[ \t\n])(?:"(?:[^"\\]++|\\.)*+"|'(?:[^'\\]++|\\.)*+'|\((?:[^()\\]++|\\.)*+\))"""
    rf"""[ \t]*+(?:{_NEXT_LINE})?)?+\)""",
    re.DOTALL,
)
_CONTAINER_MARKERS = re.compile(r"(?:[ \t]*+(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t])))*+")
_SPACE_INSIDE = re.compile(r"\s")
_LENIENT_TAIL = re.compile(r"(?:[^()\[\]\n]++|\n(?![ \t\r]*(?:\n|\Z)))*+\)")
#: How deep parentheses nest in a raw link destination (cmark's limit).
MAX_PAREN_DEPTH: Final = 32
# More than MAX_PAREN_DEPTH "(" ahead before any ")" or space: one match in C instead
# of a Python step per "(" (a line of "[x](" tries each of its 20,000 destinations).
_TOO_DEEP = re.compile(rf"(?:\({_RAW_DEST.pattern}){{{MAX_PAREN_DEPTH}}}\(")
_LINK_OPEN = re.compile(r"<a[>\s]", re.IGNORECASE)
_LINK_CLOSE = re.compile(r"</a\s*>", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t]*(?:\r?\n|\r)")
#: A URI autolink, or (group ``email``) an e-mail autolink (CommonMark §6.5: a mailto:
#: link the reader sees as the address), in that order; one pattern, one match per ``<``.
_EMAIL_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_AUTOLINK = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\x00-\x20<>]*+"
    rf"|(?P<email>[a-zA-Z0-9.!#$%&'*+/=?^_`{{|}}~-]++@{_EMAIL_LABEL}(?:\.{_EMAIL_LABEL})*+))>"
)

# Bare URLs: where they stop (whitespace, <, `, CJK punctuation, full-width forms,
# dashes/quotes/ellipsis), with or without the brackets of an open link text.
_STOP = r"\s<>`\u2014-\u2026\u3000-\u303f\uff00-\uffef"
_BARE_TAIL = re.compile(r"[^" + _STOP + r"]*+")
_BARE_TAIL_IN_BRACKETS = re.compile(r"[^" + _STOP + r"\[\]]*+")
_DOMAIN = re.compile(r"[\w-]")
_NOT_BEFORE_URL = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/.:@%+-=?&#"
)
_TRAILING = frozenset("?!.,:*_~'\"")
#: A bare URL's syntax by the character before it (a rewrite must not make ``![`` or
#: leave a ``<`` opening what it writes).
_BARE_AFTER: Final = {"!": Syntax.BARE_AFTER_BANG, "<": Syntax.BARE_AFTER_ANGLE}


def scan_markdown(
    text: str, start: int = 0, end: int | None = None, *, lines: LineIndex | None = None
) -> list[Reference]:
    """The references of the Markdown in ``text[start:end]`` (the body), sorted by start.

    Offsets are into the whole ``text``; ``lines`` (built from ``text`` if omitted)
    gives their lines and columns.
    """
    stop = len(text) if end is None else end
    found: list[_Found] = []
    # A lone CR ends a line (CommonMark §2.1): the patterns below know only LF, so read
    # a copy with each lone CR made a LF, the same length (the spans hold for ``text``).
    body = _LONE_CR.sub("\n", text) if _has_lone_cr(text, start, stop) else text
    html: list[tuple[int, int]] = []
    code = code_blocks(body, start, stop, html)
    tables = find_tables(body, start, stop)
    definitions = find_definitions(body, start, stop, code, _list_content_column, tables.rows)
    if not _scan_between(body, start, stop, code, definitions, tables, found, html):
        # A Liquid {% highlight %}, {% raw %} or {% comment %} opens outside code: scan
        # again with Liquid's blocks (found only then: most documents have none).
        found = []
        html = []
        code = _code_regions(body, start, stop, html)
        definitions = find_definitions(body, start, stop, code, _list_content_column, tables.rows)
        _scan_between(body, start, stop, code, definitions, tables, found, html, liquid=True)
    index = LineIndex.of(text) if lines is None else lines
    excess = tables.excess
    if excess:  # links in cells past a table's header count are not rendered (GFM)
        found = [f for f in found if not any(a <= f[1] < b for a, b in excess)]
    found.sort(key=_START)
    if not any(f[0] is _USE for f in found):  # most documents: no reference-style use
        return make_references(text, index, found)
    use = _USE
    return [
        make_reference(text, index, kind, s, e, syntax, element=element, attribute=attribute)
        if kind is not use
        else _use(text, index, s, e, element, definitions)
        for kind, s, e, element, attribute, syntax in found
    ]


def _has_lone_cr(text: str, start: int, stop: int) -> bool:
    """Whether ``text[start:stop]`` has a CR not followed by a LF (rare: old Mac files)."""
    return text.find("\r", start, stop) != -1 and text.count("\r", start, stop) != text.count(
        "\r\n", start, stop
    )


def _use(
    text: str, index: LineIndex, start: int, end: int, label: str | None, defs: Definitions
) -> Reference:
    """The ``md-refuse`` reference of a use's text ``text[start:end]`` naming ``label``,
    with its definition's destination (None: the label has none)."""
    assert label is not None
    named = defs.named(label)
    definition = None
    if named is not None:
        definition = make_reference(
            text, index, RefKind.MD_REFDEF, named.start, named.end, named.syntax
        )
    return make_reference(
        text,
        index,
        RefKind.MD_REFUSE,
        start,
        end,
        Syntax.MARKDOWN_TEXT,
        key=label,
        definition=definition,
    )


def _scan_between(
    text: str,
    start: int,
    stop: int,
    code: list[tuple[int, int]],
    definitions: Definitions,
    tables: Tables,
    found: list[_Found],
    html: list[tuple[int, int]],
    *,
    liquid: bool = False,
) -> bool:
    """Scan the body outside ``code`` (HTML blocks among them for tags only); False if
    it stopped at a Liquid block opener (unless ``liquid``: Liquid's blocks are among
    ``code`` already)."""
    pos = start
    html_blocks = set(html)
    for code_start, code_end in code:
        if not _scan_inline(text, pos, code_start, found, definitions, tables, liquid):
            return False
        if (code_start, code_end) in html_blocks:
            _scan_html_block(text, code_start, code_end, found)
        pos = code_end
    return _scan_inline(text, pos, stop, found, definitions, tables, liquid)


# --- blocks ---------------------------------------------------------------------------


def _code_regions(
    text: str, start: int, end: int, html: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Code blocks, and Liquid's ``{% highlight %}``/``{% raw %}``/``{% comment %}`` blocks.

    Liquid runs before Markdown (:mod:`linkrescue.rewriters.liquid`): its blocks are
    found first, and Markdown's code blocks in the text with their content blanked
    out (a ```` ``` ```` inside a sample opens no fence; a fence around a ``{% raw %}``
    still closes), then both merged.
    """
    liquid = template_regions(text, start, end)
    if not liquid:
        return code_blocks(text, start, end, html)
    pieces = [text[:start]]
    pos = start
    for region_start, region_end in liquid:
        pieces.append(text[pos:region_start])
        pieces.append(_NOT_NEWLINE.sub("x", text[region_start:region_end]))
        pos = region_end
    pieces.append(text[pos:])
    merged: list[tuple[int, int]] = []
    for region in sorted(code_blocks("".join(pieces), start, end, html) + liquid):
        if merged and region[0] < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], region[1]))
        else:
            merged.append(region)
    return merged


def block_regions(
    text: str, start: int, end: int
) -> tuple[list[tuple[int, int]], set[tuple[int, int]]]:
    """Where the body ``text[start:end]`` holds no Markdown of its own, and which of
    those spans are HTML blocks: code blocks, line-start HTML comments, HTML blocks
    and Liquid's blocks, in order, as the scan reads them.

    For readers of a document's structure other than the reference scan (the
    heading ids of :mod:`linkrescue.rewriters.anchors`): a heading inside any of
    these is no heading. ``text`` must have no lone CR (see :func:`scan_markdown`).
    """
    html: list[tuple[int, int]] = []
    code = _code_regions(text, start, end, html)
    return code, set(html)


def link_destination(text: str, pos: int, end: int) -> tuple[int, int, int] | None:
    """The inline link destination read from just after its ``(`` at ``pos``, as the
    scan reads it: (start, end, offset of the closing ``)``), or None when there is none."""
    dest = _inline_destination(text, pos, end)
    return None if dest is None else dest[:3]


def code_blocks(
    text: str, start: int, end: int, html: list[tuple[int, int]] | None = None
) -> list[tuple[int, int]]:
    """The spans of fenced and indented code blocks and line-start HTML comments, in order.

    Each span starts at the start of its first line; scanning resumes at its end.
    ``html``: when given, HTML blocks (:mod:`linkrescue.rewriters.htmlblocks`) are
    found too, their spans listed both here and there (read for tags only).
    """
    if html is not None and needs_block_pass(text, start, end):
        return nested_blocks(text, start, end, html)
    blocks: list[tuple[int, int]] = []
    comments = Ahead(text, "-->", end)
    m = _BLOCK_FIRST.match(text, start, end)
    first_line = True
    resume = start
    block_end = -1  # where the last block ended (a lone tag may start a block there)
    while True:
        if m is not None:
            kind = m.lastgroup
            if kind == "ind":
                line = m.end("ind")
                block = _indented_code(text, line, start, end)
                if block is None:  # in a list item: maybe a fence there
                    block = _boxed_fence(text, line, start, end)
            elif kind == "box":
                line = m.start("box")
                block = _boxed_fence(text, line, start, end)
            elif kind == "hb":
                line = m.start() if first_line else m.start() + 1
                block = None
                if html is not None:
                    after_block = line == block_end
                    close = html_block_end(text, line, m.start("hb"), start, end, after_block)
                    if close != -1:
                        block = (line, close)
                        html.append(block)
            else:
                line = m.start() if first_line else m.start() + 1
                block = _fence_or_comment(text, m, line, start, end, comments)
            if block is None:
                resume = m.end()
            else:
                blocks.append(block)
                resume = block_end = block[1]
                if resume >= end:
                    break
                if text[resume - 1] == "\n":
                    resume -= 1  # the next candidate pattern starts with that newline
        m = _BLOCK_NEXT.search(text, resume, end)
        first_line = False
        if m is None:
            break
    return blocks


def _fence_or_comment(
    text: str, m: re.Match[str], line: int, start: int, end: int, comments: Ahead
) -> tuple[int, int] | None:
    if m["cm"] is not None:
        close = comment_end(text, m.start("cm"), end, comments)
        return None if close is None else (line, close)
    fence = m["bt"] or m["tl"]
    at = m.start("bt" if m["bt"] is not None else "tl")
    if at > line:  # indented: maybe inside a list item, and ending with it
        box = container_fence(text, line, at, start)
        if box is not None and box != (0, 0):
            return (line, container_fence_end(text, at, end, *box))
    return _top_fence(text, line, fence, m.end(), end)


def _boxed_fence(text: str, line: int, start: int, end: int) -> tuple[int, int] | None:
    """The fenced code block opening on the line from ``line`` after ``>`` or list
    markers or 4+ spaces of indent, if it is one: it ends with its container."""
    m = _BOX_AT.match(text, line, end)
    if m is None:
        return None
    box = container_fence(text, line, m.end(), start)
    if box is None:
        return None
    if box == (0, 0):
        run = _FENCE_RUN.match(text, m.end())
        assert run is not None
        return _top_fence(text, line, run.group(), run.end(), end)
    return (line, container_fence_end(text, m.end(), end, *box))


def _top_fence(text: str, line: int, fence: str, after: int, end: int) -> tuple[int, int]:
    """A fence at the top level: it ends after a closing fence, or at ``end``."""
    key = (fence[0], len(fence))
    closing = _FENCE_CLOSE.get(key)
    if closing is None:
        closing = re.compile(
            rf"\n[ ]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t\r]*(?:\n|\Z)"
        )
        _FENCE_CLOSE[key] = closing
    eol = text.find("\n", after, end)
    if eol == -1:
        return (line, end)
    c = closing.search(text, eol, end)
    return (line, end if c is None else c.end())


def _indented_code(text: str, line: int, start: int, end: int) -> tuple[int, int] | None:
    """The indented code block whose first line starts at ``line``, unless in a list item."""
    content = _list_content_column(text, line, start)
    if content is not None and _indent_width(text, line) < content + 4:
        return None
    m = _CODE_LINES.match(text, line, end)
    assert m is not None
    return (line, m.end())


def _indent_width(text: str, line: int) -> int:
    return indent_width(text[line : line + 16])


def _list_content_column(text: str, line: int, start: int, max_lines: int = 200) -> int | None:
    """If the lines above ``line`` make it part of a list item, the item's content column.

    Walks back over earlier lines: a list marker line (``-``, ``*``, ``+``, ``1.``,
    ``1)``) means a list item; a non-blank line at indent 0 that is not one means none.
    """
    end = line - 1  # the newline ending the previous line
    for _ in range(max_lines):
        if end < start:
            return None
        newline = text.rfind("\n", start, end)
        begin = start if newline == -1 else newline + 1
        row = text[begin:end]
        if row.strip():
            m = _LIST_ITEM.match(row)
            if m is not None:
                column = _indent_width(row, 0) + len(m.group().strip()) + 1
                # "- - x": an item opening an item on its first line; the inner one's content
                # column counts (a definition 6 spaces deep under "- -   " is in it).
                while (inner := _INNER_ITEM.match(row, m.end())) is not None:
                    column = len(row[: m.end()].expandtabs(4)) + len(inner.group().strip()) + 1
                    m = inner
                return column
            if row[0] not in " \t":
                return None
        end = begin - 1
    return None


# --- inlines --------------------------------------------------------------------------


class _Inline:
    """What the inline pass remembers while it reads one stretch of text.

    Each piece keeps the pass linear in the length of the text (issue 10: an 80 KB
    line of ``[x](`` took 67 s): brackets not yet closed, with the links formed
    since (CommonMark: no links inside links, so a link makes every earlier ``[``
    text, §6.3, marked by a floor instead of rewriting the list each time); bare URLs
    that a link text around them may still take back (each taken back once); the
    look-ahead for ``>`` and ``-->``; where the backtick runs ahead are; and the
    shortcodes that did not close.
    """

    __slots__ = (
        "ahead",
        "anchor",
        "anchored",
        "bares",
        "blocks",
        "definitions",
        "dropped",
        "found",
        "images",
        "inactive_below",
        "openers",
        "runs",
        "shortcodes",
        "start",
        "tables",
    )

    def __init__(
        self,
        text: str,
        start: int,
        end: int,
        found: list[_Found],
        definitions: Definitions = NO_DEFINITIONS,
        tables: Tables = NO_TABLES,
    ) -> None:
        self.found = found
        #: The body's GFM tables: a code span ends with its cell (:mod:`~linkrescue.rewriters.tables`).
        self.tables = tables
        self.start = start
        #: The body's reference definitions (:mod:`linkrescue.rewriters.reflinks`), None
        #: when it has none (most articles: one test per bracket, no call).
        self.definitions = definitions if definitions.by_opener else None
        self.openers: list[tuple[int, bool]] = []  # (offset of "[", is an image)
        #: Openers below this index that are links' (not images') can no longer form one.
        self.inactive_below = 0
        #: How many of the openers are images' (``![``): always active.
        self.images = 0
        #: Indexes in ``found`` of bare URLs that a closing link or image may take back.
        self.bares: list[int] = []
        #: Indexes in ``found`` of bare URLs taken back, dropped when the stretch ends.
        self.dropped: set[int] = set()
        #: Where an inline ``<a …>`` opened (-1: none), and the bare URLs found since:
        #: the text of an HTML link, dropped when its ``</a>`` closes it.
        self.anchor = -1
        self.anchored: list[int] = []
        #: The look-ahead for ``>`` and ``-->``, made at the first ``<`` (a third of the
        #: stretches have none).
        self.ahead: Lookahead | None = None
        #: The backtick runs ahead, indexed when the first code span opens.
        self.runs: _BacktickRuns | None = None
        #: Shortcodes that did not close, met when the first ``{{<`` is.
        self.shortcodes: ShortcodeMemo | None = None
        #: Where paragraphs end, read when a code span's closing run is on a later line.
        self.blocks: InlineBlocks | None = None

    def in_brackets(self) -> bool:
        """Whether an active ``[`` or ``![`` is open: a bare URL then stops at a bracket."""
        return len(self.openers) > self.inactive_below or self.images > 0

    def link_formed(self) -> None:
        """A link closed: every ``[`` still open is text from now on (images excepted)."""
        self.inactive_below = len(self.openers)

    def html_link(self, text: str, at: int, pos: int, end: int) -> int:
        """Follow ``<a …>`` … ``</a>`` at a ``<`` (``pos``: where the scan goes on).

        The URL a reader sees as the text of an HTML link
        (``<a href="https://x">https://x</a>``, Citizen News) is visible text: a rescue
        must not rewrite it. GFM's autolink extension as markdown-it's linkify reads it
        links nothing between ``<a …>`` and ``</a>`` of one paragraph (its
        ``isLinkOpen``/``isLinkClose``: ``<a`` then a space or ``>``, ``</a>``); an
        ``<a>`` never closed, or closed after a blank line, hides nothing.
        """
        if pos > at + 2 and _LINK_OPEN.match(text, at, pos):
            self.anchor = at
            self.anchored.clear()
            return pos
        if self.anchor < 0 or text[at + 1] != "/":
            return pos
        close = _LINK_CLOSE.match(text, at, end)
        if close is None:
            return pos
        if self.anchored and not _BLANK_LINE.search(text, self.anchor, at):
            self.dropped.update(self.anchored)
        self.anchor = -1
        self.anchored.clear()
        return close.end()

    def take_back_bares(self, opener: int) -> None:
        """Bare URLs after ``opener`` are a link's text or a label, not references
        (each taken back at most once)."""
        found, bares = self.found, self.bares
        while bares and found[bares[-1]][1] > opener:
            self.dropped.add(bares.pop())


def _scan_inline(
    text: str,
    pos: int,
    end: int,
    found: list[_Found],
    definitions: Definitions,
    tables: Tables,
    liquid: bool,
) -> bool:
    """Scan ``text[pos:end]`` (no code blocks inside) and append what it names to ``found``.

    Returns False, at once, at a Liquid block opener unless ``liquid`` (blocks known).
    """
    state = _Inline(text, pos, end, found, definitions, tables)
    openers = state.openers
    search = _INLINE.search
    while pos < end:
        m = search(text, pos, end)
        if m is None:
            break
        plain = m.lastgroup
        if plain is not None:  # a whole plain link or image
            if plain == "link":
                found.append((RefKind.MD_LINK, *m.span(plain), None, None, Syntax.MARKDOWN_RAW))
                state.inactive_below = len(openers)  # state.link_formed(), written out
            else:
                found.append((RefKind.MD_IMAGE, *m.span(plain), None, None, Syntax.MARKDOWN_RAW))
            pos = m.end()
            continue
        at = m.start()
        token = m.group()
        first = token[0]
        if first == "[" or first == "!":
            openers.append((at, first == "!"))
            state.images += first == "!"
            pos = m.end()
        elif first == "]":
            pos = m.end()
            if openers:
                pos = _close_bracket(text, at, end, state)
        elif first == "`":
            pos = _code_span_end(text, m.end(), end, len(token), state)
        elif first == "<":
            ahead = state.ahead
            if ahead is None:
                ahead = state.ahead = Lookahead(text, end)
            pos = _angle(text, at, end, ahead, found)
            if text[at + 1 : at + 2] in ("a", "A", "/"):
                pos = state.html_link(text, at, pos, end)
        elif first == "\\":
            pos = m.end()
        elif first == "{":
            if token != "{%":
                pos = _shortcode(text, at, end, state)
            elif not liquid and opens_region(text, at, end):
                return False
            else:
                pos = at + 2
        else:
            before = len(found)
            in_brackets = len(openers) > state.inactive_below or state.images > 0
            pos = _bare_url(text, at, end, in_brackets, found)  # state.in_brackets()
            if len(found) > before:
                if openers:
                    state.bares.append(before)
                if state.anchor >= 0:
                    state.anchored.append(before)
    if state.dropped:
        dropped = state.dropped
        found[:] = [f for i, f in enumerate(found) if i not in dropped]
    return True


def _close_bracket(text: str, at: int, end: int, state: _Inline) -> int:
    """Handle the ``]`` at ``at``, closing the innermost ``[``; return where to go on."""
    openers = state.openers
    opener, is_image = openers.pop()
    state.images -= is_image
    after = at + 1
    if len(openers) < state.inactive_below:
        state.inactive_below = len(openers)
        if not is_image:
            return after  # a "[" opened before a link formed is text
    definitions = state.definitions
    if after < end and text[after] == "(":
        dest = _inline_destination(text, after + 1, end)
        if dest is not None and not (
            definitions is not None
            and _repaired_over(text, dest, opener + (2 if is_image else 1), at, definitions)
        ):
            ds, de, close, syntax = dest
            # Bare URLs in a link's or an image's text are its label or alt text, not
            # references (as when the fast path reads the whole link or image at once).
            state.take_back_bares(opener)
            if is_image:
                state.found.append((RefKind.MD_IMAGE, ds, de, None, None, syntax))
            else:
                state.link_formed()
                state.found.append((RefKind.MD_LINK, ds, de, None, None, syntax))
            return close + 1
    if definitions is not None:
        definition = definitions.by_opener.get(opener)
        if definition is not None and definition.label_end == at and not is_image:
            state.take_back_bares(opener)  # [https://…]: the label is no URL
            state.found.append(
                (RefKind.MD_REFDEF, definition.start, definition.end, None, None, definition.syntax)
            )
            return definition.resume
    if (after < end and text[after] == "[") or definitions is not None:
        return _reference_use(
            text, opener + (2 if is_image else 1), at, end, is_image, opener, state
        )
    return after


def _repaired_over(
    text: str,
    dest: tuple[int, int, int, Syntax],
    text_start: int,
    at: int,
    definitions: Definitions,
) -> bool:
    """Whether ``[text](dest)`` is an inline link only by the lenient repair of a
    destination with spaces, while ``[text]`` names a definition: CommonMark reads a
    reference link then, and ``(dest)`` as text (``[foo](not a link)``, spec §6.3)."""
    ds, de, _, syntax = dest
    return (
        syntax is Syntax.MARKDOWN_RAW
        and _SPACE_INSIDE.search(text, ds, de) is not None
        and TEMPLATE_DESTINATION.match(text, ds, de) is None
        and definitions.named_by(text, text_start, at) is not None
    )


def _reference_use(
    text: str, text_start: int, at: int, end: int, is_image: bool, opener: int, state: _Inline
) -> int:
    """After ``[text]`` (or ``![text]``) ending at ``at``, not an inline link: a
    reference-style use, full ``[text][label]``, collapsed ``[text][]`` or shortcut
    ``[text]`` (CommonMark §6.3, in that order); return where to go on.

    A use of a defined label is a link (its text no URL); a full or collapsed one of
    an undefined label is reported too, as the reader sees its brackets, unless its
    label is itself an inline link's text (``[text][x](url)``), and its text is no URL
    either; an undefined shortcut (``[sic]``, a task list's ``[ ]``) is text.
    """
    after = at + 1
    definitions = state.definitions or NO_DEFINITIONS
    label_match = LABEL.match(text, after, end) if after < end and text[after] == "[" else None
    if label_match is not None:
        resume = label_match.end()
        label: str | None = label_match.group(1)
        if not label:  # collapsed: the text is the label
            label = text[text_start:at] if at - text_start <= MAX_LABEL else None
        if label is None or definitions.named(label) is None:
            if label is None or not label.strip() or text.startswith("(", resume):
                return after  # "[label]" or "[]" may still open a link: "[x][](url)"
            # Brackets a reader sees: a reference meant, its definition lost. Its text
            # and label stay text (a URL there rewritten into a link would leave no
            # reference to mend once the definition is written).
            state.take_back_bares(opener)
            state.found.append((RefKind.MD_REFUSE, text_start, at, label, None, _TEXT))
            return resume
    elif definitions.named_by(text, text_start, at) is None:
        return after
    else:
        label = text[text_start:at]
        resume = after
    state.take_back_bares(opener)
    if not is_image:
        state.link_formed()
    state.found.append((RefKind.MD_REFUSE, text_start, at, label, None, _TEXT))
    return resume


def _inline_destination(text: str, pos: int, end: int) -> tuple[int, int, int, Syntax] | None:
    """Read ``dest "title")`` from just after ``(``: (dest start, dest end, offset of ``)``,
    raw or in angle brackets)."""
    paren = pos - 1
    space = _SPACE.match(text, pos, end)
    assert space is not None
    if space.end() - pos > 1 and _opens_deeper_quote(text, paren, pos, space.end()):
        return None
    pos = space.end()
    if pos >= end:
        return None
    if text[pos] == ")":
        return (pos, pos, pos, Syntax.MARKDOWN_RAW)
    if text[pos] == "<":
        angle = _ANGLE_DEST.match(text, pos, end)
        if angle is not None:
            close = _TITLE_THEN_CLOSE.match(text, angle.end(), end)
            if close is not None and not _opens_deeper_quote(text, paren, *close.span()):
                return (pos + 1, angle.end() - 1, close.end() - 1, Syntax.MARKDOWN_ANGLE)
        # Not a valid <destination>: read it as a raw one (HTML leaked into it).
    dest_end = _raw_destination_end(text, pos, end)
    if dest_end is None or dest_end == pos:  # a second line break: not a destination
        return None
    close = _TITLE_THEN_CLOSE.match(text, dest_end, end)
    if close is not None and not _opens_deeper_quote(text, paren, *close.span()):
        return (pos, dest_end, close.end() - 1, Syntax.MARKDOWN_RAW)
    template = TEMPLATE_DESTINATION.match(text, pos, end)  # {% link … %}: spaces inside
    if template is not None:
        close = _TITLE_THEN_CLOSE.match(text, template.end(), end)
        if close is not None and not _opens_deeper_quote(text, paren, *close.span()):
            return (pos, template.end(), close.end() - 1, Syntax.MARKDOWN_RAW)
    tail = _LENIENT_TAIL.match(text, dest_end, end)
    if tail is None:
        return None
    paren = tail.end() - 1
    last = paren
    while last > pos and text[last - 1] in " \t\r\n":
        last -= 1
    return (pos, last, paren, Syntax.MARKDOWN_RAW)


def _opens_deeper_quote(text: str, paren: int, start: int, stop: int) -> bool:
    """Whether a line break in ``text[start:stop]``, inside the destination or title of
    a link whose ``(`` is at ``paren``, is followed by more ``>`` markers than the
    line of the ``(`` has: a new quote, which ends the paragraph (CommonMark §5.1).

    As many is the quote's next line (``> [a](url`` then ``> "title")``), fewer a lazy
    continuation line. Asked only of a match that spans a line break.
    """
    newline = text.find("\n", start, stop)
    while newline != -1:
        after = newline + 1
        markers = _CONTAINER_MARKERS.match(text, after, stop)
        assert markers is not None
        depth = text.count(">", after, markers.end())
        if depth:
            line = text.rfind("\n", 0, paren) + 1
            own = _CONTAINER_MARKERS.match(text, line, paren)
            assert own is not None
            if depth > text.count(">", line, own.end()):
                return True
        newline = text.find("\n", after, stop)
    return False


def _raw_destination_end(text: str, pos: int, end: int) -> int | None:
    """Where a raw destination stops: at whitespace or at an unbalanced ``)``.

    Parentheses nest at most :data:`MAX_PAREN_DEPTH` deep, as CommonMark allows
    (§6.3: "implementations may impose limits on parentheses nesting to avoid
    performance issues"; cmark stops at 32): without a limit, a line of ``[x](``
    read each destination to the end of the line, 67 s for 80 KB.
    """
    depth = 0
    chunk = _RAW_DEST.match
    while True:
        m = chunk(text, pos, end)
        assert m is not None
        pos = m.end()
        if pos >= end:
            return None
        ch = text[pos]
        if ch == "(":
            if depth == 0 and _TOO_DEEP.match(text, pos, end):
                return None
            depth += 1
            if depth > MAX_PAREN_DEPTH:
                return None
        elif ch == ")":
            if depth == 0:
                return pos
            depth -= 1
        else:  # whitespace or a control character
            return pos if depth == 0 else None
        pos += 1


class _BacktickRuns:
    """Where each length of backtick run starts in a stretch of text, indexed once.

    A code span closes at the next run of exactly its opening's length; searching for
    it afresh from each opening read a line of unclosed runs of many lengths again
    and again (cmark keeps the same kind of memo). One pass lists the runs by length;
    each question then moves a pointer forward in its length's list.
    """

    __slots__ = ("_next", "_starts")

    def __init__(self, text: str, pos: int, end: int) -> None:
        self._starts: dict[int, list[int]] = {}
        for m in _BACKTICK_RUN.finditer(text, pos, end):
            self._starts.setdefault(m.end() - m.start(), []).append(m.start())
        self._next: dict[int, int] = {}

    def closing(self, length: int, pos: int) -> int:
        """The start of the first run of exactly ``length`` backticks at or after ``pos``, or -1."""
        starts = self._starts.get(length)
        if starts is None:
            return -1
        i = self._next.get(length, 0)
        while i < len(starts) and starts[i] < pos:
            i += 1
        self._next[length] = i
        return starts[i] if i < len(starts) else -1


def _code_span_end(text: str, pos: int, end: int, length: int, state: _Inline) -> int:
    """After a run of ``length`` backticks ending at ``pos``: where the code span ends.

    Without a closing run of the same length in the same paragraph, heading or table
    cell the backticks are literal text (CommonMark §6.1): a run that pairs with one
    after a blank line, a new list item or a heading hid every link between.
    """
    if state.runs is None:
        state.runs = _BacktickRuns(text, pos, end)
    close = state.runs.closing(length, pos)
    if close == -1:
        return pos
    if text.find("\n", pos, close) != -1 or text.find("|", pos, close) != -1:
        if state.blocks is None:
            state.blocks = InlineBlocks(text, state.start, end, state.tables.rows)
        if close >= state.blocks.end_of(pos):
            return pos
    return close + length


def _angle(text: str, at: int, end: int, ahead: Lookahead, found: list[_Found]) -> int:
    """Handle a ``<``: comment, autolink, HTML tag, or plain text."""
    # :func:`~linkrescue.rewriters.html.html_at` written out: this runs at every ``<``
    # of a body (a Citizen News figure line has four), its look-ahead asked once.
    if ahead.tags.next(at) == -1:  # nothing closes it: not an autolink, tag or comment
        return at + 1
    m = _AUTOLINK.match(text, at, end)
    if m is not None:
        syntax = Syntax.AUTOLINK if m.lastgroup is None else Syntax.AUTOLINK_EMAIL
        found.append((RefKind.AUTOLINK, at + 1, m.end() - 1, None, None, syntax))
        return m.end()
    if text.startswith("<!--", at):
        close = comment_end(text, at, end, ahead.comments)
        return at + 1 if close is None else close
    tag = match_tag(text, at, end)
    if tag is None:
        return at + 1
    if tag.spans:
        found.extend(
            (RefKind.HTML, s.start, s.end, s.element, s.attribute, s.syntax) for s in tag.spans
        )
    return skip_raw_text(text, tag, end)


def _scan_html_block(text: str, pos: int, end: int, found: list[_Found]) -> None:
    """Report the tags' URLs and the shortcodes' of the HTML block ``text[pos:end]``:
    its Markdown is text (CommonMark §4.6), Hugo's shortcodes are rendered before."""
    ahead = Lookahead(text, end)
    memo: ShortcodeMemo | None = None
    while (m := _HTML_BLOCK_TOKEN.search(text, pos, end)) is not None:
        at = m.start()
        if text[at] == "<":
            pos, tag = html_at(text, at, end, ahead)
            if tag is not None:
                found.extend(
                    (RefKind.HTML, s.start, s.end, s.element, s.attribute, s.syntax)
                    for s in tag.spans
                )
            continue
        if memo is None:
            memo = ShortcodeMemo(text, end)
        shortcode = match_shortcode(text, at, end, memo)
        if shortcode is None:
            pos = at + 2
            continue
        found.extend(
            (RefKind.SHORTCODE, s.start, s.end, s.shortcode, s.parameter, s.syntax)
            for s in shortcode.spans
        )
        pos = shortcode.end


def _shortcode(text: str, at: int, end: int, state: _Inline) -> int:
    """Handle ``{{<`` or ``{{%``: a Hugo shortcode's URL parameters, or plain text."""
    if state.shortcodes is None:
        state.shortcodes = ShortcodeMemo(text, end)
    shortcode = match_shortcode(text, at, end, state.shortcodes)
    found = state.found
    if shortcode is None:
        return at + 2  # the "<" may still open a tag or an autolink
    found.extend(
        (RefKind.SHORTCODE, s.start, s.end, s.shortcode, s.parameter, s.syntax)
        for s in shortcode.spans
    )
    return shortcode.end


def _bare_url(text: str, at: int, end: int, in_brackets: bool, found: list[_Found]) -> int:
    """Handle ``http://``, ``https://`` or ``www.`` at ``at`` (GFM extended autolinks)."""
    if at > 0 and text[at - 1] in _NOT_BEFORE_URL:
        return at + 1
    tail = (_BARE_TAIL_IN_BRACKETS if in_brackets else _BARE_TAIL).match(text, at, end)
    assert tail is not None
    stop = tail.end()
    if in_brackets and stop < end and text[stop] in "[]":
        escapes = stop - at - len(text[at:stop].rstrip("\\"))
        stop -= escapes % 2  # a backslash escaping the bracket is not the URL's
    unbalanced: int | None = None
    while stop > at:
        ch = text[stop - 1]
        if ch in _TRAILING:
            stop -= 1
        elif ch == ")":
            if unbalanced is None:  # counted once: a run of ")" is trimmed in one pass
                link = text[at:stop]
                unbalanced = link.count(")") - link.count("(")
            if unbalanced <= 0:
                break
            unbalanced -= 1
            stop -= 1
        elif ch == ";":
            # An entity reference goes whole; a lone ";" goes too (cmark-gfm's
            # autolink_delim: "https://golang.org/cl/24190/; then" on golang/proposal).
            entity = _entity_before(text, at, stop)
            stop = stop - 1 if entity is None else entity
        else:
            break
    prefix = 4 if text[at] in "wW" else text.index("//", at) + 2 - at
    if stop <= at + prefix or not _DOMAIN.match(text, at + prefix):
        return at + prefix
    syntax = _BARE_AFTER.get(text[at - 1], Syntax.BARE) if at > 0 else Syntax.BARE
    found.append((RefKind.AUTOLINK, at, stop, None, None, syntax))
    return stop


def _entity_before(text: str, at: int, stop: int) -> int | None:
    """Where the entity reference ``&name;`` ending at ``stop`` starts (GFM trims it
    off a bare URL), or None. Read backwards from the ``;``, so a URL ending in many
    ``&a;`` is trimmed in time linear in its length."""
    pos = stop - 1  # the ";"
    while pos > at and text[pos - 1].isascii() and text[pos - 1].isalnum():
        pos -= 1
    if pos == stop - 1 or pos <= at or text[pos - 1] != "&":
        return None
    return pos - 1
