"""``linkrescue export --warc FILE [PATH...]``: the store's rescued captures as one WARC
file, for pywb, ReplayWeb.page or any other web archive tool
(:func:`linkrescue.archive.export_warc`).

Without paths, every rescued capture; with paths (documents, or folders of them), only
the resources those documents were rewritten to, as the rewrite ledger (``refs``) names
them, with the requisites of the pages among them. The store is only read: no lock, nothing created, so an export may run beside a
nightly rescue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from linkrescue.archive import (
    ExportSummary,
    Index,
    NoStoreError,
    ViewBook,
    export_warc,
    open_state,
)
from linkrescue.crawler.commands.errors import NoStore
from linkrescue.crawler.config import Config
from linkrescue.crawler.stages.corpus import Problem, iter_documents


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written (:class:`~linkrescue.archive.ExportSummary`), and the files named
    on the command line that could not be read as documents."""

    summary: ExportSummary
    #: Documents read for their references (0 when the whole store was exported).
    documents: int
    problems: tuple[Problem, ...]


def _ignore(problem: Problem) -> None:
    pass


def export(
    destination: Path,
    roots: Sequence[Path],
    config: Config,
    *,
    software: str,
    on_problem: Callable[[Problem], None] = _ignore,
) -> ExportResult:
    """Write the store's rescued captures (those of the documents under ``roots``, when
    any is given) to the WARC file ``destination``.

    Raises :class:`NoStore` when the store folder holds no store, and
    :class:`~linkrescue.crawler.stages.corpus.InputError` for a path that does not exist.
    """
    problems: list[Problem] = []
    documents: list[str] = []
    for item in iter_documents(roots, config.corpus) if roots else ():
        if isinstance(item, Problem):
            problems.append(item)
            on_problem(item)
        else:
            documents.append(item)
    try:
        keys: set[str] | None = None
        if roots:
            with open_state(config.store_dir) as index:
                keys = _referenced(index, documents)
        summary = export_warc(config.store_dir, destination, keys, software=software)
    except NoStoreError as exc:
        raise NoStore(f"{exc}; nothing to export") from None
    return ExportResult(summary, len(documents), tuple(problems))


def _referenced(index: Index, documents: Sequence[str]) -> set[str]:
    """The resource keys the rewrite ledger holds for ``documents``: what they point at
    in the store (links to other documents of the corpus have nothing stored), and what
    the rescued pages among them need to render (their requisites, a stylesheet's
    imports and fonts): a page replayed without its images is not the page."""
    keys = {
        reference.key
        for document in documents
        for reference in index.references_of(index.document_key(document))
    }
    return keys | ViewBook(index.database).requisites_of(keys)
