"""The store names and labels a file by what its bytes are (issue 8, item 3).

Real cases: origins and proxies that answer every path with ``text/html`` (a
photo of the Stand News CDN captured so), CDNs that label their HTML error page
``image/jpeg``, a PDF served as ``application/octet-stream``, and the opposite
trap: a GitHub README captured as ``text/markdown`` that starts with
``<p align="center">`` is Markdown, not HTML.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkrescue.archive.model import Capture
from linkrescue.archive.sniff import decide, fits_image, sniff
from linkrescue.archive.store.store import Store, StoredResource
from tests.support.archive_content import ERROR_PAGE, JPEG_DOG, PNG_CAT

PHOTOS = "https://assets.thestandnews.com/media/photos"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 24
AVIF = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 16
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="1"/>'
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
README = b'<p align="center"><img src="logo.png"></p>\n\n# archive tools\n'


def capture(url: str, data: bytes, header: str | None, index: str | None = None) -> Capture:
    return Capture(
        requested=url,
        original=url,
        timestamp="20211229095346",
        archive_url=f"https://web.archive.org/web/20211229095346id_/{url}",
        mimetype=header,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        sha1_base32="",
        cdx_digest=None,
        verified=False,
        index_mimetype=index,
    )


def put(
    store: Store, url: str, data: bytes, header: str | None, index: str | None = None
) -> StoredResource:
    with store.staging() as sink:
        sink.write(data)
        cap = capture(url, data, header, index)
        stored = store.put(sink, cap)
    return stored


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "rescued") as opened:
        yield opened


def test_a_jpeg_labelled_html_is_stored_as_a_jpeg_and_the_disagreement_recorded(
    store: Store,
) -> None:
    url = f"{PHOTOS}/clubhouse-room.jpg"
    stored = put(store, url, JPEG_DOG, "text/html; charset=utf-8", index="text/html")
    assert stored.path.as_posix() == "assets.thestandnews.com/media/photos/clubhouse-room.jpg"
    assert stored.absolute.read_bytes() == JPEG_DOG
    row = store.index.lookup(url)
    assert row is not None
    assert (row.mimetype, row.header_mimetype, row.index_mimetype, row.sniffed_mimetype) == (
        "image/jpeg",
        "text/html; charset=utf-8",
        "text/html",
        "image/jpeg",
    )
    assert row.mimetype_note == (
        "the archive's index text/html and Content-Type text/html, but the bytes are image/jpeg"
    )


@pytest.mark.parametrize(
    ("name", "data", "header", "path", "mimetype"),
    [
        ("banner", WEBP, "text/html", "banner.webp", "image/webp"),
        ("cover", AVIF, "application/octet-stream", "cover.avif", "image/avif"),
        ("logo.svg", SVG, "text/plain", "logo.svg", "image/svg+xml"),
        ("report.pdf", PDF, "text/html", "report.pdf", "application/pdf"),
        ("photo.png", PNG_CAT, None, "photo.png", "image/png"),
    ],
)
def test_the_bytes_decide_the_name(
    store: Store, name: str, data: bytes, header: str | None, path: str, mimetype: str
) -> None:
    stored = put(store, f"{PHOTOS}/{name}", data, header)
    assert stored.path.name == path
    assert stored.mimetype == mimetype


def test_a_text_format_that_starts_like_html_stays_what_it_says(store: Store) -> None:
    url = "https://github.com/hkers/archive-tools/raw/main/README.md"
    stored = put(store, url, README, "text/markdown; charset=utf-8")
    assert stored.path.name == "README.md"
    assert (stored.mimetype, stored.note) == ("text/markdown", "")


def test_without_a_signature_the_index_type_beats_the_header(store: Store) -> None:
    url = "https://news.example.com/static/site.css"
    stored = put(store, url, b"body { color: #333 }\n", "text/html", index="text/css")
    assert stored.path.name == "site.css"
    assert stored.mimetype == "text/css"
    assert stored.note == "Content-Type text/html, but stored as text/css"


def test_an_image_reference_is_satisfied_only_by_image_bytes() -> None:
    assert fits_image(JPEG_DOG) and fits_image(PNG_CAT) and fits_image(WEBP)
    assert fits_image(AVIF) and fits_image(SVG)
    assert not fits_image(ERROR_PAGE)  # an HTML error page, whatever its label
    assert not fits_image(b"")  # an empty 200 labelled image/png
    assert not fits_image(b"404 Not Found")  # a CDN's plain-text error
    assert sniff(ERROR_PAGE) == "text/html"
    assert sniff(b"\xef\xbb\xbf  <!DOCTYPE html><html>") == "text/html"
    assert decide(ERROR_PAGE, index="image/jpeg", header="image/jpeg").mimetype == "text/html"


def test_an_image_reference_takes_image_bytes_whatever_the_label() -> None:
    # Moved from the retired snapshots.sniff_image/body_fits: the live check is
    # archive.sniff.fits_image (archive/remote/body.py, the store).
    assert fits_image(PNG_CAT) and fits_image(JPEG_DOG)
    assert fits_image(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    assert fits_image(b"<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert not fits_image(b"<!doctype html><html>")
    assert not fits_image(b"<html><body>Not Found")
