"""Which config linkrescue reads, tried in the folders users run it from.

The case behind it (issue 11): in a Hugo site, ``config.toml`` is Hugo's, and
``linkrescue scan content`` exited 2 with ``unknown section [baseURL]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

#: The shape of a real Hugo site's config.toml (gohugo.io's own, shortened).
HUGO_CONFIG = """baseURL = "https://gohugo.io/"
languageCode = "en-us"
title = "Hugo"

[params]
  description = "The world's fastest framework for building websites"

[markup.goldmark.renderer]
  unsafe = true
"""
PAGE = "---\ntitle: Range\n---\nSee [collections](/quick-reference/page-collections/).\n"


def run(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "LINKRESCUE_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "linkrescue", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**environ, **(env or {})},
    )


def hugo_site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content/functions").mkdir(parents=True)
    (root / ".git").mkdir()  # the repository's root: discovery stops here
    (root / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (root / "content/functions/range.md").write_text(PAGE, encoding="utf-8")
    return root


def settings(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_a_hugo_sites_config_toml_is_passed_over_with_a_note(tmp_path: Path) -> None:
    root = hugo_site(tmp_path)
    done = run(root, "scan", "content", "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    [record] = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["raw"] == "/quick-reference/page-collections/"
    [note] = done.stderr.splitlines()[:1]
    assert note.startswith(f"linkrescue: note: {root / 'config.toml'}: not linkrescue's (baseURL")
    assert "linkrescue.toml" in note


def test_linkrescue_toml_wins_and_is_found_from_a_sub_folder(tmp_path: Path) -> None:
    root = hugo_site(tmp_path)
    (root / "linkrescue.toml").write_text('[store]\ndir = "archive-copies"\n', encoding="utf-8")
    data = settings(run(root / "content/functions", "config", "--format", "json"))
    assert data["file"] == str(root / "linkrescue.toml")
    assert data["sections"]["store"]["dir"] == {
        "value": "archive-copies",
        "from": str(root / "linkrescue.toml"),
    }
    assert data["sections"]["archive"]["url"]["from"] == "default"


def test_tool_linkrescue_in_pyproject(tmp_path: Path) -> None:
    root = hugo_site(tmp_path)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "docs"\n\n[tool.linkrescue.check]\nfragments = false\n',
        encoding="utf-8",
    )
    data = settings(run(root, "config", "--format", "json"))
    assert data["found_by"] == "[tool.linkrescue]"
    assert data["sections"]["check"]["fragments"]["value"] is False


def test_linkrescue_config_names_the_file_and_an_explicit_bad_one_is_an_error(
    tmp_path: Path,
) -> None:
    root = hugo_site(tmp_path)
    mine = tmp_path / "cron.toml"
    mine.write_text('[archive]\nheaders = { Authorization = "Bearer s3cret" }\n', encoding="utf-8")
    done = run(root, "config", env={"LINKRESCUE_CONFIG": str(mine)})
    assert done.returncode == 0, done.stderr
    assert 'headers = { "Authorization" = "***" }' in done.stdout
    assert "s3cret" not in done.stdout + done.stderr  # a token is never printed
    bad = run(root, "scan", "content", "--config", str(root / "config.toml"))
    assert bad.returncode == 2
    assert bad.stderr.strip() == f"linkrescue: {root / 'config.toml'}: unknown section [baseURL]"


def test_linkrescues_own_config_toml_is_still_read(tmp_path: Path) -> None:
    root = tmp_path / "news"
    root.mkdir()
    (root / "config.toml").write_text("[rescue]\nconcurrency = 2\n", encoding="utf-8")
    data = settings(run(root, "config", "--format", "json"))
    assert data["found_by"] == "config.toml"
    assert data["sections"]["rescue"]["concurrency"]["value"] == 2
