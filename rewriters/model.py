"""The one model of a document that finding and editing share.

A :class:`Reference` is a span of the document's text (``text[start:end] == raw``)
that names a resource. Offsets are character offsets into the file decoded as
UTF-8 with newlines untranslated, so the rewriter replaces exactly the URL text
that the scanner found, and nothing else: scanner and rewriter cannot disagree
because an :class:`Edit` is built from a Reference and checked against the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

_LINE_END = re.compile(r"\r\n?|\n")


class RefKind(StrEnum):
    """Where a reference is written; the values are the ``kind`` field of the scan contract."""

    MD_LINK = "md-link"
    MD_IMAGE = "md-image"
    MD_REFDEF = "md-refdef"
    MD_REFUSE = "md-refuse"
    AUTOLINK = "autolink"
    HTML = "html"
    SHORTCODE = "shortcode"
    FRONTMATTER = "frontmatter"
    CSS = "css"


class Syntax(StrEnum):
    """How a reference's destination is written, as the scanner that found it read it.

    Reading a destination (its escapes undone) and writing a new one in its place
    (:mod:`linkrescue.rewriters.destinations`) both go by it: an escape or a quote
    means something else in each, and only the scanner saw which one it was in
    (a ``"`` before a span is a YAML quote, an HTML quote, a shortcode's quote, or
    a stray quote a scraper left in a Markdown destination).
    """

    MARKDOWN_RAW = "markdown-raw"
    """A Markdown destination as it is, ``[t](url)`` or ``[label]: url``: it ends at
    white space or an unbalanced ``)``; backslash escapes and character references."""
    MARKDOWN_ANGLE = "markdown-angle"
    """A Markdown destination in angle brackets, ``[t](<url>)`` or ``[label]: <url>``:
    it may hold spaces and parentheses."""
    AUTOLINK = "autolink"
    """An autolink ``<https://…>`` (CommonMark §6.5): the span is inside the brackets."""
    AUTOLINK_EMAIL = "autolink-email"
    """An e-mail autolink ``<name@example.org>`` (CommonMark §6.5): the span is the address
    inside the brackets, the destination ``mailto:`` and the address."""
    MARKDOWN_TEXT = "markdown-text"
    """The visible text (or label) of a reference-style use, ``[text][label]``: no
    destination at all. Nothing is ever written there; a rewrite rewrites the definition."""
    BARE = "bare"
    """A bare URL in text (a GFM extended autolink): a rewrite makes it a link."""
    BARE_AFTER_BANG = "bare-after-bang"
    """A bare URL right after a ``!``: the link a rewrite makes of it would be an image."""
    BARE_AFTER_ANGLE = "bare-after-angle"
    """A bare URL right after a ``<`` that opened no tag nor autolink (``<http://x y>``)."""
    HTML_QUOTED = "html-quoted"
    """An HTML attribute value in double or single quotes (the span is inside them)."""
    HTML_UNQUOTED = "html-unquoted"
    """An unquoted HTML attribute value: it ends at white space or ``>``."""
    HTML_SRCSET = "html-srcset"
    """One candidate URL of a ``srcset`` value: it ends at a comma or white space."""
    SHORTCODE_DOUBLE_QUOTED = "shortcode-double-quoted"
    """A Hugo shortcode parameter value in ``"…"`` (``\\"`` is a quote in it)."""
    SHORTCODE_SINGLE_QUOTED = "shortcode-single-quoted"
    """A shortcode value in ``'…'`` (no escape)."""
    SHORTCODE_RAW_STRING = "shortcode-raw-string"
    """A shortcode value in backticks, a Go raw string (no escape)."""
    SHORTCODE_UNQUOTED = "shortcode-unquoted"
    """An unquoted shortcode value: it ends at white space or the closing delimiter."""
    YAML_DOUBLE_QUOTED = "yaml-double-quoted"
    """A YAML double-quoted scalar (backslash escapes; the span is inside the quotes)."""
    YAML_SINGLE_QUOTED = "yaml-single-quoted"
    """A YAML single-quoted scalar (``''`` is a quote)."""
    YAML_PLAIN = "yaml-plain"
    """A YAML plain scalar (a flow list's ``,[]{}`` would end it)."""
    TOML_BASIC = "toml-basic"
    """A TOML basic string ``"…"`` (backslash escapes, as JSON's plus ``\\U``; the span
    is inside the quotes)."""
    TOML_LITERAL = "toml-literal"
    """A TOML literal string ``'…'`` (no escape: it cannot hold a ``'``)."""
    JSON_STRING = "json-string"
    """A JSON string (backslash escapes; the span is inside the quotes)."""
    CSS_URL = "css-url"
    """An unquoted CSS ``url(…)`` (the span is inside the parentheses, white space
    trimmed): it ends at white space, a quote or a parenthesis; backslash escapes."""
    CSS_STRING = "css-string"
    """A CSS string, in ``url("…")`` or ``@import "…"`` (the span is inside the
    quotes): backslash escapes, a newline cannot be in it."""


@dataclass(frozen=True, slots=True)
class Reference:
    """One URL as written in a document, with its exact span.

    ``line`` and ``column`` are 1-based and point at ``raw``'s first character.
    ``element``/``attribute`` are set for ``html`` references (``img``/``srcset``)
    and for ``shortcode`` ones (the shortcode's name and the parameter's, ``video``/``src``,
    or the position of a positional parameter, ``figure``/``0``),
    ``key`` (a dotted path such as ``cover.src`` or ``images.0``) for frontmatter ones.
    ``syntax`` is how the destination is written, from the scanner that found it.
    A reference-style use (``md-refuse``: its span is the text the reader sees) has its
    label in ``key`` and its definition's destination in ``definition`` (None when the
    label is defined nowhere in the document).
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
    syntax: Syntax = field(kw_only=True)
    definition: Reference | None = field(default=None, kw_only=True)


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
        """Lines end at LF, CRLF or a lone CR (CommonMark §2.1), as editors count them."""
        starts = [0]
        if "\r" in text and text.count("\r") != text.count("\r\n"):
            starts.extend(m.end() for m in _LINE_END.finditer(text))
            return cls(tuple(starts))
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
    syntax: Syntax,
    *,
    element: str | None = None,
    attribute: str | None = None,
    key: str | None = None,
    definition: Reference | None = None,
) -> Reference:
    """The :class:`Reference` for ``text[start:end]``, its line and column taken from ``lines``.

    Every scanner builds its references here, so ``raw`` is always the span's text.
    """
    line, column = lines.line_column(start)
    return Reference(
        kind,
        text[start:end],
        start,
        end,
        line,
        column,
        element,
        attribute,
        key,
        syntax=syntax,
        definition=definition,
    )


def make_references(
    text: str,
    lines: LineIndex,
    spans: Iterable[tuple[RefKind, int, int, str | None, str | None, Syntax]],
) -> list[Reference]:
    """:func:`make_reference` for each ``(kind, start, end, element, attribute, syntax)``
    of ``spans``, sorted by start: the body scanner's many references built in one
    loop (two Python calls less per reference, a tenth of a corpus scan's body time).
    """
    starts = lines.starts
    refs: list[Reference] = []
    append = refs.append
    for kind, start, end, element, attribute, syntax in spans:
        line = bisect_right(starts, start)
        append(
            Reference(
                kind,
                text[start:end],
                start,
                end,
                line,
                start - starts[line - 1] + 1,
                element,
                attribute,
                syntax=syntax,
            )
        )
    return refs
