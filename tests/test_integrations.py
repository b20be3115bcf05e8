"""The ready-made integrations do what their documentation says, run as their hosts run them.

pre-commit runs a hook's ``entry`` with the staged files of the hook's types appended;
GitHub runs a composite action's ``run`` steps in bash with ``${{ inputs.* }}``
substituted, and a workflow's ``run`` steps the same way. The hosts themselves are not
here (no network in tests), so each file is read as its host reads it and its commands
are run in a git repository of real-shaped articles: a broken link fails with its
line, a clean tree passes.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
ARTICLE = (
    "---\n"
    'title: "中國 Clubhouse 聊天平台爆紅"\n'
    'original_url: "thestandnews.com/china/clubhouse-聊天平台爆紅"\n'
    "---\n"
    "## 國安法下的香港\n"
    "\n"
    "見[上文](#國安法下的香港)。\n"
)


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def site(tmp_path: Path) -> Path:
    """A repository on ``main`` with one clean article, and a branch ``pr`` breaking one."""
    root = tmp_path / "site"
    (root / "content/china").mkdir(parents=True)
    (root / "content/china/clubhouse.md").write_text(ARTICLE, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "articles")
    git(root, "checkout", "-q", "-b", "pr")
    (root / "content/china/broken.md").write_text(
        ARTICLE.replace("#國安法下的香港", "#國安法"), encoding="utf-8"
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a broken fragment")
    return root


def bash(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``script`` as GitHub runs a ``run`` step: bash, with linkrescue on the PATH."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=cwd, capture_output=True, text=True, env=env
    )


def expand(text: str, values: dict[str, str]) -> str:
    """GitHub's ``${{ name }}`` expressions replaced by ``values`` (unknown ones fail)."""

    def one(m: re.Match[str]) -> str:
        return values[m.group(1).strip()]

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def test_the_pre_commit_hook_checks_the_staged_markdown_offline(tmp_path: Path) -> None:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "linkrescue-check" and "markdown" in hook["types_or"]
    assert "--offline" in hook["entry"]
    root = site(tmp_path)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    # pre-commit: the entry, split as a shell would, then the files of the commit.
    entry = shlex.split(hook["entry"])
    broken = subprocess.run(
        [*entry, "content/china/broken.md"], cwd=root, capture_output=True, text=True, env=env
    )
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "content/china/broken.md" in broken.stdout and "7:" in broken.stdout
    clean = subprocess.run(
        [*entry, "content/china/clubhouse.md"], cwd=root, capture_output=True, text=True, env=env
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # A hook that modifies files fails the commit: nothing may be written.
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True
    )
    assert status.stdout == ""


def _runs(steps: list[dict[str, Any]]) -> list[str]:
    return [step["run"] for step in steps if "run" in step]


def test_the_composite_action_annotates_a_pull_request(tmp_path: Path) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    inputs = {f"inputs.{k}": v.get("default", "") for k, v in action["inputs"].items()}
    inputs["inputs.paths"] = "content"
    inputs["inputs.args"] = "--offline --changed-since main --format github"
    inputs["github.action_path"] = str(REPO)
    root = site(tmp_path)
    install, run = _runs(action["runs"]["steps"])
    assert "pip install" in install and "${{ github.action_path }}" in install
    done = bash(expand(run, inputs), root)
    assert done.returncode == 1, done.stdout + done.stderr
    [annotation] = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert annotation.startswith("::error file=content/china/broken.md,line=7,")


def test_the_workflow_example_runs_its_commands(tmp_path: Path) -> None:
    flow = yaml.safe_load((REPO / "docs/examples/linkrescue-check.yml").read_text(encoding="utf-8"))
    steps = flow["jobs"]["check"]["steps"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    commands = [r for r in _runs(steps) if "linkrescue check" in r]
    assert len(commands) == 2
    root = site(tmp_path)
    values = {"github.base_ref": "main"}
    annotate = bash(expand(commands[0], values).replace("origin/main", "main"), root)
    assert annotate.returncode == 1, annotate.stdout + annotate.stderr
    assert "::error file=content/china/broken.md,line=7," in annotate.stdout
    sarif = bash(expand(commands[1], values).replace("origin/main", "main"), root)
    assert sarif.returncode == 0, sarif.stderr  # `|| true`: the upload still runs
    log = json.loads((root / "linkrescue.sarif").read_text(encoding="utf-8"))
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "missing-fragment"
