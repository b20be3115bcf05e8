"""Destinations in their syntax: what one says, and how a new target is written in its place.

Both go by the :class:`~linkrescue.rewriters.model.Syntax` the scanner gave the
reference, never by the characters around its span.

Reading (:func:`destination_value`) undoes the syntax's escapes: a Markdown
destination's backslash escapes and character references (CommonMark §6.6), an
HTML value's character references, a YAML scalar's quoting, a Hugo value's escaped
quotes; white space a browser would not keep goes too (see there).

Writing (:func:`destination_text`) replaces exactly ``text[start:end]`` and nothing else, so the new

The rewrite replaces exactly ``text[start:end]`` and nothing else, so the new
text must be valid in the very syntax the old one sat in: a raw Markdown
destination ends at whitespace or an unbalanced ``)``; an HTML attribute value
ends at its quote; a ``srcset`` candidate at a comma or space; a YAML scalar has
its own quoting. Local paths keep readable Unicode (the store's CJK folder
names stay legible in the Markdown) and percent-encode only what would end or
change the destination (space, ``%``, ``#``, ``?``, ``&``, brackets, quotes).

"Space" means every character any reader could take as the end of a destination
or trim from it, not only ASCII: an ideographic space (U+3000, common in Chinese
titles, hence in stored names) written as it is was read back as the end of a
raw destination, or trimmed from a value, so the link named another file and the
next run looked a made-up URL up in the archive. Every character that
:meth:`str.isspace` calls white space, every one of the Unicode categories Zs,
Zl and Zp (U+00A0, U+2028, U+2029…), every control character (Cc: C0, DEL, C1
with U+0085) and every invisible format character (Cf: U+200B, U+FEFF, bidi
controls) is percent-encoded, as are U+FFFE and U+FFFF, which a YAML reader
rejects. Percent-encoding is the one escape every syntax reads back the same way
(a browser decodes it to the same file name).
"""

from __future__ import annotations

import html
import json
import re
import tomllib
import unicodedata
from typing import Final

import yaml

from linkrescue.rewriters.css import css_text, css_value
from linkrescue.rewriters.frontmatter import YAML_LOADER
from linkrescue.rewriters.model import Reference, Syntax
from linkrescue.rewriters.shortcode import as_url_value

#: Characters that end or alter a URL in any of the syntaxes, encoded everywhere; and
#: every other non-ASCII character, for :func:`_percent_unsafe` to decide.
_ALWAYS = re.compile(r"[\x00-\x20\x7f%#?&\"'<>\\`]|[^\x00-\x7f]")
#: Unicode categories encoded wherever they appear (see the module's docstring).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
#: Noncharacters that YAML does not accept in a stream.
_NOT_YAML = frozenset("\ufffe\uffff")
#: Extra characters a raw Markdown destination cannot hold (CommonMark §6.3).
_MARKDOWN_RAW = re.compile(r"[()\[\]]")
#: Extra characters a srcset candidate cannot hold.
_SRCSET = re.compile(r",")
#: Extra characters a plain YAML scalar cannot hold when it sits in a flow list.
_YAML_FLOW = re.compile(r"[,\[\]{}]")
#: Characters a fragment (already percent-encoded) must not hold as they are.
_FRAGMENT = re.compile(r"[\x00-\x20\x7f&'\"<>\\`]")
#: What an unquoted HTML attribute value cannot hold (HTML: "unquoted attribute value").
_HTML_UNQUOTED_UNSAFE = re.compile(r"[\s\"'=<>`]")
#: What an unquoted shortcode value may hold as it is: a positional one, Hugo's
#: letters, digits, ``_``, ``-`` and ``.``; a named one, anything but white space and
#: quotes (a ``}}`` after ``>`` or ``%`` would close the shortcode).
_SHORTCODE_POSITIONAL = re.compile(r"[\w.\-]+")
_SHORTCODE_NAMED = re.compile(r"(?:[^\s\"'`>%]|[>%](?!\}\}))+")
#: What a link text must escape to show a URL as written (CommonMark §2.4).
_LABEL = re.compile(r"[\\\[\]`]")
#: What an autolink ``<…>`` must start with (CommonMark §6.5: an absolute URI).
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{1,31}:")


def _percent(m: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8"))


def _percent_unsafe(m: re.Match[str]) -> str:
    """:func:`_percent` for ASCII matches; a non-ASCII character only if a reader could
    take it as white space or a control (readable CJK stays as it is)."""
    ch = m.group(0)
    if ch.isascii() or ch.isspace() or ch in _NOT_YAML:
        return _percent(m)
    return _percent(m) if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch


def encode_target(target: str, *, fragment: str = "") -> str:
    """A path or URL made safe for any destination syntax, with ``fragment`` appended."""
    encoded = _ALWAYS.sub(_percent_unsafe, target)
    # "&" starts a character reference in a Markdown destination (CommonMark §6.6):
    # a file or fragment named "a&amp;b" or "x&reg=1" would be read as another name.
    # A quote or backslash in a fragment would get a YAML or Markdown escape.
    if fragment:
        fragment = _ALWAYS.sub(_fragment_unsafe, fragment)
    return encoded + (f"#{fragment}" if fragment else "")


def _fragment_unsafe(m: re.Match[str]) -> str:
    """A fragment is already percent-encoded: only what still reads wrong is encoded."""
    ch = m.group(0)
    if _FRAGMENT.fullmatch(ch) or (not ch.isascii() and _percent_unsafe(m) != ch):
        return _percent(m)
    return ch


def destination_text(ref: Reference, target: str) -> str:
    """What to write at ``ref``'s span so that it points to ``target`` (already :func:`encode_target`-ed).

    A bare URL in text (a GFM autolink without brackets) becomes ``[url](target)``
    so it stays a link to the rescued copy, keeping the URL visible as its text. So
    does an autolink ``<url>`` when the target is relative (``<../x.png>`` is no link),
    inside an inline ``<span>`` that takes the ``<`` and ``>``; and a bare URL right
    after a ``!`` (``![`` would make it an image) goes inside a ``<span>`` too.
    """
    syntax = ref.syntax
    if syntax is Syntax.MARKDOWN_RAW:
        return _MARKDOWN_RAW.sub(_percent, target)
    if syntax is Syntax.MARKDOWN_TEXT:
        raise ValueError(
            "a reference-style use's text is what the reader sees: rewrite its definition"
        )
    if syntax is Syntax.MARKDOWN_ANGLE:
        return target
    if syntax in _LINKED:
        angled = syntax is not Syntax.BARE and syntax is not Syntax.BARE_AFTER_BANG
        if angled and _SCHEME.match(target):
            return target
        label = _LABEL.sub(r"\\\g<0>", ref.raw)  # shown as written, never a bracket
        link = f"[{label}]({_MARKDOWN_RAW.sub(_percent, target)})"
        if angled:
            return f"span>{link}</span"
        return f"<span>{link}</span>" if syntax is Syntax.BARE_AFTER_BANG else link
    if syntax is Syntax.HTML_SRCSET:  # a candidate inside the value
        return html.escape(_SRCSET.sub(_percent, target), quote=True)
    if syntax is Syntax.HTML_QUOTED or syntax is Syntax.HTML_UNQUOTED:
        value = html.escape(target, quote=True)
        if syntax is Syntax.HTML_UNQUOTED and _HTML_UNQUOTED_UNSAFE.search(target):
            return f'"{value}"'  # an unquoted value would end there: quote it
        return value
    if syntax in _SHORTCODE_QUOTES:
        return _shortcode_value(ref, target)
    if syntax is Syntax.YAML_DOUBLE_QUOTED:
        return target.replace("\\", "\\\\").replace('"', '\\"')
    if syntax is Syntax.YAML_SINGLE_QUOTED:
        return target.replace("'", "''")
    if syntax is Syntax.YAML_PLAIN:
        return _YAML_FLOW.sub(_percent, target)
    if syntax is Syntax.TOML_BASIC or syntax is Syntax.JSON_STRING:
        # json.dumps escapes the quote, the backslash and C0 controls the way both
        # read them back; TOML also refuses a raw DEL in a basic string.
        return json.dumps(target, ensure_ascii=False)[1:-1].replace("\x7f", "\\u007f")
    if syntax is Syntax.TOML_LITERAL:  # no escape at all: what it cannot hold is encoded
        return re.sub(r"['\x00-\x08\x0a-\x1f\x7f]", _percent, target)
    if syntax is Syntax.CSS_URL or syntax is Syntax.CSS_STRING:
        return css_text(target)
    raise ValueError(f"no destination syntax {syntax}")  # pragma: no cover - exhaustive


#: The syntaxes a rewrite turns into a Markdown link (a URL shown as written).
_LINKED: Final = frozenset(
    {
        Syntax.AUTOLINK,
        Syntax.AUTOLINK_EMAIL,
        Syntax.BARE,
        Syntax.BARE_AFTER_BANG,
        Syntax.BARE_AFTER_ANGLE,
    }
)
#: A shortcode value's syntax and the quote around it (None: unquoted).
_SHORTCODE_QUOTES: Final[dict[Syntax, str | None]] = {
    Syntax.SHORTCODE_DOUBLE_QUOTED: '"',
    Syntax.SHORTCODE_SINGLE_QUOTED: "'",
    Syntax.SHORTCODE_RAW_STRING: "`",
    Syntax.SHORTCODE_UNQUOTED: None,
}


def _shortcode_value(ref: Reference, target: str) -> str:
    """``target`` written as a Hugo shortcode parameter value in ``ref``'s quoting.

    Double-quoted: a quote is escaped ``\\"`` (then Hugo drops every backslash, so a
    backslash is percent-encoded); a raw string (backticks) or a single-quoted value
    has no escape: its quote is percent-encoded. Unquoted: written as it is when Hugo
    reads it back whole, else double-quoted. A path in a parameter whose name says
    nothing starts ``./`` (:func:`~linkrescue.rewriters.shortcode.as_url_value`).
    """
    target = as_url_value(ref.attribute or "", target)
    quote = _SHORTCODE_QUOTES[ref.syntax]
    if quote == '"':
        return target.replace("\\", "%5C").replace('"', '\\"')
    if quote is not None:
        return target.replace(quote, _percent_char(quote))
    positional = (ref.attribute or "").isdigit()
    plain = _SHORTCODE_POSITIONAL if positional else _SHORTCODE_NAMED
    if plain.fullmatch(target):
        return target
    return '"' + target.replace("\\", "%5C").replace('"', '\\"') + '"'


def _percent_char(ch: str) -> str:
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8"))


# --- reading ---------------------------------------------------------------------------

_WS = re.compile(r"\s+")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CHAR_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
#: Markdown syntaxes whose destination may hold spaces (it ends at its ``>``).
_ANGLED: Final = frozenset(
    {Syntax.MARKDOWN_ANGLE, Syntax.AUTOLINK, Syntax.AUTOLINK_EMAIL, Syntax.BARE_AFTER_ANGLE}
)
_HTML: Final = frozenset({Syntax.HTML_QUOTED, Syntax.HTML_UNQUOTED, Syntax.HTML_SRCSET})
_YAML: Final = frozenset({Syntax.YAML_DOUBLE_QUOTED, Syntax.YAML_SINGLE_QUOTED, Syntax.YAML_PLAIN})


def destination_value(ref: Reference) -> str:
    """The URL or path ``ref``'s destination says, as a browser (or Hugo) reads it.

    Markdown destinations lose backslash escapes and character references
    (CommonMark §6.6); a raw (not ``<…>``) Markdown destination cannot contain
    spaces, so whitespace in it is scraping junk and is removed (Citizen News:
    ``…/https://facebook.com/ SomePage/``); an HTML attribute, a shortcode value or a
    ``<…>`` destination keeps inner spaces (encoded later) but drops newlines and
    tabs, as the WHATWG URL parser does. A YAML scalar's quoting is undone. Nothing
    else is repaired here: a stray quote a scraper left is the resolver's to drop.
    """
    raw, syntax = ref.raw, ref.syntax
    if syntax is Syntax.AUTOLINK_EMAIL:  # <name@example.org>: no escapes (CommonMark §6.5)
        return "mailto:" + raw
    if syntax is Syntax.MARKDOWN_TEXT:
        raise ValueError("a reference-style use's text is no destination: read its definition")
    if syntax in _HTML:
        value = _unescape_references(raw) if "&" in raw else raw
        return value.replace("\n", "").replace("\r", "").replace("\t", "").strip()
    if syntax in _YAML:
        return _yaml_scalar(raw, syntax).strip()
    if syntax in _ESCAPED_STRINGS:
        return _escaped_string(raw, syntax).strip()
    if syntax is Syntax.TOML_LITERAL:
        return raw.strip()
    if syntax is Syntax.CSS_URL or syntax is Syntax.CSS_STRING:
        return css_value(raw)
    if syntax in _SHORTCODE_QUOTES:  # a Hugo parameter value: no Markdown escapes
        value = raw
        if syntax is Syntax.SHORTCODE_DOUBLE_QUOTED and '\\"' in raw:
            value = raw.replace("\\", "")  # Hugo drops every backslash then
        return value.replace("\n", "").replace("\r", "").replace("\t", "").strip()
    value = _MD_ESCAPE.sub(r"\1", raw) if "\\" in raw else raw
    value = _unescape_references(value) if "&" in value else value
    if syntax in _ANGLED:
        return value.replace("\n", "").replace("\r", "").replace("\t", "").strip()
    return _WS.sub("", value)


def _unescape_references(value: str) -> str:
    """Decode only complete character references (``&amp;``, ``&#39;``), as CommonMark
    does in destinations (§6.6) and HTML does in attribute values for ``&name=``:
    ``?id=1&reg=hk`` keeps its ``&reg``, which ``html.unescape`` would turn into ``®``.
    """
    return _CHAR_REFERENCE.sub(lambda m: html.unescape(m.group(0)), value)


#: TOML basic and JSON strings: backslash escapes, undone by the standard parsers.
_ESCAPED_STRINGS: Final = frozenset({Syntax.TOML_BASIC, Syntax.JSON_STRING})


def _escaped_string(raw: str, syntax: Syntax) -> str:
    """The value of a TOML basic or JSON string written ``raw`` inside its quotes."""
    if "\\" not in raw:
        return raw
    try:
        if syntax is Syntax.JSON_STRING:
            value: object = json.loads(f'"{raw}"')
        else:
            value = tomllib.loads(f'v = "{raw}"')["v"]
    except ValueError:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        return raw
    return value if isinstance(value, str) else raw


def _yaml_scalar(raw: str, syntax: Syntax) -> str:
    """The value a frontmatter scalar's source text stands for (escapes undone).

    The span is the text inside the quotes; ``''`` in a single-quoted scalar is
    one quote, and a double-quoted one may hold backslash escapes.
    """
    if syntax is Syntax.YAML_SINGLE_QUOTED:
        return raw.replace("''", "'")
    if syntax is Syntax.YAML_DOUBLE_QUOTED and "\\" in raw:
        try:
            value = yaml.load(f'"{raw}"', Loader=YAML_LOADER)
        except yaml.YAMLError:
            return raw
        return value if isinstance(value, str) else raw
    return raw
