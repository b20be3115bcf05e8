"""What the test archive holds: every capture with its exact bytes, and a WARC built from them.

Tests assert byte-identity against :data:`CAPTURES`, so the bytes live here and the
WARC is generated from them (with warcio, the way a crawler would write it); nothing
is downloaded. The shapes mirror the corpora the tool serves (see
``docs/corpus-patterns.md``): outlet asset hosts with many images under one
path prefix, percent-encoded CJK paths, captured redirects and error pages.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def png_bytes(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid, deterministic PNG of one colour (no image library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def jpeg_like(tag: bytes) -> bytes:
    """JPEG-shaped bytes (SOI, APP0 JFIF, a comment, EOI): enough for media-type sniffing."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    com = b"linkrescue test " + tag
    return (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", len(app0) + 2)
        + app0
        + b"\xff\xfe"
        + struct.pack(">H", len(com) + 2)
        + com
        + b"\xff\xd9"
    )


def html(title: str, body: str = "") -> bytes:
    return (
        f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{title}</title>"
        f"<link rel='stylesheet' href='/static/site.css'></head>\n"
        f"<body><h1>{title}</h1>{body}</body></html>\n"
    ).encode()


@dataclass(frozen=True)
class Cap:
    """One capture: what the crawler saw at ``timestamp`` when it fetched ``url``."""

    url: str  # as the live site spelt it (may contain raw non-ASCII)
    timestamp: str
    body: bytes
    content_type: str | None = "text/html; charset=utf-8"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    gzip_body: bool = False  # stored with Content-Encoding: gzip, as a server sent it
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def warc_uri(self) -> str:
        """The URI as a crawler writes it in the WARC: UTF-8 percent-encoded."""
        return quote(self.url, safe=":/?&=%#;,+@!$'()*~")

    @property
    def wire_body(self) -> bytes:
        """The payload exactly as stored (gzipped when the server sent it gzipped)."""
        return gzip.compress(self.body, mtime=0) if self.gzip_body else self.body


def moved(url: str, timestamp: str, to: str, status: int = 302, body: bytes = b"") -> Cap:
    """A captured redirect: what the site answered at crawl time was "go to ``to``"."""
    return Cap(url, timestamp, body, status=status, headers=(("Location", to),))


MOVED_BODY = b"<html><body>Moved</body></html>"
ASSETS = "https://assets.example.com/media/photos"
NEWS = "https://news.example.com"
CJK = "https://www.example-news.com/news_新聞/圖片.jpg"

PNG_CAT = png_bytes(3, 2, (200, 30, 30))
JPEG_DOG = jpeg_like(b"dog")
JPEG_CJK = jpeg_like("圖片".encode())
LOGO_2020 = png_bytes(2, 2, (0, 0, 255))
LOGO_2021 = png_bytes(2, 2, (0, 255, 0))
BROKEN_OK = png_bytes(1, 1, (9, 9, 9))
CSS = b"body { font-family: serif; }\nh1 { color: #333; }\n"
PAGE_1 = html("Article one", "<p>First article.</p><img src='/media/photos/cat.png'>")
PAGE_2 = html("Article two", "<p>Second article, where the old one moved.</p>")
GZ_PAGE = html("Compressed", "<p>" + "stored gzipped " * 40 + "</p>")
HOME_2020 = html("Home 2020")
HOME_2021 = html("Home 2021")
ERROR_PAGE = html("Not Found", "<p>The image you asked for is gone.</p>")
NOT_FOUND_BODY = html("404", "<p>Gone.</p>")
PREFIX_IMAGES = {f"{ASSETS}/batch/p{i:02d}.png": png_bytes(1, 1, (i, i, i)) for i in range(30)}

# The Stand News, as the Wayback Machine holds it: captured redirects judged by where
# they lead (issue 8). The site closed on 2021-12-29; later captures of its articles
# are 302s to the front page.
STAND = "https://www.thestandnews.com"
STAND_PHOTOS = "https://assets.thestandnews.com/media/photos"
#: An image whose CDN path changed: its URL captured only as a 301 (text/html) to the
#: new path, which was captured as the image.
MOVED_IMAGE = f"{STAND_PHOTOS}/DpQl3cVh_police-raid.jpg"
MOVED_IMAGE_TARGET = (
    "https://assets.thestandnews.com/media/CACHE/images/photos/DpQl3cVh_police-raid/8b1a9953.jpg"
)
JPEG_MOVED = jpeg_like(b"moved cdn path")
#: An article whose nearest capture is a 302 to the front page; an older one is the article.
ARTICLE_REDIRECTED = f"{STAND}/politics/立法會選舉-投票率創新低/"
ARTICLE_PAGE = html("立法會選舉投票率創新低", "<p>投票率 30.2%，創回歸以來新低。</p>")
#: An article only ever captured as a 302 to the front page.
ARTICLE_GONE = f"{STAND}/politics/記者會全文/"
STAND_FRONT = html("立場新聞 Stand News", "<p>立場新聞已停止運作。</p>")
#: A Citizen News-shaped article captured only as a 302 to the site's "not found" page.
CN_ERROR_REDIRECTED = "https://www.example-news.com/article/46771/"
CN_NOT_FOUND = html("找不到頁面", "<p>Page not found</p>")
#: An image behind hotlink protection: its three nearest captures are 302s to gallery
#: pages (HTML), only a far older one is the image; more than a rescue tries (3).
HOTLINKED_IMAGE = f"{STAND_PHOTOS}/hotlinked-budget.jpg"
JPEG_HOTLINKED = jpeg_like(b"hotlinked")
#: A government press release, captured without the session id its reference carries.
GOV_PRESS_RELEASE = "https://www.info.gov.hk/gia/general/202112/29/P2021122900543.htm"
GOV_PRESS = html("Government press release", "<p>LegCo election results.</p>")
#: An image its origin labelled text/html (a misconfigured CDN): the index row says
#: text/html, the bytes are a JPEG; judged by the bytes, whichever way it is found.
MISLABELLED_IMAGE = "https://img.citizennews.example/2021/12/mislabelled.jpg"
JPEG_MISLABELLED = jpeg_like(b"labelled text/html")
#: An image whose nearest capture is an HTML error page served 200, an older one the image.
ERROR_THEN_IMAGE = "https://img.citizennews.example/2021/12/error-then-image.jpg"
JPEG_BEFORE_ERROR = jpeg_like(b"before the error page")

CAPTURES: list[Cap] = [
    Cap(f"{ASSETS}/cat.png", "20211229095346", PNG_CAT, "image/png"),
    Cap(f"{ASSETS}/dog.jpg", "20211229095400", JPEG_DOG, "image/jpeg"),
    Cap(CJK, "20211230101010", JPEG_CJK, "image/jpeg"),
    Cap(f"{NEWS}/article/1", "20211229100000", PAGE_1),
    Cap(f"{NEWS}/article/2", "20211229100500", PAGE_2),
    Cap(f"{NEWS}/static/site.css", "20211229100001", CSS, "text/css"),
    Cap(f"{NEWS}/compressed", "20211229100100", GZ_PAGE, gzip_body=True),
    # A captured 301 to another captured URL.
    moved(f"{NEWS}/old-article", "20211229100400", f"{NEWS}/article/2", 301, MOVED_BODY),
    # A captured 404 (the site itself answered 404 at crawl time).
    Cap(f"{NEWS}/gone", "20211229100200", NOT_FOUND_BODY, status=404),
    # The same URL at two timestamps with different bytes.
    Cap(f"{ASSETS}/logo.png", "20200101000000", LOGO_2020, "image/png"),
    Cap(f"{ASSETS}/logo.png", "20211201000000", LOGO_2021, "image/png"),
    # An image URL captured as an HTML error page (wrong media type), nearest to late
    # 2021, while an older capture holds the real image.
    Cap(f"{ASSETS}/broken.png", "20210601000000", BROKEN_OK, "image/png"),
    Cap(f"{ASSETS}/broken.png", "20211229120000", ERROR_PAGE),
    # An image URL only ever captured as an HTML page.
    Cap(f"{ASSETS}/only-html.png", "20211229120000", ERROR_PAGE),
    # Captured redirects in a circle.
    moved(f"{NEWS}/loop-a", "20211229110000", f"{NEWS}/loop-b"),
    moved(f"{NEWS}/loop-b", "20211229110000", f"{NEWS}/loop-a"),
    # A chain of 12 captured redirects: longer than the 10 hops a client follows.
    *[moved(f"{NEWS}/hop/{i}", "20211229111000", f"{NEWS}/hop/{i + 1}") for i in range(12)],
    Cap(f"{NEWS}/hop/12", "20211229111000", html("End of chain")),
    # A short chain (3 hops) that ends in an image.
    *[moved(f"{NEWS}/img-hop/{i}", "20211229111000", f"{NEWS}/img-hop/{i + 1}") for i in range(3)],
    Cap(f"{NEWS}/img-hop/3", "20211229111000", PNG_CAT, "image/png"),
    # Many images under one path prefix: one CDX prefix query answers for all.
    *[Cap(url, "20211229090000", body, "image/png") for url, body in sorted(PREFIX_IMAGES.items())],
    # Captured redirects judged by where they lead (see STAND above).
    moved(MOVED_IMAGE, "20211229095500", MOVED_IMAGE_TARGET, 301, MOVED_BODY),
    Cap(MOVED_IMAGE_TARGET, "20211229095510", JPEG_MOVED, "image/jpeg"),
    Cap(ARTICLE_REDIRECTED, "20211220080000", ARTICLE_PAGE),
    moved(ARTICLE_REDIRECTED, "20211230120000", f"{STAND}/"),
    moved(ARTICLE_GONE, "20211230121000", f"{STAND}/"),
    Cap(f"{STAND}/", "20211230120500", STAND_FRONT),
    moved(CN_ERROR_REDIRECTED, "20211231090000", "https://www.example-news.com/notfound"),
    Cap("https://www.example-news.com/notfound", "20211231090001", CN_NOT_FOUND, status=200),
    Cap(GOV_PRESS_RELEASE, "20211229103000", GOV_PRESS),
    Cap(HOTLINKED_IMAGE, "20210101000000", JPEG_HOTLINKED, "image/jpeg"),
    *[
        c
        for day in (27, 28, 29)
        for c in (
            moved(HOTLINKED_IMAGE, f"202112{day}100000", f"{STAND}/gallery/budget-{day}"),
            Cap(f"{STAND}/gallery/budget-{day}", f"202112{day}100001", html(f"Gallery {day}")),
        )
    ],
    Cap(MISLABELLED_IMAGE, "20211229100000", JPEG_MISLABELLED, "text/html"),
    Cap(ERROR_THEN_IMAGE, "20211201000000", JPEG_BEFORE_ERROR, "image/jpeg"),
    Cap(ERROR_THEN_IMAGE, "20211229100000", ERROR_PAGE),
]


def by_url(url: str) -> list[Cap]:
    return [c for c in CAPTURES if c.url == url]


def _http_headers(cap: Cap) -> StatusAndHeaders:
    reasons = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found"}
    headers: list[tuple[str, str]] = []
    if cap.content_type:
        headers.append(("Content-Type", cap.content_type))
    if cap.gzip_body:
        headers.append(("Content-Encoding", "gzip"))
    headers.extend(cap.headers)
    headers.append(("Content-Length", str(len(cap.wire_body))))
    return StatusAndHeaders(f"{cap.status} {reasons[cap.status]}", headers, protocol="HTTP/1.1")


def _iso(ts: str) -> str:
    return f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}Z"


def write_warc(path: Path, captures: Iterable[Cap] = CAPTURES) -> Path:
    """Write every capture (default :data:`CAPTURES`) as a gzipped WARC response record."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for cap in captures:
            record = writer.create_warc_record(
                cap.warc_uri,
                "response",
                payload=BytesIO(cap.wire_body),
                length=len(cap.wire_body),
                http_headers=_http_headers(cap),
                warc_headers_dict={"WARC-Date": _iso(cap.timestamp)},
            )
            writer.write_record(record)
    return path
