"""Against a real pywb serving a WARC the tests build (tests/support/archive_content.py).

What a user checks: the exact bytes, the outcome and its reason, and how many
requests of each kind it took.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from linkrescue.archive.errors import CapturedError, DigestMismatch, NotArchived
from linkrescue.archive.model import Outcome, Result, Want
from linkrescue.archive.remote.wayback import ArchiveClient
from linkrescue.archive.settings import ArchiveSettings
from tests.support.archive_content import (
    ASSETS,
    BROKEN_OK,
    CJK,
    CSS,
    GZ_PAGE,
    JPEG_CJK,
    JPEG_DOG,
    LOGO_2020,
    LOGO_2021,
    NEWS,
    PAGE_1,
    PAGE_2,
    PNG_CAT,
    PREFIX_IMAGES,
)

pytestmark = pytest.mark.pywb


def rescue(client: ArchiveClient, url: str, **kwargs: object) -> tuple[Result, bytes]:
    sink = io.BytesIO()
    result = client.rescue(url, sink=sink, **kwargs)  # type: ignore[arg-type]
    return result, sink.getvalue()


def test_an_exact_timestamp_is_one_playback_request_and_the_original_bytes(
    pywb_client: ArchiveClient, tmp_path: Path
) -> None:
    staging = tmp_path / "staging"
    with staging.open("w+b") as sink:
        result = pywb_client.rescue(
            f"{ASSETS}/cat.png", timestamp="20211229095346", want=Want.IMAGE, sink=sink
        )
    assert result.outcome is Outcome.RESCUED, result.reason
    assert staging.read_bytes() == PNG_CAT
    capture = result.capture
    assert capture is not None
    assert (capture.timestamp, capture.original, capture.mimetype) == (
        "20211229095346",
        f"{ASSETS}/cat.png",
        "image/png",
    )
    assert (
        capture.archive_url == f"{pywb_client.settings.url}/web/20211229095346id_/{ASSETS}/cat.png"
    )
    assert capture.size == len(PNG_CAT)
    assert capture.sha256 == hashlib.sha256(PNG_CAT).hexdigest()
    assert capture.sha1_base32 == base64.b32encode(hashlib.sha1(PNG_CAT).digest()).decode()
    assert pywb_client.counts.playback == 1 and pywb_client.counts.cdx == 0


def test_a_partial_timestamp_lets_playback_do_the_lookup(pywb_client: ArchiveClient) -> None:
    result, body = rescue(pywb_client, f"{ASSETS}/dog.jpg", timestamp="2021", want=Want.IMAGE)
    assert result.outcome is Outcome.RESCUED and body == JPEG_DOG
    assert result.capture.timestamp == "20211229095400"
    # pywb's 307 to the nearest capture, then the capture: no CDX request spent.
    assert pywb_client.counts.playback == 2 and pywb_client.counts.cdx == 0


@pytest.mark.parametrize(
    ("url", "want", "expected"),
    [
        (f"{NEWS}/article/1", Want.PAGE, PAGE_1),
        (f"{NEWS}/static/site.css", Want.ANY, CSS),
        (f"{ASSETS}/dog.jpg", Want.IMAGE, JPEG_DOG),
    ],
)
def test_pages_styles_and_images_come_back_byte_identical(
    pywb_client: ArchiveClient, url: str, want: Want, expected: bytes
) -> None:
    result, body = rescue(pywb_client, url, timestamp="20211229", want=want)
    assert result.outcome is Outcome.RESCUED
    assert body == expected


def test_the_capture_nearest_to_the_wanted_time_is_chosen(pywb_client: ArchiveClient) -> None:
    early, body_early = rescue(pywb_client, f"{ASSETS}/logo.png", near="20200301000000")
    late, body_late = rescue(pywb_client, f"{ASSETS}/logo.png", timestamp="2021")
    _, body_latest = rescue(pywb_client, f"{ASSETS}/logo.png")
    assert body_early == LOGO_2020 and early.capture.timestamp == "20200101000000"
    assert body_late == LOGO_2021 and late.capture.timestamp == "20211201000000"
    assert body_latest == LOGO_2021  # no wanted time: the latest capture


def test_a_partial_timestamp_is_narrowed_by_the_document_date(pywb_client: ArchiveClient) -> None:
    result, body = rescue(
        pywb_client, f"{ASSETS}/logo.png", timestamp="2020", near="20200105000000"
    )
    assert body == LOGO_2020 and result.outcome is Outcome.RESCUED


def test_a_captured_redirect_is_followed_inside_the_archive(pywb_client: ArchiveClient) -> None:
    # pywb's captured 301 in id_ mode points at the live URL; the client brings it
    # back into the archive instead of leaving for the live web.
    result, body = rescue(
        pywb_client, f"{NEWS}/old-article", timestamp="20211229100400", want=Want.PAGE
    )
    assert result.outcome is Outcome.RESCUED and body == PAGE_2
    capture = result.capture
    assert capture.requested == f"{NEWS}/old-article"
    assert capture.original == f"{NEWS}/article/2"
    assert capture.archive_url.startswith(pywb_client.settings.url + "/web/")
    # 301 (captured), 307 (to the nearest capture of the target), 200
    assert pywb_client.counts.playback == 3


def test_a_captured_404_is_an_archived_answer_not_a_rescue(pywb_client: ArchiveClient) -> None:
    with pytest.raises(CapturedError) as info:
        pywb_client.fetch(f"{NEWS}/gone", timestamp="20211229100200", sink=io.BytesIO())
    assert info.value.status == 404
    result, _ = rescue(pywb_client, f"{NEWS}/gone", timestamp="20211229100200", want=Want.PAGE)
    assert result.outcome is Outcome.NOT_ARCHIVED
    assert "archived HTTP 404" in result.reason


def test_never_captured_is_not_archived_after_one_request(pywb_client: ArchiveClient) -> None:
    result, _ = rescue(pywb_client, f"{NEWS}/never-captured", timestamp="2021")
    assert result.outcome is Outcome.NOT_ARCHIVED
    assert "404" in result.reason
    assert pywb_client.counts.playback == 1 and pywb_client.counts.cdx == 0
    with pytest.raises(NotArchived):
        pywb_client.fetch(f"{NEWS}/never-captured", timestamp="2021", sink=io.BytesIO())


@pytest.mark.parametrize(
    "spelling",
    [
        CJK,  # raw, as Citizen News writes it in <img src>
        "https://www.example-news.com/news_%E6%96%B0%E8%81%9E/%E5%9C%96%E7%89%87.jpg",
        "https://www.example-news.com/news_%e6%96%b0%e8%81%9e/%e5%9c%96%e7%89%87.jpg",
    ],
)
def test_percent_encoded_cjk_paths_in_every_spelling(
    pywb_client: ArchiveClient, spelling: str
) -> None:
    result, body = rescue(pywb_client, spelling, timestamp="20211230101010", want=Want.IMAGE)
    assert result.outcome is Outcome.RESCUED, result.reason
    assert body == JPEG_CJK


def test_a_listing_of_a_cjk_prefix_answers_for_its_urls(pywb_client: ArchiveClient) -> None:
    assert pywb_client.prefetch_prefix("www.example-news.com/news_新聞/").kept == 1
    result, body = rescue(pywb_client, CJK, timestamp="2021", want=Want.IMAGE)
    assert result.outcome is Outcome.RESCUED and body == JPEG_CJK
    assert result.capture is not None and result.capture.verified
    assert pywb_client.counts.cdx == 1 and pywb_client.counts.playback == 1


def test_an_image_reference_skips_an_html_capture_for_a_real_image(
    pywb_client: ArchiveClient,
) -> None:
    result, body = rescue(pywb_client, f"{ASSETS}/broken.png", timestamp="2021", want=Want.IMAGE)
    assert result.outcome is Outcome.RESCUED, result.reason
    assert body == BROKEN_OK
    assert result.capture.timestamp == "20210601000000"
    assert result.capture.verified  # the CDX row's digest matched the bytes
    # The nearest capture (HTML) cost a playback; one CDX lookup found the image.
    assert pywb_client.counts.cdx == 1


def test_an_image_captured_only_as_html_is_not_rescued(pywb_client: ArchiveClient) -> None:
    result, body = rescue(pywb_client, f"{ASSETS}/only-html.png", timestamp="2021", want=Want.IMAGE)
    assert result.outcome is Outcome.NOT_ARCHIVED
    assert "text/html" in result.reason
    assert body == b""  # nothing of the HTML page reached the sink
    # The same capture is a fine rescue for a link.
    page, html = rescue(pywb_client, f"{ASSETS}/only-html.png", timestamp="2021", want=Want.PAGE)
    assert page.outcome is Outcome.RESCUED and html.startswith(b"<!doctype html>")


def test_captured_redirect_loops_and_long_chains_stop(pywb_client: ArchiveClient) -> None:
    loop, _ = rescue(pywb_client, f"{NEWS}/loop-a", timestamp="20211229110000")
    assert loop.outcome is Outcome.NOT_ARCHIVED and "loop" in loop.reason
    chain, _ = rescue(pywb_client, f"{NEWS}/hop/0", timestamp="20211229111000")
    assert chain.outcome is Outcome.NOT_ARCHIVED
    assert "more than 10 captured redirects" in chain.reason
    short, body = rescue(pywb_client, f"{NEWS}/img-hop/0", timestamp="2021", want=Want.IMAGE)
    assert short.outcome is Outcome.RESCUED and body == PNG_CAT


def test_a_capture_stored_gzipped_is_verified_raw_and_stored_decoded(
    pywb_client: ArchiveClient,
) -> None:
    snap = pywb_client.lookup(f"{NEWS}/compressed", near="20211229100100")
    assert snap is not None and snap.digest
    sink = io.BytesIO()
    # The index digest is of the gzipped payload as stored; asked with Accept-Encoding
    # gzip, the archive sends those bytes as they are: the digest is checked on them,
    # and the sink gets the page itself.
    capture = pywb_client.fetch(
        snap.original, timestamp=snap.timestamp, sink=sink, digest=snap.digest
    )
    assert sink.getvalue() == GZ_PAGE
    assert capture.verified
    assert capture.sha256 == hashlib.sha256(GZ_PAGE).hexdigest()


def test_a_digest_that_contradicts_the_bytes_is_rejected(pywb_client: ArchiveClient) -> None:
    snap = pywb_client.lookup(f"{ASSETS}/cat.png", want=Want.IMAGE)
    assert snap is not None and snap.digest
    good = pywb_client.fetch(
        snap.original, timestamp=snap.timestamp, sink=io.BytesIO(), digest=snap.digest
    )
    assert good.verified and good.cdx_digest == snap.digest
    with pytest.raises(DigestMismatch):
        pywb_client.fetch(
            snap.original, timestamp=snap.timestamp, sink=io.BytesIO(), digest="A" * 32
        )


def test_a_prefix_listing_answers_for_every_url_under_it(pywb_client: ArchiveClient) -> None:
    assert pywb_client.prefetch_prefix("assets.example.com/media/photos/batch/").kept == 30
    assert pywb_client.prefetch_prefix("assets.example.com/media/photos/batch/").pages == 0
    for url, expected in PREFIX_IMAGES.items():
        result, body = rescue(pywb_client, url, timestamp="2021", want=Want.IMAGE)
        assert result.outcome is Outcome.RESCUED and body == expected
        assert result.capture.verified
    missing, _ = rescue(pywb_client, f"{ASSETS}/batch/p99.png", timestamp="2021")
    assert missing.outcome is Outcome.NOT_ARCHIVED
    assert "complete listing" in missing.reason
    # One CDX request for 30 resources, one playback each, none for the missing one.
    assert pywb_client.counts.cdx == 1
    assert pywb_client.counts.playback == 30


def test_a_listing_kept_for_some_urls_answers_only_for_those(pywb_client: ArchiveClient) -> None:
    wanted = [f"{ASSETS}/batch/p{i:02d}.png" for i in range(5)] + [f"{ASSETS}/batch/p99.png"]
    assert pywb_client.prefetch_prefix(f"{ASSETS}/batch/", only=wanted).kept == 5
    first, body = rescue(pywb_client, wanted[0], timestamp="2021", want=Want.IMAGE)
    assert first.outcome is Outcome.RESCUED and body == PREFIX_IMAGES[wanted[0]]
    missing, _ = rescue(pywb_client, wanted[-1], timestamp="2021")
    assert missing.outcome is Outcome.NOT_ARCHIVED
    assert pywb_client.counts.playback == 1  # the listing proved p99 absent
    # A URL the rows were not kept for is not claimed by the listing: playback looks it up.
    other, body = rescue(pywb_client, f"{ASSETS}/batch/p10.png", timestamp="2021")
    assert other.outcome is Outcome.RESCUED and body == PREFIX_IMAGES[f"{ASSETS}/batch/p10.png"]
    assert pywb_client.counts.cdx == 1 and pywb_client.counts.playback == 3


def test_a_prefix_listed_again_for_other_urls_answers_for_them_too(
    pywb_client: ArchiveClient,
) -> None:
    # A rescue lists a directory for its ``2021im_`` references and again, within a
    # date window, for those written with the page's full timestamp.
    first = [f"{ASSETS}/batch/p{i:02d}.png" for i in range(3)]
    second = [f"{ASSETS}/batch/p{i:02d}.png" for i in range(3, 6)]
    prefix = f"{ASSETS}/batch/"
    assert pywb_client.prefetch_prefix(prefix, only=first).kept == 3
    windowed = pywb_client.prefetch_prefix(
        prefix, only=second, from_ts="20211201", to_ts="20211231"
    )
    assert windowed.kept == 3 and windowed.exhausted
    assert pywb_client.prefetch_prefix(prefix, only=first[:1]).pages == 0  # answered already
    # A window never answers for a listing without one: only that proves absence.
    assert pywb_client.prefetch_prefix(prefix, only=second).pages == 1
    for url in first + second:
        result, body = rescue(pywb_client, url, timestamp="2021", want=Want.IMAGE)
        assert result.outcome is Outcome.RESCUED and body == PREFIX_IMAGES[url]
        answer = pywb_client.cache.answer(url)
        assert answer is not None and answer.complete
    assert pywb_client.counts.cdx == 3 and pywb_client.counts.playback == 6


def test_worker_threads_share_one_client(pywb_client: ArchiveClient) -> None:
    pywb_client.prefetch_prefix("assets.example.com/media/photos/batch/")
    results: dict[str, bytes] = {}
    errors: list[BaseException] = []
    urls = list(PREFIX_IMAGES)

    def work(part: list[str]) -> None:
        try:
            for url in part:
                result, body = rescue(pywb_client, url, want=Want.IMAGE)
                assert result.outcome is Outcome.RESCUED
                results[url] = body
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(urls[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == PREFIX_IMAGES
    assert pywb_client.counts.playback == len(urls)


def test_lookup_and_pywb_per_collection_cdx_endpoint(pywb_settings: ArchiveSettings) -> None:
    settings = replace(pywb_settings, cdx_url=f"{pywb_settings.url}/web/search/cdx")
    with ArchiveClient(settings) as client:
        snap = client.lookup(f"{ASSETS}/logo.png", near="20200201000000", want=Want.IMAGE)
        assert snap is not None
        assert (snap.timestamp, snap.mimetype, snap.status) == ("20200101000000", "image/png", 200)
        assert client.lookup(f"{NEWS}/never-captured") is None
        # Its label says text/html: still a candidate, whose bytes decide (see
        # test_an_image_captured_only_as_html_is_not_archived for the verdict).
        html_row = client.lookup(f"{ASSETS}/only-html.png", want=Want.IMAGE)
        assert html_row is not None and html_row.mimetype == "text/html"
        assert client.counts.cdx == 3


def test_a_body_over_the_limit_fails_without_reaching_the_sink(
    pywb_settings: ArchiveSettings,
) -> None:
    with ArchiveClient(replace(pywb_settings, max_body_bytes=50)) as client:
        result, body = rescue(client, f"{ASSETS}/cat.png", timestamp="20211229095346")
    assert result.outcome is Outcome.FAILED
    assert "limit" in result.reason and body == b""
