"""Scanning takes time linear in the input, whatever the input (issue 10, class 6).

A CI job scans whatever a pull request brings; a broken or hostile file must not stall
it. Before the fix one 80 KB line of ``[x](`` took 67 s and 20,000 unclosed
``<a href="x" `` 40 s: each opener looked ahead to the end of the line again. The
check here is the one a user would make with a stopwatch, made robust: scan a line
of a repeated fragment at two sizes, four times apart, and compare the CPU times
(the best of five, the collector held off: tests/support/timing.py). Linear time
gives a ratio near 4; the quadratic scans gave 16.
Absolute figures live in ``docs/BENCHMARKS.md`` (``benchmarks/bench_pathological.py``).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from linkrescue.rewriters import read_document, scan_html, scan_markdown
from linkrescue.rewriters.anchors import anchors
from linkrescue.rewriters.markdown import MAX_PAREN_DEPTH
from tests.support.timing import best_cpu

SMALL = 20_000
LARGE = 4 * SMALL
#: Linear time gives about 4 (the sizes' ratio); quadratic time 16. The margin
#: leaves room for a loaded CI machine and for caches that fit the small input only.
MAX_RATIO = 8.0
#: Below this a small input's time is mostly the clock's and the call's overhead.
FLOOR = 0.002

#: Fragments that open something a scanner must look ahead to close.
OPENERS = [
    "[x](",
    '<a href="x" ',
    "<a ",
    "<!--",
    "<!--\n",
    "[",
    "![",
    "](",
    "`",
    "<",
    "[x][",
    "{{< figure ",
    "http://x)",
    "&a;",
    "[a]: ",
    '[x](a "',
    "\n> [a]: ",
    "\n    [a]: ",
    "[a][",
    "<a@b.",
]


def _cpu_seconds(text: str) -> float:
    return best_cpu(lambda: read_document(text, resource_keys=("image",)))


#: What closes every opener above, put at the end of a line: then the first opener
#: may read the whole line (once), and none of the others should read it again.
CLOSERS = " >}} %}} --> > ) ] `"


def _document(unit: str, size: int, tail: str = "") -> str:
    return "---\ntitle: 壞檔案\n---\n" + unit * (size // len(unit)) + tail + "\n"


def _ratio(unit: str, tail: str = "") -> float:
    small = _cpu_seconds(_document(unit, SMALL, tail))
    large = _cpu_seconds(_document(unit, LARGE, tail))
    return large / max(small, FLOOR)


@pytest.mark.parametrize("tail", ["", CLOSERS], ids=["unclosed", "closed-at-the-end"])
@pytest.mark.parametrize("unit", OPENERS)
def test_a_long_line_of_one_opener_scans_in_linear_time(unit: str, tail: str) -> None:
    assert _ratio(unit, tail) < MAX_RATIO


@pytest.mark.parametrize(
    "build",
    [
        # Code spans: runs of every length, none closed (each length once).
        lambda n: "".join("`" * k + "a" for k in range(1, 400))[:n],
        # Images nested in images, closed at the end: each close takes back the
        # bare URLs of its alt text, never rereads the ones inside.
        lambda n: "![http://a.hk " * (n // 28) + "](x)" * (n // 28),
        # Links after many open images: no link rewrites the list of openers.
        lambda n: "![" * (n // 12) + "[a](b)" * (n // 12),
        # A bare URL ending in many ")" or entity references, trimmed one by one.
        lambda n: "http://x" + ")" * n,
        lambda n: "http://x" + "&a;" * (n // 3),
        # Backticks whose closing run is in a later paragraph, list item or table row:
        # each asks where its block ends, and no line is read twice.
        lambda n: "`a\n\n" * (n // 4),
        lambda n: "- `a\n  b\n" * (n // 10),
        lambda n: "| a | b |\n|---|---|\n" + "| `a | b ` |\n" * (n // 12),
        # Fences in list items and quotes, each ending with its container.
        lambda n: "- a\n" + "  ```\n  x\n" * (n // 10),
        lambda n: "- ```\n> ```\n" * (n // 12),
        # HTML blocks: a first line of many tags, and many one-line blocks.
        lambda n: "<div>" + '<a href="x">' * (n // 12) + "\n[a](b)\n",
        lambda n: "<div>" + "<a " * (n // 3) + ">\n",
        lambda n: "<del>\n[a](b)\n\n" * (n // 14),
        # Reference-style uses of a label defined at the end, full and shortcut, and
        # labels that run long before a bracket (each "[" reads up to the next one).
        lambda n: "[a][b]" * (n // 6) + "\n\n[b]: /u\n",
        lambda n: "[http://a.hk]" * (n // 13) + "\n\n[http://a.hk]: /u\n",
        lambda n: ("[" + "a" * 900) * (n // 901) + "]: /u\n",
        lambda n: "\n[a]: <" * (n // 7),
        # Brackets nested deep in a document with definitions: no text read per level.
        lambda n: "[" * (n // 2) + "]" * (n // 2) + "\n\n[a]: /u\n",
    ],
    ids=[
        "backtick-runs",
        "nested-images",
        "links-after-images",
        "parens",
        "entities",
        "backticks-across-paragraphs",
        "backticks-across-items",
        "backticks-across-rows",
        "fences-in-an-item",
        "fences-in-items-and-quotes",
        "html-block-of-many-tags",
        "html-block-of-unclosed-tags",
        "html-blocks",
        "full-uses",
        "shortcut-uses",
        "long-labels",
        "definitions",
        "nested-brackets",
    ],
)
def test_shapes_built_to_be_quadratic_scan_in_linear_time(build: object) -> None:
    assert callable(build)
    small = _cpu_seconds("---\n---\n" + build(SMALL))
    large = _cpu_seconds("---\n---\n" + build(LARGE))
    assert large / max(small, FLOOR) < MAX_RATIO


_FRAGMENTS = [*OPENERS, "]", ")", "(", ">", "-->", " ", "\n", "x", '"', "'", "\\", "*"]


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=5).map("".join))
def test_any_repeated_mix_of_openers_scans_in_linear_time(unit: str) -> None:
    assert _ratio(unit) < MAX_RATIO


def test_html_alone_scans_unclosed_tags_in_linear_time() -> None:
    """An HTML page (the page crawl's input) of unclosed tags and comments."""
    times = []
    for size in (SMALL, LARGE):
        text = '<a href="x" <!-- ' * (size // 17)
        times.append(best_cpu(lambda text=text: scan_html(text)))
    assert times[1] / max(times[0], FLOOR) < MAX_RATIO


_COMMONMARK = MarkdownIt("commonmark")


def _commonmark_links(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(tokens: list[Token]) -> None:
        for token in tokens:
            if token.type == "link_open":
                found.append(("md-link", str(token.attrGet("href"))))
            elif token.type == "image":
                found.append(("md-image", str(token.attrGet("src"))))
            if token.children:
                walk(token.children)

    walk(_COMMONMARK.parse(text))
    return sorted(found)


@pytest.mark.parametrize(
    "text",
    [
        # CommonMark §6.3: no links inside links; an image may hold a link.
        "[foo [bar](/uri)](/uri)",
        "![[[foo](uri1)](uri2)](uri3)",
        "[foo *[bar [baz](/uri)](/uri2)*](/uri3)",
        # A "[" made inactive by a link is text: the "]" meeting it closes nothing,
        # and the next "]" still closes the image (the scanner used to skip the
        # inactive "[" and pair the first "]" with the image).
        "![a [b [c](d) e] f](g)",
        "![x [y](z) [w] v](u)",
        # Parentheses nest 32 deep in a destination, not 33 (cmark's and
        # markdown-it's limit; CommonMark allows one).
        "[a](" + "(" * MAX_PAREN_DEPTH + ")" * MAX_PAREN_DEPTH + ")",
        "[a](" + "(" * (MAX_PAREN_DEPTH + 1) + ")" * (MAX_PAREN_DEPTH + 1) + ")",
    ],
)
def test_links_and_images_in_brackets_are_those_commonmark_finds(text: str) -> None:
    ours = sorted(
        (ref.kind.value, ref.raw)
        for ref in scan_markdown(text)
        if ref.kind.value in ("md-link", "md-image")
    )
    assert ours == _commonmark_links(text)


def _anchors_cpu_seconds(text: str) -> float:
    return best_cpu(lambda: (anchors(text, "github"), anchors(text, "hugo")))


@pytest.mark.parametrize(
    "build",
    [
        # Repeated headings: each "-N" found without counting from 1 again.
        lambda n: "## Example\n" * (n // 11),
        lambda n: "a\n=\n" * (n // 4),
        # One heading line of openers: backtick runs, links, tags, underscores.
        lambda n: "## " + "".join("`" * k + "a" for k in range(1, 400))[:n] + "\n",
        lambda n: "## " + "[x](" * (n // 4) + "\n",
        lambda n: "## " + '<a "' * (n // 4) + "<!--" * (n // 8) + "\n",
        lambda n: "## " + "_a" * (n // 2) + "\n",
        # Indented paragraphs in a list item: each asks which item it continues.
        lambda n: "- a\n" + "  b\n\n" * (n // 5),
        # Attributes with no tag around them, and ids whose quote never closes.
        lambda n: ' name=x id="' * (n // 12) + "\n",
        # HTML headings never closed; tags in code spans whose runs close in a later
        # paragraph (each asks where its paragraph ends).
        lambda n: "<h2>" * (n // 4) + "\n",
        lambda n: "`<a id=x>\n\n" * (n // 12),
    ],
    ids=[
        "repeated-headings",
        "repeated-setext",
        "heading-backticks",
        "heading-links",
        "heading-tags",
        "heading-underscores",
        "indented-paragraphs",
        "attributes",
        "unclosed-html-headings",
        "code-spans-across-paragraphs",
    ],
)
def test_anchors_of_shapes_built_to_be_quadratic_take_linear_time(build: object) -> None:
    """The fragments of a document (issue 11's ``check``) are read in linear time too."""
    assert callable(build)
    small = _anchors_cpu_seconds("---\n---\n" + build(SMALL))
    large = _anchors_cpu_seconds("---\n---\n" + build(LARGE))
    assert large / max(small, FLOOR) < MAX_RATIO
