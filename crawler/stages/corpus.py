"""The corpus: which files are documents, and which document has which address.

A linkrescue store (any folder holding the store's index and objects, see
:func:`linkrescue.archive.store.paths.holds_store`) is never walked, wherever it sits: it
holds captured pages, some of them Markdown, that are not the user's articles.

Walking never follows a symlink out of the roots given on the command line (a
symlink in a scraped tree can point anywhere; reading it would leak a file the
user did not ask about into a report, and a later rewrite would write outside
the corpus). Bad files are :class:`Problem` values: the run reports them and goes on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from linkrescue.archive import holds_store
from linkrescue.archive.urls import identity_key, identity_of_key
from linkrescue.crawler.config import CorpusSettings
from linkrescue.crawler.stages.docsite import on_site


@dataclass(frozen=True, slots=True)
class Problem:
    """A file that could not be read as a document, and why (one line)."""

    path: str
    reason: str


class InputError(Exception):
    """A path given on the command line does not exist: a usage error (exit 2)."""


def iter_documents(roots: Sequence[Path], settings: CorpusSettings) -> Iterator[str | Problem]:
    """Yield document paths (as strings, in a stable order) under ``roots``, or problems.

    A file named on the command line is a document whatever its extension; a
    folder is recursed for files with ``settings.extensions``.
    """
    real_roots = [r.resolve() for r in roots]
    seen: set[str] = set()
    exts = tuple(e.lower() for e in settings.extensions)
    for root in roots:
        if not root.exists() and not root.is_symlink():
            raise InputError(f"{root}: no such file or folder")
    for root in roots:
        if root.is_dir():
            yield from _walk(str(root), exts, real_roots, seen)
        else:
            yield from _admit(root, real_roots, seen)


def _walk(
    folder: str, exts: tuple[str, ...], real_roots: list[Path], seen: set[str]
) -> Iterator[str | Problem]:
    """Depth-first, sorted, with ``os.scandir`` (its entries carry their type: no extra stat)."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield Problem(folder, f"cannot list folder: {exc.strerror or exc}")
        return
    if holds_store({entry.name for entry in entries}):
        return  # a store's captured pages are not documents (a saved README.md)
    subfolders = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            target = Path(entry.path).resolve()
            if not _inside(target, real_roots):
                kind = "a folder" if target.is_dir() else "a file"
                yield Problem(
                    entry.path,
                    f"symlink to {kind} outside the scanned roots ({target}): not followed",
                )
                continue
            if target.is_dir():
                continue  # inside the roots: its files are reached by their real path
        if entry.is_dir():
            subfolders.append(entry.path)
        elif entry.name.lower().endswith(exts):
            if entry.path in seen:
                continue
            seen.add(entry.path)
            if entry.is_file():
                yield entry.path
            else:
                yield Problem(entry.path, "not a regular file")
    for sub in subfolders:
        yield from _walk(sub, exts, real_roots, seen)


def _admit(path: Path, real_roots: list[Path], seen: set[str]) -> Iterator[str | Problem]:
    if path.is_symlink():
        target = path.resolve()
        if not _inside(target, real_roots):
            yield Problem(str(path), f"symlink to {target}, outside the scanned roots: not read")
            return
    key = str(path)
    if key in seen:
        return
    seen.add(key)
    if not path.is_file():
        yield Problem(str(path), "not a regular file")
        return
    yield key


def _inside(target: Path, roots: Iterable[Path]) -> bool:
    return any(target == r or target.is_relative_to(r) for r in roots)


@dataclass(frozen=True, slots=True)
class Identity:
    """How documents are recognised from a URL: by whole normalized address, or an id pattern.

    ``site``: on a documentation site (``[corpus] content_root``), the identity key of
    the site's origin, lower-cased; identities on it compare case-insensitively, as
    Hugo lower-cases the paths it publishes (:mod:`linkrescue.crawler.stages.docsite`).
    None (news corpora): every identity compares exactly, at no extra cost.
    """

    pattern: re.Pattern[str] | None
    site: str | None = None

    @classmethod
    def from_settings(cls, settings: CorpusSettings, site: str | None = None) -> Identity:
        return cls(re.compile(settings.id_pattern) if settings.id_pattern else None, site)

    def of_url(self, url: str) -> str | None:
        """The identity of an encoded absolute URL, or None when the id pattern does not match."""
        return self.of_key(identity_key(url))

    def of_resource(self, resource_key: str) -> str | None:
        """The identity of a resource from its normalized key."""
        return self.of_key(identity_of_key(resource_key))

    def of_key(self, key: str) -> str | None:
        site = self.site
        if site is not None:
            folded = key.lower()
            if on_site(folded, site):
                key = folded
        if self.pattern is None:
            return key
        m = self.pattern.search(key)
        if m is None:
            return None
        return m.group(1) if m.groups() else m.group(0)
