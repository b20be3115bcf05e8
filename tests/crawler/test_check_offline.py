"""`linkrescue check --offline` on a git repository of rescued articles, as a pull request.

Tried as a CI user would: two Stand News articles are rescued from a real pywb (the
store and the rewritten articles committed), then a branch breaks things the way
pull requests do — a stored photo deleted, another corrupted in place, an article
linking a file nobody added, a heading renamed under a link to it, a link to an
article that was deleted, a reference-style use whose definition was removed. The
check must name exactly those lines, in every format, exit 1, and say nothing about
the untouched repository (exit 0).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest

from tests.support.archive_content import Cap, html, png_bytes
from tests.support.cli import linkrescue, write_config
from tests.support.pywb_server import Pywb, start_pywb

pytestmark = pytest.mark.pywb

PHOTOS = "https://assets.thestandnews.com/media/photos"
PHOTO_A = f"{PHOTOS}/clubhouse.png"
PHOTO_B = f"{PHOTOS}/democrats.png"
NEVER = "https://www.thestandnews.com/politics/never-archived/"
ARTICLE_A = (
    "---\n"
    'title: "中國 Clubhouse 聊天平台爆紅"\n'
    'date: "2021-02-07T20:58:00"\n'
    'original_url: "thestandnews.com/china/clubhouse-聊天平台爆紅"\n'
    "---\n"
    f"![](http://web.archive.org/web/2021im_/{PHOTO_A})\n"
    "\n"
    "## 國安法下的香港\n"
    "\n"
    "見[民主派](../../politics/democrats/)及[上文](#國安法下的香港)。\n"
)
ARTICLE_B = (
    "---\n"
    'title: "民主派初選"\n'
    'date: "2021-01-06T08:00:00"\n'
    'original_url: "thestandnews.com/politics/democrats"\n'
    "---\n"
    f"![](http://web.archive.org/web/2021im_/{PHOTO_B})\n"
    "\n"
    "## 初選\n"
    "\n"
    "[回到 Clubhouse](../../china/clubhouse-聊天平台爆紅/)\n"
)
ARTICLE_C = (
    "---\n"
    'title: "已刪除"\n'
    'original_url: "thestandnews.com/politics/removed"\n'
    "---\n"
    "將被刪除的文章。\n"
)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.org",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.org",
        },
    )
    return done.stdout


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-check"),
        captures=[
            Cap(PHOTO_A, "20210207210000", png_bytes(5, 4, (200, 10, 10)), "image/png"),
            Cap(PHOTO_B, "20210106090000", png_bytes(4, 4, (10, 10, 200)), "image/png"),
            Cap("https://www.thestandnews.com/", "20211229000000", html("立場新聞", "<p>主頁</p>")),
        ],
        probe_url="www.thestandnews.com/",
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def rescued(pywb: Pywb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed repository: articles rescued into `rescued/`, rewritten to point there."""
    repo = tmp_path_factory.mktemp("check-repo")
    write_config(repo, pywb.url)
    for name, text in (
        ("content/china/clubhouse.md", ARTICLE_A),
        ("content/politics/democrats.md", ARTICLE_B),
        ("content/politics/removed.md", ARTICLE_C),
    ):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    done = linkrescue("rescue", "content", cwd=repo)
    assert done.returncode == 0, done.stderr
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "rescued")
    return repo


def clone(rescued: Path, tmp_path: Path) -> Path:
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(rescued), str(work))
    return work


def findings(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def stored_photo(repo: Path, photo: str) -> Path:
    return repo / "rescued" / photo.removeprefix("https://")


def test_the_untouched_repository_passes_offline(rescued: Path, tmp_path: Path) -> None:
    repo = clone(rescued, tmp_path)
    rewritten = (repo / "content/china/clubhouse.md").read_text(encoding="utf-8")
    assert "../../rescued/assets.thestandnews.com/" in rewritten  # the rescue did its part
    done = linkrescue("check", "--offline", "content", "--format", "json", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert findings(done) == []
    # Nothing written: a pre-commit hook that modifies files fails the commit.
    assert git(repo, "status", "--porcelain") == ""


A = "content/china/clubhouse.md"


def break_things(repo: Path) -> dict[str, tuple[str, int, str]]:
    """A pull request's damage; returns what the check must find: kind -> (file, line, url part)."""
    git(repo, "checkout", "-q", "-b", "pr")
    a = repo / "content/china/clubhouse.md"
    b = repo / "content/politics/democrats.md"
    stored_photo(repo, PHOTO_B).unlink()  # B itself does not change
    photo_a = stored_photo(repo, PHOTO_A)
    data = bytearray(photo_a.read_bytes())
    data[-5] ^= 0xFF  # corrupted in place: same size
    with open(photo_a, "r+b") as fh:  # in place: the hard-linked object changes too
        fh.write(bytes(data))
    (repo / "content/politics/removed.md").unlink()
    text = a.read_text(encoding="utf-8")
    text = text.replace("## 國安法下的香港", "## 國安法")  # the link to it stays
    text += "\n![圖表](chart.png)\n\n[已刪除](../politics/removed.md)\n\n[參考][ref]\n"
    text += f"\n[未存檔](http://web.archive.org/web/2021/{NEVER})\n"
    a.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pr")
    return {
        "store-changed": ("content/china/clubhouse.md", line_of(a, "../../rescued/"), "clubhouse"),
        "missing-fragment": ("content/china/clubhouse.md", line_of(a, "上文"), "#"),
        "missing-file": ("content/china/clubhouse.md", line_of(a, "chart.png"), "chart.png"),
        "missing-document": ("content/china/clubhouse.md", line_of(a, "已刪除"), "removed.md"),
        "undefined-label": ("content/china/clubhouse.md", line_of(a, "[參考][ref]"), ""),
        "store-missing": ("content/politics/democrats.md", line_of(b, "../../rescued/"), "demo"),
    }


def test_a_pull_request_is_annotated_at_exactly_the_broken_lines(
    rescued: Path, tmp_path: Path
) -> None:
    repo = clone(rescued, tmp_path)
    expected = break_things(repo)
    done = linkrescue(
        "check",
        "--offline",
        "--changed-since",
        "main",
        "content",
        "--format",
        "json",
        cwd=repo,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    found = findings(done)
    dead = {f["kind"]: f for f in found if f["status"] == "dead"}
    assert set(dead) == set(expected), found
    for kind, (file, line, part) in expected.items():
        got = dead[kind]
        assert (got["file"], got["line"]) == (file, line), (kind, got)
        assert got["severity"] == "error"
        assert part in (got["url"] or ""), (kind, got)
    # The never-archived page is an archive copy a rescue could make local: a warning
    # offline (online it is dead, test_check_online.py).
    [warning] = [f for f in found if f["status"] == "unrescued"]
    assert NEVER in warning["url"] and warning["severity"] == "warning"


def test_online_the_never_archived_page_is_dead_too_in_every_format(
    rescued: Path, tmp_path: Path
) -> None:
    """The done-when's pull request, online against the archive: the six broken lines,
    the never-archived page among them, in json, github, junit, sarif and text alike."""
    repo = clone(rescued, tmp_path)
    expected = break_things(repo)
    expected["not-archived"] = ("content/china/clubhouse.md", line_of(repo / A, "未存檔"), NEVER)
    base = ["check", "--changed-since", "main", "content"]
    done = linkrescue(*base, "--format", "json", cwd=repo)
    assert done.returncode == 1, done.stdout + done.stderr
    dead = {(f["file"], f["line"], f["kind"]) for f in findings(done) if f["status"] == "dead"}
    assert dead == {(file, line, kind) for kind, (file, line, _) in expected.items()}
    places = {(file, line) for file, line, _ in dead}
    github = linkrescue(*base, "--format", "github", cwd=repo)
    assert github.returncode == 1
    annotated = {
        (m.group(1), int(m.group(2)))
        for m in re.finditer(r"^::error file=([^,]+),line=(\d+),", github.stdout, re.M)
    }
    assert annotated == places
    sarif = linkrescue(*base, "--format", "sarif", cwd=repo)
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    located = {
        (
            unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]),
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in results
        if r["level"] == "error"
    }
    assert sarif.returncode == 1 and located == places
    junit = linkrescue(*base, "--format", "junit", cwd=repo)
    failures = ElementTree.fromstring(junit.stdout).iter("failure")
    assert junit.returncode == 1 and len(list(failures)) == len(places)
    text = linkrescue(*base, cwd=repo)
    assert text.returncode == 1
    for file, line in places:
        assert file in text.stdout and f"\n  {line}:" in text.stdout


def test_strict_makes_an_unrescued_reference_fail(rescued: Path, tmp_path: Path) -> None:
    repo = clone(rescued, tmp_path)
    a = repo / "content/china/clubhouse.md"
    a.write_text(
        a.read_text(encoding="utf-8") + f"\n[未存檔](http://web.archive.org/web/2021/{NEVER})\n",
        encoding="utf-8",
    )
    relaxed = linkrescue("check", "--offline", "content", "--format", "json", cwd=repo)
    strict = linkrescue("check", "--offline", "--strict", "content", "--format", "json", cwd=repo)
    assert relaxed.returncode == 0, relaxed.stderr
    assert strict.returncode == 1, strict.stderr
    [finding] = findings(strict)
    assert finding["kind"] == "unrescued" and finding["severity"] == "error"
    assert finding["line"] == line_of(a, "未存檔")


def test_changed_since_reports_only_the_changed_files(rescued: Path, tmp_path: Path) -> None:
    repo = clone(rescued, tmp_path)
    # Already broken on main: not this pull request's business.
    a = repo / "content/china/clubhouse.md"
    a.write_text(a.read_text(encoding="utf-8") + "\n![](also-missing.png)\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "broken before")
    git(repo, "checkout", "-q", "-b", "pr")
    b = repo / "content/politics/democrats.md"
    b.write_text(b.read_text(encoding="utf-8") + "\n![](missing.png)\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "pr")
    done = linkrescue(
        "check", "--offline", "--changed-since", "main", "content", "-f", "json", cwd=repo
    )
    assert done.returncode == 1, done.stderr
    [finding] = findings(done)
    assert (finding["file"], finding["kind"]) == ("content/politics/democrats.md", "missing-file")
    assert finding["line"] == line_of(b, "missing.png")
    everything = linkrescue("check", "--offline", "content", "-f", "json", cwd=repo)
    assert {f["file"] for f in findings(everything)} == {
        "content/china/clubhouse.md",
        "content/politics/democrats.md",
    }


def test_changed_since_with_an_unknown_ref_is_a_usage_error(rescued: Path, tmp_path: Path) -> None:
    repo = clone(rescued, tmp_path)
    done = linkrescue("check", "--offline", "--changed-since", "origin/nope", "content", cwd=repo)
    assert done.returncode == 2
    assert "--changed-since origin/nope" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_exclude_silences_a_sites_convention(rescued: Path, tmp_path: Path) -> None:
    repo = clone(rescued, tmp_path)
    a = repo / A
    a.write_text(a.read_text(encoding="utf-8") + "\n![圖表](chart.png)\n", "utf-8")
    before = {
        f["url"]
        for f in findings(linkrescue("check", "--offline", "-f", "json", "content", cwd=repo))
    }
    assert before == {"chart.png"}
    config = repo / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[check]\nexclude = ["^chart\\\\.png$"]\n',
        encoding="utf-8",
    )
    done = linkrescue("check", "--offline", "-f", "json", "content", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert findings(done) == []
