"""Views of rescued pages and stylesheets, and what each page needs (issue 13).

A rescued HTML page is only readable offline with its images and styles, pointed at
their local copies, and only safe to publish sanitized. Its browsable file therefore
holds a *view* made from the capture (``views``), while the capture's own bytes stay in
the store's content objects (``resources.sha256``), for ``export --warc`` and for the
next view. This book says which pages need a view made (again), and keeps what a view
was made from, so an unchanged page costs no work on the next night.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from linkrescue.archive.state.database import Database

__all__ = ["PageToView", "ViewBook"]

#: Media types that get a view: pages (their requisites, links and safety) and
#: stylesheets (their url() and @import).
_VIEWED = (
    "r.mimetype LIKE 'text/html%' OR r.mimetype LIKE 'application/xhtml+xml%'"
    " OR r.mimetype LIKE 'text/css%'"
)


@dataclass(frozen=True, slots=True)
class PageToView:
    """A stored page or stylesheet whose view may need making (its bytes are on disk;
    a later failed attempt to fetch it again does not take them away).

    ``original``: the URL the capture is of (relative references resolve against it);
    ``sha256``: the capture's bytes (a content object); ``linked``: reached as a link of
    another page, not from a document (``[crawl] depth`` counts from it); ``recipe``: what
    its current view was made from ("" when it has none).
    """

    key: str
    url: str
    original: str
    timestamp: str
    path: PurePosixPath
    sha256: str
    mimetype: str
    linked: bool
    recipe: str
    #: Its file holds the view last made, of this capture.
    fresh: bool = False

    @property
    def is_stylesheet(self) -> bool:
        return self.mimetype.startswith("text/css")


class ViewBook:
    """The ``views`` and ``requisites`` tables of a store's database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def needing(self, settings: str, *, after: str = "", limit: int = 500) -> list[PageToView]:
        """Up to ``limit`` pages and stylesheets (by key, after ``after``) whose view is
        missing or stale: never made, the file holds something else (a repair put the
        capture back), made from another capture or other ``settings``, or made while
        requisites were still open."""
        return self._rows(
            """r.key > ? AND (v.key IS NULL OR v.sha256 IS NOT f.sha256
               OR v.source_sha256 IS NOT r.sha256 OR v.settings != ? OR v.open > 0)
               ORDER BY r.key LIMIT ?""",
            (after, settings, limit),
        )

    def _rows(self, where: str, params: Sequence[object]) -> list[PageToView]:
        with self.database.reading() as db:
            rows = db.execute(
                f"""SELECT r.key, r.url, COALESCE(r.captured_url, r.url), r.timestamp, r.path,
                        r.sha256, r.mimetype, COALESCE(v.recipe, ''),
                        EXISTS (SELECT 1 FROM requisites q WHERE q.key = r.key AND q.role = 'page')
                        AND NOT EXISTS (SELECT 1 FROM refs d WHERE d.key = r.key),
                        v.sha256 IS f.sha256 AND v.source_sha256 IS r.sha256
                    FROM resources r JOIN files f ON f.key = r.key
                    LEFT JOIN views v ON v.key = r.key
                    WHERE r.path IS NOT NULL
                      AND r.sha256 IS NOT NULL AND ({_VIEWED}) AND {where}""",
                tuple(params),
            ).fetchall()
        return [
            PageToView(
                key,
                url,
                original,
                timestamp or "",
                PurePosixPath(path),
                sha256,
                mimetype or "",
                bool(linked),
                recipe,
                bool(fresh),
            )
            for key, url, original, timestamp, path, sha256, mimetype, recipe, linked, fresh in rows
        ]

    def pages(self, keys: Iterable[str]) -> list[PageToView]:
        """The rescued pages and stylesheets among ``keys``, whatever their views."""
        found: list[PageToView] = []
        wanted = sorted(set(keys))
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            marks = ",".join("?" * len(batch))
            found.extend(self._rows(f"r.key IN ({marks})", batch))
        return found

    def record(
        self,
        key: str,
        *,
        source_sha256: str,
        sha256: str,
        settings: str,
        recipe: str,
        open_requisites: int,
        requisites: Iterable[tuple[str, str]],
    ) -> None:
        """Keep the view of ``key`` just placed, and its ``(key, role)`` requisites."""
        now = self.database.now()
        with self.database.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO views VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, source_sha256, sha256, settings, recipe, open_requisites, now),
            )
            db.execute("DELETE FROM requisites WHERE page = ?", (key,))
            db.executemany(
                "INSERT OR IGNORE INTO requisites VALUES (?, ?, ?)",
                ((key, needed, role) for needed, role in requisites),
            )

    def still_open(self, key: str, open_requisites: int) -> None:
        """The view of ``key`` stands as it is; ``open_requisites`` of its requisites
        are still unsettled (0: it is not looked at again)."""
        with self.database.transaction() as db:
            db.execute("UPDATE views SET open = ? WHERE key = ?", (open_requisites, key))

    def requisites_of(self, pages: Iterable[str]) -> set[str]:
        """The keys the views of ``pages`` need, and what those need in turn (a
        stylesheet's fonts and imports), for ``export --warc`` of some documents."""
        found: set[str] = set()
        frontier = set(pages)
        while frontier:
            batch = list(frontier)[:500]
            frontier.difference_update(batch)
            marks = ",".join("?" * len(batch))
            with self.database.reading() as db:
                keys = db.execute(
                    f"SELECT key FROM requisites WHERE page IN ({marks}) AND role != 'page'",
                    batch,
                ).fetchall()
            for (key,) in keys:
                if key not in found:
                    found.add(key)
                    frontier.add(key)
        return found
