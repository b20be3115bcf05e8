"""The SQLite index: what a later run, ``restore`` and ``verify`` read back."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

import pytest

import linkrescue.archive.state.database
from linkrescue.archive.model import Capture, Outcome, StoredResource
from linkrescue.archive.state.errors import IndexVersionError
from linkrescue.archive.state.index import Index
from linkrescue.archive.state.schema import MIGRATIONS

START = datetime(2026, 7, 1, 3, 0, 0, tzinfo=UTC)


class Clock:
    """A clock the test advances by hand (nightly runs, days apart)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def index(tmp_path: Path, clock: Clock) -> Iterator[Index]:
    with Index(tmp_path / "index.sqlite3", clock=clock) as opened:
        yield opened


def rescue(index: Index, key: str, url: str, data: bytes = b"png") -> Capture:
    sha = hashlib.sha256(data).hexdigest()
    capture = Capture(
        requested=url,
        original=url.replace("http://", "https://"),
        timestamp="20211229120000",
        archive_url=f"https://web.archive.org/web/20211229120000id_/{url}",
        mimetype="image/png",
        size=len(data),
        sha256=sha,
        sha1_base32="AAAA",
        cdx_digest="AAAA",
        verified=True,
    )
    path = PurePosixPath("x.org", url.rsplit("/", 1)[-1])
    index.record_rescue(key, url, StoredResource(path, Path("/s") / path, sha, len(data)), capture)
    return capture


def test_rescue_is_recorded_with_everything_the_report_needs(index: Index) -> None:
    capture = rescue(index, "x.org/a.png", "http://x.org/a.png")
    got = index.lookup("x.org/a.png")
    assert got is not None
    assert got.outcome is Outcome.RESCUED
    assert got.path == PurePosixPath("x.org/a.png")
    assert got.captured_url == capture.original
    assert (got.timestamp, got.archive_url, got.mimetype) == (
        capture.timestamp,
        capture.archive_url,
        capture.mimetype,
    )
    assert (got.size, got.sha256, got.cdx_digest, got.verified) == (3, capture.sha256, "AAAA", True)
    assert got.fetched_at == START
    assert index.lookup("nothing") is None


def test_timestamps_are_iso_utc_text(tmp_path: Path, index: Index) -> None:
    rescue(index, "k", "http://x.org/a.png")
    raw = sqlite3.connect(tmp_path / "index.sqlite3")
    try:
        [(fetched,)] = raw.execute("SELECT fetched_at FROM resources").fetchall()
    finally:
        raw.close()
    assert fetched == "2026-07-01T03:00:00Z"


def test_a_naive_clock_is_refused(tmp_path: Path) -> None:
    with Index(tmp_path / "i.sqlite3", clock=datetime.now) as naive, pytest.raises(ValueError):
        naive.record_attempt("k", "http://x.org/", Outcome.FAILED)


def test_attempt_history_is_kept_and_failures_do_not_undo_a_rescue(
    index: Index, clock: Clock
) -> None:
    index.record_attempt("k", "http://x.org/a.png", Outcome.FAILED, "timeout")
    assert index.lookup("k").outcome is Outcome.FAILED  # type: ignore[union-attr]
    clock.now += timedelta(days=1)
    index.record_attempt("k", "http://x.org/a.png", Outcome.NOT_ARCHIVED)
    clock.now += timedelta(days=1)
    rescue(index, "k", "http://x.org/a.png")
    clock.now += timedelta(days=1)
    index.record_attempt("k", "http://x.org/a.png", Outcome.FAILED, "503 burst")
    got = index.lookup("k")
    assert got is not None
    assert (got.outcome, got.reason, got.path) == (
        Outcome.RESCUED,
        "",
        PurePosixPath("x.org/a.png"),
    )
    assert got.last_attempt_at == START + timedelta(days=3)
    assert got.fetched_at == START + timedelta(days=2)
    history = [(a.at - START, a.outcome, a.reason) for a in index.attempts("k")]
    assert history == [
        (timedelta(0), Outcome.FAILED, "timeout"),
        (timedelta(days=1), Outcome.NOT_ARCHIVED, ""),
        (timedelta(days=2), Outcome.RESCUED, ""),
        (timedelta(days=3), Outcome.FAILED, "503 burst"),
    ]
    with pytest.raises(ValueError):
        index.record_attempt("k", "http://x.org/a.png", Outcome.RESCUED)


def test_references_round_trip_the_exact_original_text(index: Index) -> None:
    originals = [
        "http://web.archive.org/web/2021im_/https://assets.x.com/media/photos/a.png",
        "../../cosmos/加菲證明畢氏定理/",
        'https://x/%E8%AD%98"',
        "/web/20211231120000/https://facebook.com/ SomePage/",
        "  trailing\tspace \r",
    ]
    for i, original in enumerate(originals):
        added = index.add_reference(
            f"k{i}", "posts/a.md", line=10 - i, column=3, original=original, replacement=f"r{i}"
        )
        assert added
    again = index.add_reference(
        "k0", "posts/a.md", line=10, column=3, original=originals[0], replacement="r0"
    )
    assert not again  # Re-running an interrupted rewrite records nothing twice.
    refs = index.references_of("posts/a.md")
    assert [r.original for r in refs] == originals[::-1]  # In reading order.
    assert [r.line for r in refs] == [6, 7, 8, 9, 10]
    assert index.references_to("k1")[0].replacement == "r1"
    assert index.references_of("posts/b.md") == []
    assert index.remove_references("posts/a.md") == 5
    assert index.references_of("posts/a.md") == []


def test_the_index_survives_reopening(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "index.sqlite3"
    with Index(path, clock=clock) as first:
        rescue(first, "k", "http://x.org/a.png")
        first.add_reference("k", "d.md", line=1, column=1, original="o", replacement="r")
        before = first.lookup("k")
    with Index(path, clock=clock) as second:
        assert second.lookup("k") == before
        assert len(second.references_of("d.md")) == 1
        assert second.schema_version == len(MIGRATIONS)
        with second.database.reading() as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_resources_iterates_in_pages_and_filters(index: Index) -> None:
    for i in range(1203):
        if i % 3:
            index.record_attempt(f"k{i:05}", f"http://x.org/{i}", Outcome.NOT_ARCHIVED)
        else:
            rescue(index, f"k{i:05}", f"http://x.org/{i}.png")
    keys = [r.key for r in index.resources()]
    assert keys == sorted(keys) and len(keys) == 1203
    assert len(list(index.resources(Outcome.RESCUED))) == 401


def test_lookup_many_answers_as_lookup_does_one_batch_of_500_at_a_time(index: Index) -> None:
    # A nightly rescue settles ~11,000 Stand News resources from the index before it
    # asks anything: in batches, not one query each; the answers must be lookup's.
    keys = []
    for i in range(1203):
        key = f"assets.thestandnews.com/media/photos/{i:05}.jpg"
        url = f"https://{key}"
        if i % 3 == 0:
            rescue(index, key, url)
        elif i % 3 == 1:
            index.record_attempt(key, url, Outcome.NOT_ARCHIVED, "not in the archive's index")
        keys.append(key)  # i % 3 == 2: never recorded
    found = index.lookup_many(keys)
    assert len(found) == 802
    for key in keys:
        assert found.get(key) == index.lookup(key)
    assert index.lookup_many([]) == {}


def test_a_later_migration_is_applied_on_open_and_keeps_data(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.sqlite3"
    with Index(path, clock=clock) as old:
        rescue(old, "k", "http://x.org/a.png")
    extra = ("ALTER TABLE resources ADD COLUMN note TEXT NOT NULL DEFAULT ''",)
    monkeypatch.setattr(linkrescue.archive.state.database, "MIGRATIONS", (*MIGRATIONS, extra))
    with Index(path, clock=clock) as new:
        assert new.schema_version == len(MIGRATIONS) + 1
        assert new.lookup("k") is not None
        with new.database.reading() as db:
            assert db.execute("SELECT note FROM resources").fetchone()[0] == ""


def test_a_failed_migration_leaves_the_old_schema(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.sqlite3"
    Index(path, clock=clock).close()
    broken = ("CREATE TABLE later (x)", "THIS IS NOT SQL")
    monkeypatch.setattr(linkrescue.archive.state.database, "MIGRATIONS", (*MIGRATIONS, broken))
    with pytest.raises(sqlite3.OperationalError):
        Index(path, clock=clock)
    monkeypatch.undo()
    with Index(path, clock=clock) as reopened:
        assert reopened.schema_version == len(MIGRATIONS)
        with reopened.database.reading() as db:
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        assert "later" not in names


def test_an_index_from_a_newer_linkrescue_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    raw.close()
    with pytest.raises(IndexVersionError, match="newer"):
        Index(path)


def test_concurrent_writers_on_four_threads(index: Index) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(100):
                key = f"w{worker}-{i % 10}"
                index.record_attempt(key, "http://x.org/", Outcome.FAILED, str(i))
                index.add_reference(
                    key, f"doc{worker}.md", line=i + 1, column=1, original="o", replacement="r"
                )
                index.lookup(key)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(list(index.resources())) == 40
    assert sum(len(index.attempts(f"w{w}-{k}")) for w in range(4) for k in range(10)) == 400
    assert all(len(index.references_of(f"doc{w}.md")) == 100 for w in range(4))


def test_two_processes_share_the_file(tmp_path: Path, clock: Clock) -> None:
    """WAL: a second connection (``linkrescue verify`` in another process) reads while the
    first holds the file open, and sees committed writes."""
    path = tmp_path / "index.sqlite3"
    with Index(path, clock=clock) as writer, Index(path, clock=clock) as reader:
        rescue(writer, "k", "http://x.org/a.png")
        assert reader.lookup("k") is not None
        reader.record_attempt("k2", "http://x.org/b", Outcome.BLOCKED, "robots.txt")
        assert writer.lookup("k2") is not None


def test_documents_are_keyed_relative_to_the_store_and_old_absolute_keys_migrate(
    tmp_path: Path,
) -> None:
    """An index written by an older linkrescue named documents by absolute path, so
    after ``mv site site-moved`` restore found nothing: opening it converts every key
    to the path relative to the store's folder, which moves with the project (a key
    is converted where it was written: a project moved before the upgrade keeps a
    key naming its old place)."""
    site = tmp_path / "site"
    (site / "rescued").mkdir(parents=True)
    (site / "content" / "china").mkdir(parents=True)
    article = site / "content" / "china" / "clubhouse.md"
    article.write_text("![](../../rescued/assets.thestandnews.com/a.png)\n", encoding="utf-8")
    path = site / "rescued" / "index.sqlite3"
    raw = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        raw.execute(statement)
    raw.execute(
        "INSERT INTO refs (key, document, line, col, original, replacement, added_at)"
        " VALUES ('k', ?, 1, 5, 'http://web.archive.org/web/2021im_/x', "
        "'../../rescued/assets.thestandnews.com/a.png', '2026-07-01T03:00:00Z')",
        (str(article),),
    )
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()

    with Index(path) as upgraded:  # the first run of the new linkrescue, in place
        assert upgraded.references_of(str(article)) == []
    moved = tmp_path / "site-moved"
    site.rename(moved)
    with Index(moved / "rescued" / "index.sqlite3") as index:
        key = index.document_key(moved / "content" / "china" / "clubhouse.md")
        assert key == "../content/china/clubhouse.md"
        [ref] = index.references_of(key)
        assert (ref.line, ref.column, ref.original) == (
            1,
            5,
            "http://web.archive.org/web/2021im_/x",
        )
        # The same document named through another working folder has the same key.
        assert (
            index.document_key(moved / "content" / ".." / "content" / "china" / "clubhouse.md")
            == key
        )


def test_runs_are_kept_newest_first_with_how_they_ended(tmp_path: Path) -> None:
    """`status` and the HTML report's chart read the last runs; a killed run stays 'running'."""
    with Index(tmp_path / "index.sqlite3") as index:
        first = index.begin_run("rescue")
        index.end_run(
            first,
            "budget",
            cdx_requests=3,
            playback_requests=40,
            resources_left=12,
            totals={"rescued": 40, "failed": 1},
        )
        killed = index.begin_run("rescue")
        runs = index.runs()
        assert [r.id for r in runs] == [killed, first]
        assert runs[0].outcome == "running" and runs[0].finished_at is None
        assert runs[0].seconds is None
        assert runs[1].outcome == "budget" and runs[1].requests == 43
        assert runs[1].resources_left == 12 and runs[1].totals == {"failed": 1, "rescued": 40}
        assert runs[1].seconds is not None and runs[1].seconds >= 0
        assert index.runs(command="check") == []
        with pytest.raises(ValueError):
            index.end_run(killed, "running")
