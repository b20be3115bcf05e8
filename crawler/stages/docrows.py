"""One document's references as a rescue needs them: compact rows of plain values.

A ``rescue`` keeps, per reference, only what its inventory (one task per resource, its
places) and its rewrite plan (spans to replace) read, as a tuple of strings and ints:
what crosses the scan's process pool, what the index keeps between runs for the
documents that did not change (:mod:`linkrescue.crawler.stages.incremental`), and what
a temporary file holds until the rewrite (:class:`~linkrescue.crawler.stages.rewrite.SpilledPlans`).
The :class:`~linkrescue.crawler.stages.scan.Record` objects of a quarter of a million
references held in the main process were most of its memory (issue 12, item 9).

Rows are made *before* the identity index is applied (``status`` ``remote`` for a link
to another document of the corpus, with that document's ``ident``): whether a link is
internal depends on which other documents exist now, not when the row was kept.
:func:`indexed` applies it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from linkrescue.crawler.stages.corpus import Identity, Problem
from linkrescue.crawler.stages.resolve import Status
from linkrescue.crawler.stages.scan import Record

#: Field positions of a row (``Final``: mypy then knows each field's type).
STATUS: Final = 0
KIND: Final = 1
SYNTAX: Final = 2
START: Final = 3
END: Final = 4
LINE: Final = 5
ELEMENT: Final = 6
ATTRIBUTE: Final = 7
KEY: Final = 8
RESOURCE: Final = 9
URL: Final = 10
ARCHIVE: Final = 11
STORED: Final = 12
DOCUMENT: Final = 13
ON_SITE: Final = 14
IDENT: Final = 15

Row = tuple[
    str,  # status (Status value)
    str,  # kind (RefKind value)
    str,  # syntax (Syntax value)
    int,  # start
    int,  # end
    int,  # line
    str | None,  # element
    str | None,  # attribute
    str | None,  # key (frontmatter)
    str | None,  # resource key
    str | None,  # url
    str | None,  # archive timestamp as written ("" for none); None: not an archive link
    str | None,  # stored: path inside the store of a local reference into it
    str | None,  # document: the corpus document an internal link names
    bool,  # on_site
    str | None,  # ident: the identity a remote link would have as a document of the corpus
]

_REMOTE = Status.REMOTE.value
_INTERNAL = Status.INTERNAL.value


@dataclass(slots=True)
class DocRows:
    """One document as a rescue reads it: readable or not, problems, rows.

    ``digest``: the :func:`~linkrescue.rewriters.files.fingerprint` of the bytes scanned
    (the rewrite edits only those). ``reused``: taken from the index, not read.
    """

    path: str
    readable: bool
    near: str | None
    digest: bytes
    problems: list[Problem]
    rows: list[Row]
    reused: bool = False
    #: Its place in the corpus's items (-1: not read from them).
    number: int = -1


def rows_of(records: Iterable[Record], identity: Identity | None) -> list[Row]:
    """The rows of ``records``; with ``identity``, each remote one carries its ``ident``."""
    remote = Status.REMOTE
    rows: list[Row] = []
    for record in records:
        ref, res = record.ref, record.res
        ident = None
        if identity is not None and res.status is remote and res.key is not None:
            ident = identity.of_resource(res.key)
        archive = res.archive
        rows.append(
            (
                res.status.value,
                ref.kind.value,
                ref.syntax.value,
                ref.start,
                ref.end,
                ref.line,
                ref.element,
                ref.attribute,
                ref.key,
                res.key,
                res.url,
                None if archive is None else (archive.timestamp or ""),
                res.stored,
                record.document,
                record.on_site,
                ident,
            )
        )
    return rows


def indexed(rows: list[Row], index: Mapping[str, str]) -> list[Row]:
    """``rows`` with each remote link that names a document of ``index`` made internal,
    as the scan does (:func:`~linkrescue.crawler.stages.scan._scan_file`)."""
    if not index:
        return rows
    out = rows
    for i, row in enumerate(rows):
        ident = row[IDENT]
        if ident is None or row[STATUS] != _REMOTE:
            continue
        target = index.get(ident)
        if target is None:
            continue
        if out is rows:
            out = list(rows)
        out[i] = (_INTERNAL, *row[1:13], target, False, None)
    return out
