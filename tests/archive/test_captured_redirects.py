"""Captured redirects judged by where they lead, the same whichever way a capture was found.

Against the real pywb of the archive tests (tests/support/archive_content.py). Each
case is rescued through a complete prefix listing and through playback alone (a
fresh client, as a run without listings or a resumed run makes it), and both must
end with the same outcome, the same capture and the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from linkrescue.archive.model import Capture, Outcome, Result, Want
from linkrescue.archive.remote.wayback import ArchiveClient
from linkrescue.archive.settings import ArchiveSettings
from tests.support.archive_content import (
    ARTICLE_GONE,
    ARTICLE_PAGE,
    ARTICLE_REDIRECTED,
    CN_ERROR_REDIRECTED,
    ERROR_THEN_IMAGE,
    GOV_PRESS,
    GOV_PRESS_RELEASE,
    HOTLINKED_IMAGE,
    JPEG_BEFORE_ERROR,
    JPEG_MISLABELLED,
    JPEG_MOVED,
    MISLABELLED_IMAGE,
    MOVED_IMAGE,
    MOVED_IMAGE_TARGET,
)
from tests.support.pywb_server import Pywb

pytestmark = pytest.mark.pywb

HEX32 = "0123456789abcdef0123456789ABCDEF"


def rescue(client: ArchiveClient, url: str, **kwargs: object) -> tuple[Result, bytes]:
    sink = io.BytesIO()
    result = client.rescue(url, sink=sink, **kwargs)  # type: ignore[arg-type]
    return result, sink.getvalue()


def both_ways(
    settings: ArchiveSettings, prefix: str, url: str, **kwargs: object
) -> tuple[tuple[Result, bytes], tuple[Result, bytes]]:
    """Rescue ``url`` after a complete listing of ``prefix``, then with a fresh client
    by playback alone."""
    with ArchiveClient(settings) as listed:
        assert listed.prefetch_prefix(prefix).exhausted
        answer = listed.cache.answer(url)
        assert answer is not None and answer.complete and answer.rows  # the listing knows it
        by_listing = rescue(listed, url, **kwargs)
    with ArchiveClient(settings) as alone:
        by_playback = rescue(alone, url, **kwargs)
    return by_listing, by_playback


def same_capture(a: Capture | None, b: Capture | None) -> bool:
    # Only what the listing's row adds may differ: its digest (checked) and its label.
    assert a is not None and b is not None
    return replace(a, cdx_digest=None, verified=False, index_mimetype=None) == replace(
        b, cdx_digest=None, verified=False, index_mimetype=None
    )


def test_an_image_moved_behind_a_captured_301_is_rescued_whichever_way_it_was_found(
    pywb_settings: ArchiveSettings,
) -> None:
    # The index row of the Stand News image is the 301's (text/html): it describes the
    # redirect answer, not the image at the new CDN path it leads to.
    with ArchiveClient(pywb_settings) as client:
        row = client.lookup(MOVED_IMAGE, want=Want.IMAGE)
        assert row is not None and (row.status, row.mimetype) == (301, "text/html")
    (listed, listed_body), (played, played_body) = both_ways(
        pywb_settings,
        "assets.thestandnews.com/media/photos/",
        MOVED_IMAGE,
        timestamp="2021",
        want=Want.IMAGE,
    )
    assert listed.outcome is Outcome.RESCUED, listed.reason
    assert played.outcome is Outcome.RESCUED, played.reason
    assert listed_body == played_body == JPEG_MOVED
    assert listed.capture is not None
    assert (listed.capture.original, listed.capture.timestamp) == (
        MOVED_IMAGE_TARGET,
        "20211229095510",
    )
    assert same_capture(listed.capture, played.capture)


def test_a_deep_url_redirected_to_the_front_page_falls_back_to_the_article(
    pywb_settings: ArchiveSettings,
) -> None:
    # The nearest capture to the link's timestamp is the 302 to the front page made
    # after the site closed; an older capture is the article itself.
    (listed, listed_body), (played, played_body) = both_ways(
        pywb_settings,
        "www.thestandnews.com/politics/",
        ARTICLE_REDIRECTED,
        timestamp="20211231000000",
        want=Want.PAGE,
    )
    assert listed.outcome is played.outcome is Outcome.RESCUED, (listed.reason, played.reason)
    assert listed_body == played_body == ARTICLE_PAGE
    assert listed.capture is not None and listed.capture.timestamp == "20211220080000"
    assert same_capture(listed.capture, played.capture)


@pytest.mark.parametrize(
    ("prefix", "url", "reason"),
    [
        (
            "www.thestandnews.com/politics/",
            ARTICLE_GONE,
            "captured only as a redirect to the front page (https://www.thestandnews.com/)",
        ),
        (
            "www.example-news.com/article/",
            CN_ERROR_REDIRECTED,
            "captured only as a redirect to an error page (https://www.example-news.com/notfound)",
        ),
    ],
)
def test_a_deep_url_captured_only_as_a_redirect_to_a_front_or_error_page_is_not_archived(
    pywb_settings: ArchiveSettings, prefix: str, url: str, reason: str
) -> None:
    (listed, listed_body), (played, played_body) = both_ways(
        pywb_settings, prefix, url, timestamp="20211231000000", want=Want.PAGE
    )
    assert listed.outcome is played.outcome is Outcome.NOT_ARCHIVED
    assert reason in listed.reason and listed.reason == played.reason
    assert listed_body == played_body == b""  # nothing of the front page was kept


def test_the_front_page_itself_is_rescued(pywb_client: ArchiveClient) -> None:
    result, body = rescue(pywb_client, "http://thestandnews.com/", timestamp="2021")
    assert result.outcome is Outcome.RESCUED and body.startswith(b"<!doctype html>")


def test_as_many_captures_are_tried_whichever_way_they_were_found(
    pywb_settings: ArchiveSettings,
) -> None:
    # Three captured redirects to gallery pages (HTML for an image reference) are
    # nearest; the image is the fourth capture. A listing ranks all four and tries
    # three; playback lands on the first and must then try two more, not three.
    (listed, listed_body), (played, played_body) = both_ways(
        pywb_settings,
        "assets.thestandnews.com/media/photos/",
        HOTLINKED_IMAGE,
        timestamp="20211229100000",
        want=Want.IMAGE,
    )
    assert listed.outcome is played.outcome is Outcome.NOT_ARCHIVED
    assert listed.reason == played.reason and "no usable capture" in listed.reason
    assert listed_body == played_body == b""


@pytest.mark.parametrize(
    "spelling",
    [
        f"{GOV_PRESS_RELEASE}?PHPSESSID={HEX32}",  # a session id the archive's key drops
        f"{GOV_PRESS_RELEASE}?jsessionid={HEX32}",
        GOV_PRESS_RELEASE.replace("/29/", "/28/../29/"),  # a dot segment
        GOV_PRESS_RELEASE.replace("/202112/", "/202112%2F"),  # an encoded slash
    ],
)
def test_a_listing_answers_for_every_spelling_the_archive_files_under_one_key(
    pywb: Pywb, pywb_settings: ArchiveSettings, spelling: str
) -> None:
    with ArchiveClient(pywb_settings) as client:
        assert client.prefetch_prefix("www.info.gov.hk/gia/general/202112/").kept >= 1
        result, body = rescue(client, spelling, timestamp="2021", want=Want.PAGE)
        assert result.outcome is Outcome.RESCUED, result.reason
        assert body == GOV_PRESS
        assert client.counts.cdx == 1 and client.counts.playback == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [(MISLABELLED_IMAGE, JPEG_MISLABELLED), (ERROR_THEN_IMAGE, JPEG_BEFORE_ERROR)],
    ids=["labelled-text-html", "nearest-is-an-error-page"],
)
def test_an_image_row_labelled_text_html_is_judged_by_its_bytes_whichever_way(
    pywb_settings: ArchiveSettings, url: str, expected: bytes
) -> None:
    # Issue 8 item 3: the index's media type is a label, the bytes decide. A listing
    # that dropped the text/html row called the mislabelled JPEG "captured only as
    # text/html" while playback, sniffing the bytes, rescued it.
    (listed, listed_body), (played, played_body) = both_ways(
        pywb_settings,
        "img.citizennews.example/2021/12/",
        url,
        timestamp="20211229100000",
        want=Want.IMAGE,
    )
    assert listed.outcome is played.outcome is Outcome.RESCUED, (listed.reason, played.reason)
    assert listed_body == played_body == expected
    assert same_capture(listed.capture, played.capture)
