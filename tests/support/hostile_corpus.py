"""A corpus of nasty cases (issue 14, item 4), written by code so that it is the same
every time (a 10 MB line and a symlink are no files to commit), and the captures a
local archive holds for its hostile URLs.

Each case is what a corpus scraped from the web holds sooner or later: URLs that climb
out of a folder in every spelling a server or a file system understands, schemes that
are not the web, addresses of the machine's own network, bytes that are not UTF-8,
frontmatter with control characters, a line of 10 MB, a symlink out of the corpus.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.archive_content import Cap, png_bytes

EVIL = "https://evil.example"
TS = "20211229095346"
#: URLs that try to climb out of the store, each captured by the archive (so stored).
TRAVERSALS = (
    f"{EVIL}/../../../../etc/passwd.png",
    f"{EVIL}/a/%2e%2e/%2e%2e/%2e%2e/escape.png",
    f"{EVIL}/a%2f..%2f..%2f..%2fescape2.png",
    f"{EVIL}/a%5c..%5c..%5cescape3.png",
    f"{EVIL}/CON/aux.png",
    f"{EVIL}/{'a' * 300}.png",
    f"{EVIL}/\u2024\u2024/\u2024\u2024/lookalike.png",
    f"{EVIL}/nul%00byte.png",
    "https://\uff45\uff56\uff49\uff4c.example/fullwidth.png",
)
#: References that are not web resources: skipped with a reason, never fetched.
NOT_WEB = (
    "file:///etc/passwd",
    "javascript:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
)
#: Live links to the machine's own network: refused (``[network] allow_private``).
PRIVATE = ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:9/admin")
IMAGE = png_bytes(3, 3, (90, 10, 10))


def captures() -> list[Cap]:
    return [Cap(url, TS, IMAGE, "image/png") for url in TRAVERSALS]


def write_corpus(root: Path, outside: Path) -> dict[str, str]:
    """The corpus under ``root``; ``outside`` is a file beside it a symlink points at.
    Returns, per bad file, the words its one-line problem must hold."""
    root.mkdir(parents=True)
    # as a scraped Wayback page writes them: fetched from the archive, whatever they say
    body = "\n".join(f"![x](https://web.archive.org/web/{TS}im_/{url})" for url in TRAVERSALS)
    links = "\n".join(f"[x]({url})" for url in (*NOT_WEB, *PRIVATE))
    (root / "hostile.md").write_text(
        "---\n"
        'title: "hostile"\n'
        'original_url: "https://news.example.com/2021/hostile"\n'
        'image: "../../../../../../etc/passwd"\n'
        'cover: "/etc/shadow"\n'
        "---\n" + body + "\n\n" + links + "\n",
        encoding="utf-8",
    )
    (root / "good.md").write_text(
        f"---\ntitle: good\n---\n![ok](https://web.archive.org/web/{TS}im_/{EVIL}/CON/aux.png)\n",
        encoding="utf-8",
    )
    problems: dict[str, str] = {}
    (root / "latin1.md").write_bytes("caf\xe9 [x](https://a.example/)\n".encode("latin-1"))
    problems["latin1.md"] = "not UTF-8"
    (root / "control.md").write_text(
        '---\ntitle: "bad \x01\x02 title"\noriginal_url: "https://news.example.com/c"\n---\n'
        f"![c]({EVIL}/CON/aux.png)\n",
        encoding="utf-8",
    )
    problems["control.md"] = "control characters"
    (root / "long.md").write_text("[l](https://a.example/" + "x" * 10_000_000 + ")\n")
    problems["long.md"] = "too large"
    (root / "nul.md").write_bytes(b"[n](https://a.example/)\x00\x00binary\n")
    problems["nul.md"] = "nul.md"
    outside.write_text("[secret](https://secret.example/)\n", encoding="utf-8")
    os.symlink(outside, root / "link.md")
    problems["link.md"] = "symlink"
    return problems
