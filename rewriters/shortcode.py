"""Hugo shortcodes inside Markdown: the URLs their parameters carry, with exact spans.

Why a reference kind of its own: the Citizen News corpus holds 16,191 shortcodes such
as ``{{< video src="https://web.archive.org/web/20211229095346if_/https://www.youtube.com/embed/…" >}}``.
Read as text, the URL was a bare autolink and was rewritten to
``src="[https://…](../store/….html)"``, Markdown link syntax inside the shortcode,
which broke 40 of 213 real articles. A shortcode parameter is a value like an HTML
attribute's: only the value's characters are the reference, and a rewrite writes a
path escaped for that value's quoting (:func:`linkrescue.rewriters.destinations.destination_text`).

The syntax read is Hugo's (``parser/pageparser/pagelexer_shortcode.go``):

* ``{{< name params >}}`` and ``{{% name params %}}``, closed by the delimiter that
  opened them; white space and line breaks may separate anything inside, so a
  shortcode may span lines; a closing shortcode ``{{< /name >}}`` has no parameter;
* a name is letters, digits, ``_`` and ``-`` (and ``/`` for namespaces, ``.inline``);
* parameters are named (``src="…"``, with optional spaces around ``=``) or positional
  (``{{< figure "https://…" >}}``); a value is double-quoted (``\\"`` is a quote
  inside it; it cannot hold a line break), a Go raw string in backticks (which
  may), or unquoted (it runs to white space);
* ``{{</* name */>}}`` (also ``{{%/* … */%}}``) is not a shortcode but its literal
  text, the way documentation shows a shortcode: nothing in it is a reference, so
  an example is never rewritten.

Where it is more lenient than Hugo, for what scrapers and hands write: a
``'single-quoted'`` value is read as a quoted value (Hugo would keep the quotes in
the value; the span is the text inside them, and the resolver drops quotes left at
either end of a URL anyway); an unquoted value stops before the closing delimiter
(``src=https://a.hk/x>}}``), and an unquoted positional value may hold any
character (Hugo refuses a URL there; a rewrite quotes it).

A parameter value is a reference when its name says it holds a URL
(:data:`URL_PARAMETERS`, as ``src`` does for an ``<img>``; an empty value is then a
zero-length reference, as ``src=""`` is for HTML) or when the value itself starts as
a URL or a path does (``http://``, ``https://``, ``www.``, ``/``, ``./``, ``../``)
and holds no space: ``{{< youtube abc >}}`` names a video id, not a URL, and a
caption is text. The
values of Hugo's ``ref`` and ``relref`` name content files of the site: never read. A
shortcode that does not parse (no closing delimiter before the end of the scanned
text, a delimiter that does not match) is not one: its text is read as Markdown.
Shortcodes inside code spans and code blocks are never read, like every reference.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from linkrescue.rewriters.ahead import Ahead
from linkrescue.rewriters.model import Syntax

#: Parameter names whose value is a URL whatever it looks like (lower case).
URL_PARAMETERS: Final = frozenset(
    {"src", "href", "url", "link", "poster", "image", "img", "thumbnail", "cover", "source"}
)

_NAME = re.compile(r"\s*+/?\s*+(?P<name>[^\W][\w/-]*+(?:\.inline)?)(?=[\s>%])")
_CLOSE = {"<": re.compile(r"\s*+>\}\}"), "%": re.compile(r"\s*+%\}\}")}
_PARAM = re.compile(
    r"""\s*+(?:(?P<name>[\w-]++)\s*+=\s*+)?"""
    r"""(?:"(?P<dq>(?:[^"\\\n]++|\\"?+)*+)"|`(?P<bq>[^`]*+)`|'(?P<sq>[^'\n]*+)'"""
    r"""|(?P<uq>(?:[^\s>%]++|[>%](?!\}\}))++))"""
)
_URL_START = re.compile(r"\s*+(?:https?:/|www\.|\.{0,2}/)", re.IGNORECASE)
#: The value's syntax, per group of :data:`_PARAM`, in the order they are tried.
_QUOTINGS: Final = {
    "dq": Syntax.SHORTCODE_DOUBLE_QUOTED,
    "bq": Syntax.SHORTCODE_RAW_STRING,
    "sq": Syntax.SHORTCODE_SINGLE_QUOTED,
    "uq": Syntax.SHORTCODE_UNQUOTED,
}
#: Hugo's own shortcodes whose values name content files of the site, not URLs.
NOT_URL_SHORTCODES: Final = frozenset({"ref", "relref"})


class ParamSpan(NamedTuple):
    """A URL parameter value's span: the shortcode's name, the parameter's name (or
    its position, ``0``, ``1``…, for a positional one), and the value's characters."""

    shortcode: str
    parameter: str
    start: int
    end: int
    syntax: Syntax


class Shortcode(NamedTuple):
    """A shortcode read at some offset: where it ends, and its URL parameter values."""

    end: int
    spans: list[ParamSpan]


class ShortcodeMemo:
    """What one scan has learnt about shortcodes that do not close, to stay linear.

    A shortcode is read parameter by parameter up to its closing delimiter. Where
    none follows, or a parameter does not parse, each later ``{{<`` was read again
    to the same dead end: a line of unclosed ``{{< figure `` took seconds per
    kilobyte (issue 10). Two facts bound the work: without a closing delimiter
    ahead there is nothing to read; and a reading that reaches a parameter start
    where an earlier failed reading stood goes on exactly as that one did, so it
    fails too (the memo keeps those starts, per delimiter).
    """

    __slots__ = ("_ahead", "_dead")

    def __init__(self, text: str, endpos: int) -> None:
        self._ahead = {
            needle: Ahead(text, needle, endpos) for needle in (">}}", "%}}", "*/>}}", "*/%}}")
        }
        self._dead: dict[str, set[int]] = {"<": set(), "%": set()}

    def next(self, needle: str, pos: int) -> int:
        return self._ahead[needle].next(pos)

    def dead(self, delimiter: str) -> set[int]:
        return self._dead[delimiter]


def match_shortcode(
    text: str, pos: int, endpos: int, memo: ShortcodeMemo | None = None
) -> Shortcode | None:
    """Read the shortcode starting at ``text[pos]`` (``{{<`` or ``{{%``); None if there is none.

    ``memo``: the scan's memory of shortcodes that did not close (see
    :class:`ShortcodeMemo`); without one, each call stands alone.
    """
    memo = ShortcodeMemo(text, endpos) if memo is None else memo
    delimiter = text[pos + 2]
    if text.startswith("/*", pos + 3, endpos):  # an escaped shortcode: literal text
        close = memo.next("*/>}}" if delimiter == "<" else "*/%}}", pos + 5)
        return None if close == -1 else Shortcode(close + 5, [])
    if memo.next(">}}" if delimiter == "<" else "%}}", pos + 3) == -1:
        return None  # nothing closes it
    name = _NAME.match(text, pos + 3, endpos)
    if name is None:
        return None
    closing = _CLOSE[delimiter]
    dead = memo.dead(delimiter)
    starts: list[int] = []
    spans: list[ParamSpan] = []
    at = name.end()
    position = 0
    while (end := closing.match(text, at, endpos)) is None:
        param = None if at in dead else _PARAM.match(text, at, endpos)
        if param is None:
            dead.update(starts)
            dead.add(at)
            return None
        starts.append(at)
        group = next(g for g in _QUOTINGS if param[g] is not None)
        start, stop = param.span(group)
        key = param["name"]
        if key is None:
            key = str(position)
            position += 1
        if name["name"] not in NOT_URL_SHORTCODES and names_url(key, text[start:stop]):
            spans.append(ParamSpan(name["name"], key, start, stop, _QUOTINGS[group]))
        at = param.end()
    return Shortcode(end.end(), spans)


def names_url(parameter: str, value: str) -> bool:
    """Whether the value of ``parameter`` is a URL: by its name, or by how it starts
    (a value with a space inside, such as a caption starting with a URL, is text)."""
    if parameter.lower() in URL_PARAMETERS:
        return True
    return _URL_START.match(value) is not None and len(value.split()) == 1


def as_url_value(parameter: str, value: str) -> str:
    """``value`` written so that a parameter named ``parameter`` still reads as a URL.

    A positional parameter (or one whose name says nothing) is a reference only when
    its value starts as a URL or a path does: a relative path ``rescued/x.png``
    written there becomes ``./rescued/x.png``, the same file, so that the next scan
    finds the reference it replaced.
    """
    return value if names_url(parameter, value) else "./" + value
