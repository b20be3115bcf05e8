"""CDX listings kept in the store's index from one run to the next (issue 12).

A budgeted nightly run stops after its listings and part of what they cover; the next
night must answer the rest from those listings, not list the prefixes again (0.4 CDX
requests a second on the Internet Archive, docs/wayback-facts.md §5). Against a real
pywb: what one client listed, kept in a real store's index and handed to a new client,
answers every URL it covered with no CDX request, the same as in the first client.
"""

from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import linkrescue.archive.state.database
from linkrescue.archive.model import Found, KeptListing, Outcome, Snapshot, Want
from linkrescue.archive.remote.listings import Listing, Window
from linkrescue.archive.remote.prefixcache import PrefixCache
from linkrescue.archive.remote.wayback import ArchiveClient
from linkrescue.archive.settings import ArchiveSettings
from linkrescue.archive.state import Index, ListingBook
from linkrescue.archive.state.schema import MIGRATIONS
from linkrescue.archive.urls import url_key
from tests.archive.conftest import BACKOFF
from tests.support.archive_content import ASSETS, PREFIX_IMAGES

BATCH = f"{ASSETS}/batch/"
IA = "https://web.archive.org/web"
NOW = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rescue(client: ArchiveClient, url: str) -> tuple[Outcome, str, bytes]:
    sink = io.BytesIO()
    result = client.rescue(url, timestamp="2021", want=Want.IMAGE, sink=sink)
    return result.outcome, result.reason, sink.getvalue()


def test_kept_listings_read_back_as_they_were_made(tmp_path: Path) -> None:
    whole = KeptListing(
        "assets.thestandnews.com/media/photos/",
        complete=True,
        windowed=False,
        only=None,
        rows=(
            Snapshot(
                "http://assets.thestandnews.com/media/photos/a.jpg",
                "20210401010105",
                "image/jpeg",
                200,
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                5120,
            ),
            Snapshot("http://assets.thestandnews.com/media/photos/b.jpg", "20210402000000"),
            Snapshot(
                "http://assets.thestandnews.com/media/photos/c.jpg",
                "20210403000000",
                "text/html",
                302,
                redirect="https://www.thestandnews.com/",
            ),
        ),
    )
    windowed = KeptListing(
        "www.thestandnews.com/politics/",
        complete=False,
        windowed=True,
        only=frozenset({"com,thestandnews)/politics/x", "com,thestandnews)/politics/y"}),
        rows=(),
    )
    with Index(tmp_path / "index.sqlite3") as index:
        book = ListingBook(index.database)
        assert book.keep("pywb", [whole, windowed]) == 2
        assert book.keep(IA, [windowed]) == 1
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        assert book.kept("pywb", hour_ago) == [whole, windowed]
        assert book.kept(IA, hour_ago) == [windowed]  # only the archive that answered
        assert book.kept("elsewhere", hour_ago) == []
        assert book.kept("pywb", datetime.now(UTC) + timedelta(hours=1)) == []  # too old
        assert book.forget_before(datetime.now(UTC) + timedelta(hours=1)) == 3
        assert book.kept("pywb", hour_ago) == []


@pytest.mark.pywb
def test_a_listing_kept_by_one_run_answers_the_next_with_no_cdx_request(
    pywb_settings: ArchiveSettings, tmp_path: Path
) -> None:
    wanted = [f"{BATCH}p{i:02d}.png" for i in range(8)] + [f"{BATCH}p99.png"]
    listing = Listing(BATCH, tuple(wanted), Window(max_pages=1))
    with Index(tmp_path / "index.sqlite3") as index:
        with ArchiveClient(pywb_settings, backoff_base=BACKOFF) as first:
            assert first.run_listing(listing).kept == 8
            assert first.counts.cdx == 1
            # the run stops here, its budget spent: the listing is kept
            ListingBook(index.database).keep(first.archive, first.listings_made())
            archive = first.archive

        since = datetime.now(UTC) - timedelta(days=30)
        with ArchiveClient(pywb_settings, backoff_base=BACKOFF) as second:
            second.remember_listings(ListingBook(index.database).kept(archive, since))
            # nothing left to plan for these URLs: the kept listing answers them
            assert second.plan_listings([_Want(url) for url in wanted]) == []
            for url in wanted[:-1]:
                outcome, _, body = rescue(second, url)
                assert outcome is Outcome.RESCUED and body == PREFIX_IMAGES[url]
            outcome, reason, _ = rescue(second, wanted[-1])
            assert outcome is Outcome.NOT_ARCHIVED and "complete listing" in reason
            # one playback per captured image, none for the missing one, no CDX at all
            assert second.counts.cdx == 0
            assert second.counts.playback == 8


@pytest.mark.pywb
def test_a_listing_handed_on_as_it_ends_is_kept_before_the_run_ends(
    pywb_settings: ArchiveSettings, tmp_path: Path
) -> None:
    """A run killed after its listing (SIGKILL, a second Ctrl-C) keeps what it paid for,
    and holds none of its rows: they are in the index, not in memory."""
    wanted = [f"{BATCH}p{i:02d}.png" for i in range(8)]
    listing = Listing(BATCH, tuple(wanted), Window(max_pages=1))
    since = datetime.now(UTC) - timedelta(days=1)
    with Index(tmp_path / "index.sqlite3") as index:
        book = ListingBook(index.database)
        with ArchiveClient(pywb_settings, backoff_base=BACKOFF) as client:
            client.keep_listings_with(lambda made: book.keep(client.archive, [made]))
            assert client.run_listing(listing).kept == 8
            [kept] = book.kept(client.archive, since)  # already, with the client open
            assert kept.prefix == BATCH and kept.complete and len(kept.rows) == 8
            assert client.listings_made() == []
            for url in wanted:
                outcome, _, body = rescue(client, url)
                assert outcome is Outcome.RESCUED and body == PREFIX_IMAGES[url]
                client.done_with(url)
            assert client.counts.cdx == 1 and client.counts.playback == 8


@pytest.mark.pywb
def test_a_listing_kept_for_another_archive_answers_nothing(
    pywb_settings: ArchiveSettings, tmp_path: Path
) -> None:
    url = f"{BATCH}p01.png"
    with Index(tmp_path / "index.sqlite3") as index:
        with ArchiveClient(pywb_settings, backoff_base=BACKOFF) as first:
            first.run_listing(Listing(BATCH, (url,), Window(max_pages=1)))
            ListingBook(index.database).keep(first.archive, first.listings_made())
        other = replace(pywb_settings, collection="other")
        with ArchiveClient(other, backoff_base=BACKOFF) as second:
            kept = ListingBook(index.database).kept(
                second.archive, datetime(2000, 1, 1, tzinfo=UTC)
            )
            assert kept == []
            second.remember_listings(kept)
            assert second.listed(url, timestamp="2021", want=Want.IMAGE) is None


class _Want:
    def __init__(self, url: str) -> None:
        self.url = url
        self.timestamp: str | None = "2021"


@pytest.mark.pywb
def test_a_kept_listing_taken_in_for_the_urls_a_run_looks_up_answers_for_those(
    pywb_settings: ArchiveSettings, tmp_path: Path
) -> None:
    # a month of nightly listings can hold rows for a whole corpus; a run that looks up
    # two resources takes in what answers those two, and still knows p99 was never captured
    with Index(tmp_path / "index.sqlite3") as index:
        with ArchiveClient(pywb_settings, backoff_base=BACKOFF) as first:
            assert first.prefetch_prefix(BATCH).exhausted  # the whole directory
            ListingBook(index.database).keep(first.archive, first.listings_made())
            archive = first.archive
        kept = ListingBook(index.database).kept(archive, datetime.now(UTC) - timedelta(days=1))
        [whole] = kept
        assert whole.only is None and len(whole.rows) >= 30
        with ArchiveClient(pywb_settings, backoff_base=BACKOFF) as second:
            second.remember_listings(kept, [f"{BATCH}p01.png", f"{BATCH}p99.png"])
            found = second.listed(f"{BATCH}p01.png", timestamp="2021", want=Want.IMAGE)
            assert found is not None and found.found is Found.PLAYABLE
            absent = second.listed(f"{BATCH}p99.png", timestamp="2021", want=Want.IMAGE)
            assert absent is not None and absent.found is Found.NOT_ARCHIVED
            assert second.listed(f"{BATCH}p02.png", timestamp="2021") is None  # not wanted
            assert second.counts.cdx == 0


def test_listings_kept_by_an_older_linkrescue_read_back_the_same_after_the_upgrade(
    tmp_path: Path,
) -> None:
    """Before the listings' rows and keys had tables of their own, each listing was two
    JSON texts in its row: a store made then must answer its next night the same."""
    moving = next(n for n, m in enumerate(MIGRATIONS) if any("listing_rows" in s for s in m))
    old = tmp_path / "old.sqlite3"
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(linkrescue.archive.state.database, "MIGRATIONS", MIGRATIONS[:moving])
        with Index(old) as index:
            assert index.schema_version == moving
    raw = sqlite3.connect(old)
    photo = "http://assets.thestandnews.com/media/photos/a.jpg"
    rows = [
        [
            photo,
            "20210401010105",
            "image/jpeg",
            200,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
            5120,
            None,
        ],
        [photo, "20200101000000", "warc/revisit", None, None, None, None],
        [photo, "20190101000000", "text/html", 302, None, 310, "https://www.thestandnews.com/"],
    ]
    raw.execute(
        "INSERT INTO listings (archive, prefix, complete, windowed, only, rows, made_at) "
        "VALUES ('pywb', 'assets.thestandnews.com/media/photos/', 1, 0, ?, ?, ?)",
        (json.dumps(["com,thestandnews,assets)/media/photos/a.jpg"]), json.dumps(rows), NOW),
    )
    raw.execute(
        "INSERT INTO listings (archive, prefix, complete, windowed, only, rows, made_at) "
        "VALUES ('pywb', 'www.thestandnews.com/', 0, 1, NULL, '[]', ?)",
        (NOW,),
    )
    raw.commit()
    raw.close()
    with Index(old) as index:
        assert index.schema_version == len(MIGRATIONS)
        kept = ListingBook(index.database).kept("pywb", datetime(2026, 1, 1, tzinfo=UTC))
    assert kept == [
        KeptListing(
            "assets.thestandnews.com/media/photos/",
            complete=True,
            windowed=False,
            only=frozenset({"com,thestandnews,assets)/media/photos/a.jpg"}),
            rows=tuple(Snapshot(*row) for row in rows),
        ),
        KeptListing("www.thestandnews.com/", complete=False, windowed=True, only=None, rows=()),
    ]


def test_a_listing_kept_as_it_ends_keeps_the_rows_of_urls_the_run_was_done_with(
    tmp_path: Path,
) -> None:
    """A listing made by the client is written to the index from the client's own cache,
    a chunk at a time. A URL settled while the listing was still running (looked up on
    its own) is one the next run may want again: its rows must be kept all the same,
    or the next night would call it not archived."""
    cache = PrefixCache()
    prefix = "assets.thestandnews.com/media/photos/"
    urls = [f"http://{prefix}{n:05d}.jpg" for n in range(4500)]  # more than a chunk
    rows = [Snapshot(url, "20210401010105", "image/jpeg", 200) for url in urls]
    opened = cache.open(prefix, (url_key(url) for url in urls[:-1]))
    assert opened is not None
    assert cache.keep_rows(opened, rows[:2500]) == 2500
    cache.spend(urls[0])
    assert cache.keep_rows(opened, rows[2500:]) == 1999  # the last was not wanted
    cache.cover(opened, complete=True)
    made = cache.kept(opened, complete=True)
    with Index(tmp_path / "index.sqlite3") as index:
        book = ListingBook(index.database)
        assert book.keep("pywb", [made]) == 1
        [kept] = book.kept("pywb", datetime(2026, 1, 1, tzinfo=UTC))
    assert kept == KeptListing(
        prefix, True, False, frozenset(url_key(url) for url in urls[:-1]), tuple(rows[:-1])
    )
    assert list(made.rows) == list(made.rows)  # read anew each time
    assert cache.answer(urls[0]) is None  # done with: looked up on its own if asked again
    cache.close()
