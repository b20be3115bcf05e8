"""Killing ``linkrescue`` with SIGKILL and looking at what it left: the crash tests' helpers
(tests/crawler/test_rescue_crash.py, tests/crawler/test_crash_at_scale.py).

A run is a folder holding ``content/`` (the articles), ``config.toml`` and, once a rescue
opened it, ``rescued/`` (the store). The process runs in a session of its own, so a kill
takes whatever it started with it, as pulling the plug would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

from tests.support.cli import write_config
from tests.support.messy_corpus import Corpus
from tests.support.pywb_server import Pywb


def fresh_run(root: Path, pywb: Pywb, corpus: Corpus) -> Path:
    """``root`` with the corpus under ``content/`` and a config for ``pywb``."""
    root.mkdir(parents=True)
    corpus.write(root / "content")
    write_config(root, pywb.url)
    return root


def documents(run: Path) -> dict[str, bytes]:
    """Every article of the run (relative path -> bytes); hidden files left out."""
    content = run / "content"
    return {
        p.relative_to(content).as_posix(): p.read_bytes()
        for p in sorted(content.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def start(
    run: Path,
    *args: str,
    stdout: IO[bytes] | int = subprocess.DEVNULL,
    stderr: IO[bytes] | int = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    """``python ARGS`` in ``run``, in a new session (its own process group)."""
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=run,
        stdout=stdout,
        stderr=stderr,
        env={**os.environ, "COLUMNS": "200"},
        start_new_session=True,
    )


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group (unless the process already ended), and reap it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def assert_whole(
    run: Path, pristine: dict[str, bytes], rescued: dict[str, bytes], when: str
) -> int:
    """Every article is its original (``pristine``) or its fully rescued self (``rescued``,
    what an uninterrupted run leaves): never empty, never cut inside a character, never
    half-rewritten. Returns how many are rescued."""
    now = documents(run)
    assert now.keys() == pristine.keys(), when
    rewritten = 0
    for rel, data in now.items():
        assert data, f"{rel} is empty {when}"
        data.decode("utf-8")  # never cut inside a character
        if data == rescued[rel]:
            rewritten += 1
        else:
            assert data == pristine[rel], f"{rel} is half-rewritten {when}"
    return rewritten
