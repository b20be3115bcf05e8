"""The one model of a document that finding and editing share.

A :class:`Reference` is a span of the document's text (``text[start:end] == raw``)
that names a resource. Offsets are character offsets into the file decoded as
UTF-8 with newlines untranslated, so the rewriter replaces exactly the URL text
that the scanner found, and nothing else: scanner and rewriter cannot disagree
because an :class:`Edit` is built from a Reference and checked against the text.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class RefKind(StrEnum):
    """Where a reference is written; the values are the ``kind`` field of the scan contract."""

    MD_LINK = "md-link"
    MD_IMAGE = "md-image"
    MD_REFDEF = "md-refdef"
    AUTOLINK = "autolink"
    HTML = "html"
    SHORTCODE = "shortcode"
    FRONTMATTER = "frontmatter"


@dataclass(frozen=True, slots=True)
class Reference:
    """One URL as written in a document, with its exact span.

    ``line`` and ``column`` are 1-based and point at ``raw``'s first character.
    ``element``/``attribute`` are set for ``html`` references (``img``/``srcset``)
    and for ``shortcode`` ones (the shortcode's name and the parameter's, ``video``/``src``,
    or the position of a positional parameter, ``figure``/``0``),
    ``key`` (a dotted path such as ``cover.src`` or ``images.0``) for frontmatter ones.
    """

    kind: RefKind
    raw: str
    start: int
    end: int
    line: int
    column: int
    element: str | None = None
    attribute: str | None = None
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A Markdown document read into its frontmatter and its references.

    ``frontmatter`` holds the parsed YAML values ({} when there is none or it is
    malformed); ``frontmatter_error`` says why it could not be read, so a caller
    can report the file and still use the body's references (real corpora have
    a dozen files whose YAML has control characters, yet their links are good).
    """

    text: str
    frontmatter: Mapping[str, object]
    references: tuple[Reference, ...]
    frontmatter_error: str | None = None
    body_start: int = 0


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]``, which must still read ``expected``, by ``replacement``."""

    start: int
    end: int
    expected: str
    replacement: str


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column, for reports."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class LineIndex:
    """Maps character offsets to 1-based (line, column) by bisecting line starts."""

    starts: tuple[int, ...] = field(default=())

    @classmethod
    def of(cls, text: str) -> LineIndex:
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        return cls(tuple(starts))

    def position(self, offset: int) -> Position:
        return Position(*self.line_column(offset))

    def line_column(self, offset: int) -> tuple[int, int]:
        """:meth:`position` as a plain pair, for the scanners' hot path."""
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def make_reference(
    text: str,
    lines: LineIndex,
    kind: RefKind,
    start: int,
    end: int,
    *,
    element: str | None = None,
    attribute: str | None = None,
    key: str | None = None,
) -> Reference:
    """The :class:`Reference` for ``text[start:end]``, its line and column taken from ``lines``.

    Every scanner builds its references here, so ``raw`` is always the span's text.
    """
    line, column = lines.line_column(start)
    return Reference(kind, text[start:end], start, end, line, column, element, attribute, key)
