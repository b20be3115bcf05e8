"""A rescued HTML page (or stylesheet) read into what it loads, what an archive injected
into it, and what is unsafe to serve, all as exact spans (issue 13).

One model for finding and editing, as for Markdown: the crawl asks a :class:`Page` for
its references (what to fetch), and :mod:`linkrescue.rewriters.render` edits the same
spans (local copies, archive view URLs, removals), so the two cannot disagree.

Why spans and not a parser's tree (selectolax): a tree written back is a new document:
every byte the edit did not mean to touch is re-serialized, and the page's encoding
becomes the parser's. A page is read here as **Latin-1**, one character per byte, so
the structure of any ASCII-compatible encoding (UTF-8, Big5 and GB18030 of the Hong Kong
outlets, Shift_JIS) is found at its byte offsets, and every byte outside an edit is
written back as it was; only the URL values are decoded with the page's own charset
(:attr:`Page.charset`). Tags are read with the tokenizer of :mod:`linkrescue.rewriters.html`,
which reads attributes the way a browser does.

What a browser loads, by element and attribute, is :data:`ROLES`; ``style`` attributes
and ``<style>`` elements are read as CSS (:mod:`linkrescue.rewriters.css`). Lazy-loading
attributes (``data-src``, ``data-srcset``, ``data-original``, ``data-lazy-src``) are read
as images too: news sites set them for a script to copy into ``src``, and a sanitized
page runs no script (render copies them instead).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from linkrescue.rewriters.ahead import Ahead
from linkrescue.rewriters.css import CssUse, scan_css
from linkrescue.rewriters.html import ATTRIBUTE, TAG, srcset_spans
from linkrescue.rewriters.model import LineIndex, Reference, RefKind, Syntax, make_reference


class Role(StrEnum):
    """What a reference of a page loads or leads to: the crawl fetches by it."""

    IMAGE = "image"
    STYLESHEET = "stylesheet"
    ICON = "icon"
    FONT = "font"
    SCRIPT = "script"
    MEDIA = "media"
    PAGE = "page"
    FRAME = "frame"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class PageReference:
    """One URL of a page with its role; ``ref.kind`` is ``html`` or ``css``."""

    role: Role
    ref: Reference
    #: A lazy-loading attribute (``data-src``…): the image a script would have shown.
    lazy: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    """A page's text (its bytes as Latin-1) and the spans the crawl and the render need.

    ``base``: the first ``<base href>`` as written, which relative URLs resolve against
    (removed from every stored page: its references are all rewritten). ``unsafe``:
    spans a sanitized page loses (elements, tags, attributes); ``injected``: what an
    archive put in the capture (the Wayback toolbar, its scripts, its comments), always
    removed; ``policy_at``: where a Content-Security-Policy ``<meta>`` goes.
    ``lazy_images``: per ``<img>`` whose ``src`` a script would have set, the span of
    its ``src`` value (None: it has none) and the lazy reference it would have used.
    """

    text: str
    references: tuple[PageReference, ...]
    base: str | None = None
    base_spans: tuple[tuple[int, int], ...] = ()
    charset: str | None = None
    unsafe: tuple[tuple[int, int], ...] = ()
    injected: tuple[tuple[int, int], ...] = ()
    policy_at: int = 0
    lazy_images: tuple[tuple[int, int, PageReference], ...] = ()

    @property
    def is_stylesheet(self) -> bool:
        return self.policy_at < 0


#: What each element's URL attributes load (lower case; ``*`` for any element).
ROLES: Final[dict[str, dict[str, Role]]] = {
    "a": {"href": Role.PAGE},
    "area": {"href": Role.PAGE},
    "img": {
        "src": Role.IMAGE,
        "srcset": Role.IMAGE,
        "lowsrc": Role.IMAGE,
        "data-src": Role.IMAGE,
        "data-srcset": Role.IMAGE,
        "data-original": Role.IMAGE,
        "data-lazy-src": Role.IMAGE,
        "data-lazy-srcset": Role.IMAGE,
    },
    "source": {"srcset": Role.IMAGE, "data-srcset": Role.IMAGE, "src": Role.MEDIA},
    "video": {"poster": Role.IMAGE, "src": Role.MEDIA},
    "audio": {"src": Role.MEDIA},
    "track": {"src": Role.MEDIA},
    "input": {"src": Role.IMAGE, "formaction": Role.OTHER},
    "button": {"formaction": Role.OTHER},
    "body": {"background": Role.IMAGE},
    "table": {"background": Role.IMAGE},
    "td": {"background": Role.IMAGE},
    "th": {"background": Role.IMAGE},
    "tr": {"background": Role.IMAGE},
    "script": {"src": Role.SCRIPT},
    "iframe": {"src": Role.FRAME},
    "frame": {"src": Role.FRAME},
    "embed": {"src": Role.FRAME},
    "object": {"data": Role.FRAME},
    "form": {"action": Role.OTHER},
    "link": {"href": Role.OTHER},  # by its rel, see _link_role
}
_LAZY: Final = frozenset(
    {"data-src", "data-srcset", "data-original", "data-lazy-src", "data-lazy-srcset"}
)
_SRCSETS: Final = frozenset({"srcset", "data-srcset", "data-lazy-srcset"})
#: ``<link rel>`` tokens and what they load; a link that preloads, prefetches or
#: connects is unsafe (it reaches out, and a sanitized page needs none of it).
_LINK_RELS: Final = {"stylesheet": Role.STYLESHEET, "icon": Role.ICON}
_ICON_RELS: Final = frozenset({"apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"})
REACHING_RELS: Final = frozenset(
    {
        "preload",
        "prefetch",
        "preconnect",
        "dns-prefetch",
        "modulepreload",
        "prerender",
        "import",
        "manifest",
        "serviceworker",
        "pingback",
    }
)
#: Elements whose content is text, not markup, up to their end tag.
_RAW: Final = frozenset(
    {"script", "style", "textarea", "title", "iframe", "noembed", "noframes", "xmp"}
)
#: Elements removed whole from a sanitized page: they run code or embed another origin.
_REMOVED_WHOLE: Final = frozenset({"script", "iframe", "object", "applet", "frameset"})
#: Void elements removed from a sanitized page, and tags removed keeping their content.
_REMOVED_TAG: Final = frozenset({"embed", "frame", "form", "portal"})
_UNWRAPPED: Final = frozenset({"noscript"})
#: Attributes a sanitized page loses whatever their value (``on*`` handlers too).
UNSAFE_ATTRIBUTES: Final = frozenset({"srcdoc", "formaction", "ping"})
SCRIPT_URL_ATTRIBUTES: Final = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
)
#: Schemes that run code when followed or loaded (``data:`` only as a document).
_SCRIPT_SCHEMES: Final = ("javascript:", "vbscript:", "livescript:", "mocha:")
_SCRIPT_DATA: Final = ("data:text/html", "data:application/xhtml", "data:image/svg")
_URL_NOISE: Final = re.compile(r"[\t\n\r]")
_TOKEN: Final = re.compile(r"<(?:!--|/?[A-Za-z]|!)")
_END_TAG: Final = re.compile(r"</(?P<name>[A-Za-z][A-Za-z0-9-]*+)[^>]*+>")
_CHARSET: Final = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", re.IGNORECASE)
_DOCTYPE: Final = re.compile(
    r"\A(?:\xef\xbb\xbf)?\s*+(?:<!--.*?-->\s*+)*+<!doctype[^>]*+>", re.I | re.S
)

# What the Wayback Machine (and pywb in framed mode) inserts into a page it plays back
# without ``id_``: a capture saved from a browser, or archived twice, holds it as
# content. docs/wayback-facts.md; the markers are the archives' own comments.
_TOOLBAR_BEGIN: Final = re.compile(r"<!--\s*(?:BEGIN WAYBACK TOOLBAR INSERT|WB Insert)\s*-->", re.I)
_TOOLBAR_END: Final = re.compile(r"<!--\s*(?:END WAYBACK TOOLBAR INSERT|End WB Insert)\s*-->", re.I)
_REWRITE_JS_END: Final = "End Wayback Rewrite JS Include"
_ARCHIVE_COMMENT: Final = re.compile(
    r"FILE ARCHIVED ON|JAVASCRIPT APPENDED BY WAYBACK MACHINE|playback timings \(ms\)", re.I
)
#: A tag the Wayback Machine injects before its ``End Wayback Rewrite JS Include``.
_ARCHIVE_ASSET: Final = re.compile(
    r"(?:archive\.org/includes/|web-static\.archive\.org/|^/_static/|^/static/(?:js|css)/"
    r"|__wm\.|wombat|archive_analytics|_wb_wombat|WB_wombat)",
    re.I,
)


@dataclass(slots=True)
class _Tag:
    start: int
    end: int
    name: str
    attrs: list[tuple[str, int, int, int, int, bool]]  # name, attr span, value span, quoted

    def value_span(self, name: str) -> tuple[int, int, bool] | None:
        for attr, _s, _e, vs, ve, quoted in self.attrs:
            if attr == name and vs >= 0:
                return vs, ve, quoted
        return None

    def value(self, text: str, name: str) -> str | None:
        span = self.value_span(name)
        return None if span is None else text[span[0] : span[1]]


def read_page(data: bytes) -> Page:
    """The page ``data`` (an HTML capture's bytes) read into a :class:`Page`."""
    return _PageReader(data.decode("latin-1")).read()


def read_stylesheet(data: bytes) -> Page:
    """A stylesheet read into a :class:`Page` whose references are its ``url()`` and
    ``@import`` values (``policy_at`` is -1: no ``<meta>`` goes in a stylesheet)."""
    text = data.decode("latin-1")
    lines = LineIndex.of(text)
    refs = tuple(_css_refs(text, lines, 0, len(text), None, None))
    charset = _CSS_CHARSET.match(text)
    return Page(text, refs, charset=charset.group(1) if charset else None, policy_at=-1)


_CSS_CHARSET: Final = re.compile(r'(?:\xef\xbb\xbf)?@charset "([^"]*)";')
_CSS_ROLES: Final = {
    CssUse.IMPORT: Role.STYLESHEET,
    CssUse.FONT: Role.FONT,
    CssUse.IMAGE: Role.IMAGE,
}


def _css_refs(
    text: str, lines: LineIndex, start: int, end: int, element: str | None, attribute: str | None
) -> list[PageReference]:
    return [
        PageReference(
            _CSS_ROLES[s.use],
            make_reference(
                text,
                lines,
                RefKind.CSS,
                s.start,
                s.end,
                s.syntax,
                element=element,
                attribute=attribute,
            ),
        )
        for s in scan_css(text, start, end)
    ]


class _PageReader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = LineIndex.of(text)
        self.refs: list[PageReference] = []
        self.unsafe: list[tuple[int, int]] = []
        self.injected: list[tuple[int, int]] = []
        self.bases: list[tuple[int, int]] = []
        self.base: str | None = None
        self.charset: str | None = None
        self.head_end = -1
        self.html_end = -1
        self.charset_end = -1
        self.loads_before_charset = False
        self.lazy: list[tuple[int, int, PageReference]] = []
        # tags since the last marker, for the Wayback head injection (see _injection_end)
        self.recent: list[tuple[int, int, bool]] = []

    def read(self) -> Page:
        text, end = self.text, len(self.text)
        pos = 0
        closes = Ahead(text, ">", end)
        comments = Ahead(text, "-->", end)
        while (m := _TOKEN.search(text, pos, end)) is not None:
            at = m.start()
            if text.startswith("<!--", at):
                close = comments.next(at + 4)
                pos = self._comment(at, end if close == -1 else close + 3)
                continue
            if closes.next(at) == -1:
                break  # no ">" left: the rest is text
            if text.startswith("</", at):
                e = _END_TAG.match(text, at)
                pos = at + 2 if e is None else e.end()
                if e is not None:
                    self._end_tag(e["name"].lower(), at, pos)
                continue
            if text.startswith("<!", at):
                pos = closes.next(at) + 1
                continue
            tag = self._tag(at)
            if tag is None:
                pos = at + 1
                continue
            pos = self._start_tag(tag)
        policy_at = self._policy_at()
        return Page(
            text,
            tuple(self.refs),
            base=self.base,
            base_spans=tuple(self.bases),
            charset=self.charset,
            unsafe=tuple(self.unsafe),
            injected=tuple(self.injected),
            policy_at=policy_at,
            lazy_images=tuple(self.lazy),
        )

    def _policy_at(self) -> int:
        """After ``<head>`` (or ``<html>``, or the doctype); after a ``<meta charset>``
        that nothing loads before, which must stay in the first 1,024 bytes."""
        if self.charset_end >= 0 and not self.loads_before_charset:
            return self.charset_end
        if self.head_end >= 0:
            return self.head_end
        if self.html_end >= 0:
            return self.html_end
        doctype = _DOCTYPE.match(self.text)
        return doctype.end() if doctype else 0

    def _tag(self, at: int) -> _Tag | None:
        m = TAG.match(self.text, at)
        if m is None:
            return None
        attrs: list[tuple[str, int, int, int, int, bool]] = []
        seen: set[str] = set()
        for a in ATTRIBUTE.finditer(self.text, m.start("attrs"), m.end("attrs")):
            name = a["name"].lower()
            if name in seen:  # a repeated attribute: the first counts, as in a browser
                continue
            seen.add(name)
            group = "dq" if a["dq"] is not None else "sq" if a["sq"] is not None else "uq"
            vs, ve = a.span(group)
            attrs.append((name, a.start(), a.end(), vs, ve, group != "uq"))
        return _Tag(at, m.end(), m["name"].lower(), attrs)

    def _start_tag(self, tag: _Tag) -> int:
        """Read ``tag``; where reading goes on (past a raw-text element's content)."""
        text, name = self.text, tag.name
        after = tag.end
        content_end = -1
        if name in _RAW:
            close = re.compile(rf"</{name}[\s/>]", re.I).search(text, tag.end)
            content_end = len(text) if close is None else close.start()
            gt = -1 if close is None else text.find(">", close.end() - 1)
            after = len(text) if gt == -1 else gt + 1
        if name == "head" and self.head_end < 0:
            self.head_end = tag.end
        elif name == "html" and self.html_end < 0:
            self.html_end = tag.end
        loads = self._references(tag)
        if name == "style" and content_end >= 0:
            css = _css_refs(text, self.lines, tag.end, content_end, "style", None)
            self.refs.extend(css)
            loads = loads or bool(css)
        if (name in ("script", "link", "style", "img") or loads) and self.charset_end < 0:
            self.loads_before_charset = True
        self._unsafe(tag, after)
        self.recent.append((tag.start, after, self._archive_asset(tag, content_end)))
        return after

    def _references(self, tag: _Tag) -> bool:
        text, name = self.text, tag.name
        roles = ROLES.get(name, {})
        found = False
        if name == "link":
            roles = {"href": self._link_role(tag)}
        elif name == "base":
            span = tag.value_span("href")
            self.bases.append((tag.start, tag.end))
            if span is not None and self.base is None:
                self.base = text[span[0] : span[1]]
            return False
        elif name == "meta":
            self._meta(tag)
            return False
        lazy_refs: list[PageReference] = []
        for attribute, _s, _e, vs, ve, quoted in tag.attrs:
            if vs < 0:
                continue
            if attribute == "style":
                css = _css_refs(text, self.lines, vs, ve, name, "style")
                self.refs.extend(css)
                found = found or bool(css)
                continue
            role = roles.get(attribute)
            if role is None:
                continue
            if attribute in _SRCSETS:
                spans = [(s, e, Syntax.HTML_SRCSET) for s, e in srcset_spans(text, vs, ve)]
            else:
                syntax = Syntax.HTML_QUOTED if quoted else Syntax.HTML_UNQUOTED
                spans = [(vs, ve, syntax)]
            for s, e, syntax in spans:
                ref = PageReference(
                    role,
                    make_reference(
                        text,
                        self.lines,
                        RefKind.HTML,
                        s,
                        e,
                        syntax,
                        element=name,
                        attribute=attribute,
                    ),
                    lazy=attribute in _LAZY,
                )
                self.refs.append(ref)
                if ref.lazy and not lazy_refs and attribute != "data-srcset":
                    lazy_refs.append(ref)
            found = True
        if name == "img" and lazy_refs:
            src = tag.value_span("src")
            start, end = (src[0], src[1]) if src is not None else (-1, tag.end)
            self.lazy.append((start, end, lazy_refs[0]))
        return found

    def _link_role(self, tag: _Tag) -> Role:
        rel = set((tag.value(self.text, "rel") or "").lower().split())
        for token, role in _LINK_RELS.items():
            if token in rel:
                return role
        if rel & _ICON_RELS:
            return Role.ICON
        return Role.OTHER

    def _meta(self, tag: _Tag) -> None:
        text = self.text
        equiv = (tag.value(text, "http-equiv") or "").strip().lower()
        charset = tag.value(text, "charset")
        if charset is None and equiv == "content-type":
            found = _CHARSET.search(tag.value(text, "content") or "")
            charset = found.group(1) if found else None
        if charset is not None and self.charset is None:
            self.charset = charset.strip()
            self.charset_end = tag.end
        if equiv in ("refresh", "set-cookie"):
            self.unsafe.append((tag.start, tag.end))

    def _unsafe(self, tag: _Tag, after: int) -> None:
        """What a sanitized page loses of ``tag``: the element, its tags, or attributes."""
        name, text = tag.name, self.text
        if name in _REMOVED_WHOLE:
            end = after
            if name not in _RAW:  # object, applet, frameset: up to their end tag
                close = re.compile(rf"</{name}\s*>", re.I).search(text, tag.end)
                end = tag.end if close is None else close.end()
            self.unsafe.append((tag.start, end))
            return
        if name in _REMOVED_TAG or name in _UNWRAPPED:
            self.unsafe.append((tag.start, tag.end))
            return
        if name == "link":
            rel = set((tag.value(text, "rel") or "").lower().split())
            if rel & REACHING_RELS:
                self.unsafe.append((tag.start, tag.end))
                return
        for attribute, s, e, vs, ve, _quoted in tag.attrs:
            handler = attribute.startswith("on") or attribute in UNSAFE_ATTRIBUTES
            script_url = vs >= 0 and attribute in SCRIPT_URL_ATTRIBUTES
            if handler or (script_url and runs_script(text[vs:ve])):
                self.unsafe.append((s, e))

    def _end_tag(self, name: str, start: int, end: int) -> None:
        if name in _UNWRAPPED or name in ("form", "object", "applet", "frameset"):
            self.unsafe.append((start, end))
        self.recent.append((start, end, False))

    def _comment(self, start: int, end: int) -> int:
        """Read the comment ``text[start:end]``; where reading goes on (past the
        Wayback toolbar, which is the archive's markup, not the page's)."""
        text = self.text
        body = text[start:end]
        if _TOOLBAR_BEGIN.fullmatch(body):
            close = _TOOLBAR_END.search(text, end)
            if close is not None:
                self.injected.append((start, close.end()))
                return close.end()
        elif _REWRITE_JS_END in body:
            self.injected.append((self._injection_start(start), end))
        elif _ARCHIVE_COMMENT.search(body):
            self.injected.append((start, end))
        self.recent.clear()
        return end

    def _injection_start(self, marker: int) -> int:
        """Where the Wayback head injection ending at ``marker`` starts: the run of
        archive scripts and styles right before its closing comment."""
        start = marker
        for tag_start, _end, archive in reversed(self.recent):
            if not archive:
                break
            start = tag_start
        # drop references and unsafe spans found inside: the span goes whole
        self.refs = [r for r in self.refs if not start <= r.ref.start < marker]
        self.unsafe = [u for u in self.unsafe if not start <= u[0] < marker]
        return start

    def _archive_asset(self, tag: _Tag, content_end: int) -> bool:
        text = self.text
        for attribute in ("src", "href"):
            value = tag.value(text, attribute)
            if value is not None:
                return bool(_ARCHIVE_ASSET.search(value))
        if tag.name == "script" and content_end >= 0:
            return bool(_ARCHIVE_ASSET.search(text, tag.end, content_end))
        return False


def runs_script(value: str) -> bool:
    """Whether the URL attribute value ``value`` (as written) runs code: read the way a
    browser does, character references decoded (``j&#x61;vascript:``), tabs and newlines
    dropped anywhere and leading controls and spaces trimmed (WHATWG URL)."""
    url = (
        _URL_NOISE.sub("", html.unescape(value))
        .lstrip(
            "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
        )
        .lower()
    )
    if url.startswith(_SCRIPT_SCHEMES):
        return True
    return url.replace(" ", "").startswith(_SCRIPT_DATA)
