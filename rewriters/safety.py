"""A sanitized view checked the way a browser will read it, by an HTML5 parser (lexbor,
through selectolax), and scrubbed on its tree when that parser finds anything that runs.

Why a second reader: a sanitizer that reads HTML one way while the browser reads it
another is the classic way past it (mutation XSS: ``<svg><script>``, a tag cut by a
comment, ``</noscript>`` inside an attribute). :mod:`linkrescue.rewriters.page` reads tags
with its own tokenizer, so that every byte outside an edit stays the capture's own; this
module asks lexbor, a full HTML5 tree builder, whether the result still holds a script,
a handler, a frame, a form, a refresh or a script URL. It should never find one (the
tests feed it the known tricks); if it does, the page is rebuilt from lexbor's own tree
with those removed (then not byte-exact, but safe), and the crawl names the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from selectolax.lexbor import LexborHTMLParser

from linkrescue.rewriters.page import (
    REACHING_RELS,
    SCRIPT_URL_ATTRIBUTES,
    UNSAFE_ATTRIBUTES,
    Page,
    runs_script,
)
from linkrescue.rewriters.render import POLICY, render

#: Elements a sanitized page must not hold, as the parser builds them.
_ELEMENTS: Final = "script, iframe, frame, frameset, object, embed, applet, portal, form, base"
_HEAD: Final = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_META: Final = frozenset({"refresh", "set-cookie"})


def unsafe_in(text: str) -> list[str]:
    """What a browser would find in the page ``text`` that runs code or reaches out,
    one short description each (empty: nothing)."""
    tree = LexborHTMLParser(text)
    found = [f"<{node.tag}>" for node in tree.css(_ELEMENTS)]
    for node in tree.css("*"):
        attributes = node.attributes
        if node.tag == "meta" and (attributes.get("http-equiv") or "").strip().lower() in _META:
            found.append("<meta http-equiv>")
        if (
            node.tag == "link"
            and set((attributes.get("rel") or "").lower().split()) & REACHING_RELS
        ):
            found.append("<link rel=preload>")
        for name, value in attributes.items():
            if name.startswith("on") or name in UNSAFE_ATTRIBUTES:
                found.append(f"{node.tag} {name}=")
            elif name in SCRIPT_URL_ATTRIBUTES and value is not None and runs_script(value):
                found.append(f"{node.tag} {name}=script URL")
    return found


def scrub(text: str, policy: str) -> bytes:
    """``text`` rebuilt from the parser's tree with everything :func:`unsafe_in` finds
    removed, ``policy`` as its Content-Security-Policy, written as UTF-8 (the charset a
    ``<meta>`` said is replaced: lexbor's tree holds characters, not the page's bytes)."""
    tree = LexborHTMLParser(text)
    for node in tree.css(_ELEMENTS):
        node.decompose()
    for node in tree.css("meta[charset], meta[http-equiv]"):
        node.decompose()
    for node in tree.css("link"):
        if set((node.attributes.get("rel") or "").lower().split()) & REACHING_RELS:
            node.decompose()
    for node in tree.css("*"):
        for name, value in list(node.attributes.items()):
            bad_url = name in SCRIPT_URL_ATTRIBUTES and value is not None and runs_script(value)
            if name.startswith("on") or name in UNSAFE_ATTRIBUTES or bad_url:
                del node.attrs[name]
    meta = f'<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{policy}">'
    # lexbor always builds a head, and writes it first: the policy goes at its start
    html = _HEAD.sub(lambda m: m.group() + meta, tree.html or "", count=1)
    return html.encode("utf-8")


@dataclass(frozen=True, slots=True)
class SafeView:
    """A sanitized view, and what lexbor still found in the span-edited one (empty: the
    view is the span edit, every other byte the capture's; else it was rebuilt)."""

    data: bytes
    rebuilt_for: tuple[str, ...] = ()


def sanitized_view(page: Page, targets: Sequence[str | None], charset: str) -> SafeView:
    """:func:`~linkrescue.rewriters.render.render` sanitized, checked by an HTML5 parser
    and scrubbed on its tree if the parser finds anything (``charset``: the page's codec)."""
    data = render(page, targets, sanitize=True)
    if page.is_stylesheet:
        return SafeView(data)
    text = data.decode(charset, "replace")
    found = unsafe_in(text)
    if not found:
        return SafeView(data)
    return SafeView(scrub(text, POLICY), tuple(dict.fromkeys(found)))
