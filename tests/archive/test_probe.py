"""What the start-up probe takes for a CDX answer, on every recorded Internet Archive
answer (tests/support/recordings.py) and on which archive an answer is tied to."""

from __future__ import annotations

import errno
import socket
from dataclasses import replace

import httpx

from linkrescue.archive.remote.probe import archive_identity, looks_like_cdx
from linkrescue.archive.remote.transport import unreachable_reason
from linkrescue.archive.settings import ArchiveSettings
from tests.support.recordings import RECORDINGS, body_of, load


def recorded() -> list[tuple[str, int, str, str]]:
    """(request URL, status, content type, body) of every recorded answer."""
    answers = []
    for path in sorted(RECORDINGS.glob("*.json")):
        interactions = load(path.name)
        for i, interaction in enumerate(interactions):
            response = interaction["response"]
            kind = (response["headers"].get("Content-Type") or [""])[0]
            body = body_of(interactions, i).decode("utf-8", errors="replace")
            answers.append((interaction["request"]["url"], response["status"], kind, body))
    return answers


def test_every_recorded_cdx_answer_is_taken_for_one() -> None:
    cdx = [(url, body) for url, status, _, body in recorded() if "/cdx/" in url and status == 200]
    assert len(cdx) >= 10
    for url, body in cdx:
        assert looks_like_cdx(body), url


def test_no_recorded_html_page_is_taken_for_a_cdx_answer() -> None:
    pages = [
        (url, body)
        for url, _, kind, body in recorded()
        if kind.startswith("text/html") and body.strip()
    ]
    assert len(pages) >= 10
    for url, body in pages:
        assert not looks_like_cdx(body), url


def test_pywb_shapes_and_empty_answers_are_cdx() -> None:
    ndjson = (
        '{"urlkey": "com,thestandnews,assets)/media/photos/a.png", "timestamp": '
        '"20211229095346", "url": "https://assets.thestandnews.com/media/photos/a.png", '
        '"mime": "image/png", "status": "200", "digest": "X", "length": "100"}\n'
    )
    cdxj = 'com,example)/ 20211229095346 {"url": "https://example.com/", "mime": "text/html"}\n'
    for body in ("", "[]", ndjson, cdxj):
        assert looks_like_cdx(body)
    assert not looks_like_cdx("Not Found")
    assert not looks_like_cdx("{not json")


def test_an_archive_is_its_root_and_collection() -> None:
    ia = ArchiveSettings()
    assert archive_identity(ia) == "https://web.archive.org/web"
    assert archive_identity(replace(ia, url="HTTPS://Web.Archive.org/")) == archive_identity(ia)
    pywb = replace(ia, url="http://127.0.0.1:8080", collection="stand-news")
    assert archive_identity(pywb) == "http://127.0.0.1:8080/stand-news"
    assert archive_identity(replace(pywb, collection="web")) != archive_identity(pywb)


def test_what_counts_as_an_archive_out_of_reach() -> None:
    """The real failures are exercised on loopback and with .invalid hosts
    (test_client_faults.py); a resolver that cannot reach its server (EAI_AGAIN) cannot
    be produced there, so its rule is checked on the exception chain httpx raises."""

    def chained(cause: BaseException) -> httpx.ConnectError:
        try:
            try:
                raise cause
            except OSError as exc:
                raise httpx.ConnectError(str(exc)) from exc
        except httpx.ConnectError as outer:
            return outer

    again = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    assert unreachable_reason(chained(again), answered_before=False) == "name not resolved"
    assert unreachable_reason(chained(again), answered_before=True) is None  # a hiccup
    noname = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert unreachable_reason(chained(noname), answered_before=True) == "name not resolved"
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    assert unreachable_reason(chained(refused), answered_before=True) == "connection refused"
    reset = ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
    assert unreachable_reason(chained(reset), answered_before=False) is None  # retried
