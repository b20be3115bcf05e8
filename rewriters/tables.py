"""GFM tables: the cells a reader sees, and the ones GFM drops.

A row with more cells than the table's header keeps only the header's count: "the
excess is ignored" (GFM spec §4.10, "Tables (extension)"), so a link written in a
third cell of a two-column table is never rendered and is no reference of the page
(a GitHub-style design document's table with a stray ``|`` in a cell's text). Cells
are split at every ``|`` no backslash escapes — inside code spans too, as GFM does.

Rows run from the delimiter row down to a blank line or a line that starts another
block (a heading, a fence, a quote, a list item, an HTML block, a break); a row
without a ``|`` has one cell and drops nothing. A table inside ``>`` quotes reads its
rows at the same depth. Only documents holding a delimiter row pay for this.
"""

from __future__ import annotations

import re
from typing import Final

from linkrescue.rewriters.blocks import TABLE_DELIMITER, next_pipe

#: The ``>`` markers before a row, indented as deep as the list items around them.
_QUOTES: Final = re.compile(r"(?:[ \t]*+>[ ]?)*+")
#: A quick test: a delimiter row's ``-|`` or ``|-`` (with colons or spaces between).
_MAYBE: Final = re.compile(r"\|[ \t]*+:?-|-:?[ \t]*+\|")
#: A list item's marker before a table's header row.
_ITEM: Final = re.compile(r"[ \t]*+(?:[-+*]|\d{1,9}[.)])[ \t]+(?=\|)")
#: A line that starts another block, which ends a table (after its quote markers).
_ENDS_TABLE: Final = re.compile(
    r"[ ]{0,3}(?:#{1,6}(?:[ \t]|$)|`{3}|~{3}|>|[-+*][ \t]|\d{1,9}[.)][ \t]|<[A-Za-z/!?]|(?:[-*_][ \t]*+){3,}$)"
)


def excess_cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of ``text[start:end]`` that are cells past their table's header count."""
    if _MAYBE.search(text, start, end) is None:
        return []
    spans: list[tuple[int, int]] = []
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
            ):
                line = eol + 1
                continue
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
                ):
                    break
                excess = _excess_from(text, q.end(), row_end, count)
                if excess is not None:
                    spans.append((excess, row_end))
                at = row_end + 1
            line = at
            continue
        line = eol + 1
    return spans


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
    q = _QUOTES.match(text, line, eol)
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
    q = _QUOTES.match(text, line, eol)
    assert q is not None
    pos, stop = q.end(), eol
    marker = _ITEM.match(text, pos, stop)  # a table opening a list item: "- | a | b |"
    if marker is not None:
        pos = marker.end()
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
