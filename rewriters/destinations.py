"""How a new target is written in place of a reference's URL text.

The rewrite replaces exactly ``text[start:end]`` and nothing else, so the new
text must be valid in the very syntax the old one sat in: a raw Markdown
destination ends at whitespace or an unbalanced ``)``; an HTML attribute value
ends at its quote; a ``srcset`` candidate at a comma or space; a YAML scalar has
its own quoting. Local paths keep readable Unicode (the store's CJK folder
names stay legible in the Markdown) and percent-encode only what would end or
change the destination (space, ``%``, ``#``, ``?``, brackets, quotes).
"""

from __future__ import annotations

import html
import re

from rewriters.model import Reference, RefKind

#: Characters that end or alter a URL in any of the syntaxes, encoded everywhere.
_ALWAYS = re.compile(r"[\x00-\x20\x7f%#?\"'<>\\`]")
#: Extra characters a raw Markdown destination cannot hold (CommonMark §6.3).
_MARKDOWN_RAW = re.compile(r"[()\[\]]")
#: Extra characters a srcset candidate cannot hold.
_SRCSET = re.compile(r",")


def _percent(m: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8"))


def encode_target(target: str, *, fragment: str = "") -> str:
    """A path or URL made safe for any destination syntax, with ``fragment`` appended."""
    encoded = _ALWAYS.sub(_percent, target)
    return encoded + (f"#{fragment}" if fragment else "")


def destination_text(ref: Reference, text: str, target: str) -> str:
    """What to write at ``ref``'s span so that it points to ``target`` (already :func:`encode_target`-ed).

    A bare URL in text (a GFM autolink without brackets) becomes ``[url](target)``
    so it stays a link to the rescued copy, keeping the URL visible as its text.
    """
    if ref.kind in (RefKind.MD_LINK, RefKind.MD_IMAGE, RefKind.MD_REFDEF):
        angled = text[ref.start - 1 : ref.start] == "<" and text[ref.end : ref.end + 1] == ">"
        return target if angled else _MARKDOWN_RAW.sub(_percent, target)
    if ref.kind is RefKind.AUTOLINK:
        angled = text[ref.start - 1 : ref.start] == "<"
        if angled:
            return target
        label = ref.raw.replace("[", "\\[").replace("]", "\\]")
        return f"[{label}]({_MARKDOWN_RAW.sub(_percent, target)})"
    if ref.kind is RefKind.HTML:
        value = _SRCSET.sub(_percent, target) if ref.attribute == "srcset" else target
        return html.escape(value, quote=True)
    if ref.kind is RefKind.FRONTMATTER:
        quote = text[ref.start - 1 : ref.start]
        if quote == '"':
            return target.replace("\\", "\\\\").replace('"', '\\"')
        if quote == "'":
            return target.replace("'", "''")
        return target
    raise ValueError(f"no destination syntax for {ref.kind}")  # pragma: no cover - exhaustive
