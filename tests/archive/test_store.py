"""The store as a user sees it: files where expected, once, complete, and verifiable."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from linkrescue.archive.model import Capture
from linkrescue.archive.store import deferring
from linkrescue.archive.store.errors import StoreIntegrityError
from linkrescue.archive.store.store import ProblemKind, Store, StoredResource


def capture_of(url: str, data: bytes, mimetype: str | None = "image/png") -> Capture:
    return Capture(
        requested=url,
        original=url,
        timestamp="20211229120000",
        archive_url=f"https://web.archive.org/web/20211229120000id_/{url}",
        mimetype=mimetype,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        sha1_base32="",
        cdx_digest=None,
        verified=False,
    )


def put(
    store: Store, url: str, data: bytes, mimetype: str | None = "image/png", key: str | None = None
) -> StoredResource:
    with store.staging() as sink:
        for start in range(0, len(data), 4096):
            sink.write(data[start : start + 4096])
        return store.put(sink, capture_of(url, data, mimetype), key=key)


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "rescued") as opened:
        yield opened


def test_cjk_path_is_readable_on_disk(store: Store) -> None:
    url = "https://www.example-news.com/news_%E6%96%B0%E8%81%9E/%E5%9C%96%E7%89%87.jpg"
    stored = put(store, url, b"\xff\xd8jpeg", "image/jpeg")
    assert "圖片.jpg" in os.listdir(store.root / "www.example-news.com" / "news_新聞")
    assert stored.absolute.read_bytes() == b"\xff\xd8jpeg"
    assert stored.path.as_posix() == "www.example-news.com/news_新聞/圖片.jpg"


def test_symlink_planted_in_the_store_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    with Store(tmp_path / "rescued") as store:
        (store.root / "evil.org").symlink_to(outside, target_is_directory=True)
        stored = put(store, "http://evil.org/x.png", b"png")
        assert list(outside.iterdir()) == []
        assert stored.path.parts[0].startswith("evil.org~")
        assert not stored.absolute.parent.is_symlink()


def test_same_bytes_under_two_urls_are_stored_once(store: Store) -> None:
    a = put(store, "http://a.org/spacer.gif", b"GIF89a" * 1000, "image/gif")
    b = put(store, "http://b.org/img/pixel.gif", b"GIF89a" * 1000, "image/gif")
    assert a.path != b.path
    assert os.stat(a.absolute).st_ino == os.stat(b.absolute).st_ino
    objects = [p for p in (store.root / ".objects").rglob("*") if p.is_file()]
    assert len(objects) == 1
    assert os.stat(a.absolute).st_nlink == 3  # two URLs and the content object


def test_recommit_same_bytes_is_a_no_op_and_new_bytes_replace(store: Store) -> None:
    first = put(store, "http://x.org/a.png", b"old")
    before = os.stat(first.absolute)
    again = put(store, "http://x.org/a.png", b"old")
    after = os.stat(again.absolute)
    assert again == first
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    newer = put(store, "http://x.org/a.png", b"new capture")
    assert newer.path == first.path
    assert newer.absolute.read_bytes() == b"new capture"
    assert store.verify() == []


def test_a_key_keeps_its_path_when_the_mimetype_changes(store: Store) -> None:
    first = put(store, "http://x.org/page", b"<p>", "text/html", key="k")
    second = put(store, "http://x.org/page", b"%PDF", "application/pdf", key="k")
    assert first.path.as_posix() == "x.org/page.html"
    assert second.path == first.path


def test_clashing_urls_get_distinct_paths(store: Store) -> None:
    upper = put(store, "http://x.org/A.png", b"upper")
    lower = put(store, "http://x.org/a.png", b"lower")
    assert upper.path.as_posix() == "x.org/A.png"
    assert lower.path.name.startswith("a~") and lower.path.suffix == ".png"
    assert upper.path.as_posix().lower() != lower.path.as_posix().lower()
    # A file where a folder is needed, and a folder where a file is needed.
    file_first = put(store, "http://x.org/doc", b"file", None)
    below = put(store, "http://x.org/doc/img.png", b"below")
    assert file_first.path.as_posix() == "x.org/doc"
    assert below.path.parts[1].startswith("doc~") and below.path.name == "img.png"
    put(store, "http://x.org/dir/img.png", b"inside")
    as_file = put(store, "http://x.org/dir", b"file later", None)
    assert as_file.path.name.startswith("dir~")
    for stored, body in [(upper, b"upper"), (lower, b"lower"), (file_first, b"file")]:
        assert stored.absolute.read_bytes() == body
    assert store.verify() == []


def _put_deferring(store: Store, url: str, data: bytes, keys: frozenset[str]) -> StoredResource:
    with store.staging() as sink:
        sink.write(data)
        return store.put(sink, capture_of(url, data, "text/html"), defer=url in keys)


@pytest.mark.parametrize("https_first", [True, False])
def test_resources_sharing_a_path_get_the_same_names_in_either_order(
    tmp_path: Path, https_first: bool
) -> None:
    """The http and https copies of one page (a government press release in the
    generated corpus) share a store path: which gets it plain was whichever thread
    stored first; now the run decides (``deferring``) and either order names them alike."""
    page = "www.info.gov.hk/gia/general/202112/16/P202112000015.htm"
    http, https = f"http://{page}", f"https://{page}"
    other = "https://www.info.gov.hk/gia/general/202112/16/other.htm"
    keys = deferring(lambda: [(u, u) for u in (https, http, other)])
    assert keys == {https}  # "http://…" sorts first: it keeps the plain name
    order = [(https, b"secure"), (http, b"plain")]
    with Store(tmp_path / "rescued") as store:
        stored = {
            url: _put_deferring(store, url, body, keys)
            for url, body in (order if https_first else order[::-1])
        }
        assert stored[http].path.as_posix() == page
        assert stored[https].path.name.startswith("P202112000015~")
        assert stored[https].path.suffix == ".htm"
        assert stored[http].absolute.read_bytes() == b"plain"
        assert stored[https].absolute.read_bytes() == b"secure"
        names = {url: s.path.as_posix() for url, s in stored.items()}
    with Store(tmp_path / "other-order") as again:
        for url, body in order[::-1] if https_first else order:
            assert _put_deferring(again, url, body, keys).path.as_posix() == names[url]


def test_deferring_finds_every_clash_among_many_resources() -> None:
    """A corpus's worth of resources (the bitmaps in front of the exact count let many
    hashes share a bit): every http/https pair and case variant, and nothing else."""
    urls = [f"https://hk.example/photos/{n:05d}.jpg" for n in range(60_000)]
    clashes = {f"https://hk.example/photos/{n:05d}.jpg" for n in range(0, 60_000, 997)}
    extra = [u.replace("https://", "http://") for u in sorted(clashes)]
    extra.append("https://hk.example/PHOTOS/00001.jpg")  # a case variant of a kept one
    resources = urls + extra
    keys = deferring(lambda: [(u, u) for u in resources])
    assert keys == clashes | {"https://hk.example/photos/00001.jpg"}


def test_a_stray_file_at_the_target_is_adopted(store: Store) -> None:
    (store.root / "x.org").mkdir()
    (store.root / "x.org" / "a.png").write_bytes(b"left by a deleted index")
    stored = put(store, "http://x.org/a.png", b"fresh")
    assert stored.path.as_posix() == "x.org/a.png"
    assert stored.absolute.read_bytes() == b"fresh"


def test_capture_that_does_not_match_the_bytes_is_refused(store: Store) -> None:
    with store.staging() as sink, pytest.raises(StoreIntegrityError):
        sink.write(b"truncated")
        store.put(sink, capture_of("http://x.org/a.png", b"truncated body"))
    assert not (store.root / "x.org").exists()
    assert files_under(store.root / ".staging") == {p for p in files_under(store.root / ".staging")
                                                    if p.endswith(".lock")}  # fmt: skip


def test_exception_inside_staging_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.staging() as sink:
        sink.write(b"partial")
        raise RuntimeError("connection reset")
    with store.staging() as sink:
        sink.write(b"never committed")
    leftovers = [p for p in files_under(store.root / ".staging") if not p.endswith(".lock")]
    assert leftovers == []
    index_files = {"index.sqlite3", "index.sqlite3-wal", "index.sqlite3-shm"}
    staged = {f".staging/{p}" for p in files_under(store.root / ".staging")}
    assert files_under(store.root) <= index_files | staged


def test_sink_hashes_what_it_writes(store: Store) -> None:
    with store.staging() as sink:
        sink.write(b"abc")
        sink.write(memoryview(b"def"))
        assert sink.size == 6
        assert sink.sha256 == hashlib.sha256(b"abcdef").hexdigest()
        sha1 = base64.b32encode(hashlib.sha1(b"abcdef").digest()).decode()
        assert sink.sha1_base32 == sha1  # the CDX digest form


def test_verify_finds_changed_deleted_and_unindexed_files(store: Store) -> None:
    changed = put(store, "http://x.org/changed.png", b"0123456789")
    deleted = put(store, "http://x.org/deleted.png", b"deleted")
    put(store, "http://x.org/intact.png", b"intact")
    assert store.verify() == []
    with open(changed.absolute, "r+b") as file:  # One byte, same size.
        file.seek(5)
        file.write(b"X")
    deleted.absolute.unlink()
    (store.root / "x.org" / "dropped-in.txt").write_text("hand-copied")
    (store.root / "x.org" / ".DS_Store").write_bytes(b"")
    problems = {(p.kind, p.path.as_posix()) for p in store.verify()}
    assert problems == {
        (ProblemKind.CHANGED, changed.path.as_posix()),
        (ProblemKind.CHANGED, f".objects/{changed.sha256[:2]}/{changed.sha256}"),
        (ProblemKind.MISSING, deleted.path.as_posix()),
        (ProblemKind.UNINDEXED, "x.org/dropped-in.txt"),
    }
    [missing] = [p for p in store.verify() if p.kind is ProblemKind.MISSING]
    assert (missing.key, missing.expected) == ("http://x.org/deleted.png", deleted.sha256)


def test_verify_memory_stays_flat_in_file_size(store: Store) -> None:
    chunk = os.urandom(1 << 20)
    with store.staging() as sink:
        for _ in range(24):
            sink.write(chunk)
        digest, size = sink.sha256, sink.size
        capture = replace(capture_of("http://x.org/big.bin", b"", None), sha256=digest, size=size)
        store.put(sink, capture)
    tracemalloc.start()
    try:
        assert store.verify() == []
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, peak


def test_reopen_keeps_files_and_sweeps_only_dead_staging(tmp_path: Path) -> None:
    root = tmp_path / "rescued"
    with Store(root) as store:
        put(store, "http://x.org/a.png", b"a")
    dead = root / ".staging" / "12345-deadbeef"
    dead.mkdir()
    (dead / "half.part").write_bytes(b"half a download")
    (dead / ".lock").write_bytes(b"")
    live = Store(root)
    try:
        with live.staging() as sink:
            sink.write(b"in flight")
            with Store(root) as other:  # e.g. `linkrescue verify` during a crawl
                assert sink.path.exists()
                assert other.verify() == []
            assert not dead.exists()
            assert sink.path.exists()
            live.put(sink, capture_of("http://x.org/b.png", b"in flight"))
        assert live.index.lookup("missing") is None
    finally:
        live.close()
    assert list((root / ".staging").iterdir()) == []
    assert (root / "x.org" / "a.png").read_bytes() == b"a"


def test_concurrent_commits_from_four_threads(store: Store) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(25):
                url = f"http://x.org/w{worker}/{i}.png"
                data = f"shared {i % 5}".encode() if i % 2 else f"own {worker} {i}".encode()
                put(store, url, data)  # records the rescue of url too
                put(store, "http://x.org/contended.png", f"from {worker}".encode())
                put(store, f"http://x.org/W{worker}/{i}.png", data)  # case clash across threads
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.verify() == []
    resources = list(store.index.resources())
    assert len([r for r in resources if r.key.startswith("http://x.org/w")]) == 100
    assert len(resources) == 100 + 1 + 100  # every put records its rescue
    for resource in resources:
        assert resource.path is not None
        data = (store.root / resource.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == resource.sha256
    folded = {p.lower() for p in files_under(store.root) if not p.startswith((".", "index"))}
    assert len(folded) == 100 + 1 + 100


TRUNCATED, DELETED = "http://x.org/truncated.png", "http://x.org/deleted.png"


@pytest.mark.parametrize("whole_table", [False, True])
def test_the_quick_check_finds_missing_truncated_and_unknown_files(
    store: Store, whole_table: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a rescue's quick check of the files its documents point to says, whether it
    asks the index in batches or (a nightly run checking nearly every stored file) reads
    the whole table."""
    from linkrescue.archive.store import files

    monkeypatch.setattr(files, "_WHOLE_TABLE", 0 if whole_table else 10**9)
    truncated = put(store, TRUNCATED, b"0123456789")
    deleted = put(store, DELETED, b"deleted")
    intact = put(store, "http://x.org/intact.png", b"intact")
    truncated.absolute.write_bytes(b"01234")
    deleted.absolute.unlink()
    asked = [p.path.as_posix() for p in (truncated, deleted, intact)] + ["x.org/never.png"]
    problems, unknown = store.damaged_at(asked)
    found = [(p.kind, p.path.as_posix(), p.key, p.expected, p.actual) for p in problems]
    assert found == [
        (ProblemKind.MISSING, deleted.path.as_posix(), DELETED, deleted.sha256, None),
        (ProblemKind.CHANGED, truncated.path.as_posix(), TRUNCATED, truncated.sha256, "?"),
    ]
    assert unknown == {"x.org/never.png"}
