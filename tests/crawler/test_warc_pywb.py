"""``linkrescue export`` and ``import`` end to end, with real pywbs on loopback.

A rescue from one pywb fills a store; its export is loaded into a second, fresh pywb
collection (``wb-manager init`` + ``add``, as a user would) which plays every capture back
(``id_``) byte-identical to the store's original bytes; the same WARC imported into a
fresh store lets a rescue of the same corpus ask the archive nothing.
"""

from __future__ import annotations

import gzip
import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from linkrescue.archive import open_state
from linkrescue.archive.model import Outcome
from tests.support.archive_content import Cap, jpeg_like, png_bytes
from tests.support.cli import linkrescue, write_config
from tests.support.pywb_server import Pywb, start_pywb, start_pywb_from

pytestmark = pytest.mark.pywb

CAT = "https://assets.example.org/media/cat.png"
CJK = "https://www.example-news.com/news_新聞/2021/圖片.jpg"
ARTICLE = "https://news.example.org/article/1"
ZIPPED = "https://news.example.org/article/2"
BLOB = "https://files.example.org/data/blob.bin"


def page(title: str, body: str) -> bytes:
    """An HTML page that loads nothing else: a rescue of it needs no other request."""
    return f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{title}</title></head>\n<body>{body}</body></html>\n".encode()


CAPTURES = [
    Cap(CAT, "20211229095346", png_bytes(4, 3, (10, 120, 200)), "image/png"),
    Cap(CJK, "20211230101010", jpeg_like("圖片新聞".encode()), "image/jpeg"),
    Cap(ARTICLE, "20211229000000", page("Article one", "<p>開始</p>")),
    Cap(ZIPPED, "20211228000000", page("Stored gzipped", "<p>" + "x" * 500 + "</p>"), gzip_body=True),
    Cap(BLOB, "20200101000000", bytes(range(256)) * 4, "application/octet-stream"),
]  # fmt: skip

ONE = (
    "---\n"
    'title: "One"\n'
    'date: "2021-12-01T00:00:00"\n'
    f'image: "http://web.archive.org/web/2021im_/{CAT}"\n'
    "---\n"
    f"![](http://web.archive.org/web/2021im_/{CAT})\n\n"
    f"[article](http://web.archive.org/web/20211229000000/{ARTICLE})\n"
)
TWO = (
    "---\n"
    'title: "Two"\n'
    'date: "2021-12-01T00:00:00"\n'
    "---\n"
    f'<img src="https://web.archive.org/web/20211230101010im_/{CJK}">\n\n'
    f"[stored gzipped](http://web.archive.org/web/20211228000000/{ZIPPED}) and\n"
    f"[data](http://web.archive.org/web/2020/{BLOB})\n"
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    pywb = start_pywb(
        tmp_path_factory.mktemp("pywb-source"), captures=CAPTURES, probe_url=CAT.split("//")[1]
    )
    try:
        yield pywb
    finally:
        pywb.stop()


def make_corpus(folder: Path) -> None:
    (folder / "content").mkdir(parents=True)
    (folder / "content" / "one.md").write_text(ONE, encoding="utf-8")
    (folder / "content" / "two.md").write_text(TWO, encoding="utf-8")


def rescue(folder: Path) -> dict[str, Any]:
    done = linkrescue("rescue", "content", "--report", "report.json", cwd=folder)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return report


def originals(store: Path) -> dict[str, tuple[str, str, bytes]]:
    """key -> (captured URL, timestamp, the original bytes from the content object)."""
    found = {}
    with open_state(store) as index:
        for r in index.resources(Outcome.RESCUED):
            assert r.sha256 is not None and r.timestamp is not None
            blob = store / ".objects" / r.sha256[:2] / r.sha256
            found[r.key] = (r.captured_url or r.url, r.timestamp, blob.read_bytes())
    return found


def test_export_replays_in_a_fresh_pywb_and_import_spares_every_request(
    archive: Pywb, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    make_corpus(first)
    write_config(first, archive.url)
    report = rescue(first)
    assert report["rescued"] == len(CAPTURES), report["items"]
    assert report["requests"]["cdx"] + report["requests"]["playback"] > 0
    stored = originals(first / "rescued")
    assert len(stored) == len(CAPTURES)
    by_url = {url: body for url, _, body in stored.values()}
    zipped = next(c for c in CAPTURES if c.gzip_body)
    assert by_url[ZIPPED] == zipped.body  # kept decoded, as the client stores id_ bodies

    # Every rescued capture, as one WARC.
    out = tmp_path / "out.warc.gz"
    exported = linkrescue("export", "--warc", out, cwd=first)
    assert exported.returncode == 0, exported.stderr
    assert f"{len(CAPTURES)} records" in exported.stderr
    assert str(out) in exported.stderr

    # Only what one document was rewritten to.
    some = tmp_path / "one.warc"
    partial = linkrescue("export", "--warc", some, "content/one.md", cwd=first)
    assert partial.returncode == 0, partial.stderr
    with some.open("rb") as file:
        uris = {
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(file)
            if r.rec_type == "response"
        }
    assert uris == {CAT, ARTICLE}

    # A fresh pywb collection made from the export plays each capture back byte for byte.
    replay = start_pywb_from(tmp_path / "pywb-replay", out, probe_url=CAT.split("//")[1])
    try:
        for url, timestamp, body in stored.values():
            with urllib.request.urlopen(f"{replay.url}/web/{timestamp}id_/{url}") as answer:
                assert answer.status == 200
                played = answer.read()
                if answer.headers.get("Content-Encoding") == "gzip":
                    played = gzip.decompress(played)
            assert played == body, url
    finally:
        replay.stop()

    # The export imported into a fresh store: a rescue of the same corpus asks nothing.
    second = tmp_path / "second"
    make_corpus(second)
    write_config(second, archive.url)
    imported = linkrescue("import", "--warc", out, cwd=second)
    assert imported.returncode == 0, imported.stderr
    assert f"{len(CAPTURES)} captures imported" in imported.stderr
    # The same keys (a reference finds its capture), URLs, times and original bytes.
    assert originals(second / "rescued") == stored
    again = rescue(second)
    assert again["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    assert again["rescued"] == len(CAPTURES)
    for item in again["items"]:
        assert item["reason"] == "already in the store", item
        assert (second / "rescued" / item["local_path"]).is_file()
    assert (second / "content" / "one.md").read_text(encoding="utf-8") == (
        first / "content" / "one.md"
    ).read_text(encoding="utf-8")

    # Importing again keeps what the store holds.
    twice = linkrescue("import", "--warc", out, cwd=second)
    assert twice.returncode == 0, twice.stderr
    assert f"0 captures imported (0 bytes), {len(CAPTURES)} skipped" in twice.stderr


def test_import_names_damage_and_refuses_what_is_no_warc(archive: Pywb, tmp_path: Path) -> None:
    first = tmp_path / "first"
    make_corpus(first)
    write_config(first, archive.url)
    rescue(first)
    out = tmp_path / "out.warc.gz"
    assert linkrescue("export", "--warc", out, cwd=first).returncode == 0
    data = out.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 200])

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    write_config(fresh, archive.url)
    done = linkrescue("import", "--warc", cut, cwd=fresh)
    assert done.returncode == 1, done.stderr
    problems = [line for line in done.stderr.splitlines() if "record at offset" in line]
    assert len(problems) == 1
    assert problems[0].startswith(f"linkrescue: {cut}: record at offset ")
    assert f"{len(CAPTURES) - 1} captures imported" in done.stderr

    text = tmp_path / "notes.txt"
    text.write_text("not a WARC\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_config(elsewhere, archive.url)
    refused = linkrescue("import", "--warc", text, cwd=elsewhere)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"linkrescue: {text}: not a WARC file (Unknown archive format)"
    ]
    assert not (elsewhere / "rescued").exists()  # nothing created for a wrong file

    nostore = linkrescue("export", "--warc", tmp_path / "x.warc.gz", cwd=elsewhere)
    assert nostore.returncode == 2
    assert "no store here" in nostore.stderr


def test_a_damaged_capture_is_left_out_of_the_export(archive: Pywb, tmp_path: Path) -> None:
    first = tmp_path / "first"
    make_corpus(first)
    write_config(first, archive.url)
    rescue(first)
    store = first / "rescued"
    blob = next(p for p in (store / ".objects").rglob("*") if p.is_file())
    shutil.copyfile(blob, tmp_path / "copy")  # break the hard link, then damage the object
    blob.unlink()
    damaged = bytearray((tmp_path / "copy").read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    blob.write_bytes(bytes(damaged))
    out = tmp_path / "out.warc.gz"
    done = linkrescue("export", "--warc", out, cwd=first)
    assert done.returncode == 1, done.stderr
    [line] = [x for x in done.stdout.splitlines() if x.startswith("skipped: ")]
    assert "does not hash to its name (damaged)" in line
    assert f"{len(CAPTURES) - 1} records" in done.stderr
