"""The one entrance to a store folder: reading never creates, a run creates.

``verify``, ``restore``, what a rescue already knows and the store location a scan
resolves against all come through :mod:`linkrescue.archive.store.entrance`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from linkrescue.archive.model import Capture, Outcome
from linkrescue.archive.store.entrance import (
    NoStoreError,
    StoreUse,
    open_state,
    open_store,
    store_at,
)

PHOTO = "https://assets.thestandnews.com/media/photos/hongkong-20211229.jpg"


def tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.mark.parametrize("holding", [None, "notes/index.md"])
def test_reading_a_folder_without_a_store_creates_nothing(
    tmp_path: Path, holding: str | None
) -> None:
    root = tmp_path / "rescued"
    if holding is not None:  # a folder of someone's files, not a store
        (root / holding).parent.mkdir(parents=True)
        (root / holding).write_text("# notes\n", encoding="utf-8")
    before = tree(tmp_path)
    assert store_at(root) is None
    for opening in (lambda: open_state(root), lambda: open_store(root, StoreUse.EXISTING)):
        with pytest.raises(NoStoreError) as raised:
            opening()
        assert str(raised.value) == f"{root}: no store here (no index.sqlite3)"
    assert tree(tmp_path) == before


def test_a_run_creates_the_store_and_reading_it_opens_no_staging(tmp_path: Path) -> None:
    root = tmp_path / "site" / "rescued"
    data = b"\xff\xd8\xff\xe0 a photo of Hong Kong"
    with open_store(root, StoreUse.RUN) as store, store.staging() as sink:
        sink.write(data)
        capture = Capture(PHOTO, PHOTO, "20211229120000",
                          f"https://web.archive.org/web/20211229120000id_/{PHOTO}", "image/jpeg",
                          len(data), hashlib.sha256(data).hexdigest(), sink.sha1_base32, None,
                          False)  # fmt: skip
        stored = store.put(sink, capture)
    assert store_at(tmp_path / "site" / ".." / "site" / "rescued") == root.resolve()
    staging = tree(root / ".staging")
    with open_state(root) as state:
        resource = state.lookup(PHOTO)
        assert tree(root / ".staging") == staging  # reading took no staging folder
    assert resource is not None and resource.outcome is Outcome.RESCUED
    assert resource.path == stored.path
    with open_store(root, StoreUse.EXISTING) as store:
        assert store.verify() == []
