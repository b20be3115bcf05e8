"""JSON frontmatter (a Hugo page that starts with a JSON object): its extent and string spans.

Hugo reads a page whose first character is ``{`` as JSON frontmatter running to the
matching ``}``; python-frontmatter's JSONHandler reads the same block when the
braces sit on lines of their own, which is how ``hugo convert toJSON`` writes it.
The values come from :mod:`json`, which gives no source positions (its
``JSONDecoder.raw_decode`` tells only where the whole value ends); so
:func:`object_end` and :func:`string_spans` walk the text with a small tokenizer
for JSON strings: ``text[start:end]`` of a span is the string as written inside its
quotes, escapes included, as a rewrite must replace it.
"""

from __future__ import annotations

import json
import re
from typing import Final, TypeAlias

from linkrescue.rewriters.model import Syntax

#: One string value found: its key path, the span inside its quotes, and its quoting.
StringSpan: TypeAlias = tuple[tuple[str, ...], int, int, Syntax]

#: A JSON string (RFC 8259 §7), its content in group 1.
_STRING: Final = re.compile(r'"((?:[^"\\\x00-\x1f]|\\.)*)"')
_SPACE: Final = re.compile(r"[ \t\r\n]*")
#: A number, ``true``, ``false`` or ``null``.
_OTHER: Final = re.compile(r"[^,\]\}\s]*")
#: Only what opens, closes, or might hide a brace (a string) matters to the extent.
_BRACE_OR_STRING: Final = re.compile(r'[{}"]')


def object_end(text: str, start: int) -> int | None:
    """Where the object opened by ``{`` at ``start`` closes (just after its ``}``), or None.

    Braces inside strings do not count; a string never closed, or an object never
    closed, gives None: then there is no frontmatter and the text is body text.
    """
    depth, pos = 0, start
    while True:
        m = _BRACE_OR_STRING.search(text, pos)
        if m is None:
            return None
        char = m.group(0)
        if char == '"':
            string = _STRING.match(text, m.start())
            if string is None:
                return None
            pos = string.end()
            continue
        depth += 1 if char == "{" else -1
        pos = m.end()
        if depth == 0:
            return pos


def _decode_key(raw: str) -> str:
    if "\\" not in raw:
        return raw
    value = json.loads(f'"{raw}"')
    return value if isinstance(value, str) else raw


def string_spans(text: str, start: int, end: int) -> list[StringSpan]:
    """Every non-empty string value in the valid JSON object ``text[start:end]``, with
    its path (``cover.src``, ``images.0``) as the YAML reader names keys."""
    found: list[StringSpan] = []
    pos = start

    def skip() -> None:
        nonlocal pos
        m = _SPACE.match(text, pos, end)
        pos = m.end() if m is not None else pos

    def value(path: tuple[str, ...]) -> None:
        nonlocal pos
        skip()
        char = text[pos]
        if char == '"':
            m = _STRING.match(text, pos, end)
            if m is None:
                raise ValueError("unclosed string")
            if m.end(1) > m.start(1):
                found.append((path, m.start(1), m.end(1), Syntax.JSON_STRING))
            pos = m.end()
        elif char in "{[":
            pos += 1
            index = 0
            while True:
                skip()
                if text[pos] in "}]":
                    pos += 1
                    return
                if text[pos] == ",":
                    pos += 1
                    continue
                if char == "{":
                    key = _STRING.match(text, pos, end)
                    if key is None:
                        raise ValueError("no key")
                    pos = key.end()
                    skip()
                    pos += 1  # ":"
                    value((*path, _decode_key(key.group(1))))
                else:
                    value((*path, str(index)))
                    index += 1
        else:
            m = _OTHER.match(text, pos, end)
            pos = m.end() if m is not None else pos

    value(())
    return found
