"""Where a Markdown block ends, read from its lines: the containers CommonMark nests.

Why: the Markdown scanner (:mod:`linkrescue.rewriters.markdown`) jumps from one
candidate character to the next and never builds a block tree, yet a few of its
answers depend on the blocks around a candidate:

* a code span never crosses a block boundary (CommonMark §6.1: inline content is
  parsed per paragraph; GFM splits a table row into cells first): an unmatched
  backtick that paired with one in a later paragraph or list item hid every link
  between (issue 10, class 1: about 1 link in 100 on a GitHub-style collection of
  design documents). :class:`InlineBlocks` says where the paragraph, heading or
  table cell around an offset ends;
* a fenced code block inside a list item or a ``>`` quote ends with its container
  (§5.2, §5.1: a fence is not a lazy continuation line), so an unclosed fence in a
  list item must not hide the rest of the document: :func:`fence_container` and
  :func:`container_fence_end`.

Each question reads the lines it needs once and remembers what it learnt, so a whole
scan stays linear in the length of the text (issue 10, class 6). The model of
containers is CommonMark's, simplified where real documents do not go: a
paragraph's container is read from the line the question is asked on (its ``>``
markers and list marker or indentation), not from a tree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

_QUOTES: Final = re.compile(r"(?:[ ]{0,3}>[ ]?)*+")
_QUOTE: Final = re.compile(r"[ ]{0,3}>[ ]?")
_LIST_MARKER: Final = re.compile(r"[ ]{0,3}(?:[-+*]|(?P<number>\d{1,9})[.)])(?=[ \t]|$)")
_ATX: Final = re.compile(r"#{1,6}(?:[ \t]|$)")
_BREAK_OR_UNDERLINE: Final = re.compile(
    r"(?:(?:\*[ \t]*+){3,}|(?:-[ \t]*+){3,}|(?:_[ \t]*+){3,}|=++[ \t]*+|-++[ \t]*+)$"
)
_FENCE: Final = re.compile(r"(?:`{3,}(?!.*`)|~{3,})")
TABLE_DELIMITER: Final = re.compile(
    r"[ ]{0,3}(?=.*\|)(?:\|[ \t]*+)?+:?-++:?[ \t]*+(?:\|[ \t]*+:?-++:?[ \t]*+)*+\|?+[ \t]*+$"
)
#: The tag names of CommonMark's HTML blocks of type 6 (§4.6), as a pattern.
BLOCK_TAG_NAMES: Final = (
    r"(?:address|article|aside|base|basefont|blockquote|body|caption|center|col"
    r"|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer"
    r"|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main"
    r"|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section"
    r"|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul)"
)
#: An HTML block start that may interrupt a paragraph (CommonMark §4.6, types 1–6).
_HTML_INTERRUPT: Final = re.compile(
    r"<(?:(?:script|pre|style|textarea)(?:[ \t>]|$)|!--|\?|![A-Za-z]|!\[CDATA\["
    rf"|/?{BLOCK_TAG_NAMES}(?:[ \t>]|/>|$))",
    re.IGNORECASE,
)
#: How many lines back a question looks for the list item or table a line is in.
MAX_LOOKBACK: Final = 64


def indent_width(row: str) -> int:
    """The width of ``row``'s leading white space, a tab moving to the next multiple of 4."""
    width = 0
    for ch in row:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _blank(row: str) -> bool:
    return not row.strip()


def line_context(row: str) -> tuple[int, int]:
    """The containers a line opens or continues: (``>`` depth, content column).

    The content column is counted from the end of the last ``>`` marker: the
    column of the text after a list marker (``- a``: 2, ``10. a``: 4), else the
    line's indentation (a paragraph's continuation inside a list item is indented to
    its item's content column).
    """
    depth = 0
    column = 0
    pos = 0
    while True:
        q = _QUOTE.match(row, pos)
        if q is not None:
            depth += 1
            column = 0
            pos = q.end()
            continue
        m = _LIST_MARKER.match(row, pos)
        if m is not None and not _BREAK_OR_UNDERLINE.match(row[pos:].lstrip(" ")):
            after = row[m.end() :]
            spaces = indent_width(after)
            if _blank(after) or spaces > 4:  # empty, or indented code: content 1 space after
                return depth, column + m.end() - pos + 1
            column += m.end() - pos + spaces
            pos = m.end() + len(after) - len(after.lstrip(" \t"))
            continue
        return depth, column + indent_width(row[pos:])


def interrupts(row: str, depth: int, column: int, next_row: str | None) -> bool:
    """Whether ``row`` ends a paragraph whose lines are at ``>`` depth ``depth``, in a
    container whose content starts at ``column`` (or starts a block after it).

    True for a blank line, a deeper ``>``, an ATX heading, a thematic break or
    setext underline, a fence, a list item that may interrupt a paragraph (a new
    item of an outer list always may), an HTML block of types 1–6 and a table's
    header row (GFM); a line indented 4 more than the container is a continuation.
    """
    q = _QUOTES.match(row)
    assert q is not None
    rest = row[q.end() :]
    if _blank(rest):
        return True
    quotes = row.count(">", 0, q.end())
    if quotes > depth:
        return True
    n = indent_width(rest)
    inside = n >= column and quotes == depth  # not a lazy continuation line
    if n >= column + 4:
        return False
    body = rest.lstrip(" \t")
    first = body[0]
    if first == "#":
        return _ATX.match(body) is not None
    if first in "=-*_" and _BREAK_OR_UNDERLINE.match(body):
        return first != "=" or inside  # a lazy "===" is text
    if first in "`~":
        return _FENCE.match(body) is not None
    if first == "<":
        return _HTML_INTERRUPT.match(body) is not None
    if first == ">":
        return True
    m = _LIST_MARKER.match(body)
    if m is not None:
        content = not _blank(body[m.end() :])
        number = m["number"]
        return n < column or (content and (number is None or number == "1"))
    # A table's header row (no table starts on a lazy line).
    return (
        inside
        and "|" in body
        and next_row is not None
        and TABLE_DELIMITER.match(next_row) is not None
    )


class InlineBlocks:
    """Where the inline block (paragraph, heading, table cell) around an offset ends.

    Asked in increasing order of offset within one stretch of text with no code
    block inside (``text[start:end]``); each line is read at most a few times.
    ``table_rows`` maps the start of each GFM table row's line to its end
    (:func:`linkrescue.rewriters.tables.find_tables`, read once per body): a cell
    ends at its ``|`` or its row's end, a row without a ``|`` included (GFM runs a
    table on over the lines below it, so a backtick there pairs with none in the next row).
    """

    __slots__ = ("_end", "_from", "_rows", "_start", "_text", "_until")

    def __init__(self, text: str, start: int, end: int, table_rows: Mapping[int, int]) -> None:
        self._text = text
        self._start = start
        self._end = end
        self._rows = table_rows
        #: The last answer: the block from ``_from`` ends at ``_until``.
        self._from = end + 1
        self._until = end

    def _row(self, line: int) -> tuple[str, int]:
        """The line starting at ``line`` without its line ending, and where it ends."""
        eol = self._text.find("\n", line, self._end)
        if eol == -1:
            eol = self._end
        row = self._text[line:eol]
        return (row[:-1] if row.endswith("\r") else row), eol

    def end_of(self, pos: int) -> int:
        """The offset where the inline block holding ``pos`` ends (a line start, the
        ``|`` ending a table cell, or the end of the stretch)."""
        if self._from <= pos < self._until:
            return self._until
        text = self._text
        line = max(text.rfind("\n", self._start, pos) + 1, self._start)
        if self._rows:
            row_end = self._rows.get(line)
            if row_end is not None:
                cell = next_pipe(text, pos, row_end)
                return self._answer(pos, row_end if cell == -1 else cell)
        row, eol = self._row(line)
        q = _QUOTES.match(row)
        assert q is not None
        body = row[q.end() :].lstrip(" \t")
        if body.startswith("#") and _ATX.match(body):  # a heading is one line
            return self._answer(pos, eol)
        depth, column = line_context(row)
        line, row, depth, column = self._paragraph_start(line, row, depth, column)
        if depth == 0 and column > 0 and _LIST_MARKER.match(row) is None:
            # A paragraph's later line: its container is the list item above, if any.
            column = enclosing_item_column(text, line, self._start, column)
        at = eol + 1
        while at < self._end:
            if self._rows and at in self._rows:  # a table interrupts a paragraph
                return self._answer(pos, at)
            row, eol = self._row(at)
            following = self._row(eol + 1)[0] if "|" in row and eol < self._end else None
            if interrupts(row, depth, column, following):
                return self._answer(pos, at)
            at = eol + 1
        return self._answer(pos, self._end)

    def _paragraph_start(
        self, line: int, row: str, depth: int, column: int
    ) -> tuple[int, str, int, int]:
        """The line whose containers hold ``row``'s paragraph: ``row`` itself, or, when
        ``row`` is a list marker that cannot interrupt the paragraph above (``2)``, or an
        empty item; CommonMark §5.2), the line it continues (``2)  ```` under text is
        that text's, and its backticks pair with those of the lines below)."""
        for _ in range(MAX_LOOKBACK):
            if line <= self._start or _LIST_MARKER.match(row) is None:
                break
            above_at = max(self._text.rfind("\n", self._start, line - 1) + 1, self._start)
            above = self._row(above_at)[0]
            if _blank(above) or not _is_paragraph_text(above):
                break
            up_depth, up_column = line_context(above)
            if not continues_paragraph_of(above, row) or interrupts(row, up_depth, up_column, None):
                break
            line, row, depth, column = above_at, above, up_depth, up_column
        return line, row, depth, column

    def _answer(self, pos: int, until: int) -> int:
        self._from = pos
        self._until = until
        return until


def continues_paragraph_of(above: str, row: str) -> bool:
    """Whether the list marker line ``row`` would sit in the same containers as the
    paragraph line ``above`` (so, when its list cannot interrupt a paragraph, it is that
    paragraph's text). Not when ``row`` leaves one of them: a quote (``> a`` then
    ``2) b``) or a list item it is indented less than (``- a`` then ``2) b``): cmark
    matches containers first, and a marker after an unmatched one opens a new list
    whatever its number (markdown-it reads both so too)."""
    qa = _QUOTES.match(above)
    qr = _QUOTES.match(row)
    assert qa is not None and qr is not None
    if above.count(">", 0, qa.end()) != row.count(">", 0, qr.end()):
        return False
    return indent_width(row[qr.end() :]) >= line_context(above)[1]


def _is_paragraph_text(row: str) -> bool:
    """Whether ``row`` may be a paragraph's line (not a heading, break, fence or HTML start)."""
    q = _QUOTES.match(row)
    assert q is not None
    body = row[q.end() :].lstrip(" \t")
    return not (
        _ATX.match(body)
        or _BREAK_OR_UNDERLINE.match(body)
        or _FENCE.match(body)
        or _HTML_INTERRUPT.match(body)
    )


def next_pipe(text: str, pos: int, eol: int) -> int:
    """The next ``|`` at or after ``pos`` and before ``eol`` that no backslash escapes, or -1."""
    while True:
        pipe = text.find("|", pos, eol)
        if pipe == -1:
            return -1
        backslashes = 0
        while pipe - backslashes - 1 >= pos and text[pipe - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return pipe
        pos = pipe + 1


# --- fences in containers -------------------------------------------------------------

_SPACES: Final = re.compile(r"[ \t]*+")
_BLANK_REST: Final = re.compile(r"[ \t]*+\r?(?:\n|$)")
_FENCE_RUN: Final = re.compile(r"`{3,}+|~{3,}+")


def enclosing_item_column(text: str, line: int, start: int, indent: int) -> int:
    """The content column of the list item that a line at ``line``, indented ``indent``,
    continues; 0 when it is in none (or when the lines above say nothing clear).

    Walks back at most :data:`MAX_LOOKBACK` lines, reading only each line's start: the
    nearest list marker line whose content column is at most the indent of every
    line since (a line indented less closed the item) is the item; a line at indent
    0 that is not an item, or a ``>`` line, means none.
    """
    floor = indent
    at = line
    for _ in range(MAX_LOOKBACK):
        if at <= start:
            return 0
        at = max(text.rfind("\n", start, at - 1) + 1, start)
        if _BLANK_REST.match(text, at):
            continue
        lead = _SPACES.match(text, at)
        assert lead is not None
        if text[lead.end()] == ">":
            return 0
        m = _LIST_MARKER.match(text, at)
        if m is None:
            floor = min(floor, lead.end() - at)
            if floor == 0:
                return 0
            continue
        spaces = _SPACES.match(text, m.end())
        assert spaces is not None
        width = spaces.end() - m.end()
        if _BLANK_REST.match(text, m.end()) or width > 4:
            width = 1
        column = m.end() - at + width
        if column <= floor:
            return column
        floor = min(floor, lead.end() - at)
        if floor == 0:
            return 0
    return 0


def container_fence(text: str, line: int, fence: int, start: int) -> tuple[int, int] | None:
    """The containers of a fence opening at ``fence`` on the line from ``line``: its
    ``>`` depth and its list item's content column, or None when it is not a fence
    (indented 4 or more past its container: an indented code line or paragraph text).

    (0, 0) is a fence at the top level. The list item is the one whose marker is on
    the fence's line (``- ```` ``), else the one the lines above say the fence
    continues (outside quotes).
    """
    prefix = text[line:fence]
    q = _QUOTES.match(prefix)
    assert q is not None
    depth = prefix.count(">", 0, q.end())
    if _LIST_MARKER.match(prefix, q.end()) is not None:
        return depth, line_context(prefix + "x")[1]
    indent = indent_width(prefix[q.end() :])
    column = 0
    if depth == 0 and indent > 0:
        column = enclosing_item_column(text, line, start, indent)
    if indent >= column + 4:
        return None
    return depth, column


def container_fence_end(text: str, fence: int, end: int, depth: int, column: int) -> int:
    """Where a fence opening at ``fence``, inside ``depth`` quotes and a list item whose
    content starts at ``column``, ends: after its closing fence, or at the first line
    that is no longer in its containers (a fence is never a lazy continuation line,
    CommonMark §5.1–5.2), or at ``end``.
    """
    run = _FENCE_RUN.match(text, fence)
    assert run is not None
    char, length = text[fence], run.end() - run.start()
    closing = re.compile(rf"[ ]{{0,3}}{re.escape(char)}{{{length},}}[ \t]*+$")
    at = text.find("\n", fence, end)
    while at != -1:
        at += 1
        if at >= end:
            return end
        eol = text.find("\n", at, end)
        row = text[at : end if eol == -1 else eol]
        if row.endswith("\r"):
            row = row[:-1]
        pos = 0
        for _ in range(depth):
            q = _QUOTE.match(row, pos)
            if q is None:
                return at  # the quote ended: so did the fence
            pos = q.end()
        rest = row[pos:]
        if _blank(rest):
            if pos == 0 and depth > 0:
                return at
            at = eol
            continue
        if indent_width(rest) < column:
            return at  # the list item ended
        if closing.match(_dedent(rest, column)):
            return end if eol == -1 else eol + 1
        at = eol
    return end


def _dedent(row: str, columns: int) -> str:
    """``row`` without its first ``columns`` columns of indentation."""
    width = 0
    pos = 0
    while width < columns and pos < len(row) and row[pos] in " \t":
        width += 1 if row[pos] == " " else 4 - width % 4
        pos += 1
    return " " * max(width - columns, 0) + row[pos:]
