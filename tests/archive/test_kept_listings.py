"""CDX listings kept in the store's index from one run to the next (issue 12).

A budgeted nightly run stops after its listings and part of what they cover; the next
night must answer the rest from those listings, not list the prefixes again (0.4 CDX
requests a second on the Internet Archive, docs/wayback-facts.md §5). Against a real
pywb: what one client listed, kept in a real store's index and handed to a new client,
answers every URL it covered with no CDX request, the same as in the first client.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkrescue.archive.model import Found, KeptListing, Outcome, Snapshot, Want
from linkrescue.archive.remote.listings import Listing, Window
from linkrescue.archive.remote.wayback import ArchiveClient
from linkrescue.archive.settings import ArchiveSettings
from linkrescue.archive.state import Index, ListingBook
from tests.archive.conftest import BACKOFF
from tests.support.archive_content import ASSETS, PREFIX_IMAGES

BATCH = f"{ASSETS}/batch/"
IA = "https://web.archive.org/web"


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
