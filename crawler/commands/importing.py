"""``linkrescue import --warc FILE``: the captures of a WARC file into the store
(:func:`linkrescue.archive.import_warc`), so that a later ``rescue`` finds them "already in
the store" and asks the archive nothing about them.

Named ``importing`` because ``import`` is a keyword. The store is created when absent and
written under its run lock, as a rescue writes it (a second writer exits 3 at once). The
file is checked to be a WARC before anything is created: a wrong file leaves no store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from linkrescue.archive import (
    ImportSummary,
    StoreUse,
    check_warc,
    import_warc,
    lock_store,
    open_store,
)
from linkrescue.crawler.config import Config
from linkrescue.crawler.stages.crawl import offline_views


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What the import did (:class:`~linkrescue.archive.ImportSummary`), and into which store."""

    store: Path
    summary: ImportSummary
    #: Views of pages and stylesheets written (their references to what the store
    #: holds, the rest to the archive; sanitized): an imported page is served safely too.
    views: int = 0

    @property
    def damaged(self) -> bool:
        """Whether some records of the file could not be read (each one is a problem)."""
        return bool(self.summary.problems)


def import_(
    source: Path, store_dir: Path, *, replace: bool = False, config: Config | None = None
) -> ImportResult:
    """Put the captures of the WARC file ``source`` into the store at ``store_dir``.

    ``replace``: a capture of a resource the store already holds replaces it (else the
    stored one is kept). Raises :class:`~linkrescue.archive.NotAWarc` when the file is no
    WARC (nothing created), :class:`~linkrescue.archive.StoreLocked` when another run
    holds the store. With ``config``, the pages and stylesheets imported get their views
    as a rescue makes them (``[crawl]``), with no archive: their requisites found in the
    store are pointed at, the others are looked up by the next rescue.
    """
    check_warc(source)
    with lock_store(store_dir), open_store(store_dir, StoreUse.RUN) as store:
        summary = import_warc(store, source, archive_label=f"warc:{source.name}", replace=replace)
        views = offline_views(config, store).views if config is not None else 0
        return ImportResult(store.root, summary, views)
