"""What every command-line user checks first, on a real terminal where it matters.

The cases come from trying linkrescue as a new user on Stand News-shaped articles:
a table that crashed on a URL holding ``[/x]``, a JSON array left as a lone ``[``,
``--help`` that dropped ``[archive]`` from ``[archive] url``, a report named ``-``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.archive_content import Cap, html, png_bytes
from tests.support.cli import linkrescue
from tests.support.pywb_server import Pywb, start_pywb
from tests.support.terminal import on_terminal

ARTICLE = """---
title: "記 Clubhouse 房間"
original_url: "thestandnews.com/international/記-clubhouse-房間"
---
![](http://web.archive.org/web/2021im_/https://assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png)
[分享](javascript:share("[/x]")) [相關](c[red].md) [來源]([src]/a.html)
"""


def article(folder: Path, name: str = "clubhouse.md") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(ARTICLE, encoding="utf-8")
    (folder / "c[red].md").write_text("---\ntitle: 紅\n---\n", encoding="utf-8")
    return path


def test_terminal_table_shows_brackets_as_written(tmp_path: Path) -> None:
    article(tmp_path / "news[src]")
    doc = Path("news[src]") / "clubhouse.md"  # as typed at the shell: relative
    run = on_terminal("scan", doc, cwd=tmp_path)  # no --format: a table, as on a terminal
    assert run.returncode == 0, run.screen
    assert "MarkupError" not in run.screen and "Traceback" not in run.screen
    assert "┃ file:line:col" in run.screen or "file:line:col" in run.screen
    assert """'javascript:share("[/x]")'""" in run.screen
    assert "c[red].md" in run.screen
    assert f"{doc}:6:6" in run.screen  # the folder's [src] kept
    assert "1 document, 4 references" in run.screen


def test_a_missing_path_leaves_no_half_json(tmp_path: Path) -> None:
    doc = article(tmp_path / "content")
    proc = linkrescue("scan", doc, tmp_path / "missing", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"linkrescue: {tmp_path / 'missing'}: no such file or folder\n"


def test_a_folder_without_markdown_is_said_so(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    proc = linkrescue("scan", tmp_path / "images", "--format", "jsonl", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert f"no Markdown files (.md, .markdown) found in {tmp_path / 'images'}" in proc.stderr
    assert "0 documents, 0 references" in proc.stderr


def test_help_names_config_keys_with_their_section_and_no_python_types(tmp_path: Path) -> None:
    rescue = linkrescue("rescue", "--help", cwd=tmp_path)
    assert rescue.returncode == 0
    text = " ".join(rescue.stdout.split())
    for key in ("[archive] url", "[store] dir", "[rescue] only", "[rescue] dry_run"):
        assert key in text
    assert "--dry-run / --no-dry-run" in text and "--rewrite / --no-rewrite" in text
    assert "-q, --quiet" in text and "-v, --verbose" in text
    assert not re.search(r"<(bool|str|path|int|list\[Path\])>", rescue.stdout), rescue.stdout
    root = linkrescue("--help", cwd=tmp_path)
    assert "--install-completion" in root.stdout and "--version" in root.stdout
    for command in ("scan", "restore", "verify"):
        shown = linkrescue(command, "--help", cwd=tmp_path).stdout
        assert "-q, --quiet" in shown and "-v, --verbose" in shown, command
        assert "<bool>" not in shown and "list[Path]" not in shown, command


def test_version(tmp_path: Path) -> None:
    proc = linkrescue("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert re.fullmatch(r"linkrescue \d+\.\d+\.\d+\S*\n", proc.stdout)


def test_dry_run_true_is_not_a_value_and_reads_as_a_missing_path(tmp_path: Path) -> None:
    doc = article(tmp_path / "content")
    proc = linkrescue("rescue", doc, "--dry-run", "true", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "linkrescue: true: no such file or folder\n"
    assert not (tmp_path / "rescued").exists()


def test_dry_run_on_an_empty_store_says_what_it_would_do(tmp_path: Path) -> None:
    doc = article(tmp_path / "content")
    before = doc.read_bytes()
    proc = linkrescue("rescue", doc, "--dry-run", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # nothing in the store: no diff
    assert (
        "dry run: no diff: nothing referenced is in the store yet; 2 resources would be "
        "looked up in the archive and rewritten if rescued; nothing was fetched or written"
    ) in " ".join(proc.stderr.split())
    assert doc.read_bytes() == before
    assert not (tmp_path / "rescued").exists()


def test_report_dash_goes_to_standard_output(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "local.md").write_text(
        '---\noriginal_url: "thestandnews.com/a"\n---\n![](photo.png) [x](other.md)\n',
        encoding="utf-8",
    )
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "other.md").write_text('---\noriginal_url: "thestandnews.com/b"\n---\n')
    proc = linkrescue("rescue", folder, "--report", "-", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["documents"] == 2 and report["resources"] == 0
    assert not (tmp_path / "-").exists()


def test_quiet_scan_keeps_only_the_summary_line(tmp_path: Path) -> None:
    doc = article(tmp_path / "content")
    proc = linkrescue("scan", doc, "--format", "jsonl", "-q", cwd=tmp_path)
    assert proc.returncode == 0
    assert len(proc.stdout.splitlines()) == 4
    assert proc.stderr == "1 document, 4 references, 2 distinct resources, 0 problems\n"


def test_quiet_and_verbose_together_is_a_usage_error(tmp_path: Path) -> None:
    doc = article(tmp_path / "content")
    proc = linkrescue("scan", doc, "-q", "-v", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--quiet and --verbose" in proc.stderr


def test_internal_error_is_one_line_exit_70_and_a_traceback_file(tmp_path: Path) -> None:
    """A bug must not read as "retry next run" (exit 1) to a cron script, nor spill a
    traceback into its mail: one line, exit 70, the traceback kept in a file.
    The bug is injected into the real entry point (no real input should cause one)."""
    doc = article(tmp_path / "content")
    crash_dir = tmp_path / "tmp"
    crash_dir.mkdir()
    program = (
        "import sys, linkrescue.crawler.commands.rescue as job\n"
        "def broken(*args, **kwargs):\n"
        "    raise KeyError('capture_timestamp')\n"
        "job.rescue = broken\n"
        "from linkrescue.crawler.cli import main\n"
        "sys.argv = ['linkrescue', *sys.argv[1:]]\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", program, "rescue", str(doc), "--dry-run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(crash_dir)},
        check=False,
    )
    assert proc.returncode == 70
    [line] = proc.stderr.splitlines()
    crash_files = list(crash_dir.glob("linkrescue-crash-*.txt"))
    assert len(crash_files) == 1
    assert line == (
        "linkrescue: internal error (KeyError: 'capture_timestamp'); "
        f"traceback written to {crash_files[0]}; please report it"
    )
    kept = crash_files[0].read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in kept and "KeyError: 'capture_timestamp'" in kept
    assert "command: linkrescue rescue" in kept


# --- a rescue watched on a terminal, and the same from cron, against a real pywb ----------

ASSETS = "https://assets.example.com/media/photos"
NEWS = "https://news.example.com"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-cli"),
        captures=[
            Cap(f"{ASSETS}/cat.png", "20211229095346", png_bytes(3, 2, (200, 30, 30)), "image/png"),
            Cap(f"{NEWS}/article/1", "20211229100000", html("Article one", "<p>First.</p>")),
        ],
        probe_url="news.example.com/article/1",
    )
    try:
        yield server
    finally:
        server.stop()


def rescue_project(root: Path, archive: Pywb) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "content" / "article.md").write_text(
        "---\n"
        'title: "圖片新聞"\n'
        'original_url: "news.example.com/article/9"\n'
        "---\n"
        f"![](http://web.archive.org/web/2021im_/{ASSETS}/cat.png)\n"
        f"[一](http://web.archive.org/web/20211229100000/{NEWS}/article/1)\n"
        f"![](http://web.archive.org/web/2021im_/{ASSETS}/never-captured.png)\n",
        encoding="utf-8",
    )
    (root / "config.toml").write_text(
        f'[archive]\nurl = "{archive.url}"\ncdx_per_second = 0\nplayback_per_second = 0\n'
        'retries = 1\n[rescue]\nlive_links = "off"\n',
        encoding="utf-8",
    )
    return root / "content"


@pytest.mark.pywb
def test_rescue_on_a_terminal_is_one_short_line_per_resource(archive: Pywb, tmp_path: Path) -> None:
    rescue_project(tmp_path, archive)
    run = on_terminal("rescue", "content", cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.screen
    lines = run.lines
    assert any(
        line.startswith("rescued       assets.example.com/media/photos/cat.png") for line in lines
    ), run.screen
    assert any(line.startswith("rescued       news.example.com/article/1") for line in lines)
    assert any(
        line.startswith("not-archived  assets.example.com/media/photos/never-captured.png")
        for line in lines
    ), run.screen
    assert not TIMESTAMP.search(run.screen)
    assert archive.url not in run.screen  # the archive's address is not repeated per line
    assert "INFO" not in run.screen
    assert "rescue summary" in run.screen


@pytest.mark.pywb
def test_rescue_off_a_terminal_keeps_timestamped_lines(archive: Pywb, tmp_path: Path) -> None:
    rescue_project(tmp_path, archive)
    proc = linkrescue("rescue", "content", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    events = [line for line in proc.stderr.splitlines() if " INFO [" in line]
    assert len(events) == 3
    assert all(TIMESTAMP.match(line) for line in events)
    assert any(f"rescued {ASSETS}/cat.png -> " in line for line in events)


@pytest.mark.pywb
def test_quiet_rescue_on_a_terminal_shows_only_the_summary(archive: Pywb, tmp_path: Path) -> None:
    rescue_project(tmp_path, archive)
    run = on_terminal("rescue", "content", "-q", cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.screen
    assert "cat.png" not in run.screen and "rescuing" not in run.screen
    # -q: the one summary line, nothing else (no table, no progress)
    assert run.screen.splitlines() == [
        "linkrescue rescue: 1 document, 3 resources: 2 rescued, 1 not archived, 0 blocked, "
        "0 failed; 1 document rewritten; " + run.screen.split("rewritten; ")[1].strip()
    ]
    assert re.search(r"; \d+ requests in [\d.]+s; complete$", run.screen.strip())


def test_a_file_system_refusal_names_the_file_exit_74(tmp_path: Path) -> None:
    """Not a bug (no traceback, not 70) and not "retry next run" (1): the store path
    given runs through a file, which only the user can fix."""
    folder = tmp_path / "content"
    folder.mkdir()
    doc = folder / "note.md"
    doc.write_text('---\noriginal_url: "thestandnews.com/a"\n---\nno links\n', encoding="utf-8")
    proc = linkrescue("rescue", doc, "--store", doc / "rescued", cwd=tmp_path)
    assert proc.returncode == 74
    assert proc.stderr.splitlines()[-1] == f"linkrescue: {doc / 'rescued'}: Not a directory"
    assert "Traceback" not in proc.stderr


@pytest.mark.pywb
def test_verbose_rescue_on_a_terminal_keeps_the_full_detail(archive: Pywb, tmp_path: Path) -> None:
    rescue_project(tmp_path, archive)
    run = on_terminal("rescue", "content", "-v", cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.screen
    text = "\n".join(run.lines)
    assert f"rescued {ASSETS}/cat.png -> " in text  # whole URL and where it went
    assert f"HTTP Request: GET {archive.url}/web/" in text  # every request
