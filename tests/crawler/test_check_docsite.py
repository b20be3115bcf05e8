"""`linkrescue check` on a Hugo documentation site's content folder.

A real Hugo documentation site (gohugo.io's docs) writes its links root-relative
(`/functions/go-template/range/#else`) or relative (`../other/`) and has no address in
its frontmatter: without `[corpus] content_root` every such link was `invalid` (about
2,000 of 5,000 references). With it, they resolve to documents of the corpus, and the
broken ones are named at their line: a page that does not exist, a heading that does
not exist.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.cli import linkrescue

RANGE = """---
title: range
---
Iterates over a collection.

## Else {#else}

## Use `range` with maps

See [collections](/quick-reference/page-collections/) and [with](../with/).
Maps: [above](#use-range-with-maps), [else](#else), [gone](#break).
Broken: [removed](/functions/go-template/removed/) and [typo](/quick-reference/page-colections/).
Also [an image](/images/range.png) and [a template]({{< relref "with" >}}).
"""
WITH = "---\ntitle: with\n---\nBack to [range](/functions/go-template/range/#else).\n"
COLLECTIONS = "---\ntitle: Page collections\n---\n# Page collections\n"


def site(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    for name, text in (
        ("content/functions/go-template/range.md", RANGE),
        ("content/functions/go-template/with.md", WITH),
        ("content/quick-reference/page-collections.md", COLLECTIONS),
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "static/images").mkdir(parents=True)
    (root / "static/images/range.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "linkrescue.toml").write_text(
        '[corpus]\ncontent_root = "content"\nbase_url = "https://gohugo.io/"\n'
        '[check]\nheading_ids = "hugo"\n',
        encoding="utf-8",
    )
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def test_root_relative_links_resolve_to_documents_and_broken_ones_are_named(
    tmp_path: Path,
) -> None:
    root = site(tmp_path)
    done = linkrescue("check", "--offline", "-f", "json", cwd=root)
    assert done.returncode == 1, done.stderr
    found = {(f["line"], f["kind"], f["url"]) for f in json.loads(done.stdout)}
    assert found == {
        (11, "missing-fragment", "#break"),
        (12, "missing-document", "/functions/go-template/removed/"),
        (12, "missing-document", "/quick-reference/page-colections/"),
    }, done.stdout
