"""What an independent CommonMark parser (markdown-it-py) finds in a document, next to
what ``scan`` finds, as small comparable values (issue 10's measuring instrument).

Both sides are reduced to :class:`Found` values ``(kind, line, destination)`` and
matched as multisets (:func:`compare`). ``tests/rewriters/test_commonmark_differential.py``
and ``benchmarks/agreement.py`` share this module, so the suite and the figures
measured on real documentation sites count agreement the same way.

The parser: ``MarkdownIt("commonmark")`` plus GFM tables and linkify (GFM's extended
autolinks, which ``scan`` reports as kind ``autolink``), with three options that make
it say what it saw rather than what it would render safely:

* ``validateLink`` accepts everything: markdown-it refuses ``javascript:``/``data:``
  destinations for safety, which is a renderer's choice, not CommonMark's (the link
  still exists; ``scan`` reports it and the resolver skips it);
* ``store_labels``: a link or image made from a reference definition carries its
  label, so it maps to our kind ``md-refuse`` (issue 10, class 5);
* ``inline_definitions``: every definition is a token with its ``map`` (source lines),
  duplicates included (``env["references"]`` keeps only the first of a label, but a
  second definition is still a definition in CommonMark and ``scan`` reports it).

Mapping choices, side by side:

* **kind**: ``link_open`` → ``md-link``; ``image`` → ``md-image``; either one carrying a
  reference label → ``md-refuse`` (a use of a definition: ``[text][label]``,
  ``[label][]``, ``[label]``); ``link_open`` with markup ``autolink`` (``<…>``) or
  ``linkify`` (a bare URL) → ``autolink``; a ``definition`` token → ``md-refdef``. Our
  ``html``, ``shortcode`` and ``frontmatter`` references have no counterpart and are
  left out (markdown-it gives raw HTML as a string; templates and frontmatter are not
  CommonMark). A kind ``scan`` does not report yet (``md-refuse`` today) is compared
  all the same: its absence is a disagreement.
* **line**, 1-based, of the first character of the destination as ``scan`` reports it
  (``Reference.line``). markdown-it's inline tokens carry no source position, so its
  inline parser is given a state that records, on every token it pushes, where in the
  block's inline source it stands (:class:`_PositionedState`): a line is the block's
  ``map[0]`` plus the newlines before that position (container markers are stripped
  from that source but its lines are the document's). For an inline link or image, the
  position of its destination (after ``](`` and any white space, a line break
  included); for an autolink, a bare URL and a reference use, where it opens (for a
  use, the line of its text, where a reader sees it). For a definition, the line of its
  destination: ``map[0]`` plus the newlines of its label, plus one when nothing follows
  ``]:`` on that line.
* **destination**: ours is :func:`~linkrescue.rewriters.destinations.destination_value`
  (escapes and character references undone, as CommonMark does); markdown-it's
  ``href`` has been through ``normalizeLink``. Both then go through markdown-it's
  ``normalizeLink`` and are percent-decoded (``urllib.parse.unquote``), so
  ``%E4%B8%AD`` and ``中`` compare equal and percent-encoding case does not matter.
  An e-mail autolink is compared as ``mailto:`` + the address (markdown-it adds the
  scheme to its ``href``; the text as written has none).
* **template code**: Jekyll renders Liquid (``{{ … }}``, ``{% … %}``) before Markdown,
  so markdown-it reads the body with the white space inside each one-line Liquid tag
  removed (:func:`squeeze_templates`: same lines, and a tag in a destination stays one
  destination), and destinations are compared squeezed. Hugo's shortcodes are left as
  they are (a URL markdown-it links inside one is the rule ``shortcode-parameter``).
* **bare URLs**: linkify-it is not GFM, so its matches are brought to GFM's extended
  autolink rules before comparing: only those written starting with ``http://``,
  ``https://`` or ``www.`` count (``fuzzy_link`` is on for ``www.``, and a bare
  ``example.org`` it then finds is dropped: GFM does not link it); the destination is
  the text as written (linkify's ``href`` adds ``http://`` to ``www.``), with GFM's
  trailing ``?!.,:*_~'"``, an unbalanced ``)`` and a trailing entity ``&name;`` removed
  (linkify-it stops before the ``;`` of ``&gt;``: a trailing ``&gt`` goes too), and a
  trailing ``;`` that ends no entity goes as well, as cmark-gfm's ``autolink_delim`` does
  (the spec names only the entity case; linkify-it agrees with cmark-gfm).
  A bare URL in an image's description is not one: CommonMark renders the description
  as the ``alt`` text (markdown-it links it in the image's children all the same), and
  ``scan`` does not report URLs in the text of a link or an image.

The deliberate lenient repairs of ``scan`` (README, "How references are resolved";
the module docstring of ``rewriters/markdown.py``) are :data:`RULES` (each a named
predicate over one reference only ``scan`` finds, with the README's reason; a bare URL
markdown-it links inside the destination such a rule explains goes with it),
:data:`THEIR_RULES` (over one only markdown-it finds: Liquid's code blocks) and
:data:`CJK_STOP_RULE` (a pair: our bare URL stops where GFM's goes on).
A disagreement no rule explains is reported, never skipped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html.entities import html5
from typing import Literal
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_inline.state_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType

from linkrescue.rewriters import Reference, RefKind, Syntax, read_document
from linkrescue.rewriters.destinations import destination_value

#: The kinds both sides are compared on.
COMPARED_KINDS = frozenset({"md-link", "md-image", "md-refuse", "md-refdef", "autolink"})
#: Inline links and images (the issue's "inline links" figure).
INLINE_KINDS = frozenset({"md-link", "md-image"})


def _parser() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark", {"linkify": True, "store_labels": True, "inline_definitions": True}
    )
    md.enable(["table", "linkify"])
    md.linkify.set({"fuzzy_link": True, "fuzzy_email": False})
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    positioned = _PositionedInline()
    positioned.ruler, positioned.ruler2 = md.inline.ruler, md.inline.ruler2
    md.inline = positioned
    return md


@dataclass(frozen=True, slots=True)
class Found:
    """One reference, reduced to what both sides can say: compared by ``key``."""

    kind: str
    line: int
    destination: str
    #: How it was written: our ``raw``, or markdown-it's ``href`` / link text.
    written: str
    #: Our reference, for the lenient rules (None on markdown-it's side).
    ref: Reference | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.kind, self.line, self.destination)

    def __str__(self) -> str:
        return f"{self.kind} line {self.line} {self.written!r}"


@dataclass(frozen=True, slots=True)
class Visible:
    """Text a reader sees (a link's text, a definition's label) and its first line."""

    line: int
    last_line: int
    text: str


@dataclass(frozen=True, slots=True)
class CommonMarkView:
    """markdown-it's references of a body, and what the lenient rules need to know."""

    references: tuple[Found, ...]
    visible: tuple[Visible, ...]
    #: Lines (1-based, inclusive ranges) of HTML blocks opened by ``<!--`` that never close.
    unclosed_comments: tuple[tuple[int, int], ...]


def normalize_destination(url: str) -> str:
    """The form both sides' destinations are compared in (see the module docstring)."""
    if "{" in url:
        url = squeeze_templates(url)
    return unquote(normalizeLink(url.strip()))


#: A Liquid tag on one line, ``{{ … }}`` or ``{% … %}`` (not Hugo's ``{{< … >}}`` or
#: ``{{% … %}}``: their parameters are quoted, white space is their separator).
_TEMPLATE_TAG = re.compile(r"\{\{(?![<%]).*?\}\}|\{%.*?%\}")
_WHITESPACE = re.compile(r"\s+")


def squeeze_templates(text: str) -> str:
    """``text`` with the white space inside each one-line template tag removed.

    Jekyll and Hugo render their templates before Markdown, and a tag stands for the
    text it renders, a URL in a destination: squeezed, it is one destination-shaped word
    for markdown-it, on the same line, where raw it would break the definition or link
    it is in (``[1]: {{ site.url }}/news/`` is no definition to CommonMark, and the
    definitions after it then read as the same paragraph's text)."""
    return _TEMPLATE_TAG.sub(lambda m: _WHITESPACE.sub("", m.group(0)), text)


_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def _autolink_destination(written: str) -> str:
    if _EMAIL.fullmatch(written):
        written = "mailto:" + written
    return normalize_destination(written)


# --- markdown-it's side -------------------------------------------------------------


def commonmark_view(text: str, *, first_line: int = 1) -> CommonMarkView:
    """What markdown-it finds in ``text`` (a body: no frontmatter), lines counted from
    ``first_line``."""
    found: list[Found] = []
    visible: list[Visible] = []
    unclosed: list[tuple[int, int]] = []
    source_lines = text.split("\n")
    base = first_line
    for token in _MD.parse(text, {}):
        if token.map is None:
            continue
        first, last = token.map[0] + base, token.map[1] + base - 1
        if token.type == "inline":
            _Inline(token, first, found, visible).walk(token.children or [])
        elif token.type == "definition":
            found.append(_definition(token, source_lines, base))
            label = str(token.meta["label"])
            visible.append(Visible(first, first + label.count("\n"), label))
        elif (
            token.type == "html_block"
            and token.content.lstrip().startswith("<!--")
            and "-->" not in token.content
        ):
            unclosed.append((first, last))
    return CommonMarkView(tuple(found), tuple(visible), tuple(unclosed))


def _definition(token: Token, source_lines: Sequence[str], base: int) -> Found:
    assert token.map is not None
    label = str(token.meta["label"])
    line = token.map[0] + label.count("\n")
    after = source_lines[line].split("]:", 1)[-1] if line < len(source_lines) else ""
    if not after.strip() and line + 1 < token.map[1]:
        line += 1  # the destination is on the next line
    href = str(token.meta["url"])
    return Found("md-refdef", line + base, normalize_destination(href), href)


class _PositionedState(StateInline):
    """An inline parser state that notes on each token the source position it was pushed at."""

    def push(self, ttype: str, tag: str, nesting: Literal[-1, 0, 1]) -> Token:
        token = super().push(ttype, tag, nesting)
        token.meta["pos"] = self.pos
        return token


class _PositionedInline(ParserInline):
    """``ParserInline.parse`` with :class:`_PositionedState` (same rules, same order)."""

    def parse(self, src: str, md: MarkdownIt, env: EnvType, tokens: list[Token]) -> list[Token]:
        state = _PositionedState(src, md, env, tokens)
        self.tokenize(state)
        for rule in self.ruler2.getRules(""):
            rule(state)
        return state.tokens


_AFTER_LABEL = re.compile(r"\]\([ \t]*(?:\n[ \t]*)?")


class _Inline:
    """Walks one inline token's children, each with its position in the block's source.

    At a ``link_close`` the state stands on the link text's closing ``]``; an image
    is pushed at its ``!``, its description (``content``) parsed apart from ``![``
    on, so positions in an image's children are offset by the image's ``pos + 2``.
    """

    def __init__(
        self, token: Token, first: int, found: list[Found], visible: list[Visible]
    ) -> None:
        self.source = token.content
        self.first = first
        self.found, self.visible = found, visible
        self.opened: list[tuple[Token, int, list[str]]] = []
        self.in_image = 0
        #: Where the last token with a known position was (see :meth:`walk`).
        self.cursor = 0

    def _find_after(self, token: Token) -> int:
        if token.nesting != 1:
            return self.cursor
        url = str(token.attrGet("href"))
        candidates = [url, url.removeprefix("http://"), url.removeprefix("https://")]
        found = [p for c in candidates if (p := self.source.find(c, self.cursor)) != -1]
        if found:
            self.cursor = min(found)
        return self.cursor

    def _line(self, pos: int) -> int:
        return self.first + self.source.count("\n", 0, pos)

    def _destination_line(self, label_end: int) -> int:
        after = _AFTER_LABEL.match(self.source, label_end)
        return self._line(after.end() if after else label_end)

    def _add(self, kind: str, line: int, destination: str, written: str) -> None:
        self.found.append(Found(kind, line, destination, written))

    def walk(self, children: Iterable[Token], offset: int = 0) -> None:
        for child in children:
            if "pos" not in child.meta and child.markup == "linkify":
                # A www. link split out of a text token by markdown-it's core linkify rule,
                # after the inline pass: no position noted; found in the source after the
                # last token that has one (else every such link was on the paragraph's first line).
                pos = self._find_after(child)
            else:
                pos = offset + int(child.meta.get("pos", 0))
                self.cursor = max(self.cursor, pos)
            if child.type == "text":
                for _opener, _pos, texts in self.opened:
                    texts.append(child.content)
            elif child.type == "link_open":
                self.opened.append((child, pos, []))
            elif child.type == "link_close":
                self._close(pos)
            elif child.type == "image":
                self._image(child, pos)

    def _close(self, label_end: int) -> None:
        opener, start, texts = self.opened.pop()
        href = str(opener.attrGet("href"))
        written = "".join(texts)
        line = self._line(start)
        if opener.markup == "autolink":
            self._add("autolink", line, _autolink_destination(written), written)
        elif opener.markup == "linkify":
            url = gfm_autolink(written)
            if url is not None and not self.in_image:
                self._add("autolink", line, normalize_destination(url), url)
        else:
            if "label" not in opener.meta:
                line = self._destination_line(label_end)
                self._add("md-link", line, normalize_destination(href), href)
            else:
                self._add("md-refuse", line, normalize_destination(href), href)
            self.visible.append(Visible(self._line(start), self._line(label_end), written))

    def _image(self, image: Token, pos: int) -> None:
        src = str(image.attrGet("src"))
        label_end = pos + 2 + len(image.content)
        self.in_image += 1
        self.opened.append((image, pos, []))
        self.walk(image.children or [], pos + 2)
        _image, _pos, alt = self.opened.pop()
        self.in_image -= 1
        self.visible.append(Visible(self._line(pos), self._line(label_end), "".join(alt)))
        if "label" in image.meta:
            self._add("md-refuse", self._line(pos), normalize_destination(src), src)
        else:
            self._add(
                "md-image", self._destination_line(label_end), normalize_destination(src), src
            )


_GFM_TRAILING = "?!.,:*_~'\""
_TRAILING_ENTITY = re.compile(r"&[A-Za-z0-9]+;?$")


def gfm_autolink(written: str) -> str | None:
    """A linkify-it match brought to GFM's extended autolink rules (None: GFM has none)."""
    if not re.match(r"(?i)(?:https?://|www\.)", written):
        return None
    url = written
    while url:
        unbalanced = url.endswith(")") and url.count(")") > url.count("(")
        stray_semicolon = url.endswith(";") and _TRAILING_ENTITY.search(url) is None
        if url[-1] in _GFM_TRAILING or unbalanced or stray_semicolon:
            url = url[:-1]
        elif (entity := _TRAILING_ENTITY.search(url)) is not None and (
            url.endswith(";") or f"{entity.group(0)[1:]};" in html5
        ):
            url = url[: entity.start()]
        else:
            break
    return url


# --- scan's side ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScanView:
    """What ``scan`` (``read_document``, as the CLI reads a file) finds in a document."""

    references: tuple[Found, ...]
    #: The body's first line (after frontmatter), where markdown-it starts reading.
    body_line: int
    body_start: int


def scan_view(text: str) -> ScanView:
    document = read_document(text, resource_keys=())
    found: list[Found] = []
    for ref in document.references:
        kind = ref.kind.value
        if kind not in COMPARED_KINDS:
            continue
        if ref.kind is RefKind.MD_REFUSE:
            # A use's span is its visible text; its destination is its definition's. A use
            # whose label has no definition (status invalid, for `check`) is no link in
            # CommonMark: the reader sees brackets.
            if ref.definition is None:
                continue
            value = destination_value(ref.definition)
        else:
            value = destination_value(ref)
        dest = _autolink_destination(value) if kind == "autolink" else normalize_destination(value)
        found.append(Found(kind, ref.line, dest, ref.raw, ref))
    body_line = text.count("\n", 0, document.body_start) + 1
    return ScanView(tuple(found), body_line, document.body_start)


# --- the comparison -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """A deliberate lenient repair of ``scan``: a disagreement it explains is expected."""

    name: str
    reason: str
    #: Does this rule explain ``ours``, a reference markdown-it does not find?
    explains: Callable[[Found, str, CommonMarkView], bool]


def _link_text_before(ref: Reference, text: str) -> str | None:
    """The text between a link's ``[`` and its ``](`` before ``ref`` (None if not a link)."""
    opener = ref.start - 1 if ref.syntax is Syntax.MARKDOWN_ANGLE else ref.start
    if text[max(0, opener - 2) : opener] != "](":
        return None
    depth, pos = 0, opener - 2
    while pos > 0:
        pos -= 1
        ch = text[pos]
        if pos > 0 and text[pos - 1] == "\\":
            continue
        if ch == "]":
            depth += 1
        elif ch == "[":
            if depth == 0:
                return text[pos + 1 : opener - 2]
            depth -= 1
    return None


def _multi_paragraph_text(ours: Found, text: str, view: CommonMarkView) -> bool:
    ref = ours.ref
    if ref is None or ours.kind not in INLINE_KINDS:
        return False
    inner = _link_text_before(ref, text)
    return inner is not None and re.search(r"\n[ \t]*\r?\n", inner) is not None


def _spaced_destination(ours: Found, text: str, view: CommonMarkView) -> bool:
    ref = ours.ref
    return (
        ref is not None
        and ours.kind in INLINE_KINDS
        and ref.syntax is Syntax.MARKDOWN_RAW
        and re.search(r"\s", ref.raw.strip()) is not None
    )


def _html_leaked(ours: Found, text: str, view: CommonMarkView) -> bool:
    ref = ours.ref
    return (
        ref is not None
        and ours.kind in INLINE_KINDS
        and ref.syntax is Syntax.MARKDOWN_RAW
        and ref.raw.startswith("<")
    )


def _after_unclosed_comment(ours: Found, text: str, view: CommonMarkView) -> bool:
    return any(first <= ours.line <= last for first, last in view.unclosed_comments)


def _template_destination(ours: Found, text: str, view: CommonMarkView) -> bool:
    ref = ours.ref
    return ref is not None and ours.kind != "autolink" and _TEMPLATE.search(ref.raw) is not None


_TEMPLATE = re.compile(r"\{\{|\{%")
_LIQUID_BLOCK = re.compile(
    r"\{%-?\s*(highlight|raw|comment)\b[^%]*-?%\}.*?\{%-?\s*end\1\s*-?%\}", re.DOTALL
)


def _in_liquid_block(theirs: Found, text: str, view: CommonMarkView) -> bool:
    for block in _LIQUID_BLOCK.finditer(text):
        first = text.count("\n", 0, block.start()) + 1
        if first <= theirs.line <= first + block.group(0).count("\n"):
            return True
    return False


_DEFINITION_LINE = re.compile(r"[ \t]{0,3}(?:>[ \t]?)*\[[^\]]+\]:")


def _definition_under_paragraph(ours: Found, text: str, view: CommonMarkView) -> bool:
    """A definition right under a line of paragraph text (not a blank line, not another
    definition): CommonMark reads it as that paragraph's text."""
    ref = ours.ref
    if ref is None or ours.kind != "md-refdef":
        return False
    line_start = text.rfind("\n", 0, ref.start) + 1
    if not _DEFINITION_LINE.match(text, line_start):
        line_start = text.rfind("\n", 0, max(line_start - 1, 0)) + 1  # destination on the next line
    if line_start == 0:
        return False
    previous_start = text.rfind("\n", 0, line_start - 1) + 1
    previous = text[previous_start : line_start - 1]
    return bool(previous.strip(" \t>")) and not _DEFINITION_LINE.match(previous)


RULES: tuple[Rule, ...] = (
    Rule(
        "definition-under-paragraph",
        "a definition right under a paragraph line still counts (scraped corpora glue "
        "their definitions to the last line of text; CommonMark reads it as that text)",
        _definition_under_paragraph,
    ),
    Rule(
        "template-code-destination",
        "Liquid renders before Markdown: a destination holding {{ … }} or {% … %} "
        "([1]: {{ site.url }}/news/, [x]({% link x.md %})) is read whole, spaces and all",
        _template_destination,
    ),
    Rule(
        "multi-paragraph-link-text",
        "link text may span blank lines (Stand News: [\\n\\n**title**\\n\\n](…))",
        _multi_paragraph_text,
    ),
    Rule(
        "html-leaked-destination",
        "HTML leaked into a destination is read as a raw destination "
        "(Citizen News: [text](<iframe src=))",
        _html_leaked,
    ),
    Rule(
        "spaced-destination",
        "whitespace or a line break inside a destination is scraping junk "
        "(Citizen News: (https://web.archive.org/web/2021/https://facebook.com/ SomePage/))",
        _spaced_destination,
    ),
    Rule(
        "unclosed-comment-hides-nothing",
        "an unclosed <!-- is text, so a stray one cannot hide the rest of an article's links",
        _after_unclosed_comment,
    ),
)

#: Where our bare URLs stop and GFM's do not (CJK punctuation, full-width forms,
#: dashes, curly quotes, ellipsis): rewriters/markdown.py's ``_STOP``.
_CJK_STOP = re.compile(r"[\u2014-\u2026\u3000-\u303f\uff00-\uffef]")
CJK_STOP_RULE = Rule(
    "bare-url-stops-at-cjk-punctuation",
    "Chinese prose glues CJK punctuation to URLs: a bare URL stops at it (GFM would include it)",
    lambda ours, text, view: False,  # a pair rule: see _cjk_pairs
)


_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}", re.DOTALL)


def _in_shortcode(theirs: Found, text: str, view: CommonMarkView) -> bool:
    if theirs.kind != "autolink":
        return False
    url = theirs.written.rstrip("\\")
    for tag in _SHORTCODE.finditer(text):
        first = text.count("\n", 0, tag.start()) + 1
        last = first + tag.group(0).count("\n")
        if first <= theirs.line <= last and url in tag.group(0):
            return True
    return False


#: Rules over a reference only markdown-it finds.
#: A full use ``[text][label]``; the text may hold one level of brackets (``[a [nested] text]``).
_FULL_USE = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\[([^\[\]]*)\]")
_LABEL_DEFINED = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*\[([^\]]+)\]:", re.MULTILINE)


def _in_undefined_use(theirs: Found, text: str, view: CommonMarkView) -> bool:
    """A bare URL GFM links inside the text of ``[text][label]`` whose label is defined
    nowhere: we report the use ``invalid`` (``check`` flags it) and read no URL in its
    text, so a rescue cannot turn the text into a link and hide the broken reference."""
    if theirs.kind != "autolink":
        return False
    labels = {" ".join(m.group(1).split()).casefold() for m in _LABEL_DEFINED.finditer(text)}
    lines = text.splitlines()
    line = lines[theirs.line - 1] if theirs.line <= len(lines) else ""
    for use in _FULL_USE.finditer(line):
        label = " ".join((use.group(2) or use.group(1)).split()).casefold()
        shown = use.group(1) + use.group(2)
        if ("http" in shown or "www." in shown) and label not in labels:
            return True
    return False


THEIR_RULES: tuple[Rule, ...] = (
    Rule(
        "undefined-use-text",
        "the text of a full or collapsed use whose label is defined nowhere is not read for "
        "URLs: the use is reported invalid (the reader sees brackets), never made a link",
        _in_undefined_use,
    ),
    Rule(
        "liquid-code-block",
        "{% highlight %}…{% endhighlight %}, {% raw %}…{% endraw %} and {% comment %}…"
        "{% endcomment %} are code on Jekyll sites (Liquid renders before Markdown)",
        _in_liquid_block,
    ),
    Rule(
        "shortcode-parameter",
        'a URL inside a Hugo shortcode ({{< video src="…" >}}) is a parameter value, '
        "never a bare URL (reported as kind shortcode; Hugo renders shortcodes first)",
        _in_shortcode,
    ),
)


@dataclass(frozen=True, slots=True)
class Comparison:
    """The references of one document, matched; what is left over, explained or not."""

    ours: tuple[Found, ...]
    theirs: tuple[Found, ...]
    only_ours: tuple[Found, ...]
    only_theirs: tuple[Found, ...]
    #: Disagreements a lenient rule explains, with the rule's name.
    explained: tuple[tuple[str, Found], ...]
    view: CommonMarkView

    def agreed(self, kinds: frozenset[str]) -> int:
        """How many of ``kinds`` both sides found (markdown-it's, less those left over or
        explained by a rule: ``ref is None`` on markdown-it's side)."""
        left = [f for f in self.only_theirs if f.kind in kinds]
        left += [f for _, f in self.explained if f.ref is None and f.kind in kinds]
        return sum(1 for f in self.theirs if f.kind in kinds) - len(left)

    def disagreements(self, kinds: frozenset[str] = COMPARED_KINDS) -> list[str]:
        """One line per unexplained difference, ``scan only``/``CommonMark only``."""
        lines = [f"scan only: {f}" for f in self.only_ours if f.kind in kinds]
        lines += [f"CommonMark only: {f}" for f in self.only_theirs if f.kind in kinds]
        return lines


def compare(text: str) -> Comparison:
    """Match what ``scan`` and markdown-it find in ``text`` (a whole file)."""
    ours_view = scan_view(text)
    body = squeeze_templates(text[ours_view.body_start :])
    view = commonmark_view(body, first_line=ours_view.body_line)
    ours, theirs = list(ours_view.references), list(view.references)
    left_ours = match_references(ours, theirs)
    left_theirs = match_references(theirs, ours)
    explained: list[tuple[str, Found]] = []
    for a, b in _cjk_pairs(left_ours, left_theirs):
        left_ours.remove(a)
        left_theirs.remove(b)
        explained.append((CJK_STOP_RULE.name, a))
    for found in list(left_ours):
        for rule in RULES:
            if rule.explains(found, text, view):
                left_ours.remove(found)
                explained.append((rule.name, found))
                # CommonMark, with no link there, links the URL of the destination
                # as a bare URL: that is the same disagreement.
                for other in [o for o in left_theirs if _bare_part_of(o, found)]:
                    left_theirs.remove(other)
                    explained.append((rule.name, other))
                break
    _explain_uses_of_lenient_definitions(text, left_ours, left_theirs, explained)
    for found in list(left_theirs):
        for rule in THEIR_RULES:
            if rule.explains(found, text, view):
                left_theirs.remove(found)
                explained.append((rule.name, found))
                break
    return Comparison(
        tuple(ours), tuple(theirs), tuple(left_ours), tuple(left_theirs), tuple(explained), view
    )


#: The rule that follows from definition-under-paragraph: where a label only that
#: lenient definition defines is used, the two readings of the use differ too.
LENIENT_USE_RULE = Rule(
    "use-of-lenient-definition",
    "a use of a label that only a definition right under a paragraph defines is a link "
    "here ([text][1] followed by (…) is then the use and text) and text in CommonMark",
    lambda found, text, view: False,  # applied by compare(), which knows the labels
)
_LABEL_OF_DEFINITION = re.compile(r"[ \t]{0,3}(?:>[ \t]?)*\[([^\]]+)\]:")


def _explain_uses_of_lenient_definitions(
    text: str,
    left_ours: list[Found],
    left_theirs: list[Found],
    explained: list[tuple[str, Found]],
) -> None:
    """Explain the differences on lines that use a label defined only by a definition
    that definition-under-paragraph explained (the same disagreement, seen at its use)."""
    labels: set[str] = set()
    lines = text.split("\n")
    for name, found in explained:
        if name != "definition-under-paragraph" or found.ref is None:
            continue
        for row in (lines[found.line - 1], lines[found.line - 2] if found.line > 1 else ""):
            m = _LABEL_OF_DEFINITION.match(row)
            if m is not None:
                labels.add(" ".join(m.group(1).split()).casefold())
                break
    if not labels:
        return

    def uses_label(found: Found) -> bool:
        row = " ".join(lines[found.line - 1].split()).casefold()
        return any(f"[{label}]" in row for label in labels)

    for side in (left_ours, left_theirs):
        for found in [f for f in side if uses_label(f)]:
            side.remove(found)
            explained.append((LENIENT_USE_RULE.name, found))


def match_references(side: list[Found], other: list[Found]) -> list[Found]:
    """The values of ``side`` that ``other`` has no match for (as multisets, by ``key``)."""
    counts = Counter(f.key for f in other)
    left: list[Found] = []
    for f in side:
        if counts[f.key] > 0:
            counts[f.key] -= 1
        else:
            left.append(f)
    return left


def _bare_part_of(theirs: Found, ours: Found) -> bool:
    """Is ``theirs`` a bare URL markdown-it links inside the destination ``ours`` reads?"""
    return (
        theirs.kind == "autolink"
        and theirs.line == ours.line
        and ours.kind != "autolink"
        and theirs.destination in ours.destination
    )


def _cjk_pairs(ours: list[Found], theirs: list[Found]) -> list[tuple[Found, Found]]:
    pairs: list[tuple[Found, Found]] = []
    for a in ours:
        if a.kind != "autolink":
            continue
        for b in theirs:
            if (
                all(b is not paired for _, paired in pairs)
                and b.kind == "autolink"
                and a.line == b.line
                and b.destination.startswith(a.destination)
                and len(b.destination) > len(a.destination)
                and _CJK_STOP.match(b.destination[len(a.destination)])
            ):
                pairs.append((a, b))
                break
    return pairs


def visible_text_as_url(comparison: Comparison) -> list[Found]:
    """Our autolinks that markdown-it shows as the text of a link or a definition's label
    (a rescue would rewrite what the reader sees)."""
    hits = []
    for f in comparison.only_ours:
        if f.kind != "autolink":
            continue
        for v in comparison.view.visible:
            if v.line <= f.line <= v.last_line and f.written in v.text:
                hits.append(f)
                break
    return hits


#: Built last: its inline parser is :class:`_PositionedInline`.
_MD = _parser()
