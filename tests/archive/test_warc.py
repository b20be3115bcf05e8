"""WARC export and import of the store (archive/store/warc.py), checked by warcio itself.

Real stores on disk, real WARC files; the files written are read back by warcio's own
command line (``warcio check``: every digest; ``warcio index``: every record) and by
its iterator, the way pywb and every other WARC tool would read them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from linkrescue.archive.model import Capture, Outcome
from linkrescue.archive.store.store import Store
from linkrescue.archive.store.warc import (
    ImportSummary,
    NotAWarc,
    check_warc,
    export_warc,
    import_warc,
)
from linkrescue.archive.urls import encode_url, resource_key
from tests.support.archive_content import html, png_bytes

WARCIO = Path(sys.executable).with_name("warcio")
SOFTWARE = "linkrescue/0.1.0"

PAGE = html("Article one", "<p>開始</p><img src='/media/cat.png'>")
PNG = png_bytes(3, 2, (200, 30, 30))
EVERY_BYTE = bytes(range(256)) * 3
CJK = "https://www.example-news.com/news_新聞/圖片.bin"

#: url, timestamp, bytes, Content-Type as the capture was played back with
CAPTURES = [
    ("https://news.example.com/article/1", "20210624010203", PAGE, "text/html; charset=utf-8"),
    ("https://assets.example.com/media/cat.png", "20211229095346", PNG, "image/png"),
    (CJK, "20200101000000", EVERY_BYTE, "application/octet-stream"),
    ("https://news.example.com/empty.txt", "20190505050505", b"", "text/plain"),
]


def put(store: Store, url: str, timestamp: str, data: bytes, mimetype: str | None) -> str:
    """Store ``data`` as a rescue would (the key a reference to ``url`` gets); its key."""
    encoded = encode_url(url)
    capture = Capture(
        requested=encoded,
        original=encoded,
        timestamp=timestamp,
        archive_url=f"https://web.archive.org/web/{timestamp}id_/{encoded}",
        mimetype=mimetype,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        sha1_base32="",
        cdx_digest=None,
        verified=True,
    )
    key = resource_key(encoded)
    with store.staging() as sink:
        sink.write(data)
        store.put(sink, capture, key=key, url=encoded, archive="https://web.archive.org")
    return key


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "rescued") as store:
        for url, timestamp, data, mimetype in CAPTURES:
            put(store, url, timestamp, data, mimetype)
        yield store


def stored_bytes(store: Store) -> dict[str, tuple[str, str | None, bytes]]:
    """key -> (url, timestamp, the bytes of its content object) of every rescued resource."""
    found = {}
    for resource in store.index.resources(Outcome.RESCUED):
        assert resource.sha256 is not None
        blob = store.root / ".objects" / resource.sha256[:2] / resource.sha256
        found[resource.key] = (resource.url, resource.timestamp, blob.read_bytes())
    return found


def warcio(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WARCIO), *map(str, args)], capture_output=True, text=True, check=False
    )


def records_of(path: Path) -> list[tuple[str, dict[str, str], StatusAndHeaders | None, bytes]]:
    with path.open("rb") as file:
        return [
            (
                r.rec_type,
                dict(r.rec_headers.headers),
                r.http_headers,
                r.content_stream().read(),
            )
            for r in ArchiveIterator(file)
        ]


@pytest.mark.parametrize("name", ["out.warc.gz", "out.warc"])
def test_export_is_a_valid_warc_and_imports_back_byte_identical(
    filled: Store, tmp_path: Path, name: str
) -> None:
    out = tmp_path / name
    summary = export_warc(filled, out, software=SOFTWARE)
    assert (summary.records, summary.skipped) == (len(CAPTURES), ())
    assert summary.bytes == sum(len(c[2]) for c in CAPTURES)
    assert summary.warc_bytes == out.stat().st_size
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{name}")] == []

    checked = warcio("check", "-v", out)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "digest pass" in checked.stdout
    indexed = warcio("index", "-f", "warc-type,warc-target-uri,warc-date,length", out)
    assert indexed.returncode == 0, indexed.stderr
    rows = [json.loads(line) for line in indexed.stdout.splitlines()]
    assert [r["warc-type"] for r in rows] == ["warcinfo"] + ["response"] * len(CAPTURES)
    assert {r["warc-target-uri"] for r in rows[1:]} == {encode_url(c[0]) for c in CAPTURES}
    assert "2021-06-24T01:02:03Z" in {r["warc-date"] for r in rows}

    records = records_of(out)
    kind, info, _, body = records[0]
    assert kind == "warcinfo" and info["WARC-Filename"] == name
    assert f"software: {SOFTWARE}".encode() in body
    by_uri = {
        headers["WARC-Target-URI"]: (headers, http, body) for _, headers, http, body in records[1:]
    }
    for url, timestamp, data, mimetype in CAPTURES:
        headers, http, body = by_uri[encode_url(url)]
        assert body == data
        t = timestamp
        assert headers["WARC-Date"] == f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:]}Z"
        assert headers["Content-Type"] == "application/http; msgtype=response"
        assert headers["WARC-Payload-Digest"].startswith("sha1:")
        assert headers["WARC-Block-Digest"].startswith("sha1:")
        assert headers["WARC-Date"].endswith("Z") and len(headers["WARC-Date"]) == 20
        assert http is not None and http.statusline == "200 OK"
        assert http.get_header("Content-Type") == mimetype
        assert http.get_header("Content-Length") == str(len(data))
    page_http = by_uri[CAPTURES[0][0]][1]
    assert page_http is not None
    assert page_http.get_header("Content-Type") == "text/html; charset=utf-8"
    head = out.read_bytes()[:10]
    assert head.startswith(b"\x1f\x8b") if name.endswith(".gz") else head == b"WARC/1.1\r\n"

    with Store(tmp_path / "fresh") as fresh:
        done = import_warc(fresh, out, archive_label=f"warc:{name}")
        assert (done.imported, done.skipped, done.problems) == (len(CAPTURES), (), ())
        assert done.bytes == summary.bytes
        assert stored_bytes(fresh) == stored_bytes(filled)
        for resource in fresh.index.resources(Outcome.RESCUED):
            assert resource.verified is True
            assert resource.archive == f"warc:{name}"
            assert resource.path is not None
            assert (fresh.root / resource.path).is_file()
        assert fresh.verify() == []


def test_export_of_some_keys_from_a_store_folder(tmp_path: Path) -> None:
    with Store(tmp_path / "rescued") as store:
        keys = [put(store, *capture) for capture in CAPTURES]
    # The folder is only read: no staging folder is made, no lock taken.
    out = tmp_path / "some.warc.gz"
    summary = export_warc(
        tmp_path / "rescued", out, [keys[1], "https://nowhere.example/"], software=SOFTWARE
    )
    assert summary.records == 1
    assert [h["WARC-Target-URI"] for _, h, _, _ in records_of(out)[1:]] == [CAPTURES[1][0]]
    assert list((tmp_path / "rescued" / ".staging").iterdir()) == []
    assert not (tmp_path / "rescued" / ".lock").exists()


def test_a_damaged_content_object_is_skipped_with_a_reason(filled: Store, tmp_path: Path) -> None:
    png = filled.index.lookup(resource_key(CAPTURES[1][0]))
    assert png is not None and png.sha256 is not None
    blob = filled.root / ".objects" / png.sha256[:2] / png.sha256
    with blob.open("r+b") as file:  # same size, one byte changed
        file.seek(20)
        byte = file.read(1)
        file.seek(20)
        file.write(bytes([byte[0] ^ 0xFF]))
    out = tmp_path / "out.warc.gz"
    summary = export_warc(filled, out, software=SOFTWARE)
    assert summary.records == len(CAPTURES) - 1
    [skipped] = summary.skipped
    assert skipped.key == png.key
    assert "does not hash to its name (damaged)" in skipped.reason
    assert CAPTURES[1][0] not in {h.get("WARC-Target-URI") for _, h, _, _ in records_of(out)}
    assert warcio("check", out).returncode == 0

    page = filled.index.lookup(resource_key(CAPTURES[0][0]))
    assert page is not None and page.sha256 is not None
    (filled.root / ".objects" / page.sha256[:2] / page.sha256).unlink()
    again = export_warc(filled, out, software=SOFTWARE)
    assert again.records == len(CAPTURES) - 2
    assert {s.reason.split(" ")[-1] for s in again.skipped} == {"missing", "(damaged)"}


def test_the_browsable_file_is_not_what_is_exported(filled: Store, tmp_path: Path) -> None:
    """The object keeps the capture; a browsable file rewritten in place (a sanitized view of
    a page, after its hard link was broken) is not the capture."""
    page = filled.index.lookup(resource_key(CAPTURES[0][0]))
    assert page is not None and page.path is not None
    browsable = filled.root / page.path
    browsable.unlink()
    browsable.write_bytes(b"<p>a rewritten view</p>")
    out = tmp_path / "out.warc.gz"
    export_warc(filled, out, software=SOFTWARE)
    bodies = {h.get("WARC-Target-URI"): body for _, h, _, body in records_of(out)}
    assert bodies[CAPTURES[0][0]] == PAGE


def write_warc(path: Path, records: list[tuple[str, ...]], *, gz: bool = True) -> list[int]:
    """A WARC of hand-made records: ("response", uri, date, status, content type, body,
    [content-encoding]) or ("revisit", uri, date, digest-of-uri); their offsets."""
    offsets = []
    digests: dict[str, str] = {}
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gz, warc_version="WARC/1.1")
        for spec in records:
            offsets.append(out.tell())
            if spec[0] == "response":
                _, uri, date, status, content_type, body, *encoding = spec
                payload = body.encode("latin-1")
                fields = [("Content-Type", content_type), ("Content-Length", str(len(payload)))]
                if encoding:
                    fields.append(("Content-Encoding", encoding[0]))
                record = writer.create_warc_record(
                    uri,
                    "response",
                    payload=BytesIO(payload),
                    length=len(payload),
                    http_headers=StatusAndHeaders(status, fields, protocol="HTTP/1.1"),
                    warc_headers_dict={"WARC-Date": date},
                )
                digests[uri] = record.rec_headers.get_header("WARC-Payload-Digest")
            else:
                _, uri, date, original = spec
                record = writer.create_revisit_record(
                    uri,
                    digests.get(original, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                    original,
                    "2021-01-01T00:00:00Z",
                    http_headers=StatusAndHeaders(
                        "200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1"
                    ),
                    warc_headers_dict={"WARC-Date": date},
                )
            writer.write_record(record)
    return offsets


def imported(tmp_path: Path, source: Path, name: str = "store", **kw: bool) -> ImportSummary:
    with Store(tmp_path / name) as store:
        return import_warc(store, source, archive_label="warc:test", **kw)


def test_a_revisit_imports_the_payload_of_an_earlier_record(tmp_path: Path) -> None:
    body = PNG.decode("latin-1")
    source = tmp_path / "revisits.warc.gz"
    write_warc(
        source,
        [
            ("response", "https://a.example/cat.png", "2021-01-01T00:00:00Z", "200 OK", "image/png", body),
            ("revisit", "https://a.example/cat-copy.png", "2021-02-02T02:02:02Z", "https://a.example/cat.png"),
            ("revisit", "https://a.example/other.png", "2021-02-02T02:02:02Z", "https://nowhere.example/"),
        ],
    )  # fmt: skip
    done = imported(tmp_path, source)
    assert done.imported == 2
    assert done.skipped == (("a revisit of a payload not imported from this file", 1),)
    with Store(tmp_path / "store") as store:
        copy = store.index.lookup("https://a.example/cat-copy.png")
        assert copy is not None and copy.timestamp == "20210202020202"
        assert copy.path is not None and (store.root / copy.path).read_bytes() == PNG
        assert copy.mimetype == "image/png"


def test_non_2xx_responses_are_skipped_and_counted(tmp_path: Path) -> None:
    source = tmp_path / "statuses.warc"
    write_warc(
        source,
        [
            ("response", "https://a.example/gone", "2021-01-01T00:00:00Z", "404 Not Found", "text/html", "gone"),
            ("response", "https://a.example/moved", "2021-01-01T00:00:00Z", "302 Found", "text/html", ""),
            ("response", "https://a.example/gone2", "2021-01-01T00:00:00Z", "404 Not Found", "text/html", "x"),
            ("response", "https://a.example/ok", "2021-01-01T00:00:00.123456Z", "200 OK", "text/plain", "fine"),
            ("response", "https://a.example/page", "2021-01-01T00:00:00Z", "200 OK", "text/html",
             gzip.compress(b"<p>was gzipped</p>", mtime=0).decode("latin-1"), "gzip"),
        ],
        gz=False,
    )  # fmt: skip
    done = imported(tmp_path, source)
    assert done.imported == 2
    assert done.skipped == (("HTTP 404", 2), ("HTTP 302", 1))
    assert done.skipped_total == 3
    with Store(tmp_path / "store") as store:
        page = store.index.lookup("https://a.example/page")
        assert page is not None and page.path is not None
        assert (store.root / page.path).read_bytes() == b"<p>was gzipped</p>"  # decoded
        ok = store.index.lookup("https://a.example/ok")
        assert ok is not None and ok.timestamp == "20210101000000"


def test_what_the_store_holds_is_kept_unless_replace(filled: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.warc.gz"
    export_warc(filled, out, software=SOFTWARE)
    done = import_warc(filled, out, archive_label="warc:out")
    assert done.imported == 0
    assert done.skipped == (("already in the store", len(CAPTURES)),)
    again = import_warc(filled, out, archive_label="warc:out", replace=True)
    assert again.imported == len(CAPTURES)
    page = filled.index.lookup(resource_key(CAPTURES[0][0]))
    assert page is not None and page.archive == "warc:out"


def record_starts(path: Path) -> list[int]:
    with path.open("rb") as file:
        iterator = ArchiveIterator(file)
        return [iterator.get_record_offset() for _ in iterator]


@pytest.mark.parametrize("name", ["out.warc.gz", "out.warc"])
@pytest.mark.parametrize("cut_at", ["header", "payload"])
def test_a_truncated_warc_imports_what_comes_before_the_damage(
    filled: Store, tmp_path: Path, name: str, cut_at: str
) -> None:
    out = tmp_path / name
    export_warc(filled, out, software=SOFTWARE)
    data = out.read_bytes()
    last = record_starts(out)[-1]  # the last record: the 768 bytes of EVERY_BYTE
    cut = tmp_path / f"cut-{name}"
    cut.write_bytes(data[: last + 30 if cut_at == "header" else (last + len(data)) // 2])
    done = imported(tmp_path, cut, "cut")
    assert done.imported == len(CAPTURES) - 1
    [problem] = done.problems
    assert problem.offset == last
    assert "\n" not in str(problem) and str(problem).startswith(f"record at offset {last}:")


def test_a_damaged_record_in_the_middle_is_named_and_the_next_one_read(
    filled: Store, tmp_path: Path
) -> None:
    out = tmp_path / "out.warc.gz"
    export_warc(filled, out, software=SOFTWARE)
    data = out.read_bytes()
    starts = record_starts(out)
    second, third = starts[2], starts[3]
    middle = tmp_path / "middle.warc.gz"
    middle.write_bytes(data[: second + 12] + data[third:])  # a gzip member cut short
    done = imported(tmp_path, middle)
    assert done.imported == len(CAPTURES) - 1
    [problem] = done.problems
    assert problem.offset == second
    assert f"read again from offset {second + 12}" in problem.reason


def test_uncompressed_records_run_together_are_named(filled: Store, tmp_path: Path) -> None:
    """Without gzip members nothing marks where a record cut short ends: warcio reads the
    next record's header into its own, which is said, not imported as something else."""
    out = tmp_path / "out.warc"
    export_warc(filled, out, software=SOFTWARE)
    data = out.read_bytes()
    starts = record_starts(out)
    middle = tmp_path / "middle.warc"
    middle.write_bytes(data[: starts[2] + 200] + data[starts[3] :])
    done = imported(tmp_path, middle)
    assert done.imported == len(CAPTURES) - 2
    [problem] = done.problems
    assert problem.offset == starts[2] and "run together" in problem.reason


def test_a_record_whose_bytes_do_not_match_its_digest_is_not_imported(tmp_path: Path) -> None:
    source = tmp_path / "flipped.warc"
    offsets = write_warc(
        source,
        [
            ("response", "https://a.example/1", "2021-01-01T00:00:00Z", "200 OK", "text/plain", "one " * 50),
            ("response", "https://a.example/2", "2021-01-01T00:00:00Z", "200 OK", "text/plain", "two " * 50),
        ],
        gz=False,
    )  # fmt: skip
    data = bytearray(source.read_bytes())
    data[offsets[1] - 30] = ord("X")  # inside the first record's body
    source.write_bytes(bytes(data))
    done = imported(tmp_path, source)
    assert done.imported == 1
    [problem] = done.problems
    assert problem.offset == 0 and "do not match the record's digest" in problem.reason


def test_a_file_that_is_not_a_warc_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello this is not a warc\n" * 10)
    empty = tmp_path / "empty.warc"
    empty.write_bytes(b"")
    for path in (text, empty):
        with pytest.raises(NotAWarc, match=f"{path.name}: not a WARC file"):
            check_warc(path)
        with Store(tmp_path / "s") as store, pytest.raises(NotAWarc):
            import_warc(store, path, archive_label="x")


def test_a_warc_gzipped_as_a_whole_is_named_so(filled: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.warc"
    export_warc(filled, out, software=SOFTWARE)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(out.read_bytes()))  # `gzip out.warc`, not per record
    done = imported(tmp_path, whole)
    assert done.imported == 0
    [problem] = done.problems
    assert "gzipped as a whole" in problem.reason and "warcio recompress" in problem.reason
