"""Stage 4 and its inverse: point references at the local copies, and put them back.

Rewriting replaces exactly the URL text of each rescued or internal reference
(``text[start:end]`` as the scan found it) and nothing else. The scan's own
findings are kept for it (:class:`SpilledPlans`: spans, syntax, resources; a few values per
reference): a document is read again only to check, by digest, that it still holds
what was scanned. Before a document
is replaced, the index records every replacement's place in the *new* text with
the text it replaced, for the whole document in one transaction; ``restore``
uses those places to put every original back, byte for byte. A crash between
the two leaves the index describing either the old file or the new one, and the
next run (or restore) sorts it out.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import os
import pickle
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from linkrescue.archive import Index, IndexedReference
from linkrescue.crawler.config import RewriteStageSettings, ScanStageSettings
from linkrescue.crawler.stages.corpus import Problem
from linkrescue.crawler.stages.docrows import (
    ATTRIBUTE,
    DOCUMENT,
    ELEMENT,
    END,
    KEY,
    KIND,
    ON_SITE,
    RESOURCE,
    START,
    STATUS,
    SYNTAX,
    URL,
    DocRows,
    Row,
)
from linkrescue.crawler.stages.resolve import Status
from linkrescue.crawler.stages.scan import Corpus, FileResult, scan_items
from linkrescue.crawler.stages.spill import Spill
from linkrescue.rewriters import apply_edits, decode_document
from linkrescue.rewriters.destinations import destination_text, encode_target
from linkrescue.rewriters.errors import DocumentError, EditConflictError
from linkrescue.rewriters.files import fingerprint, replace_document
from linkrescue.rewriters.model import (
    Edit,
    LineIndex,
    Reference,
    RefKind,
    Syntax,
    make_reference,
)


@dataclass(frozen=True, slots=True)
class Rewritten:
    """One document rewritten (or, in a dry run, the diff it would get)."""

    path: str
    edits: int
    diff: str


@dataclass(frozen=True, slots=True)
class Replaceable:
    """One span the scan found that a rewrite may replace, kept until the rewrite.

    A remote reference (``document`` None) is replaced when its ``resource`` is in
    the store; an internal one by the path of the ``document`` it names. The
    :class:`~linkrescue.rewriters.model.Reference` itself is built again from the
    document's text once that text is known to be the one scanned (its ``raw`` and
    place come from there), so what is kept per reference is a few small values.
    """

    kind: RefKind
    syntax: Syntax
    start: int
    end: int
    element: str | None
    attribute: str | None
    key: str | None
    resource: str
    fragment: str
    document: str | None

    def reference(self, text: str, lines: LineIndex) -> Reference:
        """The reference the scan found, from the same ``text``."""
        return make_reference(
            text,
            lines,
            self.kind,
            self.start,
            self.end,
            self.syntax,
            element=self.element,
            attribute=self.attribute,
            key=self.key,
        )


@dataclass(frozen=True, slots=True)
class DocumentPlan:
    """What a rewrite of one document may replace, and the digest of the bytes it was found in."""

    digest: bytes
    spans: tuple[Replaceable, ...]


def plan_of(result: FileResult) -> DocumentPlan:
    """The rewrite plan of a scanned document: its remote and internal references.

    Never an internal link of a documentation site (``Record.on_site``): the site
    serves its pages at those addresses, not at the Markdown files' paths.

    Never a reference-style use (``md-refuse``): its span is the link's visible text;
    rewriting the definition it names rewrites every use.
    """
    intern = sys.intern
    remote, internal = Status.REMOTE, Status.INTERNAL  # looked up once, not per reference
    use = RefKind.MD_REFUSE
    spans = []
    for record in result.records:
        if record.ref.kind is use:  # the text a reader sees: its definition is rewritten
            continue
        res = record.res
        status = res.status
        if status is remote:
            document: str | None = None
        elif status is internal and record.document is not None and not record.on_site:
            document = intern(record.document)
        else:  # most references of a corpus rescued before: already local
            continue
        if res.key is None:
            continue
        ref = record.ref
        url = res.url or ""
        spans.append(
            Replaceable(
                ref.kind,
                ref.syntax,
                ref.start,
                ref.end,
                ref.element and intern(ref.element),
                ref.attribute and intern(ref.attribute),
                ref.key and intern(ref.key),
                intern(res.key),
                intern(urlsplit(url).fragment) if "#" in url else "",
                document,
            )
        )
    return DocumentPlan(result.digest, tuple(spans))


def plan_of_rows(digest: bytes, rows: Sequence[Row]) -> DocumentPlan:
    """:func:`plan_of` from a document's rows (:mod:`~linkrescue.crawler.stages.docrows`),
    the identity index applied: the same spans."""
    intern = sys.intern
    remote, internal, use = Status.REMOTE.value, Status.INTERNAL.value, RefKind.MD_REFUSE.value
    spans = []
    for row in rows:
        if row[KIND] == use:
            continue
        status = row[STATUS]
        if status == remote:
            document: str | None = None
        elif status == internal and row[DOCUMENT] is not None and not row[ON_SITE]:
            document = intern(row[DOCUMENT])
        else:
            continue
        key = row[RESOURCE]
        if key is None:
            continue
        url = row[URL] or ""
        element, attribute, fkey = row[ELEMENT], row[ATTRIBUTE], row[KEY]
        spans.append(
            Replaceable(
                RefKind(row[KIND]),
                Syntax(row[SYNTAX]),
                row[START],
                row[END],
                element and intern(element),
                attribute and intern(attribute),
                fkey and intern(fkey),
                intern(key),
                intern(urlsplit(url).fragment) if "#" in url else "",
                document,
            )
        )
    return DocumentPlan(digest, tuple(spans))


def _planned(rows: Sequence[Row]) -> list[Row]:
    """The rows a rewrite may replace (:func:`plan_of_rows` keeps no other)."""
    remote, internal, use = Status.REMOTE.value, Status.INTERNAL.value, RefKind.MD_REFUSE.value
    return [
        row
        for row in rows
        if row[KIND] != use
        and row[RESOURCE] is not None
        and (
            row[STATUS] == remote
            or (row[STATUS] == internal and row[DOCUMENT] is not None and not row[ON_SITE])
        )
    ]


class SpilledPlans:
    """Stage 1 to stage 4: per document, what the scan found that a rewrite may replace,
    kept in a temporary file until the rewrite, not in memory (the rewrite reads the
    document, checks it holds the bytes scanned, and replaces the spans kept here,
    instead of scanning and resolving it a second time).

    The plans of 50,000 documents held as objects were the largest part of a rescue's
    memory after its tasks (issue 12, item 9); here each document with something a
    rewrite may replace costs one offset in memory, and its plan is built when the
    rewrite reaches it.
    """

    def __init__(self) -> None:
        self._spill = Spill()
        # where each document's plan starts in the spill; it ends where the next one
        # starts (plans are appended one after another): an offset a document, not an
        # (offset, size) tuple (4 MiB less at 50,000 articles, issue 12)
        # by the document's number in the corpus (-1: none; an array, not a dict of
        # paths: 3 MiB less at 50,000 articles), or by path for one without a number
        self._by_number = array("q")
        self._at: dict[str, int] = {}
        self._starts = array("q")
        self._end = 0
        self._kept: set[str] = set()
        #: Where the rows of a document taken unchanged from the index are read again
        #: (set before the rewrite; None: such a document is scanned again).
        self.reload: Callable[[str], DocRows | None] | None = None

    def add_rows(self, doc: DocRows) -> None:
        if not doc.readable:
            return
        if doc.reused:  # the index holds its rows: read again if the rewrite needs them
            self._kept.add(doc.path)
            return
        rows = _planned(doc.rows)
        if rows:
            at, size = self._spill.put(pickle.dumps((doc.digest, rows)))
            if doc.number >= 0:
                missing = doc.number + 1 - len(self._by_number)
                if missing > 0:
                    self._by_number.extend(itertools.repeat(-1, missing))
                self._by_number[doc.number] = at
            else:
                self._at[doc.path] = at
            self._starts.append(at)
            self._end = at + size

    def get(self, path: str, number: int = -1) -> DocumentPlan | None:
        """The plan of document ``path``, number ``number`` in the corpus (-1: unknown)."""
        at = self._by_number[number] if 0 <= number < len(self._by_number) else -1
        if at < 0:
            at = self._at.get(path, -1)
        if at >= 0:
            after = bisect.bisect_right(self._starts, at)
            end = self._starts[after] if after < len(self._starts) else self._end
            digest, rows = pickle.loads(self._spill.get((at, end - at)))
            return plan_of_rows(digest, rows)
        if path in self._kept and self.reload is not None:
            doc = self.reload(path)
            if doc is not None:
                return plan_of_rows(doc.digest, _planned(doc.rows))
        return None

    def close(self) -> None:
        self._spill.close()


class Targets:
    """Where each rescued resource or internal document is, as seen from a document."""

    def __init__(self, settings: RewriteStageSettings, local_paths: Mapping[str, str]) -> None:
        self.settings = settings
        self.local_paths = local_paths  # resource key -> path inside the store
        self.store_dir = settings.store_dir.resolve()

    def target(self, doc_dir: Path, span: Replaceable) -> str | None:
        """The new destination of ``span`` in a document of ``doc_dir`` (resolved), or None."""
        fragment = span.fragment
        if span.document is not None:
            path = os.path.relpath(Path(span.document).resolve(), doc_dir)
            return encode_target(Path(path).as_posix(), fragment=fragment)
        inside = self.local_paths.get(span.resource)
        if inside is not None:
            if self.settings.style == "absolute":
                return encode_target(self.settings.prefix + inside, fragment=fragment)
            path = os.path.relpath(self.store_dir / inside, doc_dir)
            return encode_target(Path(path).as_posix(), fragment=fragment)
        return None


def plan_edits(
    path: str, plan: DocumentPlan, text: str, lines: LineIndex, targets: Targets
) -> list[tuple[Edit, str]]:
    """The edits the document at ``path`` (holding ``text``) gets, each with its resource key."""
    planned = []
    doc_dir = Path(path).resolve().parent
    for span in plan.spans:
        target = targets.target(doc_dir, span)
        if target is None:
            continue
        ref = span.reference(text, lines)
        new = destination_text(ref, target)
        if new != ref.raw:
            planned.append((Edit(ref.start, ref.end, ref.raw, new), span.resource))
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
    config: ScanStageSettings,
    index: Index | None,
    targets: Targets,
    plans: SpilledPlans,
    *,
    dry_run: bool,
    on_problem: Callable[[Problem], None],
    numbers: Sequence[int] = (),
) -> list[Rewritten]:
    """Rewrite ``items`` (documents of ``corpus``, numbered ``numbers`` there when
    given) by their ``plans``; in a dry run only compute the diffs.

    A document that no longer holds the bytes it was scanned from (edited while
    the run fetched) is scanned and resolved again on its own, and rewritten from
    what it holds now, as if the rewrite had been its first read.
    """
    done = []
    for at, item in enumerate(items):
        path = item[0]
        try:
            data = Path(path).read_bytes()
            plan = plans.get(path, numbers[at] if numbers else -1)
            if plan is None or fingerprint(data) != plan.digest:
                result = next(scan_items([item], corpus, config, as_json=False))
                if not result.readable:
                    continue
                plan, data = plan_of(result), Path(path).read_bytes()
            rewritten = _rewrite_one(path, data, plan, config, index, targets, dry_run=dry_run)
        except (DocumentError, OSError) as exc:
            on_problem(Problem(path, _reason(exc, path)))
            continue
        if rewritten is not None:
            done.append(rewritten)
    return done


def _reason(exc: Exception, path: str) -> str:
    text = str(exc)
    prefix = f"{path}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _rewrite_one(
    name: str,
    data: bytes,
    plan: DocumentPlan,
    config: ScanStageSettings,
    index: Index | None,
    targets: Targets,
    *,
    dry_run: bool,
) -> Rewritten | None:
    path = Path(name)
    if fingerprint(data) != plan.digest:
        raise EditConflictError(f"{path}: changed on disk since it was scanned; not rewritten")
    text = decode_document(data)
    old_lines = LineIndex.of(text)
    planned = plan_edits(name, plan, text, old_lines, targets)
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
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )
        return Rewritten(name, len(edits), diff)
    assert index is not None
    doc = index.document_key(path)
    new_lines = LineIndex.of(new_text)
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
    return Rewritten(name, len(edits), "")


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
    """Put back every original URL the index recorded for ``paths``.

    A reference that no longer reads as it was written (edited by hand since the
    rescue) is reported as ``file:line`` and kept in the index; every other
    reference of the same document is restored.
    """
    done = []
    for path in paths:
        try:
            restored = restore_document(Path(path), index)
        except (DocumentError, OSError) as exc:
            on_problem(Problem(path, _reason(exc, path)))
            continue
        for kept in restored.kept:
            on_problem(
                Problem(
                    f"{path}:{kept.line}",
                    f"the rewritten link was edited by hand since the rescue; not restored "
                    f"(expected {kept.replacement!r}, to put back {kept.original!r})",
                )
            )
        if restored.count:
            done.append(Rewritten(path, restored.count, ""))
    return done


@dataclass(frozen=True, slots=True)
class Restored:
    """What restoring one document did: ``count`` references put back, ``kept`` not
    (their line is the line in the file as it is now)."""

    count: int
    kept: tuple[IndexedReference, ...] = ()


def restore_document(path: Path, index: Index) -> Restored:
    """Restore one document: every recorded reference that still reads as written.

    The recorded places are places of the rewritten text. The file is walked in
    step with it (:func:`_match_places`): a replacement found at its place is put
    back; an original found there was put back already (a restore killed before
    it updated the index); anything else was edited by hand and stays, recorded
    at its place in the restored text so a later restore can still do it once
    the user puts the link back. The file is written before the index forgets
    what was restored, so a crash between the two is sorted out by the next run.
    """
    doc = index.document_key(path)
    refs = index.references_of(doc)
    if not refs:
        return Restored(0)
    data = path.read_bytes()
    text = decode_document(data)
    edits, kept = _match_places(text, refs)
    if not edits and not kept:
        index.remove_references(doc)  # a crash after the last restore wrote the file
        return Restored(0)
    new_text = apply_edits(text, edits) if edits else text
    if edits:
        replace_document(path, new_text, was=data)
    lines = LineIndex.of(new_text)
    remaining = []
    for ref, at in kept:
        pos = lines.position(_shift(at, edits))
        remaining.append(
            IndexedReference(ref.key, doc, pos.line, pos.column, ref.original, ref.replacement)
        )
    index.replace_references(doc, remaining)
    return Restored(len(edits), tuple(remaining))


def _match_places(
    text: str, refs: Sequence[IndexedReference]
) -> tuple[list[Edit], list[tuple[IndexedReference, int]]]:
    """The restoring edits of ``text``, and the references not found (with the offset
    where each was looked for).

    ``text`` is walked in step with the rewritten text the places describe: equal
    outside the replacements, which hold no line break (an original put back may
    hold some). A hand edit on a line shifts what follows it on that line by some
    amount: a reference not at its place is looked for at each shift that makes
    it *and every later reference of the line* read as recorded, and taken only
    when exactly one shift does; otherwise it was edited by hand and is kept.
    """
    edits: list[Edit] = []
    kept: list[tuple[IndexedReference, int]] = []
    pos, line, column = 0, 1, 1  # in ``text``; the same place's line and column in the other
    ordered = sorted(refs, key=lambda r: (r.line, r.column))
    i = 0
    while i < len(ordered):
        ref = ordered[i]
        while line < ref.line:
            newline = text.find("\n", pos)
            if newline == -1:
                break
            pos, line, column = newline + 1, line + 1, 1
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        if line != ref.line:
            kept.append((ref, pos))
            i += 1
            continue
        at = pos + ref.column - column
        found = _read_at(text, ref, at, pos, end)
        if found is not None:
            if found:
                edits.append(Edit(at, at + len(ref.replacement), ref.replacement, ref.original))
            pos = at + len(ref.replacement if found else ref.original)
            column = ref.column + len(ref.replacement)
            i += 1
            continue
        same_line = [r for r in ordered[i:] if r.line == ref.line]
        shifts = {
            place - at
            for written in {ref.replacement, ref.original}
            for place in _occurrences(text, written, pos, end)
            if _line_reads(text, same_line, pos, column - (place - at), end)
        }
        if len(shifts) == 1:
            column -= shifts.pop()  # re-synchronized: this reference is read again
            continue
        kept.append((ref, min(max(at, pos), end)))
        i += 1
    return edits, kept


def _read_at(text: str, ref: IndexedReference, at: int, pos: int, end: int) -> bool | None:
    """True when ``text`` holds the replacement at ``at``, False when it holds the
    original (put back already), None when neither or ``at`` is off the line."""
    if at < pos or at > end:
        return None
    if ref.replacement and text.startswith(ref.replacement, at):
        return True
    if text.startswith(ref.original, at):
        return False
    return None


def _line_reads(
    text: str, refs: Sequence[IndexedReference], pos: int, column: int, end: int
) -> bool:
    """Whether every one of ``refs`` (one line's, in order) reads as recorded from
    this alignment of ``text`` with the rewritten text."""
    for ref in refs:
        at = pos + ref.column - column
        found = _read_at(text, ref, at, pos, end)
        if found is None:
            return False
        pos = at + len(ref.replacement if found else ref.original)
        end = max(end, pos)  # an original put back may hold the line's break
        column = ref.column + len(ref.replacement)
    return True


def _occurrences(text: str, needle: str, start: int, end: int) -> Iterator[int]:
    if not needle:
        return
    place = text.find(needle, start, end + len(needle))
    while place != -1 and place <= end:
        yield place
        place = text.find(needle, place + 1, end + len(needle))
