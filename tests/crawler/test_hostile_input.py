"""Hostile and broken input end to end (issue 14, item 4): a rescue over a corpus of
nasty cases (tests/support/hostile_corpus.py) against a real pywb that holds captures
at URLs built to climb out of the store.

What a user checks: nothing is written anywhere but the store and the documents being
rewritten; every bad file is named on one line with its reason; what is not the web
(``file:``, ``javascript:``, ``data:``) and what is the machine's own network is never
asked for; the good documents are rescued all the same; the store verifies.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import linkrescue
from tests.support.hostile_corpus import NOT_WEB, PRIVATE, TRAVERSALS, captures, write_corpus
from tests.support.pywb_server import Pywb, start_pywb


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-hostile"), captures=captures(), probe_url=TRAVERSALS[4]
    )
    yield server
    server.stop()


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (links not followed) and a digest of its bytes."""
    found = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            data = path.read_bytes() if not path.is_symlink() else os.readlink(path).encode()
            found[path.relative_to(root).as_posix()] = hashlib.sha256(data).hexdigest()
    return found


def test_a_hostile_corpus_writes_nothing_outside_the_store_and_names_every_bad_file(
    archive: Pywb, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    problems = write_corpus(project / "content", tmp_path / "secret.md")
    (project / "linkrescue.toml").write_text(
        f'[archive]\nurl = "{archive.url}"\ncdx_per_second = 0\nplayback_per_second = 0\n'
        'retries = 1\n[rescue]\nlive_links = "dead"\n',
        encoding="utf-8",
    )
    before = snapshot(tmp_path)

    done = linkrescue("rescue", "content", "--report", "r.json", cwd=project)

    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    # every bad file named on a line of its own, with its reason; the run went on
    lines = [line for line in done.stderr.splitlines() if line.startswith("linkrescue: ")]
    for name, words in problems.items():
        named = [line for line in lines if f"{name}:" in line]
        assert len(named) == 1, (name, lines)
        assert words in named[0], named
    # nothing outside the store and the documents changed, nothing new outside the store
    after = snapshot(tmp_path)
    written = {path for path in after.keys() | before.keys() if after.get(path) != before.get(path)}
    # control.md's frontmatter is named, and its body's image rescued all the same (real
    # corpora have files whose YAML holds control characters, yet their links are good)
    rewritten = {
        "project/content/hostile.md",
        "project/content/good.md",
        "project/content/control.md",
        "project/r.json",
    }
    outside = sorted(p for p in written - rewritten if not p.startswith("project/rescued/"))
    assert outside == []
    assert (tmp_path / "secret.md").read_text() == "[secret](https://secret.example/)\n"
    # every stored file is inside the store, and the store verifies
    store = (project / "rescued").resolve()
    with sqlite3.connect(store / "index.sqlite3") as db:
        paths = [row[0] for row in db.execute("SELECT path FROM files")]
    assert len(paths) == len(TRAVERSALS)  # each one rescued, each one inside
    for path in paths:
        assert (store / path).resolve().is_relative_to(store), path
    verify = linkrescue("verify", cwd=project)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # what is not the web, and the machine's own network, were never asked for
    report = json.loads((project / "r.json").read_text(encoding="utf-8"))
    items = {item["url"]: item for item in report["items"]}
    for url in PRIVATE:
        assert items[url]["outcome"] == "skipped", items[url]
        assert "not a public address" in items[url]["reason"]
    assert report["rescued"] == len(TRAVERSALS)
    scanned = linkrescue("scan", "content/hostile.md", "--format", "json", cwd=project)
    found = {r["raw"]: r for r in json.loads(scanned.stdout)}
    assert found["file:///etc/passwd"]["status"] == "local"  # a file, never read nor fetched
    assert found[NOT_WEB[1]]["reason"] == "javascript: link"
    assert found[NOT_WEB[2]]["reason"] == "data: URI (inline content)"
    # a relative path out of the corpus is a local reference: never read, never fetched
    assert found["../../../../../../etc/passwd"]["status"] == "local"
    for url in NOT_WEB:
        assert url not in items
