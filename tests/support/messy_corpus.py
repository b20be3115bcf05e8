"""Real-shaped corpora for the rescue/restore end-to-end tests, with the archive's captures.

Two builders, both deterministic (no randomness, no clock):

* :func:`standnews_corpus`: ``n`` Stand News articles (docs/corpus-patterns.md,
  format A): double-quoted frontmatter with a year-only Wayback ``image``, the same
  image first in the body with a caption, an image wrapped in a link to the same
  image, Facebook and government links with one 14-digit timestamp per article,
  a Citizen-News-style inline ``<img>`` with raw CJK in its ``src``, relative links
  to other articles of the corpus (percent-encoded slugs, depth 2) and to an
  article that is not in it; some references captured, some not.
* :func:`messy_corpus`: a handful of articles holding every junk shape of the
  surveyed corpora (both formats), each file written byte for byte.

Each returns ``Corpus``: the files (path relative to the corpus root -> bytes),
the captures for pywb, and the originals the captures stand for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from tests.support.archive_content import Cap, html, jpeg_like, png_bytes

WAYBACK = "http://web.archive.org/web"
ASSETS = "https://assets.thestandnews.com/media/photos"
SITE = "thestandnews.com"
TS = "20211229095346"  # the Stand News corpus' one 14-digit timestamp
GOV = "https://www.info.gov.hk/gia/general/202112/29/P2021122900321.htm"
LOGO = f"{ASSETS}/standnews-logo.png"
CITIZEN = "https://www.example-news.com"

SECTIONS = ("china", "international", "hongkong", "politics")
TOPICS = ("新疆", "國安法", "立法會", "選舉", "傳媒", "法庭", "人權", "疫情")


@dataclass
class Corpus:
    """Documents (relative path -> bytes) and the captures pywb serves for them."""

    files: dict[str, bytes] = field(default_factory=dict)
    captures: list[Cap] = field(default_factory=list)

    def write(self, root: Path) -> dict[Path, bytes]:
        """Write every file under ``root``; returns absolute path -> bytes, sorted."""
        for rel, data in self.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return {root / rel: data for rel, data in sorted(self.files.items())}


def _slug(i: int) -> str:
    return f"{TOPICS[i % len(TOPICS)]}-報道-第{i}篇-香港"


def _section(i: int) -> str:
    return SECTIONS[i % len(SECTIONS)]


def standnews_article(i: int, n: int) -> tuple[str, bytes, list[Cap]]:
    """Article ``i`` of ``n``: its path in the corpus, its bytes, the captures it needs."""
    section, slug = _section(i), _slug(i)
    photo = f"{ASSETS}/photo-{i:02d}_x{i * 7 % 10}.png"
    body_jpg = f"{ASSETS}/body-{i:02d}.jpg"
    facebook = f"https://www.facebook.com/standnewshk/posts/{4_000_000 + i * 37}"
    ft = f"https://www.ft.com/content/{i:04d}-stand-{i * 13:04d}"
    figure = f"{CITIZEN}/news_新聞/2021/圖片-{i:02d}.jpg"
    peer = (i + 1) % n  # every article links to the next one, in another section
    peer_link = f"../../{_section(peer)}/{quote(_slug(peer))}/"
    missing = f"../../{section}/{quote(f'已刪除-{i}')}/"  # an article not in the corpus
    tags = '  - "香港"\n  - "立場新聞"\n' if i % 3 else ""
    date = f"2021-{1 + i % 12:02d}-{1 + i % 27:02d}T{i % 24:02d}:{i * 7 % 60:02d}:00"
    lines = [
        "---",
        f'title: "第 {i} 篇：{TOPICS[i % len(TOPICS)]}新聞　立場報道"',
        'author: "立場報道"',
        f'date: "{date}"',
        "categories:",
        f'  - "{section}"',
        "tags: []" if not tags else "tags:\n" + tags.rstrip("\n"),
        f'image: "{WAYBACK}/2021im_/{photo}"',
        f'original_url: "{SITE}/{section}/{slug}"',
        "---",
        f"![]({WAYBACK}/2021im_/{photo})",
        "",
        f"> 圖片來源：立場新聞（第 {i} 張）",
        "",
        f"一個名為第 {i} 篇的報道，[據政府新聞公報]({WAYBACK}/{TS}/{GOV})，"
        "當局在記者會上再次強調有關安排符合法律規定，但多名議員及學者質疑政府未有交代細節，"
        "而事件亦引起社交媒體廣泛討論，"
        f"有[網民在 Facebook 留言]({WAYBACK}/{TS}/{facebook})，"
        f"亦有[外媒報道]({WAYBACK}/{TS}/{ft})。",
        "",
        f"[![]({WAYBACK}/2021im_/{body_jpg})]({WAYBACK}/{TS}/{body_jpg})",
        "",
        f'<figure><img src="https://web.archive.org/web/20211230101010im_/{figure}">'
        f"<figcaption>圖 {i}</figcaption></figure>",
        "",
        f"相關報道：[下一篇]({peer_link})／[已刪除的一篇]({missing})",
        "",
        f"![logo]({WAYBACK}/2021im_/{LOGO}) 完",
    ]
    text = "\n".join(lines) + "\n"
    captures: list[Cap] = []
    if i % 5 != 3:  # a few articles' lead photos were never captured
        captures.append(Cap(photo, "20211229090000", png_bytes(2, 2, (i, 80, 160)), "image/png"))
    captures.append(Cap(body_jpg, TS, jpeg_like(f"body {i}".encode()), "image/jpeg"))
    if i % 4:
        captures.append(Cap(facebook, TS, html(f"Facebook post {i}", f"<p>留言 {i}</p>")))
    if i % 2:
        captures.append(
            Cap(figure, "20211230101010", jpeg_like(f"圖片 {i}".encode()), "image/jpeg")
        )
    return f"{section}/article-{i:02d}.md", text.encode(), captures


def standnews_corpus(n: int) -> Corpus:
    """``n`` Stand News articles linking to each other, and the captures of most references."""
    corpus = Corpus()
    for i in range(n):
        path, data, captures = standnews_article(i, n)
        corpus.files[path] = data
        corpus.captures.extend(captures)
    corpus.captures.append(Cap(LOGO, "20200101000000", png_bytes(3, 1, (0, 0, 0)), "image/png"))
    corpus.captures.append(Cap(GOV, "20211229093000", html("新聞公報", "<p>政府公報</p>")))
    return corpus


# --- the messy corpus ---------------------------------------------------------------

CN = "https://www.example-news.com"
IA = "https://web.archive.org/web"
MOJIBAKE = "圖片".encode().decode("cp1251", "replace")  # UTF-8 read as a Cyrillic code page
CLUBHOUSE = f"{ASSETS}/template-15_fLjge_6pSMPpS.png"
PHOTO_A = f"{ASSETS}/photo-a.png"
PHOTO_B = f"{ASSETS}/photo-b.png"
PHOTO_C = f"{ASSETS}/photo-c.png"
SLUG_ID = "%E8%AD%98"  # 識
WIKI = "https://zh.wikipedia.org/wiki/立場新聞_(香港)"


def _standnews(section: str, slug: str, image: str, body: str, *, quote_style: str = '"') -> str:
    q = quote_style
    return (
        "---\n"
        f"title: {q}{slug}{q}\n"
        f"author: {q}立場報道{q}\n"
        f'date: "2021-12-{10 + len(slug) % 18:02d}T10:00:00"\n'
        "categories:\n"
        f'  - "{section}"\n'
        "tags: []\n"
        f"image: {q}{WAYBACK}/2021im_/{image}{q}\n"
        f"original_url: {q}{SITE}/{section}/{slug}{q}\n"
        "---\n" + body
    )


#: Every file of the messy corpus, by relative path; each holds a few junk shapes.
MESSY_FILES: dict[str, str] = {
    # Stray '"' at the end of a destination; an empty []() glued to the next link;
    # escaped Markdown; a literal "..." in a path; a link title.
    "standnews/china/stray-quote.md": _standnews(
        "china",
        "識別-雜項",
        PHOTO_A,
        f"![]({WAYBACK}/2021im_/{PHOTO_A})\n\n> 說明 \\*重要\\* \\[注\\]\n\n"
        f'[原文]({WAYBACK}/{TS}/https://www.thestandnews.com/politics/{SLUG_ID}")'
        f'，[]()[另見]({WAYBACK}/{TS}/{GOV} "政府")，'
        f"[省略]({WAYBACK}/{TS}/https://www.legco.gov.hk/yr21-22/.../agenda.htm)。\n",
    ),
    # Multi-line link text (Stand News: "[\n\n**title**\n\n](…)"), raw Unicode in a
    # relative destination, an internal link; frontmatter single-quoted.
    "standnews/cosmos/multiline.md": _standnews(
        "cosmos",
        "加菲證明畢氏定理",
        PHOTO_B,
        f"![]({WAYBACK}/2021im_/{PHOTO_B})\n\n"
        f"[\n\n**相關：加菲證明畢氏定理**\n\n](../../cosmos/加菲證明畢氏定理/)\n\n"
        f"[\n\n**另一篇**\n\n]({WAYBACK}/{TS}/https://www.thestandnews.com/cosmos/other/)\n\n"
        "[回到雜項](../../china/%E8%AD%98%E5%88%A5-%E9%9B%9C%E9%A0%85/)\n",
        quote_style="'",
    ),
    # Plain (unquoted) frontmatter values, a nested image in a link with a caption,
    # a block list of images.
    "standnews/hongkong/plain-frontmatter.md": (
        "---\n"
        "title: 無引號的標題\n"
        "author: 立場報道\n"
        "date: 2021-12-29T09:00:00\n"
        f"image: {WAYBACK}/2021im_/{PHOTO_C}\n"
        "images:\n"
        f"  - {WAYBACK}/2021im_/{PHOTO_A}\n"
        f"  - '{WAYBACK}/2020im_/{PHOTO_B}'\n"
        f"original_url: {SITE}/hongkong/plain\n"
        "---\n"
        f"[![]({WAYBACK}/2021im_/{PHOTO_C})]({WAYBACK}/{TS}/{PHOTO_C})\n> 圖：立場\n\n"
        f"[1]: {WAYBACK}/{TS}/{GOV}\n"
        f'[2]: <{WAYBACK}/{TS}/https://www.facebook.com/stand news/posts/1> "FB"\n\n'
        "見 [公報][1] 及 [FB][2]。\n"
    ),
    # CRLF line endings, a BOM, no final newline.
    "standnews/international/crlf-bom.md": "\ufeff"
    + _standnews(
        "international",
        "英國-BBC",
        CLUBHOUSE,
        f"![]({WAYBACK}/2021im_/{CLUBHOUSE})\n\n"
        f"[BBC]({WAYBACK}/{TS}/https://www.bbc.com/zhongwen/trad/world-55794071)／"
        f"[路透社]({WAYBACK}/{TS}/https://www.reuters.com/article/idUSKBN2A705H?il=0)",
    ).replace("\n", "\r\n"),
    # Citizen News: inline HTML figures with raw CJK, a "'" inside src, src="", srcset,
    # root-relative Wayback links to another article of the corpus, an empty date.
    "citizen/articles/1-1000/article_101.md": (
        "---\n"
        'title: "公民實況"\n'
        'date: ""\n'
        'author: "眾新聞"\n'
        f'url: "{IA}/20211231120000/{CN}/article/101/公民"\n'
        f'original_url: "{CN}/article/101/%E5%85%AC%E6%B0%91"\n'
        "---\n"
        f'<figure><img src="{IA}/20211230101010im_/{CN}/news_新聞/2021/圖片.jpg">'
        "<figcaption>圖片</figcaption></figure>\n"
        f'<figure><img src="{IA}/20211230101010im_/{CN}/news/it\'s.jpg" alt="it\'s"></figure>\n'
        '<figure><img src=""></figure>\n'
        f'<img srcset="{IA}/20211230101010im_/{CN}/s/small.jpg 1x, '
        f"{IA}/20211230101010im_/{CN}/s/big.jpg 2x\" src='{IA}/20211230101010im_/{CN}/s/big.jpg'>\n"
        f"[另一篇](/web/20211231120000/{CN}/article/102/%E5%8F%A6%E4%B8%80%E7%AF%87)"
        f" 與 [舊文](/web/20211231120000/{CN}/article/99999/gone)\n"
    ),
    # Citizen News: whitespace and a line break inside destinations, multi-line link
    # text ending in "   \n", scheme-less targets, bare Chinese text as a destination.
    "citizen/articles/1-1000/article_102.md": (
        "---\n"
        'title: "另一篇"\n'
        'date: "2021-12-30 08:00"\n'
        f'url: "{IA}/20211231120000/{CN}/article/102/另一篇"\n'
        f'original_url: "{CN}/article/102/%E5%8F%A6%E4%B8%80%E7%AF%87"\n'
        "---\n"
        f"[專頁]({IA}/20211231120000/https://facebook.com/ SomePage/) 及 "
        f"[其他專頁]({IA}/20211231120000/https://facebook.com/\nOtherPage/)\n"
        f"[多行   \n連結文字]({IA}/20211231120000/{CN}/article/101/%E5%85%AC%E6%B0%91)\n"
        "[短網址](bit.ly/3xYzAbC) [IG](instagram.com/citizennews) [文字](新聞稿)\n"
        f"[回到 101](/web/20211231120000/{CN}/article/101/%E5%85%AC%E6%B0%91)\n"
    ),
    # Citizen News: archives inside archives, wiki-cite junk, one-slash originals,
    # email protection, HTML leaked into a destination, mojibake, bare URLs.
    "citizen/articles/1-1000/article_103.md": (
        "---\n"
        'title: "存檔中的存檔"\n'
        'date: "2021-12-30T08:00:00"\n'
        f'url: "{IA}/20211231120000/{CN}/article/103/%EF%BF%BD%EF%BF%BD"\n'
        f'original_url: "{CN}/article/103/x"\n'
        "---\n"
        f"[today]({IA}/20211231000000/https://archive.is/AbCd) "
        f"[雙層]({IA}/20211231000000/{IA}/20200101000000/https://www.legco.gov.hk/nested.htm)\n"
        f"[引用]({IA}/20211229000000/https://www.info.gov.hk/cite.htm%7Carchive-url=https://web.archive.org/web/2021/x)\n"
        f"[單斜線]({IA}/20211231120000/http:/www.info.gov.hk/one-slash.htm)\n"
        f"[電郵](/web/20211231120000/{CN}/cdn-cgi/l/email-protection) [嵌入](<iframe src=)\n"
        f"[亂碼]({IA}/20211230101010/{CN}/news/{MOJIBAKE}.html)\n"
        f"原文見 {IA}/20211231120000/https://www.hk01.com/社會新聞/123。另見"
        f"<{IA}/20211231120000/https://www.hk01.com/x>。\n"
        "```\n"
        f"[代碼](http://web.archive.org/web/{TS}/{GOV})\n"
        "```\n"
    ),
    # A YAML parser rejects this frontmatter (a control character): the body's
    # links still count, the frontmatter is left alone.
    "citizen/articles/1-1000/article_104.md": (
        "---\n"
        'title: "壞\x08標題"\n'
        f'image: "{WAYBACK}/2021im_/{PHOTO_A}"\n'
        f'original_url: "{CN}/article/104/bad"\n'
        "---\n"
        f"![]({WAYBACK}/2021im_/{PHOTO_A}) 及 `[代碼]({WAYBACK}/2021im_/{PHOTO_A})`\n"
    ),
    # No link at all (a thousand Citizen News files are like this).
    "citizen/articles/1-1000/article_105.md": '---\ntitle: "無連結"\n---\n只有文字。',
    # Same resource in many spellings on one line; tabs; a long line of links.
    "standnews/china/spellings.md": _standnews(
        "china",
        "同一張相",
        PHOTO_A,
        f"![a](http://web.archive.org/web/2021im_/{PHOTO_A})\t"
        f"![b](https://web.archive.org/web/20211229095346im_/{PHOTO_A})\t"
        f"![c](https://web.archive.org/web/2021/{PHOTO_A}) "
        f"<img src='{WAYBACK}/2021im_/{PHOTO_A}'>\n"
        f"[x]({WAYBACK}/{TS}/https://www.thestandnews.com/politics/{SLUG_ID}) 文字"
        f"[y]({WAYBACK}/{TS}/https://www.thestandnews.com/politics/{SLUG_ID}#comments)\n",
    ),
    # Fences (``` and ~~~), indented code, an HTML comment: link-like text that is
    # not a reference; an <a href>; parentheses inside a destination; a list.
    "standnews/politics/code-and-comments.md": _standnews(
        "politics",
        "代碼與註釋",
        PHOTO_C,
        "~~~markdown\n"
        f"![]({WAYBACK}/2021im_/{PHOTO_C})\n"
        "~~~\n\n"
        "段落：\n\n"
        f"    [縮排代碼]({WAYBACK}/{TS}/{GOV})\n\n"
        f"<!-- [註釋]({WAYBACK}/{TS}/{GOV}) -->\n"
        f'- <a href="{WAYBACK}/{TS}/{WIKI}">維基</a>\n'
        f"- [維基百科]({WAYBACK}/{TS}/{WIKI}) 與 `[代碼]({WAYBACK}/{TS}/{GOV})`\n"
        f"- ![]({WAYBACK}/2021im_/{PHOTO_C} 'title')\n",
    ),
    # Angle destinations with a space, titles in three styles, wayback.archive.org,
    # a reference definition with a title on the next line.
    "standnews/politics/angles-and-titles.md": _standnews(
        "politics",
        "角括號",
        PHOTO_B,
        f'![相]({WAYBACK}/2020im_/{PHOTO_B} "標題")'
        f"[文](<{WAYBACK}/{TS}/https://www.thestandnews.com/politics/a b/>)"
        f"[舊](http://wayback.archive.org/web/{TS}/{GOV} (括號))\n\n"
        f"[參考]: {WAYBACK}/{TS}/https://www.thestandnews.com/cosmos/other/\n"
        "  '標題'\n\n"
        "見[參考]。\n",
    ),
    # Citizen News: CRLF, no final newline, last_updated/category/tags, a caption
    # holding a link, many root-relative links under one prefix (some captured).
    "citizen/articles/1001-2000/article_1001.md": (
        "---\n"
        'title: "很多連結"\n'
        'date: "2021-12-28T12:00:00"\n'
        'last_updated: "2021-12-29T12:00:00"\n'
        'author: "眾新聞"\n'
        'category: "社會"\n'
        "tags:\n"
        '  - "新聞"\n'
        f'url: "{IA}/20211231120000/{CN}/article/1001/many"\n'
        f'original_url: "{CN}/article/1001/many"\n'
        "---\n"
        f'<figure><img src="{IA}/20211230101010im_/{CN}/news_新聞/2021/圖片.jpg">'
        f"<figcaption>[出處](/web/20211231120000/{CN}/article/101/%E5%85%AC%E6%B0%91)"
        "</figcaption></figure>\n"
        + "".join(
            f"{k}. [第 {k} 篇](/web/20211231120000/{CN}/article/{2000 + k}/x)\n"
            for k in range(1, 41)
        )
    )
    .replace("\n", "\r\n")
    .removesuffix("\r\n"),
}

#: What pywb holds for the messy corpus (the originals are as the resolver spells them).
MESSY_CAPTURES: list[Cap] = [
    Cap(PHOTO_A, "20211229090000", png_bytes(2, 3, (1, 2, 3)), "image/png"),
    Cap(PHOTO_B, "20200601000000", png_bytes(3, 2, (4, 5, 6)), "image/png"),
    Cap(PHOTO_C, "20211229090000", png_bytes(1, 4, (7, 8, 9)), "image/png"),
    Cap(CLUBHOUSE, TS, png_bytes(4, 3, (10, 120, 200)), "image/png"),
    Cap(f"https://www.thestandnews.com/politics/{SLUG_ID}", TS, html("識")),
    Cap(GOV, "20211229093000", html("新聞公報")),
    Cap("https://thestandnews.com/cosmos/加菲證明畢氏定理/", "20211201000000", html("加菲")),
    Cap("https://www.thestandnews.com/cosmos/other/", TS, html("另一篇")),
    Cap("https://www.bbc.com/zhongwen/trad/world-55794071", TS, html("BBC")),
    Cap(f"{CN}/news_新聞/2021/圖片.jpg", "20211230101010", jpeg_like(b"cjk"), "image/jpeg"),
    Cap(f"{CN}/news/it's.jpg", "20211230101010", jpeg_like(b"it's"), "image/jpeg"),
    Cap(f"{CN}/s/small.jpg", "20211230101010", jpeg_like(b"small"), "image/jpeg"),
    Cap(f"{CN}/s/big.jpg", "20211230101010", jpeg_like(b"big"), "image/jpeg"),
    Cap("https://facebook.com/SomePage/", "20211231120000", html("SomePage")),
    Cap("https://facebook.com/OtherPage/", "20211231120000", html("OtherPage")),
    Cap("https://bit.ly/3xYzAbC", "20211231120000", html("bitly")),
    Cap("https://www.legco.gov.hk/nested.htm", "20200101000000", html("LegCo")),
    Cap("https://www.info.gov.hk/cite.htm", "20211229000000", html("cite")),
    Cap("https://www.info.gov.hk/one-slash.htm", "20211231120000", html("one slash")),
    Cap(f"{CN}/news/{MOJIBAKE}.html", "20211230101010", html("mojibake")),
    Cap("https://www.hk01.com/社會新聞/123", "20211231120000", html("HK01")),
    Cap(WIKI, TS, html("維基")),
    Cap("https://www.thestandnews.com/politics/a b/", TS, html("a b")),
    *[
        Cap(f"{CN}/article/{2000 + k}/x", "20211231120000", html(f"article {2000 + k}"))
        for k in range(1, 41, 3)
    ],
]

#: Captured only later (a second archive, or new captures): the second rescue run.
MESSY_LATER_CAPTURES: list[Cap] = [
    Cap("https://www.legco.gov.hk/yr21-22/.../agenda.htm", TS, html("agenda")),
    Cap("https://www.reuters.com/article/idUSKBN2A705H?il=0", TS, html("Reuters")),
    Cap("https://www.facebook.com/stand%20news/posts/1", TS, html("FB")),
    Cap("https://instagram.com/citizennews", "20211231120000", html("IG")),
    Cap("https://www.hk01.com/x", "20211231120000", html("hk01 x")),
]


def messy_corpus() -> Corpus:
    """The messy articles (bytes exactly as written above) and the first archive's captures."""
    return Corpus(
        {rel: text.encode("utf-8") for rel, text in MESSY_FILES.items()}, list(MESSY_CAPTURES)
    )
