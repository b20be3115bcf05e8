"""Stage 4 and its inverse: point references at the local copies, and put them back.

Rewriting replaces exactly the URL text of each rescued or internal reference
(``text[start:end]`` as the scan found it) and nothing else. Before a document
is replaced, the index records every replacement's place in the *new* text with
the text it replaced, for the whole document in one transaction; ``restore``
uses those places to put every original back, byte for byte. A crash between
the two leaves the index describing either the old file or the new one, and the
next run (or restore) sorts it out.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from archive.index import Index
from archive.indexschema import IndexedReference
from crawler.config import Config
from crawler.corpus import Problem
from crawler.resolve import Status
from crawler.scan import Corpus, FileResult, Record, scan_items
from rewriters import apply_edits, decode_document
from rewriters.destinations import destination_text, encode_target
from rewriters.errors import DocumentError, EditConflictError
from rewriters.files import replace_document
from rewriters.model import Edit, LineIndex


@dataclass(frozen=True, slots=True)
class Rewritten:
    """One document rewritten (or, in a dry run, the diff it would get)."""

    path: str
    edits: int
    diff: str


def document_key(path: str | Path) -> str:
    """How the index names a document: its absolute path, whatever the working folder."""
    return str(Path(path).resolve())


class Targets:
    """Where each rescued resource or internal document is, as seen from a document."""

    def __init__(self, config: Config, local_paths: Mapping[str, str]) -> None:
        self.config = config
        self.local_paths = local_paths  # resource key -> path inside the store
        self.store_dir = config.store_dir.resolve()

    def target(self, record: Record) -> str | None:
        res = record.res
        fragment = urlsplit(res.url).fragment if res.url else ""
        doc_dir = Path(record.file).resolve().parent
        if res.status is Status.INTERNAL and record.document is not None:
            path = os.path.relpath(Path(record.document).resolve(), doc_dir)
            return encode_target(Path(path).as_posix(), fragment=fragment)
        inside = self.local_paths.get(res.key) if res.key is not None else None
        if res.status is Status.REMOTE and inside is not None:
            if self.config.rewrite.style == "absolute":
                return encode_target(self.config.rewrite.prefix + inside, fragment=fragment)
            path = os.path.relpath(self.store_dir / inside, doc_dir)
            return encode_target(Path(path).as_posix(), fragment=fragment)
        return None


def plan_edits(result: FileResult, text: str, targets: Targets) -> list[tuple[Edit, str]]:
    """The edits a document gets, each with the resource key it stands for."""
    planned = []
    for record in result.records:
        target = targets.target(record)
        if target is None or record.res.key is None:
            continue
        new = destination_text(record.ref, text, target)
        if new != record.ref.raw:
            edit = Edit(record.ref.start, record.ref.end, record.ref.raw, new)
            planned.append((edit, record.res.key))
    return planned


def _shift(offset: int, edits: Sequence[Edit]) -> int:
    """Where ``offset`` of the old text lands in the new one (edits sorted, none covering it)."""
    delta = 0
    for edit in edits:
        if edit.end <= offset:
            delta += len(edit.replacement) - (edit.end - edit.start)
        else:
            break
    return offset + delta


def offset_of(lines: LineIndex, line: int, column: int) -> int:
    return lines.starts[line - 1] + column - 1


def rewrite_documents(
    items: Sequence[tuple[str, str | None]],
    corpus: Corpus,
    config: Config,
    index: Index | None,
    targets: Targets,
    *,
    dry_run: bool,
    on_problem: Callable[[Problem], None],
) -> list[Rewritten]:
    """Rewrite ``items`` (documents of ``corpus``); in a dry run only compute the diffs."""
    done = []
    for result in scan_items(items, corpus, config, as_json=False):
        if not result.readable:
            continue
        try:
            rewritten = _rewrite_one(result, config, index, targets, dry_run=dry_run)
        except (DocumentError, OSError) as exc:
            on_problem(Problem(result.path, _reason(exc, result.path)))
            continue
        if rewritten is not None:
            done.append(rewritten)
    return done


def _reason(exc: Exception, path: str) -> str:
    text = str(exc)
    prefix = f"{path}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _rewrite_one(
    result: FileResult, config: Config, index: Index | None, targets: Targets, *, dry_run: bool
) -> Rewritten | None:
    path = Path(result.path)
    data = path.read_bytes()
    text = decode_document(data)
    planned = plan_edits(result, text, targets)
    if not planned:
        return None
    edits = sorted((edit for edit, _ in planned), key=lambda e: e.start)
    try:
        new_text = apply_edits(text, edits)
    except EditConflictError:
        raise EditConflictError(
            f"{path}: changed on disk since it was scanned; not rewritten"
        ) from None
    if dry_run:
        diff = "".join(
            difflib.unified_diff(
                text.splitlines(keepends=True),
                new_text.splitlines(keepends=True),
                fromfile=f"a/{result.path}",
                tofile=f"b/{result.path}",
            )
        )
        return Rewritten(result.path, len(edits), diff)
    assert index is not None
    doc = document_key(path)
    old_lines, new_lines = LineIndex.of(text), LineIndex.of(new_text)
    records: list[IndexedReference] = []
    earlier_refs = index.references_of(doc)
    # A run killed between recording a rewrite and renaming the file leaves the index
    # describing the new text while the disk holds the old one: this very rewrite
    # again. Its places are already places of the new text; shifting them again
    # would record replacements where there are none, and restore would refuse.
    recorded = not _holds(text, old_lines, earlier_refs) and _holds(
        new_text, new_lines, earlier_refs
    )
    for earlier in earlier_refs:
        if recorded:
            records.append(earlier)  # the planned ones below are the same rows
            continue
        moved = _shift(offset_of(old_lines, earlier.line, earlier.column), edits)
        pos = new_lines.position(moved)
        records.append(
            IndexedReference(
                earlier.key, doc, pos.line, pos.column, earlier.original, earlier.replacement
            )
        )
    for edit, key in planned:
        pos = new_lines.position(_shift(edit.start, edits))
        records.append(
            IndexedReference(key, doc, pos.line, pos.column, edit.expected, edit.replacement)
        )
    index.replace_references(doc, records)
    replace_document(path, new_text, was=data)
    return Rewritten(result.path, len(edits), "")


def _holds(text: str, lines: LineIndex, refs: Sequence[IndexedReference]) -> bool:
    """Whether ``text`` reads each recorded replacement at its recorded place."""
    for ref in refs:
        if ref.line > len(lines.starts):
            return False
        if not text.startswith(ref.replacement, offset_of(lines, ref.line, ref.column)):
            return False
    return True


def restore_documents(
    paths: Iterable[str], index: Index, *, on_problem: Callable[[Problem], None]
) -> list[Rewritten]:
    """Put back every original URL the index recorded for ``paths``."""
    done = []
    for path in paths:
        try:
            restored = restore_document(Path(path), index)
        except (DocumentError, OSError) as exc:
            on_problem(Problem(path, _reason(exc, path)))
            continue
        if restored:
            done.append(Rewritten(path, restored, ""))
    return done


def restore_document(path: Path, index: Index) -> int:
    """Restore one document; returns how many references were put back."""
    doc = document_key(path)
    refs = index.references_of(doc)
    if not refs:
        return 0
    data = path.read_bytes()
    text = decode_document(data)
    lines = LineIndex.of(text)
    edits = []
    for ref in refs:
        if ref.line > len(lines.starts):
            raise EditConflictError(f"{path}: changed since it was rewritten; not restored")
        start = offset_of(lines, ref.line, ref.column)
        edits.append(Edit(start, start + len(ref.replacement), ref.replacement, ref.original))
    edits.sort(key=lambda e: e.start)
    try:
        original = apply_edits(text, edits)
    except EditConflictError:
        if _already_restored(text, refs):
            index.remove_references(doc)  # a crash after the last restore wrote the file
            return 0
        raise EditConflictError(f"{path}: changed since it was rewritten; not restored") from None
    replace_document(path, original, was=data)
    index.remove_references(doc)
    return len(edits)


def _already_restored(text: str, refs: Sequence[IndexedReference]) -> bool:
    """True when ``text`` already holds every original where the replacements were.

    The recorded places are places of the rewritten text; ``text`` is walked in step
    with it (equal outside the replacements, which hold no line break), so every
    original is looked for where the rewritten text had its replacement. This is
    the case after a crash between writing the restored file and forgetting its
    records, and after a rescue killed between recording a rewrite and renaming
    the file: the index describes a text that never reached the disk.
    """
    pos, line, column = 0, 1, 1  # in ``text``; the same place's line and column in the other
    for ref in sorted(refs, key=lambda r: (r.line, r.column)):
        while line < ref.line:
            newline = text.find("\n", pos)
            if newline == -1:
                return False
            pos, line, column = newline + 1, line + 1, 1
        gap = ref.column - column
        if gap < 0 or "\n" in text[pos : pos + gap]:
            return False  # overlapping records, or a column past the end of the line
        pos += gap
        if not text.startswith(ref.original, pos):
            return False
        pos += len(ref.original)  # its line breaks, if any, were not in the other text
        column = ref.column + len(ref.replacement)
    return True
