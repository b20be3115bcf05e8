#!/usr/bin/env python3
"""Generate a synthetic rescue corpus shaped like the two real ones.

Usage::

    python benchmarks/gen_corpus.py OUT_DIR --articles 50000 [--seed 1] [--hosts 6]

About half the articles are Format A (The Stand News: ``<section>/<slug>.md``,
scheme-less ``original_url``, ``http://web.archive.org`` links, relative
``../../<section>/<slug>/`` links) and half Format B (Citizen News:
``articles/<lo>-<hi>/article_<id>.md``, inline ``<figure><img>``, root-relative
``/web/<ts>/…`` links).  See ``docs/corpus-patterns.md``.

The output is a pure function of ``--articles``, ``--seed`` and ``--hosts``.
Articles are written one by one; nothing proportional to the corpus is kept in
memory.  Other articles are named (internal links) through pure functions of
their index, so no list of slugs is needed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

MASK64 = (1 << 64) - 1
MASK30 = (1 << 30) - 1

# A fixed pool of common traditional Chinese characters: filler, slugs, titles.
CJK = (
    "的一是不了人我在有他這中大來上國個到說們為子和你地出道也時年得就那要下以生會自著去之過"
    "家學對可她裡後小麼心多天而能好都然沒日於起還發成事只作當想看文無開手十用主行方又如前所本"
    "見經頭面公同三已老從動兩長知民樣現分將外但身些與高意進把法此實回二理美點月明其種聲全工己"
    "話兒者向情部正名定女問力機給等幾很業最間新什打便位因重被走電四第門相次東政海口使教西再平"
    "真聽世氣信北少關並內加化由卻代軍產入先山五太水萬市眼體別處總才場師書比住員九笑性通目華報"
    "立馬命張活難神數件安表原車白應路期叫死常提感金何更反合放做系計或司利受光王果親界及今京務"
    "制解各任至清物台象記邊共風戰干接它許八特覺望直服毛林題建南度統色字請交愛讓認算論百吃義科"
    "怎元社術結六功指思非流每青管夫連遠資隊跟帶花快條院變聯言權往展該領傳近留紅治決周保達辦運"
    "武半候七必城父強步完革深區即求品士轉量空甚眾技輕程告江語英基派滿式李息寫呢識極令黃德收臉"
    "錢黨倒未持取設始版雙歷越史商千片容研像找友孩站廣改議形委早房音火際則首單據導影失拿網香港"
    "港島九龍新界立法會選舉區議員警方法庭案件審訊被告律師記者採訪報道評論市民社區學生教師醫院"
)
PUNCT = "，，，，，。。。、「」：；？！"
ASCII_WORDS = (
    "BBC",
    "Clubhouse",
    "Facebook",
    "YouTube",
    "Twitter",
    "COVID-19",
    "2021",
    "2020",
    "2019",
    "LegCo",
    "NGO",
    "CNN",
    "app",
    "iPhone",
    "WhatsApp",
)
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

SECTIONS = (
    ("politics", "政治", 6),
    ("society", "社會", 6),
    ("china", "中國", 4),
    ("international", "國際", 4),
    ("culture", "文化", 2),
    ("finance", "財經", 2),
    ("cosmos", "科學", 1),
    ("sport", "體育", 1),
    ("opinion", "評論", 3),
    ("nature", "自然", 1),
    ("art", "藝術", 1),
    ("education", "教育", 2),
)
SECTION_TABLE = tuple(s for s in SECTIONS for _ in range(s[2]))
AUTHORS_A = (
    "立場報道",
    "立場報道",
    "立場報道",
    "立場評論",
    "立場科學",
    "陳曉明",
    "李嘉欣",
    "黃文傑",
)
AUTHORS_B = ("眾新聞記者", "眾新聞記者", "眾新聞", "陳家豪", "林淑儀", "周子健", "特約記者")

# Hosts of the originals inside Wayback links, most important first.  ``--hosts N``
# keeps the first N as the "major" hosts that carry most external references.
MAJOR_HOSTS = (
    "www.example-news.com",
    "assets.thestandnews.com",
    "www.facebook.com",
    "bit.ly",
    "zh.wikipedia.org",
    "www.info.gov.hk",
    "www.legco.gov.hk",
    "www.youtube.com",
    "twitter.com",
    "www.thestandnews.com",
    "news.mingpao.com",
    "www.rthk.hk",
    "hk.appledaily.com",
    "www.hk01.com",
    "www.bbc.com",
    "www.scmp.com",
)
TAIL_HOSTS = 400  # long tail of rarely used hosts
TAIL_SHARE = 0.12
TLDS = ("com", "org", "hk", "net", "com.hk")
TAIL_PREFIXES = (
    "www.daily",
    "news.post",
    "blog.",
    "www.ngo",
    "m.times",
    "www.hkpress",
    "dotnews",
)  # share of external links that go to the long tail

SITE_A = "thestandnews.com"
IMG_HOST_A = "assets.thestandnews.com"
SITE_B = "www.example-news.com"
WB_A = "http://web.archive.org/web/"
WB_B = "https://web.archive.org/web/"

# One file in 5000 has control characters in its frontmatter, one in 5000 is not UTF-8
# (Big5); fixed positions (alternately Format A and B) rather than chance, so that
# every corpus of 10,000 articles or more has some of both.
BAD_YAML_AT = (2345, 7346)  # k % 10000
NON_UTF8_AT = (4320, 9321)


def mix(x: int) -> int:
    """splitmix64 finaliser: a cheap, well-spread hash of a non-negative int."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


@dataclass
class Stats:
    files: int = 0
    files_a: int = 0
    files_b: int = 0
    bytes: int = 0
    refs: int = 0  # link and image destinations written in bodies (code blocks excluded)
    refs_empty: int = 0  # of which empty: ``[]()``, ``<img src="">``
    refs_internal: int = 0  # of which name another article (relative or /web/ root-relative)
    refs_internal_in_corpus: int = 0  # of which name an article that this corpus contains
    frontmatter_urls: int = 0  # image/url/original_url values (not counted in refs)
    no_ref_files: int = 0
    bad_yaml_files: int = 0
    non_utf8_files: int = 0
    max_refs: int = 0
    max_bytes: int = 0


class Corpus:
    """Deterministic naming of articles plus the writer of one article at a time."""

    def __init__(self, out: Path, articles: int, seed: int, hosts: int) -> None:
        self.out = out
        self.n = articles
        self.n_a = (articles + 1) // 2  # article k is Format A when k is even
        self.n_b = articles // 2
        self.seed = seed
        self.salt = mix(seed)
        self.rng = random.Random(seed)
        wr = random.Random(seed * 7919 + 17)
        words: set[str] = set()
        while len(words) < 1024:
            words.add("".join(wr.choices(CJK, k=wr.choice((2, 2, 3, 3, 4)))))
        self.words = sorted(words)
        wr.shuffle(self.words)
        # One long filler text; paragraphs are slices of it.
        parts: list[str] = []
        size = 0
        while size < 1 << 18:
            run = "".join(wr.choices(CJK, k=wr.randint(4, 22)))
            if wr.random() < 0.04:
                run += " " + wr.choice(ASCII_WORDS) + " "
            run += wr.choice(PUNCT)
            parts.append(run)
            size += len(run)
        self.filler = "".join(parts)
        self.major = [*MAJOR_HOSTS[:hosts]]
        self.major += [f"news{i}.example.org" for i in range(max(0, hosts - len(MAJOR_HOSTS)))]
        weights = [1.0 / (i + 1) ** 0.7 for i in range(len(self.major))]
        self.major_cum = list(itertools.accumulate(weights))
        self.tail = [
            f"{TAIL_PREFIXES[i % len(TAIL_PREFIXES)]}{i}.{TLDS[i % len(TLDS)]}"
            for i in range(TAIL_HOSTS)
        ]
        self.made_dirs: set[Path] = set()
        self.stats = Stats()

    # -- naming (pure functions of an index) ---------------------------------------

    def _tokens(self, i: int, salt: int) -> list[str]:
        p = (i * 0x9E3779B1 + salt) & MASK30  # odd multiplier: a bijection mod 2**30
        w = self.words
        toks = [w[p & 1023], w[(p >> 10) & 1023], w[p >> 20]]
        h = mix(i ^ salt)
        toks += [w[(h >> (8 + 10 * j)) & 1023] for j in range((h >> 2) % 3)]
        if h % 5 == 0:
            toks.insert(0, ASCII_WORDS[(h >> 40) % len(ASCII_WORDS)].lower())
        return toks

    def slug_a(self, a: int) -> str:
        return "-".join(self._tokens(a, self.salt & MASK30))

    def title_a(self, a: int) -> str:
        toks = self._tokens(a, self.salt & MASK30)
        return "　".join(toks) + ("？" if mix(a) % 4 == 0 else "")

    def section_a(self, a: int) -> tuple[str, str]:
        s = SECTION_TABLE[mix(a ^ (self.salt >> 7)) % len(SECTION_TABLE)]
        return s[0], s[1]

    def id_b(self, j: int) -> int:
        return 10000 + 2 * j + (mix(j ^ self.salt) & 1)

    def missing_id_b(self, j: int) -> int:
        """An id in a gap of the corpus: a deleted article."""
        return 10000 + 2 * j + 1 - (mix(j ^ self.salt) & 1)

    def slug_b(self, article_id: int) -> str:
        return "-".join(self._tokens(article_id, (self.salt >> 30) & MASK30))

    # -- random pieces ---------------------------------------------------------------

    def text(self, lo: int, hi: int) -> str:
        n = self.rng.randint(lo, hi)
        o = self.rng.randrange(len(self.filler) - n)
        return self.filler[o : o + n]

    def alnum(self, k: int) -> str:
        return "".join(self.rng.choices(ALNUM, k=k))

    def ts14(self, closing: str) -> str:
        """A 14-digit timestamp clustered in the last days before ``closing`` (YYYYMMDD)."""
        r = self.rng
        if r.random() < 0.8:
            day = closing[:6] + f"{int(closing[6:]) - r.randrange(3):02d}"
        else:
            day = f"2021{r.randint(3, 12):02d}{r.randint(1, 28):02d}"
        return f"{day}{r.randrange(24):02d}{r.randrange(60):02d}{r.randrange(60):02d}"

    def date(self, first_year: int) -> str:
        """A publication date ``YYYY-MM-DDTHH:MM:00`` from ``first_year`` to 2021."""
        r = self.rng
        day = f"{r.randint(first_year, 2021)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        return f"{day}T{r.randrange(24):02d}:{r.randrange(60):02d}:00"

    def host(self) -> str:
        r = self.rng
        if r.random() < TAIL_SHARE:
            return self.tail[int(TAIL_HOSTS * r.random() ** 2)]
        return r.choices(self.major, cum_weights=self.major_cum)[0]

    def original(self, host: str) -> str:
        """A plausible original URL on ``host``; skewed so that popular URLs recur."""
        r = self.rng
        pop = int(5000 * r.random() ** 3)
        if host == "www.facebook.com":
            page = self.words[pop % 1024].encode().hex()[:8]
            return f"https://www.facebook.com/{page}/posts/{10157672268636821 + pop * 7919}"
        if host == "bit.ly":
            return f"https://bit.ly/{mix(pop).to_bytes(8).hex()[:7]}"
        if host == "zh.wikipedia.org":
            return f"https://zh.wikipedia.org/wiki/{quote(self.words[pop % 1024])}"
        if host == "www.info.gov.hk":
            day = 1 + pop % 28
            return f"https://{host}/gia/general/202112/{day:02d}/P20211200{pop:04d}.htm"
        if host == "www.legco.gov.hk":
            paper = f"se2021{pop:04d}cb2-{pop % 97}-c.pdf"
            return f"https://{host}/yr21-22/chinese/panels/se/papers/{paper}"
        if host == "www.youtube.com":
            return f"https://www.youtube.com/watch?v={mix(pop ^ 77).to_bytes(8).hex()[:11]}"
        if host == "twitter.com":
            return (
                f"https://twitter.com/user{pop % 300}/status/{1475000000000000000 + pop * 104729}"
            )
        if host == IMG_HOST_A:
            return f"https://{IMG_HOST_A}/media/photos/{self.alnum(6)}_{self.alnum(9)}.jpg"
        if host == SITE_B:
            art = self.id_b(pop % max(1, self.n_b))
            return f"https://{SITE_B}/article/{art}/{quote(self.slug_b(art))}"
        words = self.words
        if r.random() < 0.5:
            slug = quote(words[pop % 1024] + "-" + words[(pop * 7) % 1024])
            return f"https://{host}/article/{20211200 + pop}/{slug}"
        return f"https://{host}/news/{pop}.html"

    # -- output ----------------------------------------------------------------------

    def write(self, rel: str, content: str, bad_yaml: bool, non_utf8: bool, refs: int) -> None:
        path = self.out / rel
        parent = path.parent
        if parent not in self.made_dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self.made_dirs.add(parent)
        data = content.encode("big5", "replace") if non_utf8 else content.encode()
        with open(path, "wb") as f:
            f.write(data)
        st = self.stats
        st.files += 1
        st.bytes += len(data)
        st.refs += refs
        st.max_refs = max(st.max_refs, refs)
        st.max_bytes = max(st.max_bytes, len(data))
        st.no_ref_files += refs == 0
        st.bad_yaml_files += bad_yaml
        st.non_utf8_files += non_utf8

    def n_items(self) -> int:
        """How many reference-bearing items an article gets (median ~4, at most 60)."""
        r = self.rng
        if r.random() < 0.04:
            return 0  # Format B: ~2% of the corpus has no link at all
        return min(60, max(1, int(r.lognormvariate(1.3, 0.75))))

    def body_chars(self) -> int:
        """Filler characters of an article body (3 bytes each in UTF-8)."""
        r = self.rng
        x = r.random()
        if x < 0.01:
            return r.randint(0, 40)  # stubs
        if x < 0.013:
            return r.randint(5000, 14000)  # long reads
        return min(14000, int(r.lognormvariate(6.22, 0.6)))

    def assemble(self, inline: list[str], blocks: list[str], chars: int) -> str:
        """Spread inline links over paragraphs of filler and blocks between them."""
        r = self.rng
        filler = self.filler
        sizes: list[int] = []
        left = chars
        while left > 0:
            n = min(left, r.randint(60, 260))
            sizes.append(n)
            left -= n
        if not sizes:
            sizes.append(r.randint(10, 40))
        links: list[list[str]] = [[] for _ in sizes]
        for link in inline:
            links[r.randrange(len(sizes))].append(link)
        paras: list[str] = []
        for n, mine in zip(sizes, links, strict=True):
            o = r.randrange(len(filler) - n)
            if not mine:
                paras.append(filler[o : o + n])
                continue
            cuts = sorted(r.randrange(n + 1) for _ in mine)
            pieces: list[str] = []
            prev = 0
            for cut, link in zip(cuts, mine, strict=True):
                pieces += (filler[o + prev : o + cut], link)
                prev = cut
            pieces.append(filler[o + prev : o + n])
            paras.append("".join(pieces))
        if r.random() < 0.25:
            paras.insert(r.randrange(len(paras)), f"**{self.text(6, 18)}**")
        if r.random() < 0.02:
            paras.insert(r.randrange(len(paras)), f"\\[編按\\]{self.text(20, 60)}\\*")
        for block in blocks:
            paras.insert(r.randrange(len(paras) + 1), block)
        return "\n\n".join(paras)

    def junk_common(self, inline: list[str], blocks: list[str]) -> int:
        """Low-rate junk shared by both formats; returns refs written."""
        r = self.rng
        refs = 0
        if r.random() < 0.008:
            inline.append(f"[{self.text(4, 10)}](mailto:news@{SITE_B.removeprefix('www.')})")
            refs += 1
        if r.random() < 0.01:
            blocks.append(
                f"```\n[{self.text(3, 8)}](https://example.invalid/not-a-link/{self.alnum(5)})\n```"
            )
        return refs

    # -- Format A --------------------------------------------------------------------

    def article_a(self, k: int, a: int) -> None:
        r = self.rng
        st = self.stats
        section, category = self.section_a(a)
        slug = self.slug_a(a)
        title = self.title_a(a)
        bad_yaml = k % 10000 in BAD_YAML_AT
        non_utf8 = k % 10000 in NON_UTF8_AT
        if bad_yaml:
            title = title[:3] + "\x08\x1b" + title[3:]
        ts = self.ts14("20211229")
        year = "2021im_" if r.random() < 0.9 else "2020im_"
        photo = f"{self.words[a % 1024].encode().hex()[:8]}_{self.alnum(5)}_{self.alnum(9)}.png"
        image = f"{WB_A}{year}/https://{IMG_HOST_A}/media/photos/{photo}"
        date = self.date(2015)
        fm = [
            "---",
            f'title: "{title}"',
            f'author: "{r.choice(AUTHORS_A)}"',
            f'date: "{date}"',
            "categories:",
            f'  - "{category}"',
        ]
        if r.random() < 0.2:
            fm.append("tags: []")
        else:
            fm.append("tags:")
            fm += [f'  - "{w}"' for w in r.sample(self.words[:200], r.randint(1, 4))]
        if r.random() < 0.3:
            fm.append("topics: []")
        fm += [f'image: "{image}"', f'original_url: "{SITE_A}/{section}/{slug}"', "---"]
        st.frontmatter_urls += 2

        inline: list[str] = []
        blocks: list[str] = []
        refs = 1
        head = f"![]({image})"
        if r.random() < 0.6:
            head += f"\n\n> {self.text(10, 40)}"
        pending_empty = False
        for _ in range(self.n_items()):
            x = r.random()
            if x < 0.33:  # relative link to another article of the site
                if r.random() < 0.8:
                    other = r.randrange(self.n_a)
                    st.refs_internal_in_corpus += 1
                else:
                    other = self.n_a + r.randrange(1 << 20)
                st.refs_internal += 1
                osec = self.section_a(other)[0]
                oslug = self.slug_a(other)
                y = r.random()
                if y < 0.08:
                    dest = f"../../{osec}/{oslug}/"  # raw Unicode
                elif y < 0.095:
                    dest = f'../../{osec}/{quote(oslug)}"'  # stray quote
                elif y < 0.1:
                    dest = f"../../{osec}/{quote(oslug)[:30]}.../"  # literal ...
                else:
                    dest = f"../../{osec}/{quote(oslug)}/"
                if r.random() < 0.01:
                    blocks.append(f"[\n\n**{self.title_a(other)}**\n\n]({dest})")
                else:
                    inline.append(f"[{self.text(4, 24)}]({dest})")
                refs += 1
            elif x < 0.82:  # Wayback link to an external original
                orig = self.original(self.host())
                if r.random() < 0.005:
                    cut = len(orig) - 4
                    orig = orig[:cut] + " " + orig[cut:]  # whitespace in the destination
                link = f"[{self.text(4, 24)}]({WB_A}{ts}/{orig})"
                if pending_empty:
                    link = "[]()" + link
                    pending_empty = False
                    refs += 1
                    st.refs_empty += 1
                inline.append(link)
                refs += 1
            elif x < 0.92:  # image wrapped in a link to the same image: two references
                img = f"https://{IMG_HOST_A}/media/photos/{self.alnum(6)}_{self.alnum(9)}.jpg"
                blocks.append(f"[![]({WB_A}{year}/{img})]({WB_A}{ts}/{img})")
                refs += 2
            else:  # bare image
                img = f"https://{IMG_HOST_A}/media/photos/{self.alnum(8)}.jpg"
                blocks.append(f"![]({WB_A}{year}/{img})")
                refs += 1
            if r.random() < 0.01:
                pending_empty = True  # glue an empty []() to the next external link
        refs += self.junk_common(inline, blocks)
        body = self.assemble(inline, blocks, self.body_chars())
        content = "\n".join(fm) + "\n" + head + "\n\n" + body + "\n"
        st.files_a += 1
        self.write(f"{section}/{slug}.md", content, bad_yaml, non_utf8, refs)

    # -- Format B --------------------------------------------------------------------

    def article_b(self, k: int, j: int) -> None:
        r = self.rng
        st = self.stats
        art = self.id_b(j)
        slug = self.slug_b(art)
        bad_yaml = k % 10000 in BAD_YAML_AT
        non_utf8 = k % 10000 in NON_UTF8_AT
        title = "　".join(slug.split("-"))
        if bad_yaml:
            title = title[:2] + "\x01\x02" + title[2:]
        mojibake = r.random() < 0.002
        if mojibake:
            title = title.encode().decode("cp1251", "replace")
        ts = self.ts14("20220104")
        original = f"https://{SITE_B}/article/{art}/{quote(slug)}"
        url = f"{WB_B}{ts}/{original}"
        if r.random() < 0.005:
            url = f"{WB_B}{ts}/https://{SITE_B}/article/{art}/" + "%EF%BF%BD" * r.randint(2, 9)
        date = "" if r.random() < 0.02 else self.date(2017) + "+08:00"
        fm = ["---", f'title: "{title}"', f'date: "{date}"']
        if r.random() < 0.15 and date:
            fm.append(f'last_updated: "{date}"')
        fm.append(f'author: "{r.choice(AUTHORS_B)}"')
        if r.random() < 0.9:
            fm.append(f'category: "{r.choice(SECTIONS)[1]}"')
        if r.random() < 0.7:
            fm.append("tags:")
            fm += [f"- {w}" for w in r.sample(self.words[:200], r.randint(1, 5))]
        fm += [f'url: "{url}"', f'original_url: "{original}"', "---"]
        st.frontmatter_urls += 2

        inline: list[str] = []
        blocks: list[str] = []
        refs = 0
        pending_empty = False
        for _ in range(self.n_items()):
            x = r.random()
            if x < 0.2:  # inline HTML figure
                if r.random() < 0.01:
                    blocks.append('<img src="">')
                    st.refs_empty += 1
                else:
                    name = self.words[r.randrange(1024)] + ("'s" if r.random() < 0.01 else "_")
                    img = f"https://{SITE_B}/news_新聞/{ts[:4]}/{ts[4:6]}/{name}{self.alnum(4)}.jpg"
                    caption = self.text(8, 40)
                    blocks.append(
                        f'<figure><img src="{WB_B}{ts}im_/{img}">'
                        f"<figcaption>{caption}</figcaption></figure>"
                    )
                refs += 1
            elif x < 0.42:  # root-relative Wayback link to another article
                if r.random() < 0.8:
                    other = self.id_b(r.randrange(self.n_b))
                    st.refs_internal_in_corpus += 1
                else:
                    other = self.missing_id_b(r.randrange(self.n_b + 1000))
                st.refs_internal += 1
                oslug = self.slug_b(other)
                tail = quote(oslug) if r.random() < 0.85 else oslug
                text = self.text(4, 24)
                if r.random() < 0.01:
                    text += "   \n" + self.text(4, 12)  # multi-line link text
                inline.append(
                    f"[{text}](/web/{self.ts14('20220104')}/https://{SITE_B}/article/{other}/{tail})"
                )
                refs += 1
            elif x < 0.84:  # absolute Wayback link to an external original
                orig = self.original(self.host())
                y = r.random()
                if y < 0.005:
                    orig = f"https://facebook.com/ {self.alnum(8)}/"  # whitespace
                elif y < 0.01:
                    orig = orig.replace("https://", "http:/", 1)  # single slash
                elif y < 0.013:
                    orig += f"%7Carchive-url={WB_B}{ts}/{self.original(self.host())}"
                elif y < 0.02:
                    orig = f"https://{SITE_B}/cdn-cgi/l/email-protection"
                elif y < 0.022:
                    orig = orig[: len(orig) // 2] + "......" + orig[len(orig) // 2 :]
                link = f"[{self.text(4, 24)}]({WB_B}{ts}/{orig})"
                if pending_empty:
                    link = "[]()" + link
                    pending_empty = False
                    refs += 1
                    st.refs_empty += 1
                inline.append(link)
                refs += 1
            elif x < 0.92:  # scheme-less
                host = r.choice(("bit.ly", "bit.ly", "fb.com", "instagram.com"))
                inline.append(f"[{self.text(4, 12)}]({host}/{self.alnum(7)})")
                refs += 1
            elif x < 0.97:  # archives inside archives
                y = r.random()
                if y < 0.4:
                    inner = f"https://archive.ph/{self.alnum(5)}"
                elif y < 0.7:
                    inner = f"https://archive.is/{self.alnum(5)}"
                else:
                    inner = f"{WB_B}{self.ts14('20220104')}/{self.original(self.host())}"
                inline.append(f"[{self.text(4, 12)}]({WB_B}{ts}/{inner})")
                refs += 1
            else:  # odd destinations seen in the real corpus
                y = r.random()
                if y < 0.5:
                    dest = self.text(2, 6)  # bare Chinese text
                elif y < 0.8:
                    dest = f"mailto:{self.alnum(6).lower()}@example.org"
                else:
                    dest = "<iframe src="
                inline.append(f"[{self.text(4, 12)}]({dest})")
                refs += 1
            if r.random() < 0.005:
                pending_empty = True
        refs += self.junk_common(inline, blocks)
        body = self.assemble(inline, blocks, self.body_chars())
        content = "\n".join(fm) + "\n" + body + "\n"
        lo = art // 1000 * 1000
        st.files_b += 1
        self.write(f"articles/{lo}-{lo + 999}/article_{art}.md", content, bad_yaml, non_utf8, refs)

    def run(self) -> Stats:
        for k in range(self.n):
            if k % 2 == 0:
                self.article_a(k, k // 2)
            else:
                self.article_b(k, k // 2)
        return self.stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate a synthetic rescue corpus.")
    ap.add_argument("out_dir", type=Path, help="directory to create (must be empty or absent)")
    ap.add_argument("--articles", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hosts", type=int, default=6, help="major hosts sharing most references")
    ap.add_argument("--stats", type=Path, help="also write the statistics as JSON to this file")
    args = ap.parse_args(argv)
    if args.articles < 1 or args.hosts < 1:
        ap.error("--articles and --hosts must be positive")
    out: Path = args.out_dir
    if out.exists() and any(out.iterdir()):
        ap.error(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    stats = Corpus(out, args.articles, args.seed, args.hosts).run()
    secs = time.perf_counter() - t0
    s = stats
    print(
        f"gen_corpus: {s.files} files ({s.files_a} A, {s.files_b} B), "
        f"{s.bytes} bytes ({s.bytes / 1e6:.1f} MB, {s.bytes / s.files / 1000:.2f} KB/file), "
        f"{s.refs} refs ({s.refs / s.files:.2f}/article; {s.refs_internal} internal, "
        f"{s.refs_internal_in_corpus} in corpus; {s.refs_empty} empty), "
        f"{s.bad_yaml_files} bad-YAML + {s.non_utf8_files} non-UTF-8 files, "
        f"in {secs:.1f} s"
    )
    if args.stats:
        record = {
            "articles": args.articles,
            "seed": args.seed,
            "hosts": args.hosts,
            "seconds": round(secs, 2),
            **asdict(stats),
        }
        tmp = args.stats.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=1) + "\n")
        os.replace(tmp, args.stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
