"""``linkrescue restore``: every original URL put back, byte-identical to the documents
before the rescue, from the rewrite ledger the store's index keeps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from linkrescue.archive import NoStoreError, open_state
from linkrescue.crawler.commands.errors import NoStore
from linkrescue.crawler.config import Config
from linkrescue.crawler.stages.corpus import Problem, iter_documents
from linkrescue.crawler.stages.rewrite import Rewritten, restore_documents


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """The documents restored, and every problem met (each also heard as it was found)."""

    restored: tuple[Rewritten, ...]
    problems: tuple[Problem, ...]

    @property
    def references(self) -> int:
        """References put back, over all documents."""
        return sum(r.edits for r in self.restored)


def restore(
    roots: Sequence[Path], config: Config, *, on_problem: Callable[[Problem], None]
) -> RestoreResult:
    """Put back the original URLs in the documents under ``roots``.

    Raises :class:`NoStore` when the store folder holds no store (nothing to read).
    """
    problems: list[Problem] = []

    def problem(found: Problem) -> None:
        problems.append(found)
        on_problem(found)

    paths = []
    for item in iter_documents(roots, config.corpus):
        if isinstance(item, Problem):
            problem(item)
        else:
            paths.append(item)
    try:
        state = open_state(config.store_dir)
    except NoStoreError as exc:
        raise NoStore(f"{exc}; nothing to restore") from None
    with state as index:
        restored = restore_documents(paths, index, on_problem=problem)
    return RestoreResult(tuple(restored), tuple(problems))
