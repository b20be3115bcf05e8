"""What a stored body *is*, from its first bytes, and which media type the store records.

Why: the ``Content-Type`` a capture is played back with is what the origin (or a
proxy in front of it) said at crawl time, and misconfigured servers label JPEGs
``text/html`` and error pages ``image/jpeg``. The store names a file by its media
type (``photo.jpg`` vs ``photo.jpg.html``) and a rewritten image reference must
open an image, so the bytes decide first, then the archive's index (the CDX
``mimetype`` of the row these bytes were listed with), then the header.

The signatures are those of the WHATWG MIME Sniffing Standard (§7.1 image type
patterns, §7.3 the HTML patterns of "identifying a resource with an unknown MIME
type"), plus AVIF/HEIC (ISO-BMFF ``ftyp`` brands), JPEG XL, SVG and PDF.

HTML is recognised from the bytes only against a claim that it is not text: a
GitHub README captured as ``text/markdown`` or a script as ``text/javascript``
may well begin with ``<p align="center">`` or ``<!--``, and stays what it says.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Bytes of a body looked at (the WHATWG standard reads at most 1445).
SNIFF_BYTES = 1445

#: Media types that say nothing about the bytes (CDX ``unk``, revisit rows, "binary").
UNINFORMATIVE = frozenset(
    {"", "unk", "unknown", "warc/revisit", "application/octet-stream", "binary/octet-stream"}
)

#: Spellings of one media type seen in real captures, mapped to the registered one.
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/vnd.microsoft.icon": "image/x-icon",
    "image/ico": "image/x-icon",
    "image/x-ms-bmp": "image/bmp",
    "image/svg": "image/svg+xml",
    "application/x-pdf": "application/pdf",
}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"\x00\x00\x02\x00", "image/x-icon"),  # .cur
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\xff\x0a", "image/jxl"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "image/jxl"),
    (b"%PDF-", "application/pdf"),
)
_FTYP_BRANDS = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
}
_HTML_TAGS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
)
_TAG_END = frozenset(b" >\t\n\x0c\r")
_WHITESPACE = b" \t\n\x0c\r"


def normalize(mimetype: str | None) -> str:
    """``Image/JPG; charset=x`` → ``image/jpeg``; empty when there is none."""
    main = (mimetype or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(main, main)


def sniff(head: bytes) -> str | None:
    """The media type the first bytes of a body prove, or None when they prove none."""
    for magic, mimetype in _MAGIC:
        if head.startswith(magic):
            return mimetype
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _FTYP_BRANDS:
        return _FTYP_BRANDS[head[8:12]]
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(_WHITESPACE).lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "image/svg+xml"
    for tag in _HTML_TAGS:
        if text.startswith(tag) and len(text) > len(tag) and text[len(tag)] in _TAG_END:
            return "text/html"
    return None


def is_image(mimetype: str | None) -> bool:
    return normalize(mimetype).startswith("image/")


def fits_image(head: bytes) -> bool:
    """Whether a body that starts with ``head`` can stand for an image reference.

    Only image bytes do, whatever the label: an image captured as ``text/html``
    (a misconfigured origin) fits, and an error page or an empty body captured as
    ``image/jpeg`` does not.
    """
    return is_image(sniff(head))


@dataclass(frozen=True, slots=True)
class MediaType:
    """The media type a stored body is recorded and named with, and how it was decided.

    ``note`` is empty when every source agreed; else it says which disagreed
    (``Content-Type text/html, but the bytes are image/jpeg``), for the index
    and the report.
    """

    mimetype: str | None
    sniffed: str | None
    note: str = ""


def _says_text(mimetype: str) -> bool:
    """A claim that the body is some text other than HTML (CSS, JS, Markdown, JSON…)."""
    return (mimetype.startswith("text/") and mimetype != "text/html") or mimetype in (
        "application/javascript",
        "application/json",
        "application/xml",
    )


def decide(head: bytes, *, index: str | None, header: str | None) -> MediaType:
    """The media type of a body whose first bytes are ``head``: the bytes, then the
    archive index's type, then the ``Content-Type`` header."""
    sniffed = sniff(head)
    claims = [
        (name, normalize(value))
        for name, value in (("the archive's index", index), ("Content-Type", header))
        if normalize(value) not in UNINFORMATIVE
    ]
    if sniffed == "text/html" and claims and _says_text(claims[0][1]):
        sniffed = None  # a text format that may start like HTML: it is what it says
    chosen = sniffed or (claims[0][1] if claims else None)
    disagree = [f"{name} {value}" for name, value in claims if value != chosen]
    note = ""
    if disagree:
        basis = f"the bytes are {chosen}" if sniffed else f"stored as {chosen}"
        note = f"{' and '.join(disagree)}, but {basis}"
    return MediaType(chosen, sniffed, note)
