"""`linkrescue scan` as a user runs it: on the real example, on small corpora, on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from linkrescue.crawler.cli import app

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "thestandnews" / "china-clubhouse.md"


def scan_json(*args: str | Path, cwd: Path | None = None) -> tuple[list[dict[str, Any]], str]:
    """Run the real console entry point in a subprocess; return records and stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "linkrescue", "scan", "--format", "json", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def test_example_article_every_reference_exact() -> None:
    records, stderr = scan_json(EXAMPLE)
    text = EXAMPLE.read_bytes().decode("utf-8")
    lines = text.split("\n")
    assert len(records) == 13
    for r in records:
        assert text[r["start"] : r["end"]] == r["raw"]
        line = lines[r["line"] - 1]
        assert line[r["column"] - 1 :].startswith(r["raw"].split("\n")[0])
        assert r["status"] == "remote"
    kinds = [r["kind"] for r in records]
    assert kinds == ["frontmatter", "md-image"] + ["md-link"] * 11
    image = records[0]
    assert image["key"] == "image"
    assert (image["line"], image["column"]) == (12, 9)
    assert (
        image["url"] == "https://assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png"
    )
    assert image["archive"] == {
        "root": "http://web.archive.org",
        "timestamp": "2021",
        "modifier": "im_",
    }
    assert records[1]["url"] == image["url"] and (records[1]["line"], records[1]["column"]) == (
        15,
        5,
    )
    relative = records[2]
    assert relative["url"].startswith("https://thestandnews.com/international/%E8%A8%98-clubhouse-")
    assert relative["archive"] is None
    facebook = records[3]
    assert facebook["url"] == "https://www.facebook.com/coco.shen/posts/10157672268636821"
    assert facebook["archive"]["timestamp"] == "20211229095346"
    assert "13 references" in stderr and "12 distinct resources" in stderr


def test_folder_is_recursed_and_internal_links_found(tmp_path: Path) -> None:
    write(
        tmp_path / "china" / "a.md",
        '---\ntitle: "A"\noriginal_url: "thestandnews.com/china/新聞-a"\n---\nbody\n',
    )
    write(
        tmp_path / "world" / "b.markdown",
        '---\ntitle: "B"\noriginal_url: "thestandnews.com/world/b"\n---\n'
        "[rel](../../china/%E6%96%B0%E8%81%9E-a/) and "
        "[wb](http://web.archive.org/web/20211229095346/https://www.thestandnews.com/china/新聞-a)\n"
        "[out](https://example.org/x)\n",
    )
    write(tmp_path / "notes.txt", "[not scanned](https://example.org/y)\n")
    records, _ = scan_json(tmp_path)
    by_raw = {r["raw"]: r for r in records}
    assert set(by_raw) == {
        "../../china/%E6%96%B0%E8%81%9E-a/",
        "http://web.archive.org/web/20211229095346/https://www.thestandnews.com/china/新聞-a",
        "https://example.org/x",
    }
    for raw in list(by_raw)[:2]:
        assert by_raw[raw]["status"] == "internal"
        assert by_raw[raw]["document"] == str(tmp_path / "china" / "a.md")
    assert by_raw["https://example.org/x"]["status"] == "remote"


def test_id_pattern_matches_messy_addresses(tmp_path: Path) -> None:
    write(
        tmp_path / "articles" / "article_12345.md",
        '---\nurl: "https://web.archive.org/web/20211231000000/https://www.example-news.com/article/12345/%EF%BF%BD%EF%BF%BD"\n'
        'original_url: "https://www.example-news.com/article/12345/truncated-sl"\n---\n',
    )
    write(
        tmp_path / "articles" / "article_2.md",
        '---\noriginal_url: "https://www.example-news.com/article/2/x"\n---\n'
        "[see](/web/20211231120000/https://www.example-news.com/article/12345/full-slug-here/)\n",
    )
    config = write(
        tmp_path / "config.toml", "[corpus]\nid_pattern = 'example-news\\.com/article/(\\d+)'\n"
    )
    records, _ = scan_json(tmp_path / "articles", "--config", config)
    (record,) = records
    assert record["status"] == "internal"
    assert record["document"] == str(tmp_path / "articles" / "article_12345.md")
    assert record["archive"]["root"] == "https://web.archive.org"
    # Without the pattern the truncated slug does not match.
    records, _ = scan_json(tmp_path / "articles")
    assert records[0]["status"] == "remote"


def test_bad_files_are_reported_and_the_scan_goes_on(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "good.md", "[ok](https://example.org/good)\n")
    write(corpus / "big5.md", "[壞](https://example.org/)".encode("big5"))
    write(corpus / "binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    write(
        corpus / "yaml.md",
        '---\ntitle: "bad \x07 title"\noriginal_url: "x.org/a"\n---\n[in body](https://example.org/body)\n',
    )
    write(corpus / "huge.md", "[h](https://example.org/h)\n" + "x" * 5000)
    outside = write(tmp_path / "secret.md", "[secret](https://example.org/secret)\n")
    os.symlink(outside, corpus / "link.md")
    config = write(tmp_path / "config.toml", "[scan]\nmax_file_bytes = 4000\n")
    records, stderr = scan_json(corpus, "--config", config)
    urls = {r["url"] for r in records}
    assert urls == {"https://example.org/good", "https://example.org/body"}
    errors = [line for line in stderr.splitlines() if line.startswith("linkrescue: ")]
    assert len(errors) == 5, stderr
    joined = "\n".join(errors)
    assert f"{corpus / 'big5.md'}: not UTF-8" in joined
    assert f"{corpus / 'binary.md'}:" in joined
    assert f"{corpus / 'yaml.md'}: frontmatter is not valid YAML" in joined
    assert f"{corpus / 'huge.md'}: file is too large" in joined
    assert f"{corpus / 'link.md'}: symlink to" in joined
    assert "Traceback" not in stderr


def test_relative_links_of_a_document_with_bad_frontmatter_are_invalid_not_lost(
    tmp_path: Path,
) -> None:
    doc = write(tmp_path / "a.md", '---\ntitle: "\x01"\n---\n[rel](../x/)\n')
    records, _ = scan_json(doc)
    (record,) = records
    assert record["status"] == "invalid"
    assert "no address" in record["reason"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "does-not-exist.md"], "does-not-exist.md: no such file or folder"),
        (["scan", "--format", "xml", "x.md"], "Invalid value"),
        (["scan", "x.md", "--config", "missing.toml"], "missing.toml: no such config file"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    write(tmp_path / "x.md", "[a](https://example.org/)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "linkrescue", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_config_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "[scan]\nworkerz = 1\n")
    result = CliRunner().invoke(app, ["scan", str(EXAMPLE), "--config", str(config)])
    assert result.exit_code == 2
    assert f"{config}: [scan]: unknown key 'workerz'" in result.output


def test_formats_agree(tmp_path: Path) -> None:
    records, _ = scan_json(EXAMPLE)
    jsonl = subprocess.run(
        [sys.executable, "-m", "linkrescue", "scan", "--format", "jsonl", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert [json.loads(line) for line in jsonl.stdout.splitlines()] == records
    table = CliRunner().invoke(
        app, ["scan", "--format", "table", str(EXAMPLE)], env={"COLUMNS": "400"}
    )
    assert table.exit_code == 0
    assert f"{EXAMPLE}:12:9" in table.output
    assert "https://www.facebook.com/coco.shen/posts/10157672268636821" in table.output


def test_code_is_never_scanned(tmp_path: Path) -> None:
    doc = write(
        tmp_path / "code.md",
        "```\n[no](https://example.org/fenced)\n```\n\n    [no](https://example.org/indented)\n\n"
        "`[no](https://example.org/span)` and [yes](https://example.org/yes)\n",
    )
    records, _ = scan_json(doc)
    assert [r["url"] for r in records] == ["https://example.org/yes"]


def test_pool_and_single_process_give_identical_output(tmp_path: Path) -> None:
    for i in range(150):
        write(
            tmp_path / f"s{i % 7}" / f"a{i}.md",
            f'---\noriginal_url: "news.example.org/s/{i}"\nimage: "http://web.archive.org/web/2021im_/https://img.example.org/{i}.jpg"\n---\n'
            f'[next](../../s/{(i + 1) % 150}/) <img src="https://img.example.org/{i}.png"> [mail](mailto:x@y.org)\n',
        )
    one = write(tmp_path / "one.toml", "[scan]\nworkers = 1\n")
    two = write(tmp_path / "two.toml", "[scan]\nworkers = 2\n")
    single, _ = scan_json(tmp_path, "--config", one)
    pooled, stderr = scan_json(tmp_path, "--config", two)
    assert single == pooled
    assert len(single) == 150 * 4
    assert sum(r["status"] == "internal" for r in single) == 150
    assert "150 documents, 600 references" in stderr


def test_json_lines_are_exactly_what_json_dumps_writes(tmp_path: Path) -> None:
    from linkrescue.crawler.stages.resolve import resolve
    from linkrescue.crawler.stages.scan import Record, _encode_string
    from linkrescue.rewriters import read_document

    doc = write(
        tmp_path / 'q"uote\\新.md',
        '---\nimage: "http://web.archive.org/web/2021im_/https://x.org/a\\"b.png"\n---\n'
        '[t](http://web.archive.org/web/20211229095346/https://x.org/新?a="1"\\n) '
        '<img src="mailto:x@y.org"> [rel](../x/)\n',
    )
    text = doc.read_text(encoding="utf-8")
    for ref in read_document(text, resource_keys=("image",)).references:
        record = Record(str(doc), ref, resolve(ref, str(tmp_path), None), "other.md")
        line = record.json_line(_encode_string(str(doc)))
        assert line == json.dumps(record.as_dict(), ensure_ascii=False)
