"""`linkrescue scan` on a Hugo site whose pages use TOML (``+++``) or JSON frontmatter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
COVER = "https://assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png"


def scan_json(*args: str | Path) -> tuple[list[dict[str, Any]], str]:
    """Run the real console entry point in a subprocess; return records and stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "linkrescue", "scan", "--format", "json", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def test_scan_reports_toml_frontmatter_image_and_resolves_its_address(tmp_path: Path) -> None:
    site = tmp_path / "content" / "posts"
    site.mkdir(parents=True)
    post = (
        "+++\n"
        'title = "Clubhouse 聊天平台爆紅"\n'
        "date = 2021-02-07T20:58:00+08:00\n"
        'url = "https://thestandnews.com/china/clubhouse/"\n'
        f'images = ["{COVER}"]\n'
        "+++\n"
        "\n"
        "[下一篇](../other/)\n"
    )
    (site / "clubhouse.md").write_text(post, encoding="utf-8")
    (site / "other.md").write_text(
        '{\n  "title": "另一篇",\n  "url": "https://thestandnews.com/china/other/"\n}\n\n'
        "[上一篇](https://thestandnews.com/china/clubhouse/)\n",
        encoding="utf-8",
    )
    records, stderr = scan_json(site)
    by_raw = {r["raw"]: r for r in records}
    assert sorted(by_raw) == [
        "../other/",
        COVER,
        "https://thestandnews.com/china/clubhouse/",
    ], stderr
    image = by_raw[COVER]
    assert image["kind"] == "frontmatter" and image["key"] == "images.0"
    assert (image["line"], image["column"]) == (5, 12)
    assert post[image["start"] : image["end"]] == COVER
    assert image["status"] == "remote"
    # Both addresses come from TOML / JSON frontmatter: the links between them are internal.
    assert by_raw["../other/"]["status"] == "internal"
    assert by_raw["../other/"]["document"] == str(site / "other.md")
    back = by_raw["https://thestandnews.com/china/clubhouse/"]
    assert back["status"] == "internal" and back["document"] == str(site / "clubhouse.md")
