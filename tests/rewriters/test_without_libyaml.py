"""PyYAML installed without libyaml: the scan falls back to the pure-Python loader.

A hard-coded ``yaml.CSafeLoader`` raised ``AttributeError`` on such an installation
(PyYAML from source, some distributions' builds). Each run below is the real
command in a subprocess; ``sys.modules["yaml._yaml"] = None`` before PyYAML is
imported makes its ``import yaml._yaml`` fail, exactly as on a machine without
libyaml, so PyYAML defines no ``CSafeLoader`` at all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "thestandnews" / "china-clubhouse.md"

WITHOUT_LIBYAML = (
    "import sys, runpy\n"
    "sys.modules['yaml._yaml'] = None\n"
    "import yaml\n"
    "assert not yaml.__with_libyaml__ and not hasattr(yaml, 'CSafeLoader')\n"
    "sys.argv = ['linkrescue', *sys.argv[1:]]\n"
    "runpy.run_module('linkrescue', run_name='__main__', alter_sys=True)\n"
)

IA = "https://web.archive.org/web"
CN = "https://www.example-news.com"
#: Citizen News shapes: a good file, and one whose title holds a control character.
CITIZEN = {
    "articles/48001-49000/article_48211.md": (
        "---\n"
        'title: "【直播】立法會大會"\n'
        'date: "2021-12-29T10:30:00"\n'
        f'image: "{IA}/2021im_/{CN}/news_新聞/圖片.jpg"\n'
        f'url: "{IA}/20211231120000/{CN}/article/48211/立法會"\n'
        f'original_url: "{CN}/article/48211/%E7%AB%8B"\n'
        "---\n"
        f'{{{{< video src="{IA}/20211229095346if_/https://www.youtube.com/embed/abc" >}}}}\n'
        f'<figure><img src="{IA}/20211229095346im_/{CN}/news_新聞/it\'s.jpg"></figure>\n'
        f"[前文](/web/20211231120000/{CN}/article/48100/x)\n"
    ),
    "articles/1-1000/article_104.md": (
        "---\n"
        'title: "壞\x08標題"\n'
        f'original_url: "{CN}/article/104/bad"\n'
        "---\n"
        f"![]({IA}/2021im_/{CN}/a.png)\n"
    ),
    "articles/1-1000/article_105.md": (
        "---\n"
        'title: "引號未關\n'
        'date: "2021-12-29"\n'
        f'original_url: "{CN}/article/105/x"\n'
        "---\n"
        f"[x]({IA}/20211231120000/{CN}/article/1/y)\n"
    ),
}


def scan(path: Path, *, libyaml: bool) -> tuple[list[dict[str, Any]], list[str]]:
    args = ["scan", "--format", "json", str(path)]
    command = [sys.executable, "-m", "linkrescue", *args]
    if not libyaml:
        command = [sys.executable, "-c", WITHOUT_LIBYAML, *args]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if line.startswith("linkrescue: ")]
    return json.loads(done.stdout), problems


def test_the_real_example_gives_the_same_references_without_libyaml() -> None:
    with_c, _ = scan(EXAMPLE, libyaml=True)
    without, problems = scan(EXAMPLE, libyaml=False)
    assert without == with_c
    assert len(without) == 13 and without[0]["key"] == "image"
    assert problems == []


def test_citizen_news_shapes_give_the_same_references_and_lines(tmp_path: Path) -> None:
    for name, text in CITIZEN.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    with_c, problems_c = scan(tmp_path, libyaml=True)
    without, problems = scan(tmp_path, libyaml=False)
    assert without == with_c
    assert [r["kind"] for r in without] == [
        "md-image",  # article_104: its broken frontmatter gives nothing, its body is read
        "md-link",
        "frontmatter",
        "shortcode",
        "html",
        "md-link",
    ]
    # The same files at the same lines (the loaders word some problems differently).
    where = [(p.split(": ")[1], p.rsplit("(", 1)[1]) for p in problems]
    assert where == [(p.split(": ")[1], p.rsplit("(", 1)[1]) for p in problems_c]
    assert where == [
        (str(tmp_path / "articles/1-1000/article_104.md"), "line 2)"),
        (
            str(tmp_path / "articles/1-1000/article_105.md"),
            "line 3, after a quoted value opened on line 2)",
        ),
    ]
