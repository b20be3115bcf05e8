"""The Internet Archive's own shapes, from real recorded web.archive.org answers.

tests/support/recordings.py replays ``tests/fixtures/web.archive.org``;
a request no recording answers raises ``Unrecorded`` (never the internet). Each test
names the recording it replays; INDEX.md there says what each one shows.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace

import pytest

from linkrescue.archive.errors import Blocked, CapturedError, RedirectError
from linkrescue.archive.model import Outcome, Result, Want
from linkrescue.archive.remote.wayback import ArchiveClient
from linkrescue.archive.settings import ArchiveSettings
from tests.support.recordings import Replay, Unrecorded, body_of, load

SETTINGS = replace(
    ArchiveSettings(),  # url = https://web.archive.org, as recorded
    cdx_per_second=0,
    playback_per_second=0,
    pause_seconds=0.2,
    retries=1,
)


def client_for(*recordings: str) -> tuple[ArchiveClient, Replay]:
    replay = Replay(*recordings)
    return ArchiveClient(SETTINGS, transport=replay.transport, backoff_base=0.01), replay


@pytest.fixture
def closing() -> Iterator[list[ArchiveClient]]:
    clients: list[ArchiveClient] = []
    yield clients
    for client in clients:
        client.close()


def rescue(client: ArchiveClient, url: str, **kwargs: object) -> tuple[Result, bytes]:
    sink = io.BytesIO()
    result = client.rescue(url, sink=sink, **kwargs)  # type: ignore[arg-type]
    return result, sink.getvalue()


def requested(replay: Replay) -> list[str]:
    return [str(r.url) for r in replay.requests]


def test_an_exact_capture_is_the_recorded_bytes(closing: list[ArchiveClient]) -> None:
    client, replay = client_for("test_get_memento")
    closing.append(client)
    result, body = rescue(
        client, "https://www.fws.gov/birds/", timestamp="20171124151315", want=Want.PAGE
    )
    assert result.outcome is Outcome.RESCUED, result.reason
    assert body == body_of(load("test_get_memento"), 0)
    assert result.capture is not None and result.capture.timestamp == "20171124151315"
    assert requested(replay) == [
        "https://web.archive.org/web/20171124151315id_/https://www.fws.gov/birds/"
    ]  # id_, never the rewritten view


def test_an_inexact_timestamp_follows_the_archives_302(closing: list[ArchiveClient]) -> None:
    client, _ = client_for("test_get_memento_with_inexact_string_datetime")
    closing.append(client)
    result, body = rescue(client, "https://www.fws.gov/birds/", timestamp="20171124151310")
    assert result.outcome is Outcome.RESCUED
    assert result.capture is not None and result.capture.timestamp == "20171124151315"
    assert body == body_of(load("test_get_memento_with_inexact_string_datetime"), 1)
    assert client.counts.playback == 2 and client.counts.cdx == 0


def test_the_url_actually_captured_comes_from_the_link_header(
    closing: list[ArchiveClient],
) -> None:
    client, _ = client_for("test_get_memento_returns_memento_with_accurate_url")
    closing.append(client)
    result, body = rescue(client, "http://fws.gov/", timestamp="20171124143728", want=Want.PAGE)
    assert result.capture is not None
    assert result.capture.requested == "http://fws.gov/"
    assert result.capture.original == "https://www.fws.gov/"
    assert body.startswith(b"\xef\xbb\xbf")  # the capture's UTF-8 BOM, untouched


def test_historical_redirects_absolute(closing: list[ArchiveClient]) -> None:
    name = "test_get_memento_follows_historical_redirects"
    client, replay = client_for(name)
    closing.append(client)
    result, body = rescue(
        client, "http://epa.gov/climatechange", timestamp="20200201020357", want=Want.PAGE
    )
    assert result.outcome is Outcome.RESCUED, result.reason
    assert body == body_of(load(name), 3)
    assert result.capture is not None
    assert result.capture.original == (
        "https://www.epa.gov/sites/production/files/signpost/cc.html"
    )
    assert result.capture.timestamp == "20200201024405"
    assert requested(replay) == [i["request"]["url"] for i in load(name)]


@pytest.mark.parametrize(
    "name",
    [
        "test_get_memento_with_path_based_redirects",  # Location: /web/<ts>id_/...
        "test_get_memento_with_schemeless_redirects",  # Location: //web.archive.org/web/...
    ],
)
def test_historical_redirects_path_based_and_scheme_relative(name: str) -> None:
    client, replay = client_for(name)
    with client, pytest.raises(CapturedError) as info:
        first = load(name)[0]["request"]["url"].split("id_/", 1)
        client.fetch(first[1], timestamp=first[0].rsplit("/", 1)[1], sink=io.BytesIO())
    assert info.value.status == 404  # both chains end on an archived 404
    assert requested(replay) == [i["request"]["url"] for i in load(name)]


def test_historical_redirects_to_a_capture(closing: list[ArchiveClient]) -> None:
    name = "test_get_memento_with_redirects"
    client, replay = client_for(name)
    closing.append(client)
    result, body = rescue(
        client,
        "https://www.epa.gov/ghgreporting/san5779-factsheet",
        timestamp="20180808094144",
        want=Want.PAGE,
    )
    assert result.outcome is Outcome.RESCUED and body == body_of(load(name), 2)
    assert len(replay.requests) == 3


def test_a_redirect_loop_is_detected(closing: list[ArchiveClient]) -> None:
    name = "test_get_memento_raises_for_mementos_that_redirect_in_a_loop"
    client, replay = client_for(name)
    closing.append(client)
    with pytest.raises(RedirectError, match="loop"):
        client.fetch(
            "https://link.springer.com/article/10.1007/s00382-012-1331-2",
            timestamp="20200925075402",
            sink=io.BytesIO(),
        )
    assert requested(replay) == [i["request"]["url"] for i in load(name)]


def test_the_nearest_capture_can_be_another_url_variant(closing: list[ArchiveClient]) -> None:
    # The 302 leads to http://www.fws.gov/birds/ at another time; only the 302 was recorded.
    client, _ = client_for("test_get_memento_should_fail_for_non_playbackable_mementos")
    closing.append(client)
    with pytest.raises(Unrecorded, match=r"20150503090125id_/http://www\.fws\.gov/birds/"):
        client.fetch("https://www.fws.gov/birds/", timestamp="20150509080314", sink=io.BytesIO())


def test_not_archived(closing: list[ArchiveClient]) -> None:
    client, _ = client_for("test_get_memento_raises_no_memento_error")
    closing.append(client)
    result, body = rescue(
        client, "https://this-is-not-real-url.whatever/", timestamp="20170929002712"
    )
    assert result.outcome is Outcome.NOT_ARCHIVED and "404" in result.reason
    assert body == b""
    assert client.counts.playback == 1 and client.counts.cdx == 0  # definitive: no retry


def test_a_site_blocked_in_playback(closing: list[ArchiveClient]) -> None:
    client, _ = client_for("test_get_memento_raises_blocked_error")
    closing.append(client)
    result, _ = rescue(client, "https://nationalpost.com/health/", timestamp="20170929002712")
    assert result.outcome is Outcome.BLOCKED and "excluded" in result.reason


def test_a_site_blocked_in_the_cdx_index(closing: list[ArchiveClient]) -> None:
    client, _ = client_for("test_search_raises_for_blocked_urls")
    closing.append(client)
    with pytest.raises(Blocked, match="Blocked Site Error"):
        client.lookup("https://nationalpost.com/health")
    assert client.counts.cdx == 1


def test_an_archived_429_is_not_rate_limiting(closing: list[ArchiveClient]) -> None:
    client, _ = client_for("test_get_memento_works_on_archived_rate_limit_responses")
    closing.append(client)
    with pytest.raises(CapturedError) as info:
        client.fetch(
            "http://www.reddit.com/r/PokemonGiveaway", timestamp="20150129034904", sink=io.BytesIO()
        )
    assert info.value.status == 429
    assert client.http.limits.gate.pauses == 0 and client.counts.playback == 1


def test_a_text_listing_is_followed_page_by_page_with_resume_keys(
    closing: list[ArchiveClient],
) -> None:
    name = "test_search_multipage"
    client, replay = client_for(name)
    closing.append(client)
    listed = client.prefetch_prefix(
        "cnn.com", page_rows=25, from_ts="20010410000000", to_ts="20010510000000"
    )
    assert client.counts.cdx == 15  # 14 pages with a resume key, then an empty one
    assert listed.pages == 15 and listed.exhausted and listed.kept > 0
    keys = [r.url.params.get("resumeKey") for r in replay.requests]
    assert keys[0] is None and all(keys[1:])
    # A date window: the listing cannot prove a URL was never archived.
    answer = client.cache.answer("http://www.cnn.com/")
    assert answer is not None and not answer.complete


def test_a_listing_chooses_the_capture_and_the_digest_is_checked(
    closing: list[ArchiveClient],
) -> None:
    name = "test_memento_rate_limits"  # a zew.de listing, then playbacks of its 1997 capture
    client, _ = client_for(name)
    closing.append(client)
    client.prefetch_prefix("zew.de", max_pages=1)
    result, body = rescue(client, "http://www.zew.de/", timestamp="19970427191925")
    assert result.outcome is Outcome.RESCUED, result.reason
    assert body == body_of(load(name), 1)  # ISO-8859-1 HTML, byte for byte
    assert client.counts.cdx == 1 and client.counts.playback == 1
    # The index lists 19970427191925 twice with different digests: not checkable.
    assert result.capture is not None and not result.capture.verified


def test_verification_against_a_real_ia_digest(closing: list[ArchiveClient]) -> None:
    client, _ = client_for("test_memento_rate_limits")
    closing.append(client)
    capture = client.fetch(
        "http://www.zew.de/",
        timestamp="19970427191925",
        sink=io.BytesIO(),
        digest="GOE2BMK6YVBA6HNPZJW2N5SHBJPHJBD4",  # the first of the two rows
    )
    assert capture.verified
