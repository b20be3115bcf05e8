"""A real browser for the HTML report's tests: Debian's headless Chromium, network off.

``tests/run.sh`` installs it (``apt-get install chromium``) where it is missing. The
network is taken away twice: every request goes to a proxy on a port nothing listens
on, and every name resolves to "not found"; a page that asks anything of the network
shows the gap (a broken image, no style) instead of filling it.
"""

from __future__ import annotations

import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")

_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def _run(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # Not a skip: a report nobody checked in a browser is the defect this test is for.
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: tests/run.sh installs it (apt-get)"
    profile.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(CHROMIUM), *_FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def dump_dom(page: Path, profile: Path) -> str:
    """The page's DOM as Chromium built it from ``file://``, serialized."""
    done = _run(page, profile, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(
    page: Path,
    profile: Path,
    png: Path,
    *,
    size: tuple[int, int] = (1280, 2400),
    extra: tuple[str, ...] = (),
) -> Path:
    """A PNG of the page as Chromium draws it, in a window of ``size``; ``extra``
    flags (``--log-net-log=FILE``: every request it made, to show none left)."""
    done = _run(page, profile, f"--screenshot={png}", f"--window-size={size[0]},{size[1]}", *extra)
    assert done.returncode == 0, done.stderr[-2000:]
    return png


def page_requests(netlog: Path) -> list[str]:
    """The URLs the page itself asked the network for, from a ``--log-net-log`` file.

    Chromium's own background requests (its clock, updates, accounts) are started by
    the browser, "not an origin"; a page's requests carry the page's origin (``null``
    for a file). ``file:`` loads never reach the network stack, so they are not here.
    """
    log = json.loads(netlog.read_text(encoding="utf-8", errors="replace"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start
        and event.get("params", {}).get("initiator", "not an origin") != "not an origin"
    ]


class _Reader(HTMLParser):
    """What a reader sees of a DOM: its text, and the totals table's rows by path."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.totals: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._row: str | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag in ("style", "script", "title"):
            self._skip += 1
        if tag == "tr" and found.get("data-total"):
            self._row = found["data-total"]
            self.totals[self._row or ""] = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self._skip -= 1
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._row is not None and data.strip():
            self.totals[self._row].append(data.strip())


def read_dom(dom: str) -> _Reader:
    reader = _Reader()
    reader.feed(dom)
    return reader


def shown_totals(dom: str) -> dict[str, str]:
    """The totals table as rendered: JSON path → the number shown next to it."""
    return {path: cells[1] for path, cells in read_dom(dom).totals.items()}


def png_size(png: Path) -> tuple[int, int]:
    """A PNG's width and height, from its IHDR chunk."""
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def pixels(png: Path) -> tuple[int, int, list[bytes]]:
    """A screenshot's rows of RGB(A) bytes: 8-bit, truecolour, not interlaced, as
    Chromium writes them (no image library in the tests' dependencies)."""
    import struct
    import zlib

    data = png.read_bytes()
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line) if channels == 3 else bytes(_rgb(line)))
        previous = line
    return width, height, rows


def _rgb(line: bytearray) -> bytearray:
    out = bytearray()
    for i in range(0, len(line), 4):
        out += line[i : i + 3]
    return out


def count_colour(png: Path, rgb: tuple[int, int, int], tolerance: int = 12) -> int:
    """How many pixels of the screenshot are ``rgb`` (within ``tolerance`` per channel)."""
    _, _, rows = pixels(png)
    found = 0
    r0, g0, b0 = rgb
    for row in rows:
        for i in range(0, len(row), 3):
            r, g, b = row[i], row[i + 1], row[i + 2]
            if abs(r - r0) <= tolerance and abs(g - g0) <= tolerance and abs(b - b0) <= tolerance:
                found += 1
    return found
