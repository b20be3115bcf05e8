"""What every format of ``check`` shares, so they cannot disagree: the order findings
are written in, the one-line message of a finding, and a file's path as a CI server
wants it (relative to the repository's root).

Why the repository's root: GitHub places an annotation (``::error file=…``) and a code
scanning alert (SARIF ``artifactLocation.uri``) on the file at that path from the root
of the checked-out repository; ``linkrescue check content/`` run from a sub-folder, or
given absolute paths, must still land on the right file of the pull request.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from linkrescue.crawler.findings import Finding


def in_reading_order(findings: Iterable[Finding]) -> list[Finding]:
    """The findings of one file as a reader meets them: by line, then column (a stable
    sort, so two findings at one place keep the order the check gave them)."""
    return sorted(findings, key=lambda f: (f.line, f.column, f.end_line, f.end))


def message(finding: Finding) -> str:
    """``<url>: <reason>`` (the reason alone for a finding without a URL, such as a
    reference-style use whose label has no definition)."""
    return f"{finding.url}: {finding.reason}" if finding.url else finding.reason


def repository_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder, or the file a
    worktree or submodule has), else ``start``: where git, and GitHub, root paths."""
    here = Path(os.path.abspath(start))
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


@dataclass(frozen=True, slots=True)
class RepositoryPaths:
    """Turns a checked file's path (as the user gave it, relative to ``cwd`` or absolute)
    into its path from ``root``."""

    root: Path
    cwd: Path

    @classmethod
    def here(cls, root: Path | None = None) -> RepositoryPaths:
        """Paths from ``root``, or from the repository holding the current folder."""
        cwd = Path(os.getcwd())
        return cls(Path(os.path.abspath(root)) if root else repository_root(cwd), cwd)

    def relative(self, file: str) -> str | None:
        """``china/clubhouse-聊天平台爆紅.md`` from the root (``/`` separators), or None
        for a file outside the repository."""
        absolute = os.path.normpath(os.path.join(self.cwd, file))
        try:
            inside = Path(absolute).relative_to(self.root)
        except ValueError:
            return None
        return str(PurePosixPath(*inside.parts)) if inside.parts else "."

    def shown(self, file: str) -> str:
        """The path from the root, or, outside the repository, the path as given."""
        inside = self.relative(file)
        return inside if inside is not None else file.replace(os.sep, "/")

    def absolute(self, file: str) -> Path:
        """Where the file is, whatever folder the path was given from."""
        return Path(os.path.normpath(os.path.join(self.cwd, file)))
