"""How a new target is written in place of a reference's URL text.

The rewrite replaces exactly ``text[start:end]`` and nothing else, so the new
text must be valid in the very syntax the old one sat in: a raw Markdown
destination ends at whitespace or an unbalanced ``)``; an HTML attribute value
ends at its quote; a ``srcset`` candidate at a comma or space; a YAML scalar has
its own quoting. Local paths keep readable Unicode (the store's CJK folder
names stay legible in the Markdown) and percent-encode only what would end or
change the destination (space, ``%``, ``#``, ``?``, ``&``, brackets, quotes).
"""

from __future__ import annotations

import html
import re

from rewriters.model import Reference, RefKind

#: Characters that end or alter a URL in any of the syntaxes, encoded everywhere.
_ALWAYS = re.compile(r"[\x00-\x20\x7f%#?&\"'<>\\`]")
#: Extra characters a raw Markdown destination cannot hold (CommonMark §6.3).
_MARKDOWN_RAW = re.compile(r"[()\[\]]")
#: Extra characters a srcset candidate cannot hold.
_SRCSET = re.compile(r",")
#: Extra characters a plain YAML scalar cannot hold when it sits in a flow list.
_YAML_FLOW = re.compile(r"[,\[\]{}]")
#: Characters a fragment (already percent-encoded) must not hold as they are.
_FRAGMENT = re.compile(r"[&'\\]")
#: What a link text must escape to show a URL as written (CommonMark §2.4).
_LABEL = re.compile(r"[\\\[\]`]")
#: What an autolink ``<…>`` must start with (CommonMark §6.5: an absolute URI).
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{1,31}:")


def _percent(m: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8"))


def encode_target(target: str, *, fragment: str = "") -> str:
    """A path or URL made safe for any destination syntax, with ``fragment`` appended."""
    encoded = _ALWAYS.sub(_percent, target)
    # "&" starts a character reference in a Markdown destination (CommonMark §6.6):
    # a file or fragment named "a&amp;b" or "x&reg=1" would be read as another name.
    # A quote or backslash in a fragment would get a YAML or Markdown escape.
    return encoded + (f"#{_FRAGMENT.sub(_percent, fragment)}" if fragment else "")


def destination_text(ref: Reference, text: str, target: str) -> str:
    """What to write at ``ref``'s span so that it points to ``target`` (already :func:`encode_target`-ed).

    A bare URL in text (a GFM autolink without brackets) becomes ``[url](target)``
    so it stays a link to the rescued copy, keeping the URL visible as its text. So
    does an autolink ``<url>`` when the target is relative (``<../x.png>`` is no link),
    inside an inline ``<span>`` that takes the ``<`` and ``>``; and a bare URL right
    after a ``!`` (``![`` would make it an image) goes inside a ``<span>`` too.
    """
    if ref.kind in (RefKind.MD_LINK, RefKind.MD_IMAGE, RefKind.MD_REFDEF):
        angled = text[ref.start - 1 : ref.start] == "<" and text[ref.end : ref.end + 1] == ">"
        return target if angled else _MARKDOWN_RAW.sub(_percent, target)
    if ref.kind is RefKind.AUTOLINK:
        before = text[ref.start - 1 : ref.start]
        if before == "<" and _SCHEME.match(target):
            return target
        label = _LABEL.sub(r"\\\g<0>", ref.raw)  # shown as written, never a bracket
        link = f"[{label}]({_MARKDOWN_RAW.sub(_percent, target)})"
        if before == "<":
            return f"span>{link}</span"
        return f"<span>{link}</span>" if before == "!" else link
    if ref.kind is RefKind.HTML:
        value = _SRCSET.sub(_percent, target) if ref.attribute == "srcset" else target
        return html.escape(value, quote=True)
    if ref.kind is RefKind.FRONTMATTER:
        quote = text[ref.start - 1 : ref.start]
        if quote == '"':
            return target.replace("\\", "\\\\").replace('"', '\\"')
        if quote == "'":
            return target.replace("'", "''")
        return _YAML_FLOW.sub(_percent, target)
    raise ValueError(f"no destination syntax for {ref.kind}")  # pragma: no cover - exhaustive
