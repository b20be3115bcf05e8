"""A Hugo documentation site (``[corpus] content_root``), through ``linkrescue scan`` and ``rescue``.

Shaped on gohugo.io's own documentation, whose files carry no address in their
frontmatter: sections with ``_index.md``, page bundles (``index.md`` beside an
image), Hugo's ``static/`` folder, a page moved by ``url:`` and one with
``aliases``, mixed-case file names (Hugo publishes them lower-cased), links written
``/quick-reference/page-collections/``, ``../other/``,
``/functions/go-template/range/#else`` and ``{{< relref "x" >}}``. A Citizen News
article imported into the same site keeps its own frontmatter address. What a user
checks: each link is ``internal`` to the right file, a file of the site is
``local``, a typo is a broken internal link naming its path, and a rescue never
asks anybody for the stand-in origin of the site.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.archive_content import Cap, png_bytes
from tests.support.cli import linkrescue
from tests.support.pywb_server import Pywb, start_pywb

CN = "https://www.example-news.com"
IA = "https://web.archive.org/web"
#: An image of another site: the one reference a rescue of this site looks up.
CHART = f"{CN}/wp-content/uploads/2021/12/chart.png"
CHART_PNG = png_bytes(3, 2, (200, 30, 30))
STAND_IN = "content-root.invalid"

HOME = (
    "---\ntitle: Hugo\n---\n"
    "[Page collections](/quick-reference/page-collections/)\n"  # 4
    "[else](/functions/go-template/range/#else)\n"  # 5
    "[Quick start](/Getting-Started/quick-start/)\n"  # 6: file Getting-Started/Quick-Start.md
    "[Range](/Functions/Range/)\n"  # 7: file functions/range.md
    '[relref]({{< relref "range" >}})\n'  # 8
    "[typo](/quick-reference/page-colections/)\n"  # 9
    "![logo](/images/hugo-logo.png)\n"  # 10: static/images/hugo-logo.png
    "![gone](/images/hugo-logo-old.png)\n"  # 11
    "[features](/features/)\n"  # 12: about/features.md has url: /features/
    "[old features](/about/features/)\n"  # 13: not published any more
    "[old quick start](/overview/quickstart/)\n"  # 14: an alias
    "![hero](/news/0.120.0-relnotes/hero.png)\n"  # 15: a bundle's image
    "[article](https://www.example-news.com/article/48211/x)\n"  # 16
    f"![chart]({CHART})\n"  # 17
    "[0.62](/blog/hugo-0-62/)\n"  # 18: slug
    "[0.62 by file](/blog/2019-12-25-release/)\n"  # 19: not published (slug)
    "[0.62 before](/blog/old-release/)\n"  # 20: a relative alias, against blog/
    "[showcase](/showcase/)\n"  # 21: url: showcase/
    "[about](/about.html)\n"  # 22: Jekyll's default address of about.md
    "[section](/functions/index.html)\n"  # 23
)
RANGE = (
    "---\ntitle: range\n---\n"
    "## else\n\n"
    "[other](../other/)\n"  # 6: functions/go-template/other.md
    "[collections](../../../quick-reference/page-collections/)\n"  # 7
    "[section](../)\n"  # 8: functions/go-template/_index.md
    "[sibling](with/)\n"  # 9: /functions/go-template/range/with/: nothing there
)
BUNDLE = "---\ntitle: Hugo 0.120.0\n---\n![hero](hero.png)\n[home](/)\n"
ARTICLE = (
    "---\n"
    'title: "【直播】立法會大會"\n'
    f'url: "{IA}/20211231120000/{CN}/article/48211/x"\n'
    f'original_url: "{CN}/article/48211/x"\n'
    "---\n"
    "[related](../48212/y)\n"  # the news site's relative link, against original_url
    "[docs](/quick-reference/page-collections/)\n"  # the news site's /quick-reference/…
)

FILES: dict[str, str | bytes] = {
    "content/_index.md": HOME,
    "content/quick-reference/_index.md": "---\ntitle: Quick reference\n---\n",
    "content/quick-reference/page-collections.md": "---\ntitle: Page collections\n---\n",
    "content/functions/_index.md": "---\ntitle: Functions\n---\n",
    "content/functions/range.md": "---\ntitle: Range\n---\n",
    "content/functions/go-template/_index.md": "---\ntitle: Go template\n---\n",
    "content/functions/go-template/range.md": RANGE,
    "content/functions/go-template/other.md": "---\ntitle: other\n---\n",
    "content/Getting-Started/Quick-Start.md": (
        "---\ntitle: Quick start\naliases: [/overview/quickstart/]\n---\n"
    ),
    "content/about/features.md": "---\ntitle: Features\nurl: /features/\n---\n",
    "content/about.md": "---\ntitle: About\n---\n",
    "content/blog/2019-12-25-release.md": (
        "---\ntitle: Hugo 0.62\nslug: hugo-0-62\naliases: [old-release]\n---\n"
    ),
    "content/showcase/overview.md": "---\ntitle: Showcase\nurl: showcase/\n---\n",
    "content/news/0.120.0-relnotes/index.md": BUNDLE,
    "content/news/0.120.0-relnotes/hero.png": png_bytes(2, 2, (0, 0, 255)),
    "content/articles/article_48211.md": ARTICLE,
    "static/images/hugo-logo.png": png_bytes(1, 1, (255, 64, 129)),
}


def write_site(root: Path, corpus: str) -> None:
    for name, content in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (root / "linkrescue.toml").write_text(f"[corpus]\n{corpus}\n", encoding="utf-8")


def scan(root: Path) -> dict[tuple[str, int], dict[str, Any]]:
    done = linkrescue("scan", "content", "--config", "linkrescue.toml", "-f", "jsonl", cwd=root)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    return {(Path(r["file"]).as_posix(), r["line"]): r for r in records}


def what(record: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """What a user reads off a record: status, then the document (as a POSIX path) or reason."""
    document = record["document"] and Path(record["document"]).as_posix()
    return record["status"], document, record["reason"]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    write_site(tmp_path, 'content_root = "content"')
    return tmp_path


def test_links_of_a_hugo_site_resolve_to_its_documents(site: Path) -> None:
    found = scan(site)
    home = "content/_index.md"
    internal = {
        4: "content/quick-reference/page-collections.md",
        5: "content/functions/go-template/range.md",
        6: "content/Getting-Started/Quick-Start.md",
        7: "content/functions/range.md",
        12: "content/about/features.md",
        14: "content/Getting-Started/Quick-Start.md",
        18: "content/blog/2019-12-25-release.md",
        20: "content/blog/2019-12-25-release.md",
        21: "content/showcase/overview.md",
        22: "content/about.md",
        23: "content/functions/_index.md",
    }
    for line, document in internal.items():
        assert what(found[home, line]) == ("internal", document, None), line
    # the fragment stays on the URL for the heading check; the identity ignores it
    assert found[home, 5]["url"] == f"https://{STAND_IN}/functions/go-template/range/#else"
    assert what(found[home, 8]) == ("skipped", None, "template code")

    rng = "content/functions/go-template/range.md"
    assert what(found[rng, 6]) == ("internal", "content/functions/go-template/other.md", None)
    assert what(found[rng, 7]) == (
        "internal",
        "content/quick-reference/page-collections.md",
        None,
    )
    assert what(found[rng, 8]) == ("internal", "content/functions/go-template/_index.md", None)
    assert what(found["content/news/0.120.0-relnotes/index.md", 5]) == (
        "internal",
        home,
        None,
    )


def test_a_link_to_no_document_of_the_site_is_a_broken_internal_link(site: Path) -> None:
    found = scan(site)
    home, rng = "content/_index.md", "content/functions/go-template/range.md"
    assert what(found[home, 9]) == (
        "invalid",
        None,
        "no document of the corpus at /quick-reference/page-colections/",
    )
    assert what(found[home, 11]) == (
        "invalid",
        None,
        "no document of the corpus at /images/hugo-logo-old.png",
    )
    # url: /features/ moved the page: its path is not published any more
    assert what(found[home, 13]) == (
        "invalid",
        None,
        "no document of the corpus at /about/features/",
    )
    assert what(found[home, 19]) == (
        "invalid",
        None,
        "no document of the corpus at /blog/2019-12-25-release/",
    )
    assert what(found[rng, 9]) == (
        "invalid",
        None,
        "no document of the corpus at /functions/go-template/range/with/",
    )
    assert found[home, 9]["resource"] is None  # nothing to look up


def test_files_of_the_site_are_local(site: Path) -> None:
    found = scan(site)
    home = "content/_index.md"
    assert (found[home, 10]["status"], found[home, 10]["url"]) == (
        "local",
        "../static/images/hugo-logo.png",
    )
    assert (found[home, 15]["status"], found[home, 15]["url"]) == (
        "local",
        "news/0.120.0-relnotes/hero.png",
    )
    bundle = found["content/news/0.120.0-relnotes/index.md", 4]
    assert (bundle["status"], bundle["url"]) == ("local", "hero.png")


def test_a_frontmatter_address_still_wins_and_other_sites_stay_remote(site: Path) -> None:
    found = scan(site)
    home, article = "content/_index.md", "content/articles/article_48211.md"
    assert what(found[home, 16]) == ("internal", article, None)
    assert (found[home, 17]["status"], found[home, 17]["url"]) == ("remote", CHART)
    assert (found[article, 6]["status"], found[article, 6]["url"]) == (
        "remote",
        f"{CN}/article/48212/y",
    )
    assert (found[article, 7]["status"], found[article, 7]["url"]) == (
        "remote",
        f"{CN}/quick-reference/page-collections/",
    )


def test_base_url_recognises_links_written_with_the_sites_address(tmp_path: Path) -> None:
    write_site(tmp_path, 'content_root = "content"\nbase_url = "https://gohugo.io/"')
    page = tmp_path / "content" / "quick-reference" / "_index.md"
    page.write_text(
        "---\ntitle: Quick reference\n---\n"
        "[range](https://gohugo.io/functions/go-template/range/)\n"
        "[Range](https://GoHugo.io/Functions/Range/)\n"
        "[typo](https://gohugo.io/functions/go-template/rnage/)\n"
        "[blog](https://gohugo.io.example.com/functions/range/)\n",
        encoding="utf-8",
    )
    found = scan(tmp_path)
    ref = "content/quick-reference/_index.md"
    assert what(found[ref, 4]) == ("internal", "content/functions/go-template/range.md", None)
    assert what(found[ref, 5]) == ("internal", "content/functions/range.md", None)
    assert what(found[ref, 6]) == (
        "invalid",
        None,
        "no document of the corpus at /functions/go-template/rnage/",
    )
    assert found[ref, 7]["status"] == "remote"
    home = found["content/_index.md", 4]
    assert home["url"] == "https://gohugo.io/quick-reference/page-collections/"
    assert what(home) == ("internal", "content/quick-reference/page-collections.md", None)


def test_without_content_root_the_same_links_have_no_address(tmp_path: Path) -> None:
    write_site(tmp_path, "")
    found = scan(tmp_path)
    assert what(found["content/_index.md", 4]) == (
        "invalid",
        None,
        "relative link, and the document has no address to resolve it",
    )


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-docsite"),
        captures=[Cap(CHART, "20211229095346", CHART_PNG, "image/png")],
        probe_url="www.example-news.com/wp-content/uploads/2021/12/chart.png",
    )
    try:
        yield server
    finally:
        server.stop()


def rescue_config(root: Path, pywb: Pywb) -> None:
    (root / "linkrescue.toml").write_text(
        '[corpus]\ncontent_root = "content"\n'
        f'[archive]\nurl = "{pywb.url}"\ncdx_per_second = 0\nplayback_per_second = 0\n'
        'retries = 1\n[store]\ndir = "rescued"\n[rescue]\nlive_links = "all"\n',
        encoding="utf-8",
    )


def test_rescue_never_asks_for_the_stand_in_origin(site: Path, pywb: Pywb) -> None:
    (site / "content/articles/article_48211.md").unlink()  # its news-site links: elsewhere
    rescue_config(site, pywb)
    args = ("rescue", "content", "--config", "linkrescue.toml", "--report", "report.json")
    dry = linkrescue(*args, "--dry-run", "-q", cwd=site)
    assert dry.returncode == 0, dry.stderr
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    article = f"{CN}/article/48211/x"
    assert sorted(item["url"] for item in report["items"]) == [article, CHART]
    assert report["internal"] == 15  # 11 on the home page, 3 on range, 1 in the bundle

    done = linkrescue(*args, cwd=site)
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    assert sorted((item["url"], item["outcome"]) for item in report["items"]) == [
        (article, "not-archived"),
        (CHART, "rescued"),
    ], done.stderr
    log = pywb.log()
    assert "chart.png" in log and "article/48211" in log  # pywb logs every request
    for never in (STAND_IN, "page-colections", "hugo-logo-old", "about/features"):
        assert never not in log
    # only the chart was rewritten; the site's own links are as the site serves them
    home = (site / "content" / "_index.md").read_text(encoding="utf-8")
    assert home == HOME.replace(
        CHART, "../rescued/www.example-news.com/wp-content/uploads/2021/12/chart.png"
    )
    assert (site / "content/functions/go-template/range.md").read_text(encoding="utf-8") == RANGE


def test_content_root_is_taken_from_the_config_files_folder(site: Path) -> None:
    """A CI job runs from the repository's root with the site's config: same result."""
    repo = site.parent
    done = linkrescue(
        "scan", site / "content", "--config", site / "linkrescue.toml", "-f", "jsonl", cwd=repo
    )
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout.splitlines()[0])
    assert (first["line"], first["status"]) == (4, "internal")
    assert first["document"] == str(site / "content/quick-reference/page-collections.md")


def test_a_multilingual_content_folder_finds_static_at_the_sites_top(tmp_path: Path) -> None:
    """gohugo.io's documentation: ``content/en/`` for the pages, ``static/`` at the top."""
    page = tmp_path / "content" / "en" / "getting-started" / "_index.md"
    page.parent.mkdir(parents=True)
    page.write_text(
        "---\ntitle: Getting started\n---\n"
        "![logo](/images/hugo-logo.svg)\n[quick start](/getting-started/quick-start/)\n",
        encoding="utf-8",
    )
    (page.parent / "quick-start.md").write_text("---\ntitle: Quick start\n---\n", encoding="utf-8")
    (tmp_path / "static" / "images").mkdir(parents=True)
    (tmp_path / "static" / "images" / "hugo-logo.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "linkrescue.toml").write_text(
        '[corpus]\ncontent_root = "content/en"\n', encoding="utf-8"
    )
    found = scan(tmp_path)
    ref = "content/en/getting-started/_index.md"
    assert (found[ref, 4]["status"], found[ref, 4]["url"]) == (
        "local",
        "../../../static/images/hugo-logo.svg",
    )
    assert what(found[ref, 5]) == ("internal", "content/en/getting-started/quick-start.md", None)


def test_a_content_root_that_is_no_folder_is_named(tmp_path: Path) -> None:
    write_site(tmp_path, 'content_root = "contnet"')
    done = linkrescue("scan", "content", "--config", "linkrescue.toml", "-f", "jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{tmp_path / 'contnet'}: [corpus] content_root is not a folder" in done.stderr


def test_two_files_at_one_address_are_named(site: Path) -> None:
    """``functions/Range.md`` is published at ``/functions/range/`` too: one of them wins."""
    (site / "content/functions/Range.md").write_text("---\ntitle: Range\n---\n", encoding="utf-8")
    done = linkrescue("scan", "content", "--config", "linkrescue.toml", "-f", "jsonl", cwd=site)
    assert done.returncode == 0, done.stderr
    first, second = Path("content/functions/Range.md"), Path("content/functions/range.md")
    assert (
        f"{second}: same address as {first} (https://{STAND_IN}/functions/range/): links go there"
    ) in done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    ranges = [r for r in records if r["raw"] == "/Functions/Range/"]
    assert [Path(r["document"]) for r in ranges] == [first]
