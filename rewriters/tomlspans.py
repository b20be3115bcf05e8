"""TOML frontmatter (Hugo's ``+++`` block): its values and the spans of its strings.

The values come from the standard library (:mod:`tomllib`), which gives no source
positions; nor does tomlkit (its items keep their formatting, ``trivia`` and
``as_string()``, but not where in the source they were). A rewrite needs each string
value's exact span, so :func:`string_spans` walks the block once more, after
:mod:`tomllib` has accepted it, and reads only what it needs: table headers, keys,
and where each value starts and ends. Since the block is known to be valid TOML,
the walk does not check it again; it only has to find the strings.

A single-line basic string (``"…"``, backslash escapes) or literal string (``'…'``,
no escapes) is a span: ``text[start:end]`` is the string as written inside its
quotes. A multi-line string (``\"\"\"…\"\"\"``, ``'''…'''``) is not: its first newline is
dropped and a line-ending backslash joins lines, so its source text is not its
value (the YAML reader skips block scalars for the same reason).
"""

from __future__ import annotations

import re
import tomllib
from typing import Final, TypeAlias

from linkrescue.rewriters.model import Syntax

#: One string value found: its key path, the span inside its quotes, and its quoting.
StringSpan: TypeAlias = tuple[tuple[str, ...], int, int, Syntax]

_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_\-]+")
_BASIC: Final = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_LITERAL: Final = re.compile(r"'([^'\n]*)'")
_SPACE: Final = re.compile(r"(?:[ \t\r\n]|#[^\n]*)*")
_INLINE_SPACE: Final = re.compile(r"[ \t]*")
#: A value that is neither a string, an array nor an inline table (a number, a date,
#: a boolean) runs to the next separator.
_OTHER: Final = re.compile(r"[^,\]\}\n#]*")
_LINE_REST: Final = re.compile(r"[^\n]*")


class _Walk:
    """A cursor over the validated TOML block, collecting string spans."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text, self.pos, self.end = text, start, end
        self.found: list[StringSpan] = []
        self.arrays: dict[tuple[str, ...], int] = {}  # [[array]] headers seen so far

    def skip(self, pattern: re.Pattern[str] = _SPACE) -> None:
        m = pattern.match(self.text, self.pos, self.end)
        if m is not None:
            self.pos = m.end()

    def key(self) -> tuple[str, ...]:
        """A dotted key (``cover.src``, ``"a b".c``), each part unquoted."""
        parts: list[str] = []
        while True:
            self.skip(_INLINE_SPACE)
            m = (
                _BASIC.match(self.text, self.pos, self.end)
                or _LITERAL.match(self.text, self.pos, self.end)
                or _BARE_KEY.match(self.text, self.pos, self.end)
            )
            if m is None:
                raise ValueError("no key")
            raw = m.group(0)
            parts.append(_unquote(raw) if raw[0] in "\"'" else raw)
            self.pos = m.end()
            self.skip(_INLINE_SPACE)
            if self.text.startswith(".", self.pos):
                self.pos += 1
                continue
            return tuple(parts)

    def value(self, path: tuple[str, ...]) -> None:
        text, pos = self.text, self.pos
        if text.startswith(('"""', "'''"), pos):
            quote = text[pos : pos + 3]
            close = pos + 3
            while True:  # a closing quote run may hold up to two more quotes
                close = text.index(quote, close)
                if text[close - 1] != "\\" or quote == "'''" or _escaped_quote_ends(text, close):
                    break
                close += 1
            while text.startswith(quote[0], close + 3):
                close += 1
            self.pos = close + 3
        elif text.startswith('"', pos) or text.startswith("'", pos):
            m = (_BASIC if text[pos] == '"' else _LITERAL).match(text, pos, self.end)
            if m is None:
                raise ValueError("unclosed string")
            if m.end() - m.start() > 2:
                syntax = Syntax.TOML_BASIC if text[pos] == '"' else Syntax.TOML_LITERAL
                self.found.append((path, m.start(1), m.end(1), syntax))
            self.pos = m.end()
        elif text.startswith("[", pos):
            self.pos += 1
            index = 0
            while True:
                self.skip()
                if text.startswith("]", self.pos):
                    self.pos += 1
                    return
                self.value((*path, str(index)))
                index += 1
                self.skip()
                if text.startswith(",", self.pos):
                    self.pos += 1
        elif text.startswith("{", pos):
            self.pos += 1
            while True:
                self.skip(_INLINE_SPACE)
                if text.startswith("}", self.pos):
                    self.pos += 1
                    return
                if text.startswith(",", self.pos):
                    self.pos += 1
                    continue
                key = self.key()
                self.pos += 1  # "="
                self.skip(_INLINE_SPACE)
                self.value((*path, *key))
        else:
            self.skip(_OTHER)

    def document(self) -> list[StringSpan]:
        table: tuple[str, ...] = ()
        while True:
            self.skip()
            if self.pos >= self.end:
                return self.found
            if self.text.startswith("[[", self.pos):
                self.pos += 2
                name = self.key()
                count = self.arrays.get(name, 0)
                self.arrays[name] = count + 1
                table = (*name, str(count))
                self.skip(_LINE_REST)
            elif self.text.startswith("[", self.pos):
                self.pos += 1
                table = self.key()
                self.skip(_LINE_REST)
            else:
                key = self.key()
                self.pos += 1  # "="
                self.skip(_INLINE_SPACE)
                self.value((*table, *key))


def _escaped_quote_ends(text: str, close: int) -> bool:
    """Whether the ``\"\"\"`` at ``close`` ends the string despite the backslash before it
    (an even run of backslashes escapes itself, not the quote)."""
    run = 0
    while text[close - 1 - run] == "\\":
        run += 1
    return run % 2 == 0


def _unquote(raw: str) -> str:
    """A quoted key's name (``"a b"`` → ``a b``), by the standard parser."""
    value = tomllib.loads(f"k = {raw}")["k"]
    return value if isinstance(value, str) else raw


def string_spans(text: str, start: int, end: int) -> list[StringSpan]:
    """Every non-empty single-line string value in the valid TOML ``text[start:end]``.

    Paths follow the YAML reader's keys: a table header and a dotted key give their
    parts (``params.cover``), an array's items and ``[[array]]`` tables their index
    (``images.0``, ``gallery.1.src``). Raises ValueError only on a shape it does not
    read (never on TOML that :mod:`tomllib` accepted, by its tests).
    """
    return _Walk(text, start, end).document()
