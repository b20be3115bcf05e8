"""Replacing a document: atomic, refuses a changed file, cleans what a killed run left."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from linkrescue.rewriters.errors import DocumentChangedError
from linkrescue.rewriters.files import (
    TEMP_SUFFIX,
    replace_document,
    sweep_folder,
    sweep_temporaries,
)


def test_replace_keeps_mode_bits_and_writes_exact_bytes(tmp_path: Path) -> None:
    doc = tmp_path / "a.md"
    doc.write_bytes(b"old\r\n")
    doc.chmod(0o640)
    replace_document(doc, "new 新\r\nno final newline", was=b"old\r\n")
    assert doc.read_bytes() == "new 新\r\nno final newline".encode()
    assert stat.S_IMODE(doc.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    doc = tmp_path / "a.md"
    doc.write_bytes(b"edited by a person meanwhile\n")
    with pytest.raises(DocumentChangedError, match="changed on disk"):
        replace_document(doc, "rewritten", was=b"what the rewrite read\n")
    assert doc.read_bytes() == b"edited by a person meanwhile\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_temporaries_of_a_killed_run_are_swept_but_a_live_runs_are_kept(tmp_path: Path) -> None:
    doc = tmp_path / "a.md"
    doc.write_bytes(b"x")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f".a.md.{dead.stdout.strip()}.abc123{TEMP_SUFFIX}"
    stale.write_bytes(b"half")
    live = tmp_path / f".a.md.{os.getppid()}.def456{TEMP_SUFFIX}"
    live.write_bytes(b"a concurrent run's")
    other = tmp_path / f".b.md.1.zzz{TEMP_SUFFIX}"
    other.write_bytes(b"another document's")
    assert sweep_temporaries(doc) == 1
    assert not stale.exists()
    assert live.exists() and other.exists()


def test_a_folder_sweep_takes_the_temporaries_of_documents_gone_since(tmp_path: Path) -> None:
    """A run killed between write and rename left a temporary beside ``gone.v2.md``; the
    user then deleted the article, so no rewrite of it will ever sweep it: the next
    rescue sweeps every folder of the corpus. A live run's temporary stays."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stale = tmp_path / f".gone.v2.md.{dead}.k3_x9q{TEMP_SUFFIX}"
    stale.write_bytes(b"half")
    live = tmp_path / f".kept.md.{os.getppid()}.def456{TEMP_SUFFIX}"
    live.write_bytes(b"a concurrent run's")
    unrelated = tmp_path / ".gone.v2.md.swp"
    unrelated.write_bytes(b"an editor's")
    assert sweep_folder(tmp_path) == 1
    assert not stale.exists()
    assert live.exists() and unrelated.exists()
