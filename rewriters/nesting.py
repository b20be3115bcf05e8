"""Code and HTML blocks inside nested containers, read by a CommonMark block parser.

Why: the scanner (:mod:`linkrescue.rewriters.markdown`) finds code and HTML blocks
from each line and the lines just above it (:mod:`linkrescue.rewriters.blocks`),
which is right at the top level and one list item or ``>`` quote deep, but not
further: where a list item inside a quote ends, whether ``>     code`` is indented
code, whether ``<details>`` under ``- item`` is an HTML block or a lazy paragraph
line, all depend on the whole stack of containers, their markers' widths and lazy
continuation lines (CommonMark §5). A design document that shows a Markdown sample
as indented code in a list item had its sample's ``[link](…)`` reported, and a
``> <details>`` block's Markdown too (issue 10: the differential test's nested
containers disagreed with markdown-it-py on half the generated documents).

So a document whose containers hold such blocks (:func:`needs_block_pass`, one
regular expression over line starts, false for news articles: top-level blocks, a
``> caption`` quote, a list of links) has its blocks read by markdown-it-py's block
parser (CommonMark's reference algorithm in a well-kept library: the block parse
only, no inline pass), and every line of each code or HTML block it finds is
treated as the scanner treats that block. Every line belongs to one leaf block at
most, so whole lines are exact: the container markers on them hold no references.

The scanner's lenient repairs for the scraped news corpora hold here too
(:mod:`linkrescue.rewriters.htmlblocks`): an unclosed ``<!--`` or ``<pre>`` hides
nothing, and a line of complete HTML elements is not an HTML block.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from markdown_it import MarkdownIt
from markdown_it.token import Token

from linkrescue.rewriters.htmlblocks import leaves_nothing_open, unclosed_type_1

#: A line start that only a parser of nested containers reads right: after a ``>``
#: or list marker, another marker (nesting), an HTML block start, a definition
#: whose destination is on the next line, indented code, or nothing (an item whose
#: content starts on the next line); after a ``>`` and 2
#: spaces or more (a list item's continuation in a quote), any block start; and
#: after a blank line, a line indented 4 or more (code or a list item's paragraph).
_MARKER = r"(?:>|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t]))"
_BLOCK_START = r"(?:<[A-Za-z!?/]|\[[^\]\n]*+\]:[ \t]*+\r?$|`{3,}|~{3,}|" + _MARKER + ")"
_NEEDY_LINE = (
    rf"(?:[ ]{{0,3}}{_MARKER}(?:[ \t]*+(?:{_BLOCK_START}|\r?$)|[ ]{{5}}|[ ]{{0,4}}\t)"
    rf"|[ ]{{0,3}}>[ ]{{2,}}{_BLOCK_START}"
    rf"|[ \t]++{_BLOCK_START}"
    r"|[ \t]*+\r?\n(?:[ ]{4}|[ ]{0,3}\t)[ \t]*+[^ \t\r\n])"
)
# Searched from a newline (a literal: the engine skips ahead in C, as the scanner's
# block pass does); the first line is matched on its own.
_NEEDS: Final = re.compile(r"\n(?=[ \t>*+\-\d\r\n])" + _NEEDY_LINE, re.MULTILINE)
_NEEDS_FIRST: Final = re.compile(_NEEDY_LINE, re.MULTILINE)
#: A container at a line start: a quote, or a list item.
_CONTAINER_LINE = r"[ ]{0,3}" + _MARKER
_CONTAINER: Final = re.compile(r"\n" + _CONTAINER_LINE)
_CONTAINER_FIRST: Final = re.compile(_CONTAINER_LINE)


def needs_block_pass(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` has a list item or quote and a line whose block
    only the containers around it decide (see the module's docstring)."""
    return (
        _NEEDS.search(text, start, end) is not None
        or _NEEDS_FIRST.match(text, start, end) is not None
    ) and (
        _CONTAINER.search(text, start, end) is not None
        or _CONTAINER_FIRST.match(text, start, end) is not None
    )


@cache
def _parser() -> MarkdownIt:
    """CommonMark with GFM tables (a table row is no paragraph line), block rules only."""
    return MarkdownIt("commonmark").enable("table")


def nested_blocks(
    text: str, start: int, end: int, html: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The spans of the code blocks and HTML blocks of ``text[start:end]``, whole
    lines, in order; HTML blocks (read for tags only) are listed in ``html`` too.

    HTML comments are code (nothing in them is read), as the scanner's own comments.
    """
    source = text[start:end]
    line_starts = [start]
    pos = source.find("\n")
    while pos != -1:
        line_starts.append(start + pos + 1)
        pos = source.find("\n", pos + 1)
    line_starts.append(end)
    tokens: list[Token] = []
    md = _parser()
    md.block.parse(source.replace("\r\n", "\n"), md, {}, tokens)
    blocks: list[tuple[int, int]] = []
    for token in tokens:
        if token.map is None or token.type not in _LEAVES:
            continue
        first, last = token.map
        block = (line_starts[first], line_starts[min(last, len(line_starts) - 1)])
        if token.type != "html_block":
            blocks.append(block)
            continue
        at = text.find("<", *block)
        eol = text.find("\n", at, block[1])
        eol = block[1] if eol == -1 else eol
        if text.startswith("<!--", at):
            if text.find("-->", at, block[1]) != -1:
                blocks.append(block)
            continue  # an unclosed <!-- hides nothing
        if unclosed_type_1(text, at, eol, block[1]) or leaves_nothing_open(text, at, eol):
            continue
        blocks.append(block)
        html.append(block)
    return blocks


_LEAVES: Final = frozenset({"code_block", "fence", "html_block"})
