"""Which ``#fragment``s a Markdown document defines: its headings' ids and its HTML anchors.

Why: ``linkrescue check`` reports a link to ``other.md#section`` (or to ``#section`` of
the same page) whose heading does not exist (issue 11). A site generator gives each
heading an ``id`` derived from its text, and the rules differ, so the rule is a
setting (``[check] fragments``): ``github`` for READMEs and GitHub-rendered docs,
``hugo`` for Hugo sites. What a document defines:

* **headings**, ATX (``## Title``, a closing ``#`` run stripped) and setext (``Title``
  over ``===`` or ``---``, a paragraph of one or more lines), at the top level, in
  list items and in ``>`` quotes; never inside fenced or indented code, HTML blocks,
  HTML comments, Liquid's ``{% highlight %}``/``{% raw %}``/``{% comment %}`` or the
  frontmatter. Where code is comes from the reference scan itself
  (:func:`linkrescue.rewriters.markdown.block_regions`), so the two never disagree;
* **HTML anchors**: ``id="…"`` on any element and ``name="…"`` on ``<a>`` in the body
  (HTML: "find a potential indicated element" looks for both), inline or in HTML
  blocks (``## <a name="install"></a>Install``, ``<h2 id="faq">``). Both rules count
  them: GitHub keeps them (prefixed ``user-content-``, which its page script resolves);
  Hugo drops raw HTML unless ``markup.goldmark.renderer.unsafe`` is on, which a
  Markdown file alone does not tell, and a missed broken link costs less than a red
  CI run for a working one. A tag inside a code span is code, not an anchor.

The **github** rule is GitHub's own (``GitHub::HTML::TableOfContentsFilter``, the
Ruby filter github-slugger reproduces): the heading element's text as rendered —
inline markup removed (``**x**`` → x, `` `code` `` → code, ``[text](url)`` → text,
``<tags>`` dropped, ``&amp;`` → &), image alt text left out (it is no text of the
element) — lower-cased; every character that is not a letter, a mark, a decimal
digit, connector punctuation (``_``), ``-`` or a space removed (``\\p{Word}``:
Unicode-aware, so ``國安法下的香港`` stays and emoji go); each space becomes ``-``
(nothing is trimmed: ``## <img src=x> Title`` is ``-title``); a repeat gets ``-1``,
``-2``… (the first suffix free of every id before it). ``{#id}`` is text there. The
filter runs on the rendered page, so a heading written in HTML (a README's
``<h1 align="center">``) gets an id too; an empty heading gets none.

The **hugo** rule is Goldmark's auto heading id as Hugo configures it
(``markup.goldmark.parser.autoHeadingIDType = "github"``, the default; ``autoIDType``
in recent Hugo documentation; Hugo's ``markup/goldmark/autoid.go``). It is close to
GitHub's and differs where that code does:

* the text is trimmed of white space first (``bytes.TrimSpace``): ``title``, not
  ``-title``;
* kept are letters, decimal digits (``unicode.IsLetter``/``IsDigit``) and ``_``
  only: marks (combining accents, the vowel signs of Indic scripts) and connector
  punctuation other than ``_`` are dropped, where GitHub keeps them;
* a heading whose id comes out empty gets ``heading`` (then ``heading-1``…);
* ``## Title {#custom-id}`` (Goldmark's heading attributes, on by default:
  ``parser.attribute.title``) sets the id and is no part of the text; ``#id`` stops
  at a space or ASCII punctuation other than ``-`` and ``_`` (``{#1-s.-incarnata}``
  is id ``1-s`` and a class, gohugoio/hugo#6548; Goldmark's ``parser/attribute.go``),
  the last id given wins, and explicit ids take part in the numbering of repeats;
* image alt text is text (Goldmark's text of an image is its alt).

The text is the heading's text with inline markup removed in both rules: Hugo
0.144.0 stopped feeding Goldmark's raw source line (link URLs and ``_`` of
emphasis leaked into ids: gohugoio/hugo#13405, ``we-value-_compatibility_`` became
``we-value-compatibility`` in open-telemetry/opentelemetry.io#6413); the older
behaviour, Hugo's typographer and GitHub's ``:emoji:`` shortcodes are not modelled.

**Matching** (:meth:`Anchors.find`): a browser compares a fragment with ids exactly
(case-sensitive), after trying it as written and then percent-decoded as UTF-8
(HTML, "find a potential indicated element": ``#%E5%9C%8B…`` is the CJK heading's
id), and ``#top`` or an empty fragment is the top of the page. So does the hugo
rule: a Hugo site's ``#Install`` misses ``id="install"``. GitHub's page script
resolves a fragment whatever its case (``settings.md#DiAgNoStIc`` reaches
``## Diagnostic``, rsc/markdown#19; tested in serokell/xrefcheck#211) and with or
without its ``user-content-`` prefix, so the github rule matches case-insensitively
and accepts the prefix: a link that works on GitHub is never reported.

Cost: one pass over the lines outside code, a few regular expressions per heading;
linear in the length of the text whatever it holds (tests/rewriters/test_linear_time.py).
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias
from urllib.parse import unquote

from linkrescue.rewriters.blocks import InlineBlocks, enclosing_item_column, indent_width
from linkrescue.rewriters.frontmatter import find_frontmatter
from linkrescue.rewriters.markdown import block_regions, link_destination
from linkrescue.rewriters.model import LineIndex
from linkrescue.rewriters.tables import find_tables

#: How a heading's text becomes its id (``[check] fragments``).
Rule: TypeAlias = Literal["github", "hugo"]
RULES: Final[tuple[Rule, ...]] = ("github", "hugo")
#: What defines an anchor: a heading, or an HTML ``id``/``<a name>``.
AnchorKind: TypeAlias = Literal["heading", "html"]


@dataclass(frozen=True, slots=True)
class Anchor:
    """One fragment a document defines, and where (1-based line and column)."""

    id: str
    kind: AnchorKind
    line: int
    column: int
    #: The heading's text as rendered (empty for an HTML anchor), for messages.
    text: str = ""


@dataclass(frozen=True, slots=True)
class Anchors:
    """The fragments a document defines under ``rule``, in document order."""

    rule: Rule
    anchors: tuple[Anchor, ...]
    #: The ids as the page has them (compared exactly by a browser).
    ids: frozenset[str]
    _by_key: dict[str, Anchor] = field(repr=False, compare=False)

    def find(self, fragment: str) -> Anchor | None:
        """The anchor a link's ``fragment`` (without its ``#``) reaches, or None.

        Tried as written, then percent-decoded, as a browser does; under the github
        rule case-insensitively and with or without ``user-content-`` (GitHub's page
        script). The top of the page is no anchor: see :meth:`has`.
        """
        for candidate in _candidates(fragment):
            anchor = self._by_key.get(_key(candidate, self.rule))
            if anchor is None and self.rule == "github":
                folded = candidate.lower()
                if folded.startswith(_GITHUB_PREFIX):
                    anchor = self._by_key.get(folded[len(_GITHUB_PREFIX) :])
            if anchor is not None:
                return anchor
        return None

    def has(self, fragment: str) -> bool:
        """Whether a link to ``#fragment`` lands somewhere: an anchor, or the top of the
        page (an empty fragment or ``top`` in any case, HTML's special case)."""
        if any(c == "" or c.lower() == "top" for c in _candidates(fragment)):
            return True
        return self.find(fragment) is not None

    def closest(self, fragment: str) -> Anchor | None:
        """The anchor whose id is most like ``fragment`` (a stale or mistyped link), for a
        message's "did you mean"; None when none is close (``difflib``'s 0.6 ratio)."""
        decoded = decode_fragment(fragment)
        wanted = _key(decoded, self.rule)
        keys = list(self._by_key)
        folded = {k.lower(): k for k in keys}  # "#Install" under hugo: "install" is meant
        if wanted.lower() in folded:
            return self._by_key[folded[wanted.lower()]]
        match = difflib.get_close_matches(wanted, keys, n=1)
        return self._by_key[match[0]] if match else None


def decode_fragment(fragment: str) -> str:
    """``fragment`` (without its ``#``) percent-decoded as UTF-8, as a browser does before
    its second look-up (invalid bytes become U+FFFD): ``%E5%9C%8B`` is ``國``."""
    return unquote(fragment, errors="replace")


def anchors(text: str, rule: Rule) -> Anchors:
    """The fragments the Markdown document ``text`` (frontmatter and all) defines."""
    if rule not in RULES:
        raise ValueError(f"unknown heading-id rule {rule!r} (one of {', '.join(RULES)})")
    block = find_frontmatter(text)
    start = block.body_start if block is not None else (1 if text.startswith("\ufeff") else 0)
    body = _LONE_CR.sub("\n", text) if "\r" in text else text
    end = len(body)
    regions, html_blocks = block_regions(body, start, end)
    reader = _Reader(body, start, rule)
    found: list[tuple[int, Anchor]] = []
    pos = start
    for region_start, region_end in [*regions, (end, end)]:
        if region_start > pos:
            reader.read(pos, region_start)
            spans = _Spans(body, pos, region_start)
            reader.html_headings(pos, region_start, spans)
            _html_anchors(body, pos, region_start, found, spans)
        if (region_start, region_end) in html_blocks:  # raw HTML: no code spans
            reader.html_headings(region_start, region_end, _NO_SPANS)
            _html_anchors(body, region_start, region_end, found, _NO_SPANS)
        pos = max(pos, region_end)
    found.extend(reader.found)
    found.sort(key=lambda f: f[0])
    index = LineIndex.of(text)
    placed = tuple(
        Anchor(a.id, a.kind, *index.line_column(offset), text=a.text) for offset, a in found
    )
    by_key: dict[str, Anchor] = {}
    for anchor in placed:
        by_key.setdefault(_key(anchor.id, rule), anchor)
    return Anchors(rule, placed, frozenset(a.id for a in placed), by_key)


_GITHUB_PREFIX: Final = "user-content-"
_LONE_CR: Final = re.compile(r"\r(?!\n)")


def _candidates(fragment: str) -> tuple[str, ...]:
    decoded = decode_fragment(fragment)
    return (fragment,) if decoded == fragment else (fragment, decoded)


def _key(anchor_id: str, rule: Rule) -> str:
    return anchor_id.lower() if rule == "github" else anchor_id


# --- headings -------------------------------------------------------------------------

#: The first characters of a line that may be more than a paragraph's text (a quote,
#: a list item, a heading, a break or underline, indentation, a blank line).
_BLOCK_FIRST: Final = frozenset(" \t>#-*+=_0123456789")
_QUOTE: Final = re.compile(r"[ ]{0,3}>[ ]?")
_MARKER: Final = re.compile(r"[ ]{0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)")
_BREAK: Final = re.compile(r"(?:(?:\*[ \t]*+){3,}|(?:-[ \t]*+){3,}|(?:_[ \t]*+){3,})$")
_UNDERLINE: Final = re.compile(r"(?:=++|-++)[ \t]*+$")
_ATX: Final = re.compile(r"(#{1,6})(?:[ \t]+|$)")
_CLOSING_HASHES: Final = re.compile(r"(?:^|[ \t]+)#++[ \t]*+$")


class _Reader:
    """Reads the headings of stretches of body text with no code inside, in order.

    A paragraph is followed line by line (its container: ``>`` depth and content
    column) so that a setext underline knows its text; any block boundary ends it.
    """

    __slots__ = (
        "_column",
        "_depth",
        "_lists",
        "_para",
        "_para_at",
        "_seen",
        "_suffixes",
        "found",
        "rule",
        "start",
        "text",
    )

    def __init__(self, text: str, start: int, rule: Rule) -> None:
        self.text = text
        self.start = start
        self.rule = rule
        self.found: list[tuple[int, Anchor]] = []
        self._seen: set[str] = set()
        self._suffixes: dict[str, int] = {}
        #: Whether a list item was met: only then may an indented line be in one.
        self._lists = False
        self._para: list[str] = []
        self._para_at = 0
        self._depth = 0
        self._column = 0

    def read(self, pos: int, end: int) -> None:
        text = self.text
        self._para = []  # a code block or HTML block before ends any paragraph
        while pos < end:
            eol = text.find("\n", pos, end)
            if eol == -1:
                eol = end
            row = text[pos:eol]
            self._line(pos, row[:-1] if row.endswith("\r") else row)
            pos = eol + 1

    def _line(self, line: int, row: str) -> None:
        if row and row[0] not in _BLOCK_FIRST:  # most lines: a paragraph's text
            if self._para:
                self._para.append(row.strip())  # continued (or a lazy continuation)
            else:
                self._para = [row.strip()]
                self._para_at = line
                self._depth = self._column = 0
            return
        at = 0
        depth = 0
        quoted_at = 0
        marker = False
        while True:
            q = _QUOTE.match(row, at)
            if q is not None:
                depth += 1
                at = quoted_at = q.end()
                continue
            m = _MARKER.match(row, at)
            if m is not None and _BREAK.match(row[at:].lstrip(" ")) is None:
                marker = self._lists = True
                at = m.end()
                continue
            break
        rest = row[at:]
        content = rest.lstrip(" \t")
        if not content:
            self._para = []
            return
        indent = indent_width(rest)
        offset = line + len(row) - len(content)
        column = at - quoted_at if marker else -1  # -1: not read yet (rarely needed)
        if not marker and indent >= 4:
            column = self._item_column(line, indent, depth)
            if indent - column >= 4:
                if self._para:
                    self._para.append(content.strip())  # a paragraph's continuation
                return
        if content[0] == "#" and (atx := _ATX.match(content)) is not None:
            self._para = []
            self._heading(offset, content[atx.end() :], atx=True)
            return
        if (
            self._para
            and not marker
            and depth == self._depth
            and indent >= self._column
            and _UNDERLINE.match(content)
        ):
            lines, self._para = self._para, []
            self._heading(self._para_at, "\n".join(lines), atx=False)
            return
        if _BREAK.match(content):
            self._para = []
            return
        if self._para and not marker and depth <= self._depth:
            self._para.append(content.strip())  # continued (or a lazy continuation)
            return
        if column == -1:
            column = self._item_column(line, indent, depth)
        self._para = [content.strip()]
        self._para_at = offset
        self._depth = depth
        self._column = column

    def html_headings(self, pos: int, end: int, spans: _Spans) -> None:
        """Under the github rule, the ``<h1>``…``<h6>`` elements written in HTML: GitHub's
        filter gives every heading element of the rendered page an id from its text
        (``<h1 align="center">Project</h1>`` is ``#project``); Goldmark gives raw HTML none."""
        if self.rule != "github":
            return
        text = self.text
        while (m := _HTML_HEADING.search(text, pos, end)) is not None:
            close = text.find(f"</{m.group(1)}", m.end(), min(end, m.end() + _MAX_HEADING))
            if close == -1 or spans.holds(m.start()):
                pos = m.end()
                continue
            inner = _TAG_ANYWHERE.sub("", text[m.end() : close])
            if inner:
                self._add(m.start(), html.unescape(inner), None)
            pos = close

    def _item_column(self, line: int, indent: int, depth: int) -> int:
        """The content column of the list item an indented line continues (0: none)."""
        if not indent or depth or not self._lists:
            return 0
        return enclosing_item_column(self.text, line, self.start, indent)

    def _heading(self, offset: int, raw: str, *, atx: bool) -> None:
        rule = self.rule
        explicit = None
        if rule == "hugo":
            raw, explicit = _heading_attributes(raw)
        if atx:
            raw = _CLOSING_HASHES.sub("", raw)
        text = _rendered(raw.strip(), rule)
        if rule == "github" and not raw.strip():
            return  # no content: GitHub's filter gives the element no id, and takes none
        self._add(offset, text, explicit)

    def _add(self, offset: int, text: str, explicit: str | None) -> None:
        """A heading whose rendered text is ``text`` (or whose id is ``explicit``)."""
        if explicit is not None:
            anchor_id = explicit
        else:
            anchor_id = _unique(_slug(text, self.rule), self._seen, self._suffixes)
        self._seen.add(anchor_id)
        if anchor_id:
            self.found.append((offset, Anchor(anchor_id, "heading", 0, 0, text=text.strip())))


def _unique(slug: str, seen: set[str], suffixes: dict[str, int]) -> str:
    """``slug``, or the first of ``slug-1``, ``slug-2``… not taken (GitHub's filter and
    Hugo's ``idFactory.Generate`` alike). ``suffixes`` remembers, per slug, the suffix
    tried last: the ids taken only grow, so a thousand ``## Example`` stay linear."""
    if slug not in seen:
        return slug
    n = suffixes.get(slug, 1)
    while f"{slug}-{n}" in seen:
        n += 1
    suffixes[slug] = n
    return f"{slug}-{n}"


# Goldmark's heading attributes (parser/attribute.go): "{#id .class key=value}" ending
# the heading's line, items apart by spaces or a comma. "#" and "." take the characters
# up to a space or ASCII punctuation other than "-" and "_" ({#1-s.-incarnata} is id
# "1-s", class "-incarnata"); a value is a "string", a number or a bare word.
_SHORTHAND = r"[#.][^\s!-,./:-@\[-^`{-~]*+"
_VALUE = r"""(?:"(?:[^"\\]|\\.)*+"|[-+]?[0-9]++(?:\.[0-9]*+)?+(?:[eE][-+]?[0-9]*+)?+|[A-Za-z_:][A-Za-z0-9_:.-]*+)"""
_KEY = r"[A-Za-z_:][A-Za-z0-9_:.-]*+"
_ANY_ITEM = rf"(?:{_SHORTHAND}|{_KEY}[ \t]*+=[ \t]*+{_VALUE})"
_ATTRIBUTES: Final = re.compile(
    rf"\{{[ \t]*+(?:{_ANY_ITEM}(?:[ \t]*+,?[ \t]*+{_ANY_ITEM})*+)?+[ \t]*+\}}[ \t]*+$"
)
_ITEM: Final = re.compile(rf"{_SHORTHAND}|(?P<name>{_KEY})[ \t]*+=[ \t]*+(?P<value>{_VALUE})")


def _heading_attributes(raw: str) -> tuple[str, str | None]:
    """A heading's text without its trailing ``{…}`` attributes, and the id they give
    (the last one given: Goldmark sets each attribute in turn)."""
    brace = raw.rfind("{")
    if brace == -1 or (brace > 0 and raw[brace - 1] == "\\"):
        return raw, None
    m = _ATTRIBUTES.match(raw, brace)
    if m is None:
        return raw, None
    anchor_id = None
    for item in _ITEM.finditer(raw, brace + 1, m.end()):
        token = item.group()
        if token.startswith("#"):
            anchor_id = token[1:]
        elif item["name"] == "id":
            value = item["value"]
            anchor_id = value[1:-1] if value.startswith('"') else value
    return raw[:brace], anchor_id


_INLINE: Final = re.compile(r"\\[!-/:-@\[-`{-~]|`++|!\[|[\[\]<&_]")
_AUTOLINK: Final = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\x00-\x20<>]*+)>")
_EMAIL: Final = re.compile(r"<([a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]++@[a-zA-Z0-9.-]++)>")
_TAG: Final = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*+(?:[^<>\"']++|\"[^\"]*+\"|'[^']*+')*+>")
_COMMENT_END = "-->"
_BACKTICKS: Final = re.compile(r"`++")
_ENTITY: Final = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_LABEL: Final = re.compile(r"\[(?:[^\[\]\\]|\\.){0,999}\]")
#: The longest tag read in a heading: every attempt is bounded, so a heading line of
#: ``<a "`` stays linear to read.
_MAX_TAG = 1000


def _rendered(s: str, rule: Rule) -> str:
    """The text a heading's inline Markdown ``s`` renders to (markup removed).

    Brackets, ``!`` and ``<`` never survive an id, so they are dropped whatever they
    turn out to be; what matters is what text stays: a link's text (its destination
    goes), an image's alt (kept by the hugo rule only), a code span's content, an
    autolink's URL, an entity's character, and a ``_`` unless it delimits emphasis.
    """
    out: list[str] = []
    openers: list[tuple[int, bool]] = []  # (len(out) at the "[", is an image)
    runs: _BacktickRuns | None = None
    underscores: list[tuple[int, bool, bool]] = []  # (index in out, can open, can close)
    comments_close = True
    pos = 0
    n = len(s)
    while pos < n:
        m = _INLINE.search(s, pos)
        if m is None:
            break
        at = m.start()
        out.append(s[pos:at])
        token = m.group()
        first = token[0]
        pos = m.end()
        if first == "\\":
            out.append(token[1])
        elif first == "`":
            if runs is None:
                runs = _BacktickRuns(s)
            close = runs.closing(len(token), pos)
            if close == -1:
                continue  # literal backticks: no id keeps them
            code = s[pos:close].replace("\n", " ")
            if len(code) > 2 and code[0] == " " and code[-1] == " " and code.strip(" "):
                code = code[1:-1]
            out.append(code)
            pos = close + len(token)
        elif first == "[" or first == "!":
            openers.append((len(out), first == "!"))
        elif first == "]":
            if not openers:
                continue
            opener, image = openers.pop()
            if pos < n and s[pos] == "(":
                dest = link_destination(s, pos + 1, n)
                if dest is None:
                    continue
                pos = dest[2] + 1
            elif pos < n and s[pos] == "[":
                label = _LABEL.match(s, pos)
                if label is None:
                    continue
                pos = label.end()
            if image and rule == "github":
                del out[opener:]  # alt text is no text of the heading element
                underscores = [u for u in underscores if u[0] < opener]
        elif first == "<":
            link = _AUTOLINK.match(s, at) or _EMAIL.match(s, at)
            if link is not None:
                out.append(link.group(1))
                pos = link.end()
            elif s.startswith("<!--", at):
                close = s.find(_COMMENT_END, at + 4) if comments_close else -1
                if close == -1:
                    comments_close = False
                else:
                    pos = close + len(_COMMENT_END)
            elif (tag := _TAG.match(s, at, min(n, at + _MAX_TAG))) is not None:
                pos = tag.end()
        elif first == "&":
            entity = _ENTITY.match(s, at)
            if entity is None:
                out.append("&")
            else:
                out.append(html.unescape(entity.group()))
                pos = entity.end()
        else:  # "_": a delimiter run of emphasis, or a literal underscore
            run_end = pos
            while run_end < n and s[run_end] == "_":
                run_end += 1
            before = s[at - 1] if at > 0 else " "
            after = s[run_end] if run_end < n else " "
            left = not after.isspace() and (
                not _punctuation(after) or before.isspace() or _punctuation(before)
            )
            right = not before.isspace() and (
                not _punctuation(before) or after.isspace() or _punctuation(after)
            )
            underscores.append(
                (
                    len(out),
                    left and (not right or _punctuation(before)),
                    right and (not left or _punctuation(after)),
                )
            )
            out.append(s[at:run_end])
            pos = run_end
    out.append(s[pos:])
    _drop_emphasis(out, underscores)
    return "".join(out)


def _drop_emphasis(out: list[str], runs: list[tuple[int, bool, bool]]) -> None:
    """Blank the ``_`` runs that pair as emphasis (each closer with the nearest opener)."""
    openers: list[int] = []
    for index, can_open, can_close in runs:
        if can_close and openers:
            out[openers.pop()] = ""
            out[index] = ""
            continue
        if can_open:
            openers.append(index)


def _punctuation(ch: str) -> bool:
    """CommonMark's Unicode punctuation: categories P and S."""
    return unicodedata.category(ch)[0] in "PS"


class _BacktickRuns:
    """Where each length of backtick run starts in a heading, indexed once; each
    question moves a pointer forward (a line of unclosed runs stays linear)."""

    __slots__ = ("_next", "_starts")

    def __init__(self, s: str, pos: int = 0, end: int | None = None) -> None:
        self._starts: dict[int, list[int]] = {}
        for m in _BACKTICKS.finditer(s, pos, len(s) if end is None else end):
            self._starts.setdefault(m.end() - m.start(), []).append(m.start())
        self._next: dict[int, int] = {}

    def closing(self, length: int, pos: int) -> int:
        """The first run of exactly ``length`` backticks at or after ``pos``, or -1."""
        starts = self._starts.get(length, [])
        i = self._next.get(length, 0)
        while i < len(starts) and starts[i] < pos:
            i += 1
        self._next[length] = i
        return starts[i] if i < len(starts) else -1


def _slug(text: str, rule: Rule) -> str:
    """The id ``rule`` makes of a heading's rendered ``text`` (before numbering)."""
    if rule == "hugo":
        text = text.strip()
    out: list[str] = []
    for ch in text.lower():
        if ch == " " or ch == "-":
            out.append("-")
            continue
        category = unicodedata.category(ch)
        if rule == "github":
            keep = category[0] in "LM" or category in ("Nd", "Pc")
        else:
            keep = ch == "_" or category[0] == "L" or category == "Nd"
        if keep:
            out.append(ch)
    slug = "".join(out)
    return slug if slug or rule == "github" else "heading"


# --- code spans -----------------------------------------------------------------------


class _Spans:
    """The code spans of ``text[start:end]``, read when first asked about (most
    stretches have no tag worth asking about)."""

    __slots__ = ("_end", "_ends", "_start", "_starts", "_text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self._text = text
        self._start = start
        self._end = end
        self._starts: list[int] | None = None
        self._ends: list[int] = []

    def holds(self, offset: int) -> bool:
        """Whether ``offset`` is inside a code span."""
        if self._starts is None:
            spans = _code_spans(self._text, self._start, self._end)
            self._starts = [s for s, _ in spans]
            self._ends = [e for _, e in spans]
        i = bisect_right(self._starts, offset) - 1
        return i >= 0 and offset < self._ends[i]


_NO_SPANS: Final = _Spans("", 0, 0)


def _code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The inline code spans of ``text[start:end]`` (no code block inside), as the scan
    reads them: a run of backticks closed by the next run of the same length within
    its paragraph, heading or table cell (:class:`~linkrescue.rewriters.blocks.InlineBlocks`),
    an escaped backtick no opener. An HTML tag shown as code (`` `<h2>Hrm.</h2>` `` in
    a page about the Wayback Machine) is no heading and no anchor."""
    spans: list[tuple[int, int]] = []
    if text.find("`", start, end) == -1:
        return spans
    runs = _BacktickRuns(text, start, end)
    blocks: InlineBlocks | None = None
    pos = start
    for m in _BACKTICKS.finditer(text, start, end):
        opening = m.start()
        if opening < pos:
            continue  # inside the span just closed
        backslashes = 0
        while opening - backslashes - 1 >= start and text[opening - backslashes - 1] == "\\":
            backslashes += 1
        opening += backslashes % 2  # "\`": that backtick is literal
        length = m.end() - opening
        if length == 0:
            continue
        close = runs.closing(length, m.end())
        if close == -1:
            continue
        if text.find("\n", m.end(), close) != -1 or text.find("|", m.end(), close) != -1:
            if blocks is None:
                blocks = InlineBlocks(text, start, end, find_tables(text, start, end).rows)
            if close >= blocks.end_of(opening):
                continue
        spans.append((opening, close + length))
        pos = close + length
    return spans


# --- HTML anchors ---------------------------------------------------------------------

_HTML_HEADING: Final = re.compile(r"<(h[1-6])(?=[\s>])[^<>]{0,1000}+>", re.IGNORECASE)
_TAG_ANYWHERE: Final = re.compile(r"<[^<>]{0,1000}+>")
#: The longest heading element read (its text up to the end tag).
_MAX_HEADING = 5000
_ID_ATTRIBUTE: Final = re.compile(
    r"""(?<=[\s"'/])(?P<name>id|name)[ \t]*+=[ \t]*+"""
    r"""(?:"(?P<dq>[^"<>]{1,1000}+)"|'(?P<sq>[^'<>]{1,1000}+)'|(?P<uq>[^\s"'=<>`]{1,1000}+))""",
    re.IGNORECASE,
)
_TAG_NAME: Final = re.compile(r"<([A-Za-z][A-Za-z0-9-]*+)[\s/]")
#: How far back from an ``id=`` its tag's ``<`` may be.
_MAX_TAG_START = 2000


def _html_anchors(
    text: str, start: int, end: int, found: list[tuple[int, Anchor]], spans: _Spans
) -> None:
    """The ``id`` of any element and the ``name`` of ``<a>`` in ``text[start:end]``,
    outside the code ``spans``."""
    if text.find("=", start, end) == -1:
        return
    for m in _ID_ATTRIBUTE.finditer(text, start, end):
        at = m.start()
        lt = text.rfind("<", max(start, at - _MAX_TAG_START), at)
        if lt == -1 or text.find(">", lt, at) != -1 or spans.holds(lt):
            continue  # not inside a tag, or a tag shown as code
        tag = _TAG_NAME.match(text, lt)
        if tag is None:
            continue
        if m["name"].lower() == "name" and tag.group(1).lower() != "a":
            continue
        value = html.unescape(m["dq"] or m["sq"] or m["uq"] or "")
        if value.strip():
            found.append((m.start("name"), Anchor(value, "html", 0, 0)))
