"""``linkrescue verify``: re-hash every file of the store; with ``--repair``, put back what
is missing or changed, from the store's own copy or the recorded capture
(:mod:`linkrescue.crawler.stages.repair`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from linkrescue.archive import (
    ArchiveClient,
    IndexedResource,
    NoStoreError,
    StoreUse,
    VerifyProblem,
    open_store,
)
from linkrescue.archive.model import Outcome
from linkrescue.archive.settings import ArchiveSettings
from linkrescue.crawler.commands.errors import NoStore
from linkrescue.crawler.config import Config
from linkrescue.crawler.stages.crawl import offline_views
from linkrescue.crawler.stages.repair import Repaired, repair_files


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What the store holds and what is wrong with it (after any repair)."""

    root: Path
    #: Every rescued resource, in the index's order.
    rescued: tuple[IndexedResource, ...]
    problems: tuple[VerifyProblem, ...]

    @property
    def relabelled(self) -> tuple[tuple[PurePosixPath, str], ...]:
        """Files stored under another media type than their capture was labelled with, and
        what was found: not a problem, listed so a user knows."""
        return tuple(
            (r.path, r.mimetype_note)
            for r in self.rescued
            if r.mimetype_note and r.path is not None
        )


def _ignore(item: Repaired) -> None:
    pass


def verify(
    root: Path,
    archive: ArchiveSettings,
    *,
    repair: bool,
    on_repaired: Callable[[Repaired], None] = _ignore,
    config: Config | None = None,
) -> VerifyResult:
    """Verify the store at ``root``; ``repair``: put back what can be, each one heard by
    ``on_repaired`` as it is done (repaired or not), then verify again. A page put back
    from its capture (its view's own copy gone too) gets its view again at once, with
    ``config``'s ``[crawl]`` and no request: a raw capture is not left where a site serves it.

    Raises :class:`NoStore` when ``root`` holds no store, and
    :class:`~linkrescue.archive.errors.ArchiveUnreachable` when a repair needed the
    archive and it is out of reach (what was put back before stays).
    """
    try:
        opening = open_store(root, StoreUse.EXISTING)
    except NoStoreError as exc:
        raise NoStore(str(exc)) from None
    with opening as opened:
        problems = opened.verify()
        if repair and problems:
            with ArchiveClient(archive) as client:
                for item in repair_files(opened, client, problems):
                    on_repaired(item)
            if config is not None:
                offline_views(config, opened)
            problems = opened.verify()
        rescued = tuple(opened.index.resources(Outcome.RESCUED))
    return VerifyResult(root, rescued, tuple(problems))
