"""`restore` after `rescue` gives back byte-identical files over messy, real-shaped articles.

The corpus (tests/support/messy_corpus.py) holds every junk shape of the two
surveyed archives: stray quotes glued to destinations, ``[]()`` glued to a link,
link text over several lines, whitespace and line breaks inside destinations, raw
Unicode and mojibake in paths, ``<img src="">``, ``'`` inside ``src``, srcset, CRLF,
a BOM, no final newline, single-quoted, plain and unparseable frontmatter, archives
inside archives, code blocks and comments holding link-like text. Most references
are captured by a real pywb; a second archive captures more of them later, so some
articles are rewritten twice before they are restored.

A user checks: the rescued articles open their local copies, the rest of each file
is as it was (line endings, BOM, code), ``restore`` gives back every file byte for
byte, and in an article edited by hand after the rescue every rewritten link
that still reads as written is restored while the edited one is named by
file:line (exit 1) and restored once the user puts it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.support.cli import linkrescue
from tests.support.messy_corpus import (
    GOV,
    MESSY_CAPTURES,
    MESSY_FILES,
    MESSY_LATER_CAPTURES,
    messy_corpus,
)
from tests.support.pywb_server import Pywb, start_pywb

pytestmark = pytest.mark.pywb


@dataclass
class Archives:
    first: Pywb  # what the archive held at the first rescue
    later: Pywb  # the same, and new captures


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archives]:
    probe = GOV.removeprefix("https://")
    first = start_pywb(
        tmp_path_factory.mktemp("pywb-first"), captures=MESSY_CAPTURES, probe_url=probe
    )
    try:
        later = start_pywb(
            tmp_path_factory.mktemp("pywb-later"),
            captures=[*MESSY_CAPTURES, *MESSY_LATER_CAPTURES],
            probe_url=probe,
        )
        try:
            yield Archives(first, later)
        finally:
            later.stop()
    finally:
        first.stop()


def setup_run(root: Path, archive: Pywb) -> dict[Path, bytes]:
    (root / "config.toml").write_text(
        f'[archive]\nurl = "{archive.url}"\ncdx_per_second = 0\nplayback_per_second = 0\n'
        "pause_seconds = 0.2\nread_timeout = 5.0\nretries = 2\n"
        '[store]\ndir = "rescued"\n'
        '[rescue]\nlive_links = "all"\nrecheck_days = 0\n',  # ask again about the missing
        encoding="utf-8",
    )
    return messy_corpus().write(root / "content")


def files_under(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def scan(root: Path) -> list[dict[str, Any]]:
    done = linkrescue("scan", "--format", "json", "content", cwd=root)
    assert done.returncode == 0, done.stderr
    records: list[dict[str, Any]] = json.loads(done.stdout)
    return records


def rescue(root: Path, archive: Pywb) -> dict[str, Any]:
    done = linkrescue(
        "rescue", "content", "--archive-url", archive.url, "--report", "report.json", cwd=root
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report: dict[str, Any] = json.loads((root / "report.json").read_text(encoding="utf-8"))
    assert report["failed"] == 0
    # The one problem: the frontmatter no YAML parser reads (its body is rescued anyway).
    assert [(p["file"], p["reason"].split(":")[0]) for p in report["problems"]] == [
        ("content/citizen/articles/1-1000/article_104.md", "frontmatter is not valid YAML")
    ]
    return report


def rel(root: Path, path: Path) -> str:
    return path.relative_to(root / "content").as_posix()


def test_restore_gives_back_every_messy_file_byte_for_byte(
    archives: Archives, tmp_path: Path
) -> None:
    originals = setup_run(tmp_path, archives.first)
    assert len(originals) == len(MESSY_FILES) >= 13

    before = scan(tmp_path)
    first = rescue(tmp_path, archives.first)
    rescued_urls = {i["url"] for i in first["items"] if i["outcome"] == "rescued"}
    assert len(rescued_urls) == len(MESSY_CAPTURES) - 1  # one is an article of the corpus
    rescued_keys = {r["resource"] for r in before if r["url"] in rescued_urls}
    after_first = files_under(tmp_path / "content")
    changed = {rel(tmp_path, p) for p in originals if after_first[p] != originals[p]}
    untouched = set(MESSY_FILES) - changed
    assert untouched == {"citizen/articles/1-1000/article_105.md"}  # the one without a link

    # What a user opens: every reference to a rescued resource or to another article
    # now names its local file, which opens; the rest of each file is as it was.
    records = scan(tmp_path)
    assert not [r for r in records if r["status"] == "internal"]
    assert not [r for r in records if r["status"] == "remote" and r["resource"] in rescued_keys]
    local = [r for r in records if r["status"] == "local"]
    assert len(local) == len(
        [r for r in before if r["status"] == "internal" or r["resource"] in rescued_keys]
    )
    for r in local:
        # A reference-style use ([公報][1]) shows its text: its definition names the file.
        written = r["definition"]["raw"] if r["kind"] == "md-refuse" else r["raw"]
        target = tmp_path / Path(r["file"]).parent / unquote(written.split("#")[0])
        assert target.is_file(), r
    crlf = after_first[tmp_path / "content/standnews/international/crlf-bom.md"]
    assert crlf.startswith("\ufeff---\r\n".encode()) and not crlf.endswith(b"\n")
    assert crlf.count(b"\n") == crlf.count(b"\r\n")
    many = after_first[tmp_path / "content/citizen/articles/1001-2000/article_1001.md"]
    assert many.count(b"\n") == many.count(b"\r\n") and not many.endswith(b"\n")
    code = after_first[tmp_path / "content/standnews/politics/code-and-comments.md"].decode()
    for kept in (
        f"    [縮排代碼](http://web.archive.org/web/20211229095346/{GOV})\n",
        f"<!-- [註釋](http://web.archive.org/web/20211229095346/{GOV}) -->\n",
        f"`[代碼](http://web.archive.org/web/20211229095346/{GOV})`",
        "~~~markdown\n![](http://web.archive.org/web/2021im_/https://assets.",
    ):
        assert kept in code
    bad_yaml = after_first[tmp_path / "content/citizen/articles/1-1000/article_104.md"].decode()
    assert bad_yaml.startswith(MESSY_FILES["citizen/articles/1-1000/article_104.md"][:120])
    assert "![](../../../../rescued/assets.thestandnews.com/media/photos/photo-a.png)" in bad_yaml
    plain = after_first[tmp_path / "content/standnews/hongkong/plain-frontmatter.md"].decode()
    assert "\nimage: ../../../rescued/assets.thestandnews.com/media/photos/photo-c.png\n" in plain
    assert "\n  - '../../../rescued/assets.thestandnews.com/media/photos/photo-b.png'\n" in plain

    # New captures, a second run: more references rewritten, in files already rewritten.
    second = rescue(tmp_path, archives.later)
    assert second["rescued"] == len(MESSY_LATER_CAPTURES)
    after_second = files_under(tmp_path / "content")
    again = {rel(tmp_path, p) for p in originals if after_second[p] != after_first[p]}
    assert {
        "standnews/china/stray-quote.md",  # the "..." path, after two rewritten links
        "standnews/international/crlf-bom.md",
        "standnews/hongkong/plain-frontmatter.md",  # a <…> reference definition
        "citizen/articles/1-1000/article_102.md",  # below a destination with a line break
        "citizen/articles/1-1000/article_103.md",  # an autolink <…>
    } <= again

    restored = linkrescue("restore", "content", cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert files_under(tmp_path / "content") == originals
    assert f"{len(changed)} documents restored" in restored.stderr

    again_restored = linkrescue("restore", "content", cwd=tmp_path)  # nothing left to do
    assert again_restored.returncode == 0, again_restored.stderr
    assert files_under(tmp_path / "content") == originals
    verified = linkrescue("verify", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_restore_names_the_line_edited_by_hand_and_restores_everything_else(
    archives: Archives, tmp_path: Path
) -> None:
    originals = setup_run(tmp_path, archives.first)
    rescue(tmp_path, archives.first)
    edited = tmp_path / "content" / "standnews" / "china" / "spellings.md"
    text = edited.read_text(encoding="utf-8")
    local = "../../../rescued/assets.thestandnews.com/media/photos/photo-a.png"
    assert text.count(local) >= 3
    # The user moved one picture: the second reference now names another file.
    first = text.index(local)
    second = text.index(local, first + 1)
    moved_to = local.replace("photo-a", "photo-a-moved")
    moved = text[:second] + moved_to + text[second + len(local) :]
    edited.write_text(moved, encoding="utf-8")
    edited_line = moved.count("\n", 0, second) + 1

    done = linkrescue("restore", "content", cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if "spellings.md" in line]
    assert len(problems) == 1, done.stderr
    assert problems[0].startswith(
        f"linkrescue: content/standnews/china/spellings.md:{edited_line}: "
    )
    assert "edited by hand" in problems[0] and "not restored" in problems[0]
    assert f"{len(originals) - 1} documents restored" in done.stderr  # all but 105
    assert done.stderr.endswith(", 1 problem\n")  # singular
    for path, data in originals.items():
        if path != edited:
            assert path.read_bytes() == data, path
    # Every other reference of the edited article is back; only the edited one is not.
    partly = edited.read_text(encoding="utf-8")
    assert local not in partly and partly.count(moved_to) == 1
    original_text = originals[edited].decode("utf-8")
    at = partly.index(moved_to)
    after = partly[at + len(moved_to) :]
    assert original_text.startswith(partly[:at]) and original_text.endswith(after)

    # The user undoes the edit: now it restores too, and the file is the original.
    edited.write_text(partly.replace(moved_to, local), encoding="utf-8")
    done = linkrescue("restore", "content", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 document restored (1 reference)" in done.stderr
    assert files_under(tmp_path / "content") == originals
