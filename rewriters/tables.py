"""GFM tables: the cells a reader sees, and the ones GFM drops.

A row with more cells than the table's header keeps only the header's count: "the
excess is ignored" (GFM spec §4.10, "Tables (extension)"), so a link written in a
third cell of a two-column table is never rendered and is no reference of the page
(a GitHub-style design document's table with a stray ``|`` in a cell's text). Cells
are split at every ``|`` no backslash escapes — inside code spans too, as GFM does.

Rows run from the delimiter row down to a blank line or a line that starts another
block (a heading, a fence, a quote, a list item, an HTML block, a break); a row
without a ``|`` has one cell and drops nothing, and is a row all the same: a
``[1]: https://…`` written right under a table is that row's text, not a definition,
and a backtick in it pairs with none in the next row (GitHub renders both so). A table inside ``>`` quotes reads its
rows at the same depth. Only documents holding a delimiter row pay for this.
"""

from __future__ import annotations

import re
from typing import Final

from linkrescue.rewriters.blocks import (
    TABLE_DELIMITER,
    continues_paragraph_of,
    enclosing_item_column,
    next_pipe,
)

#: The ``>`` markers before a row, indented as deep as the list items around them.
_QUOTES: Final = re.compile(r"(?:[ \t]*+>[ ]?)*+")
#: A quick test: a delimiter row's ``-|`` or ``|-`` (with colons or spaces between).
_MAYBE: Final = re.compile(r"\|[ \t]*+:?-|-:?[ \t]*+\|")
#: A list item's marker before a table's header row.
_ITEM: Final = re.compile(r"[ \t]*+(?:[-+*]|\d{1,9}[.)])[ \t]+(?=\|)")
#: The ``>`` markers and list markers before a table's header row (``- > | a | b |``,
#: ``- - | a | b |``).
_CONTAINERS: Final = re.compile(r"(?:[ \t]*+(?:>[ ]?|(?:[-+*]|\d{1,9}[.)])[ \t]+))*+")
#: A line that starts another block, which ends a table (after its quote markers).
_ENDS_TABLE: Final = re.compile(
    r"[ ]{0,3}(?:#{1,6}(?:[ \t]|$)|`{3}|~{3}|>|[-+*][ \t]|\d{1,9}[.)][ \t]|<[A-Za-z/!?]|(?:[-*_][ \t]*+){3,}$)"
)


class Tables:
    """The rows of a body's GFM tables, one model for every question about them.

    ``rows`` maps the start of each row's line (header, delimiter and body rows, with
    any quote markers) to where the line ends; ``excess`` holds the spans of cells past
    their table's header count. The inline scanner ends a code span at a cell's
    ``|`` or its row's end (:class:`~linkrescue.rewriters.blocks.InlineBlocks`), the
    definitions pass reads a row's ``[x]: url`` as cell text (GFM: the table runs on
    over the lines that follow it, ``[x]: url`` included), and the dropped cells' links
    are not reported: all from this one reading.
    """

    __slots__ = ("excess", "rows")

    def __init__(self) -> None:
        self.rows: dict[int, int] = {}
        self.excess: list[tuple[int, int]] = []

    def __bool__(self) -> bool:
        return bool(self.rows)


#: A body with no table (most documents): shared, never written.
NO_TABLES: Final = Tables()


def find_tables(text: str, start: int, end: int) -> Tables:
    """The GFM tables of ``text[start:end]``, read once, in time linear in its length."""
    if "|" not in text[start:end] or _MAYBE.search(text, start, end) is None:
        return NO_TABLES
    tables = Tables()
    line = start
    while line < end:
        eol = _eol(text, line, end)
        if "|" in text[line:eol] and _is_delimiter(text, line, eol) and line > start:
            depth = _depth(text, line, eol)
            count = _cells(text, line, eol)
            header = max(text.rfind("\n", start, line - 1) + 1, start)
            if (
                _depth(text, header, line - 1) != depth
                or _cells(text, header, line - 1) != count  # GFM: as many cells, or no table
                or _lazy(text, start, header, depth)
                or _marker_is_text(text, start, header, line)
            ):
                line = eol + 1
                continue
            tables.rows[header] = line - 1
            tables.rows[line] = eol
            column = _item_column(text, start, header, line, eol)
            at = eol + 1
            while at < end:
                row_end = _eol(text, at, end)
                q = _QUOTES.match(text, at, row_end)
                assert q is not None
                body = text[q.end() : row_end]
                if (
                    not body.strip()
                    or _depth(text, at, row_end) != depth
                    or _ENDS_TABLE.match(body)
                    or (column and _indent(text, at, row_end) < column)
                ):
                    break
                tables.rows[at] = row_end
                excess = _excess_from(text, q.end(), row_end, count)
                if excess is not None:
                    tables.excess.append((excess, row_end))
                at = row_end + 1
            line = at
            continue
        line = eol + 1
    return tables


def _item_column(text: str, start: int, header: int, line: int, eol: int) -> int:
    """The content column of the list item a table sits in (0: none): a row indented
    less than it ends the table (the item ends; a table row is never a lazy line)."""
    q = _QUOTES.match(text, header, line)
    assert q is not None
    marker = _ITEM.match(text, q.end(), line)  # "- | a | b |": the table opens the item
    if marker is not None:
        return marker.end() - q.end()
    indent = _indent(text, line, eol)
    if not indent or q.end() > header:  # in quotes: only the item the table opens
        return 0
    return enclosing_item_column(text, line, start, indent)


_ORDERED_NOT_ONE: Final = re.compile(r"[ \t>]*+0*+(?:[2-9]|1\d)\d*+[.)]")


def _marker_is_text(text: str, start: int, header: int, line: int) -> bool:
    """Whether the header line starts with an ordered list marker other than 1 right
    under a paragraph line (``2) > | a | b |``): such a list cannot interrupt a
    paragraph (CommonMark §5.2), so the line is that paragraph's text and no table starts."""
    if header <= start or _ORDERED_NOT_ONE.match(text, header, line) is None:
        return False
    above = max(text.rfind("\n", start, header - 1) + 1, start)
    row = text[above : header - 1]
    return bool(row.strip(" \t\r>")) and continues_paragraph_of(row, text[header:line])


def _lazy(text: str, start: int, header: int, depth: int) -> bool:
    """Whether the header line continues a paragraph of a deeper quote lazily
    (``> text`` then ``| a | b |``): it is that paragraph's text, and no table starts."""
    if header <= start:
        return False
    above = max(text.rfind("\n", start, header - 1) + 1, start)
    row = text[above : header - 1]
    return bool(row.strip(" \t\r>")) and _depth(text, above, header - 1) > depth


def _indent(text: str, line: int, eol: int) -> int:
    """The width of the white space after a line's quote markers (a list item's rows are
    indented to its content)."""
    q = _QUOTES.match(text, line, eol)
    assert q is not None
    pos = q.end()
    while pos < eol and text[pos] == " ":
        pos += 1
    return pos - q.end()


def _eol(text: str, line: int, end: int) -> int:
    eol = text.find("\n", line, end)
    return end if eol == -1 else eol


def _depth(text: str, line: int, eol: int) -> int:
    q = _CONTAINERS.match(text, line, eol)
    assert q is not None
    return text.count(">", line, q.end())


def _is_delimiter(text: str, line: int, eol: int) -> bool:
    q = _QUOTES.match(text, line, eol)
    assert q is not None
    # Indented as far as a list item's content (the item's rows are): code blocks are
    # never scanned, so a table-like line in one costs nothing.
    row = text[q.end() : eol].rstrip("\r").lstrip(" \t")
    return TABLE_DELIMITER.match(row) is not None


def _cells(text: str, line: int, eol: int) -> int:
    """How many cells the row at ``line`` has (split at pipes no backslash escapes)."""
    q = _CONTAINERS.match(
        text, line, eol
    )  # "- | a | b |", "- > | a | b |": a table opening an item
    assert q is not None
    pos, stop = q.end(), eol
    while pos < stop and text[pos] in " \t":
        pos += 1
    while stop > pos and text[stop - 1] in " \t\r":
        stop -= 1
    if pos < stop and text[pos] == "|":
        pos += 1
    if stop > pos and text[stop - 1] == "|" and text[stop - 2 : stop - 1] != "\\":
        stop -= 1
    count = 1
    while (pipe := next_pipe(text, pos, stop)) != -1:
        count += 1
        pos = pipe + 1
    return count


def _excess_from(text: str, start: int, eol: int, count: int) -> int | None:
    """Where the first cell past ``count`` starts in the row ``text[start:eol]``, or None."""
    pos = start
    while pos < eol and text[pos] in " \t":
        pos += 1
    if pos < eol and text[pos] == "|":
        pos += 1  # a leading pipe opens the first cell
    for _ in range(count):
        pipe = next_pipe(text, pos, eol)
        if pipe == -1:
            return None
        pos = pipe + 1
    rest = text[pos:eol]
    return pos if rest.strip(" \t\r|") else None
