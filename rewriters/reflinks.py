"""Reference-style links: the definitions of a Markdown body and the uses that name them.

Why a pass of its own: CommonMark decides that ``[text][label]``, ``[label][]`` or
``[label]`` is a link only when ``label`` is defined *anywhere* in the document,
before or after the use (§4.7, §6.3), and a link's text is what a reader sees, never
a URL. Jekyll sites write most links this way (ruby-lang.org's news posts end with
numbered definitions, ``[1]: https://cache.ruby-lang.org/…``, and show the URL as
the text, ``[https://cache.ruby-lang.org/…/ruby-1.8.7-p374.tar.bz2][1]``): without
the labels known first, the text was reported as a bare URL that a rescue would
rewrite. :func:`find_definitions` reads every definition of a body once, before the
inline pass, in time linear in its length.

What is a definition here: ``[label]: destination`` (optionally a title), the label
at most 999 characters without unescaped brackets nor a blank line, starting a line
after at most the markers of the containers it sits in: block quotes (``> [x]: …``),
list items (``- [x]: …``, or indented to the item's content column, 4 spaces under
``1.  item``) or up to 3 spaces (4 make an indented code block). A footnote-style label (``[^1]: …``)
is an ordinary label, as CommonMark reads it. Deliberately lenient, as the scanner
always was for scraped corpora: a definition right under a paragraph line counts
(CommonMark says it cannot interrupt a paragraph).

Labels match by CommonMark's normalisation (:func:`normalize_label`): case-folded,
inner white space collapsed, outer white space dropped; the first definition of a
label wins.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from linkrescue.rewriters.blocks import continues_paragraph_of
from linkrescue.rewriters.liquid import TEMPLATE_DEFINITION
from linkrescue.rewriters.model import Syntax

#: One character of a link label: no unescaped bracket, no blank line inside (a
#: backslash may escape a bracket, or stand before a line break).
_LABEL_CHAR = r"(?:[^\[\]\\\n]|\\[^\n]|\\|\n(?![ \t\r]*(?:\n|\Z)))"
#: A label in brackets (CommonMark: at most 999 characters; bounded, so a ``[`` with
#: no ``]`` reads ahead at most that far).
LABEL: Final = re.compile(rf"\[({_LABEL_CHAR}{{0,999}}+)\]")
_DEFINITION_LABEL = re.compile(rf"\[{_LABEL_CHAR}{{1,999}}+\]:")
#: What follows a definition's label: the destination, raw or in angle brackets (or a
#: Liquid template, spaces and all), then the end of the line or a title.
DEFINITION: Final = re.compile(
    r"""\]:[ \t]*+(?:\r?\n(?P<quotes>(?:[ \t]*+>)*+)[ \t]*+)?"""
    r"""(?:<(?P<angle>(?:[^<>\n\\]++|\\.)*+)>|(?P<raw>[^\s<][^\s]*+)"""
    rf"""|(?P<liquid>{TEMPLATE_DEFINITION}))"""
    r"""(?=[ \t]*+(?:\r?\n|\Z)|[ \t]++["'(])"""
)
#: The longest label CommonMark allows: a longer text names no definition.
MAX_LABEL: Final = 999
#: What may stand before a definition's ``[`` on its line: indentation and the markers
#: of block quotes and list items.
_CONTAINERS = re.compile(r"(?:[ \t]*+(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t])))*+[ \t]*+")
#: How far back a definition's line start is looked for (containers are short).
_PREFIX_LIMIT: Final = 120


def normalize_label(label: str) -> str:
    """A label as CommonMark compares it: case-folded, white space collapsed and trimmed."""
    return " ".join(label.split()).casefold()


#: Where a line starting at an offset sits in a list item: its content column, or None.
ListColumn = Callable[[str, int, int], int | None]


def starts_definition_line(
    text: str, opener: int, body_start: int, list_column: ListColumn
) -> bool:
    """Whether the ``[`` at ``opener`` may open a definition: only container markers
    and indentation before it on its line (see the module's docstring).

    Indentation alone of 4 columns or more makes code, or a paragraph's continuation
    (CommonMark §4.4), unless the line continues a list item (``list_column`` says
    where its content starts, :func:`linkrescue.rewriters.markdown` knows).
    """
    low = max(body_start, opener - _PREFIX_LIMIT)
    newline = text.rfind("\n", low, opener)
    if newline == -1:
        if low > body_start:
            return False
        line = body_start
    else:
        line = newline + 1
    if _CONTAINERS.fullmatch(text, line, opener) is None:
        return False
    prefix = text[line:opener]
    if prefix.strip(" \t"):  # a block quote's or a list item's marker
        return not _continues_paragraph(text, line, prefix, body_start)
    width = len(prefix.expandtabs(4))
    if width <= 3:
        return True
    column = list_column(text, line, body_start)
    return column is not None and width < column + 4


_ORDERED: Final = re.compile(r"[ \t>]*+(\d{1,9})([.)])")
#: A line above that leaves no paragraph open: blank, a heading, a fence, an HTML
#: start, a break or underline, or a definition (read at once, as markdown-it does),
#: also as the first line of a list item (``- [1]: …`` then ``2) [1]: …``: a new list).
_NOT_PARAGRAPH: Final = re.compile(
    r"(?:[ \t>]|(?:[-+*]|\d{1,9}[.)])(?=[ \t]))*+"
    r"(?:$|#|`{3}|~{3}|<|(?:[-*_=][ \t]*+){3,}$|\[[^\]\n]*\]:)"
)


def _continues_paragraph(text: str, line: int, prefix: str, body_start: int) -> bool:
    """Whether an ordered list marker starting at other than 1 (``2) [1]: …``) under a
    paragraph line is that paragraph's text: such a list cannot interrupt a paragraph
    (CommonMark §5.2), so no definition starts there. A sibling of the line above's own
    item (``1)`` then ``2)``) continues its list and may."""
    marker = _ORDERED.match(prefix)
    if marker is None or int(marker.group(1)) == 1 or line <= body_start:
        return False
    above = text.rfind("\n", body_start, line - 1) + 1
    row = text[max(above, body_start) : line - 1].rstrip("\r")
    if not row.strip(" \t>") or _NOT_PARAGRAPH.match(row):
        return False
    if not continues_paragraph_of(row, text[line : line + len(prefix)]):
        return False  # "- a" or "> a" then "2) [1]: …": a new list, not that paragraph's text
    sibling = _ORDERED.match(row)
    return sibling is None or sibling.group(2) != marker.group(2)


@dataclass(frozen=True, slots=True)
class Definition:
    """One ``[label]: destination``: where its label ends (the ``]``), its destination's
    span and syntax, and where the scanner goes on after it."""

    label_end: int
    start: int
    end: int
    syntax: Syntax
    resume: int


class Definitions:
    """The definitions of a body: by where their ``[`` is, and by normalised label."""

    __slots__ = ("by_label", "by_opener")

    def __init__(self) -> None:
        #: Every definition, by the offset of its label's ``[``.
        self.by_opener: dict[int, Definition] = {}
        #: The first definition of each normalised label.
        self.by_label: dict[str, Definition] = {}

    def __bool__(self) -> bool:
        return bool(self.by_opener)

    def named(self, label: str) -> Definition | None:
        """The definition ``label`` (as written in a use) names, or None."""
        if not self.by_label or len(label) > MAX_LABEL:
            return None
        return self.by_label.get(normalize_label(label))

    def named_by(self, text: str, start: int, end: int) -> Definition | None:
        """:meth:`named` for the label ``text[start:end]``, the text of a link; a text
        too long for a label is not even read (brackets nested thousands deep would
        read it again at each level)."""
        if not self.by_label or end - start > MAX_LABEL:
            return None
        return self.by_label.get(normalize_label(text[start:end]))


#: A body without definitions (most news articles): shared, never filled.
NO_DEFINITIONS: Final = Definitions()


def _changes_quote(text: str, opener: int, start: int, quotes: str) -> bool:
    """Whether the ``>`` markers ``quotes`` before a destination on the line after a
    definition's label differ from those before the label (``> [x]:`` then
    ``>   <url>`` is one definition in a quote; ``[x]:`` then ``> <url>`` opens a
    quote, and ``[x]:`` alone defines nothing)."""
    line = max(text.rfind("\n", start, opener) + 1, start)
    return text.count(">", line, opener) != quotes.count(">")


def find_definitions(
    text: str,
    start: int,
    end: int,
    code: list[tuple[int, int]],
    list_column: ListColumn,
    table_rows: Mapping[int, int] | None = None,
) -> Definitions:
    """The definitions in ``text[start:end]`` outside the ``code`` spans (sorted);
    ``list_column`` tells a list item's continuation lines (:func:`starts_definition_line`);
    ``table_rows`` (the starts of GFM table rows' lines, :mod:`~linkrescue.rewriters.tables`)
    the lines that are a table's text: GFM runs a table on over the lines below it, so a
    ``[1]: https://…`` written right under one is a row, and defines nothing.

    Linear: each ``[`` is tried once, and a label stops at the next bracket.
    """
    if text.find("]:", start, end) == -1:
        return NO_DEFINITIONS
    found = Definitions()
    code_starts = [s for s, _ in code]
    pos = start
    while (m := _DEFINITION_LABEL.search(text, pos, end)) is not None:
        opener = m.start()
        label_end = m.end() - 2
        pos = opener + 1
        if not text[opener + 1 : label_end].strip():
            continue
        if not starts_definition_line(text, opener, start, list_column):
            continue
        if table_rows and max(text.rfind("\n", start, opener) + 1, start) in table_rows:
            continue
        i = bisect_right(code_starts, opener) - 1
        if i >= 0 and opener < code[i][1]:
            pos = code[i][1]
            continue
        d = DEFINITION.match(text, label_end, end)
        if d is None or (d["quotes"] and _changes_quote(text, opener, start, d["quotes"])):
            continue
        group = d.lastgroup
        assert group is not None
        syntax = Syntax.MARKDOWN_ANGLE if group == "angle" else Syntax.MARKDOWN_RAW
        definition = Definition(label_end, d.start(group), d.end(group), syntax, d.end())
        found.by_opener[opener] = definition
        found.by_label.setdefault(normalize_label(text[opener + 1 : label_end]), definition)
        pos = d.end()
    return found
