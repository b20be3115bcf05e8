"""The store's run lock (archive/store/lock.py): one holder at a time, named when refused;
nothing left behind in the store once released."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from linkrescue.archive import StoreError, StoreLocked, lock_store


def test_a_second_holder_is_refused_at_once_naming_the_first(tmp_path: Path) -> None:
    store = tmp_path / "rescued"
    store.mkdir()
    started = datetime(2026, 12, 4, 2, 0, 5).astimezone()
    with lock_store(store, now=started):
        with pytest.raises(StoreLocked) as refused:
            lock_store(store)
        assert isinstance(refused.value, StoreError)
        assert str(refused.value) == (
            f"another run (pid {os.getpid()}, started 02:00) holds {store.resolve()}"
        )
        assert refused.value.pid == os.getpid()
    with lock_store(store):  # released: free again
        pass


def test_releasing_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store = tmp_path / "rescued"
    store.mkdir()
    (store / "index.sqlite3").write_bytes(b"")
    with lock_store(store):
        assert (store / ".lock").read_text().startswith(f"{os.getpid()} ")
    assert sorted(p.name for p in store.iterdir()) == ["index.sqlite3"]


def test_a_folder_the_lock_created_goes_when_the_run_put_nothing_in_it(tmp_path: Path) -> None:
    """A run that stopped before its first request (offline) leaves no store behind."""
    store = tmp_path / "new" / "rescued"
    with lock_store(store):
        assert store.is_dir()
    assert not store.exists()
    with lock_store(store):
        (store / "index.sqlite3").write_bytes(b"")
    assert sorted(p.name for p in store.iterdir()) == ["index.sqlite3"]


def test_a_lock_file_left_by_a_killed_run_locks_nothing(tmp_path: Path) -> None:
    store = tmp_path / "rescued"
    store.mkdir()
    (store / ".lock").write_text("999999 2026-12-04T02:00:00+00:00\n")
    with lock_store(store):
        pass
    assert not (store / ".lock").exists()
