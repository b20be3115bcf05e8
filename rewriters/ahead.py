"""Where a closing string next occurs, each stretch of text searched at most once.

A scanner that meets an opener (``<`` of a tag, ``<!--`` of a comment) looks ahead
for what would close it; when nothing does, the opener is text and scanning goes on
one character later, where the next opener looks ahead again. Searched afresh each
time, a line of 20,000 unclosed ``<a href="x" `` took 40 s to scan (issue 10: one
broken or hostile file must not stall a CI job). Asked in increasing order of
position, :class:`Ahead` answers from what it already found, so a whole scan costs
one pass over the text per closing string, as CommonMark parsers bound look-ahead.
"""

from __future__ import annotations


class Ahead:
    """The next offset of ``needle`` in ``text[:end]`` at or after a position."""

    __slots__ = ("_end", "_found", "_from", "_needle", "_text")

    def __init__(self, text: str, needle: str, end: int) -> None:
        self._text = text
        self._needle = needle
        self._end = end
        self._from = end + 1  # nothing searched yet
        self._found = -1

    def next(self, pos: int) -> int:
        """The offset of the first ``needle`` starting at or after ``pos``, or -1."""
        # The last search, from ``_from``, found ``_found`` (or nothing): its answer
        # holds for every ``pos`` between ``_from`` and what it found.
        if self._from <= pos and (self._found == -1 or self._found >= pos):
            return self._found
        self._from = pos
        self._found = self._text.find(self._needle, pos, self._end)
        return self._found
