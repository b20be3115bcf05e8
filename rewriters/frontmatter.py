"""Frontmatter: where it is, what it says, and the resource URLs it holds, with spans.

Hugo reads three forms, and the site decides which (gohugo.io, "Front matter"): YAML
between ``---`` lines, TOML between ``+++`` lines, and a JSON object at the top of the
file. Everything below describes YAML; TOML and JSON are read by the standard library
(:mod:`tomllib`, :mod:`json`) with their string spans from
:mod:`linkrescue.rewriters.tomlspans` and :mod:`linkrescue.rewriters.jsonspans`, under
the same keys, errors and data as YAML (``frontmatter is not valid TOML: … (line N)``).

The block is the one python-frontmatter reads: the first line is a boundary
(:data:`frontmatter.YAMLHandler.FM_BOUNDARY`, three or more dashes and optional
trailing whitespace), and the next boundary line closes it; a ``...`` line (YAML's
document end marker) closes it too. A UTF-8 BOM before the first line and CRLF line
endings are accepted; offsets stay offsets of the whole text, BOM included.

The YAML is parsed once, with libyaml (``yaml.CSafeLoader``): the document is
composed into nodes (what ``yaml.compose`` does), the values are constructed from
those nodes, and the nodes' marks give each scalar's character offset (libyaml counts
characters for ``str`` input), so a resource value's span is exact:
``text[start:end] == raw`` where ``raw`` is the scalar as written, inside its quotes.
A double-quoted value with escapes (``"a\\"b"``) keeps its source text as ``raw``,
escapes and all, so that an edit replaces exactly what is written. Block scalars
(``|``, ``>``) are skipped: their source text is not the value. So are empty values.

Malformed YAML never raises: real corpora have a dozen files whose frontmatter
libyaml rejects (control characters), and their body links are still good. The
result then has empty data and an error string such as
``frontmatter is not valid YAML: found unexpected end of stream (line 4)``, with the
line counted in the whole document.

:func:`identity_value` reads one identifying value (the article's address) without
the YAML parser, for indexing a whole corpus; see its cost there.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal, TypeAlias

import yaml
from frontmatter.default_handlers import YAMLHandler
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linkrescue.rewriters import jsonspans, tomlspans
from linkrescue.rewriters.model import LineIndex, Reference, RefKind, Syntax, make_reference

#: libyaml's loader when PyYAML was built with it, else PyYAML's own (same values and
#: marks, about ten times slower): a hard-coded ``yaml.CSafeLoader`` raised
#: AttributeError wherever PyYAML was installed without libyaml.
YAML_LOADER: Final[type[yaml.SafeLoader] | type[yaml.CSafeLoader]] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)

BOM: Final = "\ufeff"
_STR_TAG: Final = "tag:yaml.org,2002:str"
_PROPERTIES = re.compile(r"(?:[&!]\S*\s+)*")  # "&anchor !tag " before a scalar
#: A quoted scalar node's style and the syntax it is; any other (None, or "" from
#: libyaml) is a plain scalar (block scalars are never references).
_QUOTED_SYNTAX: Final = {'"': Syntax.YAML_DOUBLE_QUOTED, "'": Syntax.YAML_SINGLE_QUOTED}
# A closing line: python-frontmatter's boundary, or YAML's "..." document end marker.
_CLOSING = re.compile(YAMLHandler.FM_BOUNDARY.pattern + r"|^\.\.\.\s*$", re.MULTILINE)
#: python-frontmatter's TOMLHandler.FM_BOUNDARY, written out: that class is None
#: unless the third-party ``toml`` package is installed (it is not a dependency).
_TOML_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
#: A JSON frontmatter opens the file: ``{`` then a key or the closing ``}`` (a page
#: that opens with a shortcode, ``{{< figure >}}``, has none).
_JSON_OPENING = re.compile(r"\{\s*[\"}]")

#: Which language the block is written in.
FrontmatterFormat: TypeAlias = Literal["yaml", "toml", "json"]


@dataclass(frozen=True, slots=True)
class FrontmatterBlock:
    """Where the frontmatter is: its source in ``text[start:end]``, body from ``body_start``.

    For YAML and TOML the source is between the boundary lines; for JSON it is the
    object, braces included.
    """

    start: int
    end: int
    body_start: int
    format: FrontmatterFormat = "yaml"


@dataclass(frozen=True, slots=True)
class Frontmatter:
    """The frontmatter read: its values, its resource references, and why it could not be read."""

    data: Mapping[str, object]
    references: tuple[Reference, ...]
    error: str | None
    block: FrontmatterBlock | None
    body_start: int


def find_frontmatter(text: str) -> FrontmatterBlock | None:
    """The frontmatter block at the top of ``text``, or None if it has none.

    The first line (after a BOM) must be a boundary and a later line must close the
    block; a document that only starts with ``---`` (a thematic break) has none. So
    for ``+++`` (TOML). A JSON object runs from the ``{`` that opens the document to
    its matching ``}``; the body starts on the next line.
    """
    first = _bom_length(text)
    if text.startswith("{", first):
        return _json_block(text, first)
    newline = text.find("\n", first)
    if newline == -1:
        return None
    # Sliced: FM_BOUNDARY's "^" would not match after a BOM at a search position.
    line = text[first:newline]
    if YAMLHandler.FM_BOUNDARY.fullmatch(line):
        closing = _CLOSING.search(text, newline + 1)
        form: FrontmatterFormat = "yaml"
    elif _TOML_BOUNDARY.fullmatch(line):
        closing = _TOML_BOUNDARY.search(text, newline + 1)
        form = "toml"
    else:
        return None
    if closing is None:
        return None
    start = newline + 1
    end = closing.start()
    line_end = text.find("\n", end)
    return FrontmatterBlock(start, end, len(text) if line_end == -1 else line_end + 1, form)


def _json_block(text: str, first: int) -> FrontmatterBlock | None:
    if not _JSON_OPENING.match(text, first):
        return None
    end = jsonspans.object_end(text, first)
    if end is None:
        return None
    line_end = text.find("\n", end)
    return FrontmatterBlock(first, end, len(text) if line_end == -1 else line_end + 1, "json")


def _bom_length(text: str) -> int:
    return 1 if text.startswith(BOM) else 0


def read_frontmatter(
    text: str,
    *,
    resource_keys: Collection[str],
    lines: LineIndex | None = None,
    data_keys: Collection[str] | None = None,
) -> Frontmatter:
    """Parse the frontmatter of ``text`` and find the resources under ``resource_keys``.

    ``resource_keys`` are top-level key names, matched exactly (case included); every
    string scalar under one, however nested, is a reference whose ``key`` is its dotted
    path (``image``, ``cover.src``, ``images.0``). If the YAML composes but a value
    cannot be constructed (an impossible date), the references are still returned.
    """
    block = find_frontmatter(text)
    if block is None:
        return Frontmatter({}, (), None, None, _bom_length(text))
    index = LineIndex.of(text) if lines is None else lines
    if block.format != "yaml":
        wanted_keys = None if data_keys is None else frozenset(data_keys)
        return _read_other(text, block, index, frozenset(resource_keys), wanted_keys)
    try:
        loader = YAML_LOADER(text[block.start : block.end])
    except yaml.YAMLError as exc:  # the pure-Python reader checks characters at once
        return _failed(block, _yaml_problem(exc, text, block, index))
    try:
        wanted = None if data_keys is None else frozenset(data_keys)
        return _parse(loader, text, block, index, frozenset(resource_keys), wanted)
    finally:
        loader.dispose()


def _parse(
    loader: yaml.SafeLoader | yaml.CSafeLoader,  # not evaluated: no CSafeLoader without libyaml
    text: str,
    block: FrontmatterBlock,
    index: LineIndex,
    keys: frozenset[str],
    wanted: frozenset[str] | None = None,
) -> Frontmatter:
    try:
        node = loader.get_single_node()
        if node is None:  # an empty frontmatter
            return Frontmatter({}, (), None, block, block.body_start)
        if not isinstance(node, MappingNode):
            kind = "a list" if isinstance(node, SequenceNode) else f"the scalar {node.value!r}"
            return _failed(block, f"frontmatter is not a mapping (it is {kind})")
        references = tuple(
            sorted(_references(text, index, node, block.start, keys), key=lambda r: r.start)
        )
    except (yaml.YAMLError, RecursionError) as exc:
        return _failed(block, _yaml_problem(exc, text, block, index))
    try:
        if wanted is None:
            data = loader.construct_document(node)
        else:
            data = {
                key.value: loader.construct_object(value, deep=True)
                for key, value in node.value
                if isinstance(key, ScalarNode) and key.value in wanted
            }
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        error = _yaml_problem(exc, text, block, index)
        return Frontmatter({}, references, error, block, block.body_start)
    return Frontmatter(data, references, None, block, block.body_start)


def _failed(block: FrontmatterBlock, error: str) -> Frontmatter:
    return Frontmatter({}, (), error, block, block.body_start)


def _yaml_problem(exc: Exception, text: str, block: FrontmatterBlock, index: LineIndex) -> str:
    """``frontmatter is not valid YAML: <problem> (line N)``, N a line of the document."""
    offset: int | None = None
    problem = str(exc)
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or exc.context or problem
        mark = exc.problem_mark or exc.context_mark
        if (
            exc.problem_mark is not None
            and exc.context_mark is not None
            and block.start + exc.problem_mark.index >= block.end
        ):
            # Found at the end of the YAML (the closing "---"): what never ended, an
            # unclosed quote or bracket, starts at the context mark, on the bad line.
            problem = f"{problem} {exc.context}" if exc.context else problem
            mark = exc.context_mark
        if mark is not None:
            offset = block.start + mark.index
    elif isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        problem = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
        offset = block.start + exc.position
    problem = " ".join(problem.split())
    if offset is None:
        return f"frontmatter is not valid YAML: {problem}"
    line = index.position(min(offset, len(text))).line
    opened = _quote_opened_before(text, block, offset)
    if opened is not None and index.position(opened).line < line:
        where = f"line {line}, after a quoted value opened on line {index.position(opened).line}"
        return f"frontmatter is not valid YAML: {problem} ({where})"
    return f"frontmatter is not valid YAML: {problem} (line {line})"


def _quote_opened_before(text: str, block: FrontmatterBlock, offset: int) -> int | None:
    """Where the quoted value just before ``offset`` opens, if it runs over lines.

    A quote never closed on its line (``title: "引號未關``) makes YAML read the next
    lines as the rest of the value, and the fault surfaces a line later (``did not
    find expected key``): that line alone would point the reader at a good line.
    """
    last: yaml.Token | None = None
    try:
        for token in yaml.scan(text[block.start : block.end], Loader=YAML_LOADER):
            if block.start + token.start_mark.index >= offset:
                break
            last = token
    except yaml.YAMLError:
        pass
    if (
        isinstance(last, yaml.ScalarToken)
        and last.style in ('"', "'")
        and last.start_mark.line < last.end_mark.line
    ):
        opened: int = last.start_mark.index
        return block.start + opened
    return None


def _references(
    text: str, index: LineIndex, root: MappingNode, offset: int, keys: frozenset[str]
) -> list[Reference]:
    references: list[Reference] = []
    seen: set[int] = set()  # an alias repeats a node: report it once, at its first path

    def walk(node: Node, path: str) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if node.tag != _STR_TAG or not node.value or node.style in ("|", ">"):
                return
            start, end = offset + node.start_mark.index, offset + node.end_mark.index
            if text[start] in "&!":  # the node's mark includes its anchor and tag
                properties = _PROPERTIES.match(text, start, end)
                assert properties is not None  # the pattern matches the empty string
                start = properties.end()
            syntax = _QUOTED_SYNTAX.get(node.style or "", Syntax.YAML_PLAIN)
            if syntax is not Syntax.YAML_PLAIN:
                start, end = start + 1, end - 1
            references.append(
                make_reference(text, index, RefKind.FRONTMATTER, start, end, syntax, key=path)
            )
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{path}.{i}")
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    walk(value, f"{path}.{key.value}")

    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value in keys:
            walk(value, key.value)
    return references


# --- TOML and JSON -------------------------------------------------------------------

_TOML_WHERE = re.compile(r"\s*\((?:at line (\d+), column \d+|at end of document)\)$")


def _read_other(
    text: str,
    block: FrontmatterBlock,
    index: LineIndex,
    keys: frozenset[str],
    wanted: frozenset[str] | None,
) -> Frontmatter:
    """A TOML or JSON block read as the YAML one is: values, references under
    ``keys``, or an error naming the line of the whole document."""
    source = text[block.start : block.end]
    try:
        if block.format == "toml":
            data: dict[str, object] = tomllib.loads(source)
            found = tomlspans.string_spans(text, block.start, block.end)
        else:
            parsed = json.loads(source)
            if not isinstance(parsed, dict):  # pragma: no cover - the block is an object
                return _failed(block, "frontmatter is not a mapping")
            data = parsed
            found = jsonspans.string_spans(text, block.start, block.end)
    except tomllib.TOMLDecodeError as exc:
        return _failed(block, _toml_problem(exc, block, index))
    except json.JSONDecodeError as exc:
        line = index.position(block.start + exc.pos).line
        return _failed(block, f"frontmatter is not valid JSON: {exc.msg} (line {line})")
    except (ValueError, IndexError, RecursionError) as exc:  # a shape the span walk misreads
        return _failed(block, f"frontmatter is not valid {block.format.upper()}: {exc}")
    references = tuple(
        make_reference(text, index, RefKind.FRONTMATTER, start, end, syntax, key=".".join(path))
        for path, start, end, syntax in found
        if path[0] in keys
    )
    if wanted is not None:
        data = {key: value for key, value in data.items() if key in wanted}
    return Frontmatter(data, references, None, block, block.body_start)


def _toml_problem(exc: tomllib.TOMLDecodeError, block: FrontmatterBlock, index: LineIndex) -> str:
    """``frontmatter is not valid TOML: <problem> (line N)``, N a line of the document
    (tomllib counts lines in the block it was given)."""
    message = str(exc)
    where = _TOML_WHERE.search(message)
    problem = message[: where.start()] if where else message
    if where is None or where.group(1) is None:
        line = index.position(block.end).line
    else:
        line = index.position(block.start).line + int(where.group(1)) - 1
    return f"frontmatter is not valid TOML: {problem} (line {line})"


# --- identity -------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _identity_lines(keys: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(k) for k in keys)
    # "key:" must be followed by a space or the line end: "key:x" is a scalar, not a key.
    return re.compile(
        r"^(?P<key>" + names + r")[ \t]*:(?=[ \t\r\n]|\Z)(?P<rest>[^\n]*)", re.MULTILINE
    )


_DOUBLE_QUOTED = re.compile(r'"([^"\\\n]*)"[ \t\r]*(?:#.*)?')
_SINGLE_QUOTED = re.compile(r"'((?:[^'\n]|'')*)'[ \t\r]*(?:#.*)?")
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n]*")
_CONTINUED = re.compile(r"\n[ \t]+[^ \t\r\n#]")
# The tag YAML gives a plain scalar (str, int, bool, null, timestamp...).
_resolve: Callable[[type[Node], str, tuple[bool, bool]], str] = yaml.resolver.Resolver().resolve


def identity_value(text: str, identity_keys: Sequence[str]) -> str | None:
    """The first of ``identity_keys`` in the frontmatter with a non-empty string value.

    Meant for indexing a whole corpus by address (50,000 documents): it does not run
    the YAML parser when the value is written on one line, as ``key: "value"``,
    ``key: 'value'`` or ``key: value`` at the top level (every Stand News and Citizen
    News file). Its cost is then finding the block and one regular-expression search
    over it: about 7 µs per document (140,000 documents/s on one core on the
    synthetic 50,000-article corpus, 0.35 s for all of it), against 75-100 µs for
    :func:`read_frontmatter`, most of it libyaml. Any other shape (escapes, a value
    continued on the next line, a nested value, a key written in quotes) falls back
    to the full parse, so the answer is the one
    :func:`read_frontmatter` gives, with one deliberate exception: a value on a
    simple line is found even when another part of the frontmatter is malformed
    (the Citizen News files whose titles hold control characters stay indexable).
    """
    block = find_frontmatter(text)
    if block is None:
        return None
    keys = tuple(identity_keys)
    if block.format == "toml":
        fast = _toml_identity(text, block, keys)
        if fast is not None:
            return fast or None
    if block.format != "yaml":
        return _parsed_identity(text, keys)
    found: dict[str, re.Match[str]] = {}
    for line in _identity_lines(keys).finditer(text, block.start, block.end):
        found[line["key"]] = line  # YAML keeps the last of repeated keys
    for key in keys:
        match = found.get(key)
        if match is None:
            if key in text[block.start : block.end]:
                break  # written in a shape the fast path does not read
            continue
        value = _simple_value(match["rest"])
        if value is None or _CONTINUED.match(text, match.end(), block.end):
            break
        if value:
            return value
    else:
        return None
    return _parsed_identity(text, keys)


def _parsed_identity(text: str, keys: tuple[str, ...]) -> str | None:
    data = read_frontmatter(text, resource_keys=()).data
    for key in keys:
        parsed = data.get(key)
        if isinstance(parsed, str) and parsed:
            return parsed
    return None


def _simple_value(rest: str) -> str | None:
    """The string a one-line YAML value means; "" for none; None if not simple."""
    rest = rest.strip(" \t\r")
    if not rest or rest.startswith("#"):
        return ""
    if rest[0] == '"':
        m = _DOUBLE_QUOTED.fullmatch(rest)
        return None if m is None else m[1]
    if rest[0] == "'":
        m = _SINGLE_QUOTED.fullmatch(rest)
        return None if m is None else m[1].replace("''", "'")
    if not _PLAIN.fullmatch(rest) or ": " in rest or " #" in rest or rest.endswith(":"):
        return None
    if _resolve(ScalarNode, rest, (True, False)) != _STR_TAG:
        return ""  # a number, boolean, date or null: not a string value
    return rest


@lru_cache(maxsize=16)
def _toml_identity_lines(keys: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(k) for k in keys)
    return re.compile(
        r"^(?P<key>" + names + r")[ \t]*=[ \t]*"
        r"(?:\"(?P<basic>[^\"\\\n]*)\"|'(?P<literal>[^'\n]*)')[ \t\r]*(?:#[^\n]*)?$",
        re.MULTILINE,
    )


_TOML_TABLE = re.compile(r"^[ \t]*\[", re.MULTILINE)


def _toml_identity(text: str, block: FrontmatterBlock, keys: tuple[str, ...]) -> str | None:
    """The identity from ``key = "value"`` lines before the first table header, without
    :mod:`tomllib`; "" when none of ``keys`` is written so; None: parse it instead.

    Only a value without escapes, on its own line, at the top level, is read here
    (``url = "https://…"``, every page ``hugo new`` writes); a key anywhere else, or
    written otherwise, falls back to the full parse, so the answer is the parser's.
    """
    table = _TOML_TABLE.search(text, block.start, block.end)
    top_end = block.end if table is None else table.start()
    found: dict[str, str] = {}
    for line in _toml_identity_lines(keys).finditer(text, block.start, top_end):
        found[line["key"]] = line["basic"] if line["basic"] is not None else line["literal"]
    source = text[block.start : block.end]
    for key in keys:
        value = found.get(key)
        if value is None:
            if key in source:
                return None  # written in a shape the fast path does not read
            continue
        if value:
            return value
    return ""
