"""The URL → store path mapping: readable for people, contained whatever the URL.

Here too: committing every hostile URL to a real store on disk writes nothing outside it.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from linkrescue.archive.model import Capture
from linkrescue.archive.store.paths import (
    MAX_COMPONENT_BYTES,
    MAX_PATH_BYTES,
    fold,
    store_path,
    tagged,
)
from linkrescue.archive.store.store import Store, StoredResource

HOSTILE = [
    "http://x/../../etc/passwd",
    "http://x/%2e%2e/%2E%2E/etc/passwd",
    "http://x/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "http://x/..%5c..%5cwindows%5cwin.ini",
    "http://x/a%00b.png",
    "http://x/\x00/\x01\x7f.png",
    "C:\\x",
    "C:\\Windows\\System32\\drivers\\etc\\hosts",
    "\\\\server\\share\\x",
    "/etc/passwd",
    "file:///etc/passwd",
    "http://x/" + "a" * 5000,
    "http://x/" + "新" * 5000 + ".png",
    "http://x/a?b=../../c",
    "http://x/a?b=%2F..%2F..%2Fc",
    "http://../x",
    "http://%2e%2e/x",
    "http://x:99999999999999/../a",
    "http://[::1/../../x",
    "http://x/.htaccess",
    "http://x/CON",
    "http://x/a/nul.txt",
    'http://x/a<>:"|?*.png',
    "http://x/trailing.. ",
    "http://index.sqlite3/",
    "http://.objects/x",
    "http://x/" + "/".join(["..."] * 3),
    "http://x/" + "/".join(["b" * 199] * 40),
    "",
    "..",
    "\ud800\udfff",
]
FORBIDDEN = set('<>:"|?*/\\\x00')


def assert_safe(path: PurePosixPath) -> None:
    """What a user (and the OS) needs of a store path, checked component by component."""
    assert not path.is_absolute()
    assert len(path.parts) >= 2
    assert len(path.as_posix().encode()) <= MAX_PATH_BYTES
    for part in path.parts:
        assert part not in ("", ".", "..")
        assert not FORBIDDEN & set(part), part
        assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in part), part
        assert part == part.strip(" ."), part
        assert len(part.encode("utf-8")) <= MAX_COMPONENT_BYTES  # strict: no lone surrogates
        assert unicodedata.normalize("NFC", part) == part
    root = "/srv/store"
    joined = os.path.normpath(os.path.join(root, path.as_posix()))
    assert joined.startswith(root + "/")


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_map_inside(url: str) -> None:
    for mimetype in (None, "text/html", "image/png"):
        assert_safe(store_path(url, mimetype))


def test_dot_segments_resolve_like_a_browser_but_never_above_the_host() -> None:
    assert store_path("http://x/../../etc/passwd") == PurePosixPath("x/etc/passwd")
    assert store_path("http://x/a/%2E%2e/b") == PurePosixPath("x/b")
    # Encoded slashes are not separators: the name stays one (sanitized) component.
    assert store_path("http://x/%2e%2e%2fetc%2fpasswd") == PurePosixPath("x/_etc_passwd")


def test_cjk_stays_readable() -> None:
    encoded = "https://www.example-news.com/news_%E6%96%B0%E8%81%9E/%E5%9C%96%E7%89%87.jpg"
    raw = "https://www.example-news.com/news_新聞/圖片.jpg"
    expected = PurePosixPath("www.example-news.com/news_新聞/圖片.jpg")
    assert store_path(encoded, "image/jpeg") == expected
    assert store_path(raw) == expected


def test_bytes_that_are_not_utf8_stay_visible() -> None:
    assert store_path("http://x/%B7s%BBD.png") == PurePosixPath("x/%B7s%BBD.png")


@pytest.mark.parametrize(
    ("url", "mimetype", "expected"),
    [
        ("http://x", None, "x/index.html"),
        ("http://x/", "text/html", "x/index.html"),
        ("http://x/section/", None, "x/section/index.html"),
        ("http://x/feed/", "application/rss+xml", "x/feed/index.rss"),
        ("http://x/article/12345", "text/html", "x/article/12345.html"),
        ("http://x/page.php", "text/html", "x/page.php.html"),
        ("http://x/photo.JPG", "image/jpeg", "x/photo.JPG"),
        ("http://x/photo.jpeg", "image/jpeg; charset=binary", "x/photo.jpeg"),
        ("http://x/photo", "image/png", "x/photo.png"),
        ("http://x/blob", "application/octet-stream", "x/blob"),
        ("http://x/photo.jpg?w=300", None, "x/photo@q=w=300.jpg"),
        ("http://x/?p=12", "text/html", "x/index@q=p=12.html"),
        ("http://x/a.php?id=3&b=%E4%B8%AD", "text/html", "x/a@q=id=3&b=中.php.html"),
        ("http://x/a?b=../../c", None, "x/a@q=b=.._.._c"),
    ],
)
def test_file_names(url: str, mimetype: str | None, expected: str) -> None:
    assert store_path(url, mimetype) == PurePosixPath(expected)


@pytest.mark.parametrize(
    ("url", "expected_host"),
    [
        ("https://WWW.Example.COM./a", "www.example.com"),
        ("http://user:secret@x.org/a", "x.org"),
        ("http://x.org:80/a", "x.org"),
        ("https://x.org:443/a", "x.org"),
        ("http://x.org:8080/a", "x.org_8080"),
        ("https://xn--fsqu00a.xn--j6w193g/a", "例子.香港"),
        ("thestandnews.com/politics/a", "thestandnews.com"),
        ("//cdn.x.org/a", "cdn.x.org"),
        ("http:/x.org/a", "x.org"),
        ("mailto:a@b.org", "_mailto"),
        ("http://[::1]:8000/a", "[__1]_8000"),
        ("http://index.sqlite3/a", "index.sqlite3_"),
    ],
)
def test_hosts(url: str, expected_host: str) -> None:
    assert store_path(url).parts[0] == expected_host


def test_windows_names_are_defused() -> None:
    assert store_path("http://x/CON") == PurePosixPath("x/CON_")
    assert store_path("http://x/lpt1.txt") == PurePosixPath("x/lpt1_.txt")
    assert store_path("http://x/a%3Ab%7Cc.txt") == PurePosixPath("x/a_b_c.txt")
    assert store_path("http://x/name. . ") == PurePosixPath("x/name")


def test_long_names_are_cut_and_tagged_distinctly() -> None:
    a = store_path("http://x/" + "新" * 300 + "a.png")
    b = store_path("http://x/" + "新" * 300 + "b.png")
    assert a != b
    for path in (a, b):
        assert path.suffix == ".png"
        assert "~" in path.name
        assert len(path.name.encode()) <= MAX_COMPONENT_BYTES


def test_deep_paths_fold_their_middle() -> None:
    url = "http://x/" + "/".join(f"{i:03}" + "d" * 100 for i in range(20)) + "/leaf.png"
    path = store_path(url)
    assert len(path.as_posix().encode()) <= MAX_PATH_BYTES
    assert path.name == "leaf.png"
    assert path.parts[1].startswith("000")
    assert path.parts[-2].startswith("_~")


def test_fold_sees_case_and_normalization_clashes() -> None:
    assert fold("x/A.png") == fold("x/a.png")
    assert fold("x/caf\u00e9") == fold("x/cafe\u0301")
    assert fold("x/a.png") != fold("x/b.png")


def test_tagged_keeps_extension_and_limit() -> None:
    assert tagged("a.png", "key", is_file=True).endswith(".png")
    assert tagged("a.png", "key", is_file=False).startswith("a.png~")
    long = tagged("x" * MAX_COMPONENT_BYTES + ".png", "key", is_file=True)
    assert len(long.encode()) <= MAX_COMPONENT_BYTES
    assert tagged("a", "k1", is_file=True) != tagged("a", "k2", is_file=True)


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()}


def put(store: Store, url: str, data: bytes, key: str) -> StoredResource:
    # The path comes from ``requested`` (the URL under test). The rescue that put
    # records keeps text as UTF-8, which a lone surrogate is not (no document can
    # hold one): the recorded URL is its printable form.
    printable = url.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    capture = Capture(url, printable, "20211229120000", "https://web.archive.org/", None,
                      len(data), hashlib.sha256(data).hexdigest(), "", None, False)  # fmt: skip
    with store.staging() as sink:
        sink.write(data)
        return store.put(sink, capture, key=key, url=printable)


def test_hostile_urls_never_escape(tmp_path: Path) -> None:
    outside_before = files_under(tmp_path)
    with Store(tmp_path / "rescued") as store:
        for i, url in enumerate(HOSTILE):
            stored = put(store, url, f"body {i}".encode(), key=f"k{i}")
            assert stored.absolute.resolve().is_relative_to(store.root)
            assert stored.absolute.read_bytes() == f"body {i}".encode()
        assert store.verify() == []
        # http://index.sqlite3/ did not clobber the index:
        assert (store.root / "index.sqlite3").read_bytes().startswith(b"SQLite format 3")
    assert files_under(tmp_path) - outside_before == {
        f"rescued/{p}" for p in files_under(tmp_path / "rescued")
    }


URL_PIECES = st.sampled_from(
    ["..", ".", "%2e%2e", "%2E.", "%2f", "%5c", "\\", "/", "%00", "\x00", "?", "#", "@", ":",
     "C:", "%", "%zz", "%ff", "~", " ", ".. ", "CON", "新聞", "\u202e", "\ud800", "a" * 250]
)  # fmt: skip
URLS = st.builds(
    lambda scheme, host, pieces: scheme + host + "".join(pieces),
    st.sampled_from(["http://", "https://", "//", "", "C:\\", "file:///", "mailto:", "x:"]),
    st.one_of(st.text(max_size=20), st.sampled_from(["x.org", "..", "[::1]:8080", "a@b:c"])),
    st.lists(st.one_of(URL_PIECES, st.text(max_size=12)), max_size=40),
)


@settings(max_examples=1500, deadline=None)
@given(url=st.one_of(st.text(), URLS), mimetype=st.one_of(st.none(), st.text(max_size=30),
       st.sampled_from(["text/html", "image/png", "application/rss+xml"])))  # fmt: skip
@example(url="http://x/../../etc/passwd", mimetype=None)
def test_any_string_maps_to_a_safe_relative_path(url: str, mimetype: str | None) -> None:
    path = store_path(url, mimetype)
    assert_safe(path)
    assert store_path(url, mimetype) == path  # Deterministic: reruns find the same file.
