"""Faults from a small archive of the tests' own on loopback (tests/support/fault_server.py).

Settings come from conftest.FAST: pause 0.3 s, read timeout 0.5 s, 3 retries, no rate
limit, backoff from 0.01 s.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import logging
import socket
import threading
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import brotli
import pytest

from linkrescue.archive.errors import (
    ArchiveMisconfigured,
    ArchiveStopped,
    ArchiveUnreachable,
    Blocked,
)
from linkrescue.archive.model import Outcome, Result, Want
from linkrescue.archive.remote.body import PIECE
from linkrescue.archive.remote.transport import retry_after_seconds
from linkrescue.archive.remote.wayback import ArchiveClient
from linkrescue.archive.settings import ArchiveSettings
from tests.support.archive_content import PNG_CAT, png_bytes
from tests.support.fault_server import TOO_MANY, FaultServer, Reply, memento, nearest
from tests.support.pywb_server import Pywb

TS = "20211229095346"
IMG = "https://f.example/media/a.png"
PATH = f"/web/{TS}id_/{IMG}"
PLAIN = (("Content-Type", "text/html"),)


def rescue(client: ArchiveClient, url: str = IMG, **kwargs: object) -> tuple[Result, bytes]:
    sink = io.BytesIO()
    kwargs.setdefault("timestamp", TS)
    kwargs.setdefault("want", Want.IMAGE)
    result = client.rescue(url, sink=sink, **kwargs)  # type: ignore[arg-type]
    return result, sink.getvalue()


def test_requests_identify_the_tool(faults: FaultServer, fault_client: ArchiveClient) -> None:
    faults.script(PATH, memento(PNG_CAT))
    rescue(fault_client)
    (hit,) = faults.hits(PATH)
    assert hit.headers["user-agent"] == fault_client.settings.user_agent
    assert "+https://" in hit.headers["user-agent"]  # a contact URL


def test_a_429_without_retry_after_pauses_for_pause_seconds(
    faults: FaultServer, fault_client: ArchiveClient, caplog: pytest.LogCaptureFixture
) -> None:
    faults.script(PATH, Reply(429, TOO_MANY, PLAIN), memento(PNG_CAT))
    with caplog.at_level(logging.INFO, logger="archive"):
        result, body = rescue(fault_client)
    assert result.outcome is Outcome.RESCUED and body == PNG_CAT
    first, second = faults.hits(PATH)
    assert second.at - first.at >= 0.3 - 0.02
    assert any("pausing every worker" in r.getMessage() for r in caplog.records)
    assert fault_client.http.limits.gate.pauses == 1


def test_a_429_with_retry_after_is_honoured(
    faults: FaultServer, fault_settings: ArchiveSettings
) -> None:
    faults.script(PATH, Reply(429, TOO_MANY, (*PLAIN, ("Retry-After", "1"))), memento(PNG_CAT))
    with ArchiveClient(replace(fault_settings, pause_seconds=30), backoff_base=0.01) as client:
        result, _ = rescue(client)
    assert result.outcome is Outcome.RESCUED
    first, second = faults.hits(PATH)
    assert 1.0 - 0.02 <= second.at - first.at < 5  # Retry-After, not the 30 s default


def test_a_429_pauses_every_worker(faults: FaultServer, fault_settings: ArchiveSettings) -> None:
    other = "https://f.example/media/b.png"
    faults.script(PATH, Reply(429, TOO_MANY, PLAIN), memento(PNG_CAT))
    faults.script(f"/web/{TS}id_/{other}", memento(PNG_CAT))
    with ArchiveClient(replace(fault_settings, pause_seconds=0.6), backoff_base=0.01) as client:
        first = threading.Thread(target=rescue, args=(client,))
        first.start()
        while not faults.hits(PATH):
            time.sleep(0.005)
        time.sleep(0.05)  # the 429 has reached the client
        result, _ = rescue(client, other)
        first.join()
    assert result.outcome is Outcome.RESCUED
    (hit_429, _retry) = faults.hits(PATH)
    (other_hit,) = faults.hits(f"/web/{TS}id_/{other}")
    assert other_hit.at - hit_429.at >= 0.6 - 0.06  # the other worker waited out the pause


def test_an_archived_429_is_not_the_archive_rate_limiting(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    # Like the recorded reddit capture: a 429 *with* Memento-Datetime is the site's
    # answer at crawl time, replayed. No pause, no retry.
    faults.script(PATH, memento(TOO_MANY, "text/html", status=429, extra=(("Retry-After", "6"),)))
    faults.script("/cdx/search/cdx", Reply(200, b"[]", PLAIN))  # no other capture
    start = time.monotonic()
    result, _ = rescue(fault_client, want=Want.PAGE)
    assert time.monotonic() - start < 0.3
    assert result.outcome is Outcome.NOT_ARCHIVED and "archived HTTP 429" in result.reason
    assert len(faults.hits(PATH)) == 1
    assert fault_client.http.limits.gate.pauses == 0


def test_a_burst_of_503s_is_retried(faults: FaultServer, fault_client: ArchiveClient) -> None:
    faults.script(PATH, Reply(503, b"busy", PLAIN), Reply(503, b"busy", PLAIN), memento(PNG_CAT))
    result, body = rescue(fault_client)
    assert result.outcome is Outcome.RESCUED and body == PNG_CAT
    assert len(faults.hits(PATH)) == 3
    assert fault_client.counts.playback == 3


def test_retries_are_bounded_and_the_outcome_is_failed_with_the_cause(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    faults.script(PATH, Reply(503, b"busy", PLAIN))
    result, _ = rescue(fault_client)
    assert result.outcome is Outcome.FAILED
    assert "gave up after 4 attempts" in result.reason and "HTTP 503" in result.reason
    assert len(faults.hits(PATH)) == 4  # retries = 3


def test_an_archived_503_is_never_retried(faults: FaultServer, fault_client: ArchiveClient) -> None:
    faults.script(PATH, memento(b"down for maintenance", "text/html", status=503))
    faults.script("/cdx/search/cdx", Reply(200, b"[]", PLAIN))
    result, _ = rescue(fault_client, want=Want.PAGE)
    assert result.outcome is Outcome.NOT_ARCHIVED and "archived HTTP 503" in result.reason
    assert len(faults.hits(PATH)) == 1


def test_a_dropped_connection_is_retried(faults: FaultServer, fault_client: ArchiveClient) -> None:
    faults.script(PATH, memento(PNG_CAT, drop=True), memento(PNG_CAT))
    result, body = rescue(fault_client)
    assert result.outcome is Outcome.RESCUED and body == PNG_CAT  # the sink was rewound
    assert len(faults.hits(PATH)) == 2


def test_a_stalled_body_times_out(faults: FaultServer, fault_client: ArchiveClient) -> None:
    faults.script(PATH, memento(PNG_CAT, stall=2.0), memento(PNG_CAT))
    start = time.monotonic()
    result, body = rescue(fault_client)
    assert result.outcome is Outcome.RESCUED and body == PNG_CAT
    assert 0.5 - 0.05 <= time.monotonic() - start < 1.5  # read_timeout, not the stall


def test_a_body_that_always_stalls_fails_as_a_timeout(
    faults: FaultServer, fault_settings: ArchiveSettings
) -> None:
    faults.script(PATH, memento(PNG_CAT, stall=1.0))
    settings = replace(fault_settings, read_timeout=0.2, retries=1)
    with ArchiveClient(settings, backoff_base=0.01) as client:
        result, _ = rescue(client)
    assert result.outcome is Outcome.FAILED and "timed out" in result.reason
    assert len(faults.hits(PATH)) == 2


def test_a_trickling_body_is_cut_off_at_the_body_deadline(
    faults: FaultServer, fault_settings: ArchiveSettings
) -> None:
    # A byte every 0.05 s never trips the 0.5 s read timeout; the whole body would
    # take over 3 s, the body deadline is 0.4 s.
    assert len(PNG_CAT) * 0.05 > 3
    faults.script(PATH, memento(PNG_CAT, trickle=0.05))
    settings = replace(fault_settings, body_timeout=0.4, retries=1)
    start = time.monotonic()
    with ArchiveClient(settings, backoff_base=0.01) as client:
        result, _ = rescue(client)
    assert result.outcome is Outcome.FAILED and "took over 0.4 s" in result.reason
    assert len(faults.hits(PATH)) == 2  # retried once, as a timeout
    assert time.monotonic() - start < 2.5


def test_a_truncated_body_is_detected_and_retried(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    faults.script(PATH, memento(PNG_CAT, declare=len(PNG_CAT) + 100))
    result, _ = rescue(fault_client)
    assert result.outcome is Outcome.FAILED
    assert "truncated" in result.reason and f"of {len(PNG_CAT) + 100} bytes" in result.reason
    assert len(faults.hits(PATH)) == 4


def _stated(body: bytes) -> tuple[tuple[str, str], ...]:
    """The Wayback Machine's statement of the stored payload's length (id_ mode)."""
    return (("X-Archive-Orig-Content-Length", str(len(body))),)


@pytest.mark.parametrize("chunked", [False, True], ids=["short-content-length", "chunked"])
def test_a_body_cut_with_a_dishonest_length_is_caught_by_the_archives_own_length(
    faults: FaultServer, fault_client: ArchiveClient, chunked: bool
) -> None:
    """A middlebox that cuts the body and its Content-Length to match (or ends IA's
    chunked answer early) leaves a well-formed response: only the archive's
    ``X-Archive-Orig-Content-Length`` shows the half. Retried, then the whole."""
    whole = png_bytes(40, 40, (9, 8, 7)) + bytes(4000)
    half = whole[: len(whole) // 2]
    cut = memento(half, extra=_stated(whole), chunked=chunked)
    faults.script(PATH, cut, cut, memento(whole, extra=_stated(whole), chunked=chunked))
    result, body = rescue(fault_client)
    assert result.outcome is Outcome.RESCUED and body == whole
    assert len(faults.hits(PATH)) == 3

    faults.script(PATH, *[cut] * 4)
    result, _ = rescue(fault_client)
    assert result.outcome is Outcome.FAILED
    assert f"{len(half)} of {len(whole)} bytes" in result.reason
    assert "X-Archive-Orig-Content-Length" in result.reason


def test_the_archives_stated_length_counts_the_bytes_as_sent(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    """IA sends a gzipped capture as stored, and states the gzipped length (recording
    test_get_memento_follows_historical_redirects: 13031 both); pywb decodes it and
    says so in X-Archive-Orig-Content-Encoding, its stated length then the encoded
    one; an archived 429 states -1. None of these is a truncation."""
    page = b"<html><body>" + b"x" * 3000 + b"</body></html>"
    packed = gzip.compress(page)
    html = "text/html"
    faults.script(
        PATH,
        memento(packed, html, extra=(("Content-Encoding", "gzip"), *_stated(packed)), chunked=True),
    )
    result, body = rescue(fault_client, want=Want.PAGE)
    assert result.outcome is Outcome.RESCUED and body == page
    decoded = (("X-Archive-Orig-Content-Encoding", "gzip"), *_stated(packed))
    faults.script(PATH, memento(page, html, extra=decoded))
    result, body = rescue(fault_client, want=Want.PAGE)
    assert result.outcome is Outcome.RESCUED and body == page
    faults.script(PATH, memento(page, html, extra=(("X-Archive-Orig-Content-Length", "-1"),)))
    result, body = rescue(fault_client, want=Want.PAGE)
    assert result.outcome is Outcome.RESCUED and body == page


def test_the_size_limit_holds_while_streaming(
    faults: FaultServer, fault_settings: ArchiveSettings
) -> None:
    big = png_bytes(200, 200, (1, 2, 3)) + bytes(20000)
    faults.script(PATH, memento(big, chunked=True))  # no Content-Length to refuse it early
    with ArchiveClient(replace(fault_settings, max_body_bytes=4096)) as client:
        sink = io.BytesIO()
        result = client.rescue(IMG, timestamp=TS, want=Want.IMAGE, sink=sink)
    assert result.outcome is Outcome.FAILED and "4096-byte limit" in result.reason
    assert len(sink.getvalue()) <= 4096 + 64 * 1024  # stopped within one chunk
    assert len(faults.hits(PATH)) == 1  # a definitive rejection: not retried


def test_a_wrong_media_type_leads_to_another_capture(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    good = png_bytes(4, 4, (7, 7, 7))
    faults.script(PATH, memento(b"<html><body>Not Found</body></html>", "text/html"))
    # The IA JSON shape: header row first, values all strings.
    rows = [
        ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
        ["example,f)/media/a.png", TS, IMG, "text/html", "200", "-", "100"],
        ["example,f)/media/a.png", "20210101000000", IMG, "image/png", "200", "-", "100"],
    ]
    faults.script("/cdx/search/cdx", Reply(200, json.dumps(rows).encode(), PLAIN))
    faults.script(f"/web/20210101000000id_/{IMG}", memento(good, timestamp="20210101000000"))
    result, body = rescue(fault_client)
    assert result.outcome is Outcome.RESCUED and body == good
    assert result.capture is not None and result.capture.timestamp == "20210101000000"
    assert fault_client.counts.cdx == 1 and fault_client.counts.playback == 2


def test_the_archives_own_302_leads_to_the_nearest_capture(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    # As recorded (CASS/test_get_memento_with_inexact_string_datetime): an inexact
    # timestamp gets a 302 with X-Archive-Redirect-Reason and no Memento-Datetime.
    faults.script(f"/web/20211229095000id_/{IMG}", nearest(f"{faults.url}{PATH}"))
    faults.script(PATH, memento(PNG_CAT, original=IMG))
    result, body = rescue(fault_client, timestamp="20211229095000")
    assert result.outcome is Outcome.RESCUED and body == PNG_CAT
    assert result.capture is not None and result.capture.timestamp == TS


def test_a_failed_search_for_a_better_capture_is_a_failure_with_both_reasons(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    faults.script(PATH, memento(b"<html>gone</html>", "text/html", status=404))
    faults.script("/cdx/search/cdx", Reply(504, b"timeout", PLAIN))
    result, _ = rescue(fault_client, want=Want.PAGE)
    assert result.outcome is Outcome.FAILED
    assert "archived HTTP 404" in result.reason and "HTTP 504" in result.reason


def test_a_redirect_out_of_the_archive_is_not_followed(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    faults.script(PATH, Reply(302, b"", (("Location", "https://elsewhere.example/x.png"),)))
    result, _ = rescue(fault_client)
    assert result.outcome is Outcome.FAILED and "out of the archive" in result.reason


def test_a_payload_the_archive_re_encoded_is_not_called_corrupt(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    # pywb decodes a capture stored gzipped when the client does not accept gzip, and
    # says so; the index digest (of the gzipped bytes) then cannot match.
    faults.script(PATH, memento(PNG_CAT, extra=(("X-Archive-Orig-Content-Encoding", "gzip"),)))
    capture = fault_client.fetch(IMG, timestamp=TS, sink=io.BytesIO(), digest="B" * 32)
    assert not capture.verified


def test_a_capture_stored_brotli_encoded_is_decoded_and_verified_raw(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    # A browser-based crawler keeps the site's Content-Encoding: br; id_ returns the
    # payload as stored, and the index digest is of those stored bytes.
    stored = brotli.compress(PNG_CAT)
    digest = base64.b32encode(hashlib.sha1(stored).digest()).decode()
    faults.script(PATH, memento(stored, extra=(("Content-Encoding", "br"),)))
    sink = io.BytesIO()
    capture = fault_client.fetch(IMG, timestamp=TS, sink=sink, digest=digest, want=Want.IMAGE)
    assert sink.getvalue() == PNG_CAT and capture.verified
    # A brotli stream cut short is a corrupt body, never a stored image.
    faults.script(PATH, memento(stored[: len(stored) // 2], extra=(("Content-Encoding", "br"),)))
    result, _ = rescue(fault_client, want=Want.IMAGE)
    assert result.outcome is Outcome.FAILED and "corrupt compressed body" in result.reason


def test_blocked_sites(faults: FaultServer, fault_client: ArchiveClient) -> None:
    error = (
        "org.archive.util.io.RuntimeIOException: org.archive.wayback.exception."
        "AdministrativeAccessControlException: Blocked Site Error"
    )
    faults.script(
        "/cdx/search/cdx",
        Reply(403, error.encode(), (("X-Archive-Wayback-Runtime-Error", error),)),
    )
    with pytest.raises(Blocked, match="Blocked Site Error"):
        fault_client.lookup(IMG)
    faults.script(PATH, Reply(403, b"Forbidden", PLAIN))
    result, _ = rescue(fault_client)
    assert result.outcome is Outcome.BLOCKED
    assert fault_client.counts.cdx == 1  # definitive: never retried


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("root", "why"),
    [
        # RFC 2606: .invalid resolves nowhere, with or without network.
        ("http://archive.linkrescue.invalid", "name not resolved"),
        ("http://127.0.0.1:{port}", "connection refused"),
    ],
)
def test_an_archive_out_of_reach_is_asked_once_then_never_again(
    fault_settings: ArchiveSettings, root: str, why: str
) -> None:
    url = root.format(port=closed_port())
    settings = replace(fault_settings, url=url, retries=5)
    with ArchiveClient(settings, backoff_base=1.0) as client:
        start = time.monotonic()
        with pytest.raises(ArchiveUnreachable) as caught:
            rescue(client)
        with pytest.raises(ArchiveUnreachable):  # another worker: no request at all
            rescue(client, "https://f.example/media/b.png")
        with pytest.raises(ArchiveUnreachable):
            client.lookup(IMG)
        elapsed = time.monotonic() - start
        assert client.counts.total == 1  # no retry: none can help within this run
    assert str(caught.value) == f"cannot reach the archive at {url} ({why})"
    assert elapsed < 2


def test_a_reset_is_still_retried_not_taken_for_an_archive_out_of_reach(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    faults.script(PATH, Reply(200, PNG_CAT, (("Content-Type", "image/png"),), drop=True))
    result, _ = rescue(fault_client)
    assert result.outcome is Outcome.FAILED and "gave up after 4 attempts" in result.reason
    assert len(faults.hits(PATH)) == 4


def test_stopping_wakes_a_worker_waiting_to_retry_and_sends_nothing_more(
    faults: FaultServer, fault_settings: ArchiveSettings
) -> None:
    """The breaker's stop reaches a CDX listing between its retries (it kept failing
    after the breaker tripped)."""
    faults.script("/cdx/search/cdx", Reply(503, b"Service Unavailable", PLAIN))
    with ArchiveClient(replace(fault_settings, retries=5), backoff_base=5.0) as client:
        failure: list[BaseException] = []

        def listing() -> None:
            try:
                client.prefetch_prefix("https://f.example/media/")
            except BaseException as exc:
                failure.append(exc)

        worker = threading.Thread(target=listing)
        worker.start()
        while not faults.hits("/cdx/search/cdx"):
            time.sleep(0.01)
        start = time.monotonic()
        client.http.stop(ArchiveStopped("the archive failed 5 resources in a row"))
        worker.join(timeout=10)
        assert time.monotonic() - start < 1  # not the 5 s backoff
    assert isinstance(failure[0], ArchiveStopped)
    assert len(faults.hits("/cdx/search/cdx")) == 1


# --- the probe: is there a CDX API at the configured address? -------------------


def test_the_probe_accepts_both_cdx_shapes(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    faults.script("/cdx/search/cdx", Reply(200, b"[]", (("Content-Type", "text/plain"),)))
    fault_client.probe()  # IA, no result
    row = b'["com,example)/", "20020120142510", "http://example.com:80/", "text/html", "200", "HT2DYGA5UKZCPBSFVCV3JOBXGW2G5UUA", "1792"]'
    faults.script("/cdx/search/cdx", Reply(200, b'[["urlkey"],' + row + b"]", PLAIN))
    fault_client.probe()  # IA, one row
    faults.script("/cdx/search/cdx", Reply(200, b"", (("Content-Type", "text/x-ndjson"),)))
    fault_client.probe()  # pywb, no result
    line = b"com,example)/ 20020120142510 http://example.com:80/ text/html 200 HT2DYGA5UKZCPBSFVCV3JOBXGW2G5UUA 1792\n"
    faults.script("/cdx/search/cdx", Reply(200, line, PLAIN))
    fault_client.probe()  # IA text
    assert fault_client.counts.cdx == 4


def test_the_probe_calls_an_html_page_a_wrong_setting(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    page = b"<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>"
    faults.script("/cdx/search/cdx", Reply(200, page, PLAIN))
    with pytest.raises(ArchiveMisconfigured) as caught:
        fault_client.probe()
    assert caught.value.setting == "[archive] url (--archive-url)"
    assert "not a CDX answer (text/html)" in str(caught.value)
    assert fault_client.counts.cdx == 1  # a wrong setting is never retried


def test_the_probe_names_cdx_url_when_that_is_set(
    faults: FaultServer, fault_settings: ArchiveSettings
) -> None:
    settings = replace(fault_settings, cdx_url=f"{faults.url}/wrong/cdx")
    with ArchiveClient(settings) as client, pytest.raises(ArchiveMisconfigured) as caught:
        client.probe()
    assert str(caught.value).startswith("[archive] cdx_url: no CDX API at ")
    assert "(HTTP 404)" in str(caught.value)


def test_the_probe_sees_the_collection_added_to_a_pywb_url(
    pywb: Pywb, pywb_settings: ArchiveSettings
) -> None:
    settings = replace(pywb_settings, url=f"{pywb.url}/web/")
    with ArchiveClient(settings) as client, pytest.raises(ArchiveMisconfigured) as caught:
        client.probe()
    assert str(caught.value) == (
        f"[archive] url (--archive-url): no CDX API at {pywb.url}/web/cdx/search/cdx "
        f"(HTTP 404); the URL ends with the collection /web/, which linkrescue adds "
        f"itself: use {pywb.url}"
    )
    with ArchiveClient(pywb_settings) as client:
        client.probe()
        assert client.archive == f"{pywb.url}/web"


def test_the_probe_of_an_archive_out_of_reach(fault_settings: ArchiveSettings) -> None:
    url = "https://web.archive.linkrescue.invalid"
    with (
        ArchiveClient(replace(fault_settings, url=url)) as client,
        pytest.raises(ArchiveUnreachable, match=r"\(name not resolved\)"),
    ):
        client.probe()


def test_wall_time_stays_at_the_bound_the_rate_sets(
    faults: FaultServer, fault_settings: ArchiveSettings
) -> None:
    faults.script(PATH, memento(PNG_CAT))
    with ArchiveClient(replace(fault_settings, playback_per_second=20)) as client:
        start = time.monotonic()
        for _ in range(11):
            rescue(client)
        elapsed = time.monotonic() - start
    bound = 10 / 20  # the first request goes at once
    assert bound - 0.01 <= elapsed < bound * 1.1 + 0.05


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30)), now=now) == 30
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_the_captured_url_is_read_from_a_link_header_whose_url_holds_a_semicolon(
    faults: FaultServer, fault_client: ArchiveClient
) -> None:
    """A Java servlet's session id sits in the path after ``;`` (``index.htm;jsessionid=…``),
    and the archive's ``Link: <…>; rel="original"`` carries it as captured: the URL that
    was captured (here with ``https`` and ``www``) is read whole, not cut at the ``;``
    (httpx's and requests' Link parsers split the URL there and lose its ``rel``)."""
    session = "jsessionid=0123456789ABCDEF0123456789ABCDEF"
    asked = f"http://legco.gov.hk/yr21-22/chinese/index.htm;{session}"
    captured = f"https://www.legco.gov.hk/yr21-22/chinese/index.htm;{session}"
    faults.script(
        f"/web/{TS}id_/{asked}",
        memento(
            b"<html><body>LegCo</body></html>",
            "text/html",
            original=captured,
            extra=(("Link", '<https://web.archive.org/web/timemap/link/x>; rel="timemap"'),),
        ),
    )
    result, body = rescue(fault_client, asked, want=Want.ANY)
    assert result.outcome is Outcome.RESCUED and body.startswith(b"<html>")
    assert result.capture is not None and result.capture.original == captured


class _Counting:
    """A sink that keeps only the count of what it was given (the bytes are not the
    test's point; a BytesIO's own growth would be in the memory measured)."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self.size += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = 0, /) -> int:
        self.size = 0
        return 0

    def truncate(self, size: int | None = None, /) -> int:
        return 0

    def flush(self) -> None:
        pass


def _bomb(layers: tuple[str, ...], inflated: int) -> bytes:
    """A PNG header then ``inflated`` zero bytes, compressed once per layer (innermost
    first): a few KiB that inflate to ``inflated`` bytes."""
    data = png_bytes(2, 2, (0, 0, 0)) + bytes(inflated)
    for layer in layers:
        data = brotli.compress(data, quality=5) if layer == "br" else gzip.compress(data, 9)
    return data


@pytest.mark.parametrize(
    "layers",
    [("gzip",), ("br",), ("gzip", "gzip"), ("gzip", "br")],
    ids=["gzip", "br", "gzip-in-gzip", "gzip-in-br"],
)
def test_a_decompression_bomb_is_cut_off_by_the_limit_on_decoded_bytes(
    faults: FaultServer, fault_settings: ArchiveSettings, layers: tuple[str, ...]
) -> None:
    """1 GiB of zeros in a few KiB (in two layers: a few hundred bytes): the limit
    counts decoded bytes, and what is inflated at once stays within a piece a stage
    (before, one 64 KiB read inflated at once: 86 MB to 2.2 GB measured here)."""
    bomb = _bomb(layers, 1 << 30)
    assert len(bomb) < 2_000_000
    # Content-Encoding names the codings in the order they were applied
    faults.script(PATH, memento(bomb, extra=(("Content-Encoding", ", ".join(layers)),)))
    sink = _Counting()
    tracemalloc.start()
    try:
        with ArchiveClient(replace(fault_settings, max_body_bytes=5_000_000)) as client:
            result = client.rescue(IMG, timestamp=TS, want=Want.IMAGE, sink=sink)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.outcome is Outcome.FAILED and "5000000-byte limit" in result.reason
    assert sink.size <= 5_000_000
    # a piece a stage, and slack; inflating a whole 64 KiB read of zeros is 64 MiB
    assert peak < 4 * PIECE + 4_000_000, peak
    assert len(faults.hits(PATH)) == 1  # a definitive rejection: not retried
