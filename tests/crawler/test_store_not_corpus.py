"""A store is never read as part of the corpus, wherever it sits.

Real case: the default store ``rescued/`` lives inside the content folder, and a
rescued link to a GitHub project stores its README page as
``rescued/github.com/…/README.md``. ``cd content && linkrescue scan .`` listed it
as an article, so a later rescue would rewrite captured pages. A folder holding a
linkrescue index and its objects is a store and is skipped; a folder that only
happens to hold a file named ``index.sqlite3`` is not.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from linkrescue.archive.model import Capture
from linkrescue.archive.store.store import Store
from tests.support.cli import linkrescue

README_URL = "https://github.com/hkers/archive-tools/blob/main/README.md"
README = b"# archive tools\n\n[docs](https://hkers.github.io/archive-tools/)\n"
ARTICLE = (
    '---\ntitle: "Clubhouse"\noriginal_url: "thestandnews.com/china/clubhouse"\n---\n'
    f"See [the tools](http://web.archive.org/web/20211229095346/{README_URL}).\n"
)


def store_readme(root: Path) -> Path:
    """A real store holding a captured Markdown page, as a rescue leaves it."""
    capture = Capture(
        requested=README_URL,
        original=README_URL,
        timestamp="20211229095346",
        archive_url=f"http://127.0.0.1:1/web/20211229095346id_/{README_URL}",
        mimetype="text/markdown",
        size=len(README),
        sha256=hashlib.sha256(README).hexdigest(),
        sha1_base32="",
        cdx_digest=None,
        verified=False,
    )
    with Store(root) as store, store.staging() as sink:
        sink.write(README)
        stored = store.put(sink, capture)
    assert stored.absolute.suffix == ".md"  # the captured page is a Markdown file
    return stored.absolute


def scanned_files(cwd: Path) -> set[str]:
    done = linkrescue("scan", "--format", "json", ".", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return {record["file"] for record in json.loads(done.stdout)}


def test_scan_of_content_lists_no_file_of_its_store(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "china").mkdir(parents=True)
    (content / "china" / "clubhouse.md").write_text(ARTICLE, encoding="utf-8")
    readme = store_readme(content / "rescued")
    # A second store deeper down (a copy kept under another name) is skipped too.
    other = store_readme(content / "old" / "backup-of-rescued")
    assert readme.is_file() and other.is_file()

    assert scanned_files(content) == {"./china/clubhouse.md"}


def test_a_folder_with_only_a_database_named_like_the_index_is_walked(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "notes").mkdir(parents=True)
    (content / "notes" / "index.sqlite3").write_bytes(b"SQLite format 3\x00")
    (content / "notes" / "a.md").write_text(ARTICLE, encoding="utf-8")
    assert scanned_files(content) == {"./notes/a.md"}
