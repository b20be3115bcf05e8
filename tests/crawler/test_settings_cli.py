"""Every bad setting ends `linkrescue rescue` at start: exit 2, one line, nothing written.

Each case is a value a user could really write (a negative rate copied from a
"no limit" habit, a scheme-less archive URL, an unclosed group in an id pattern);
before, some printed a traceback after creating an empty store and some were
silently accepted. The same checks apply to the command-line options.
"""

from __future__ import annotations

import stat
from dataclasses import fields
from pathlib import Path

import pytest

from linkrescue.crawler.config import RULES, SECTIONS
from tests.support.cli import linkrescue

ARTICLE = """---
title: "中國 Clubhouse 聊天平台爆紅"
original_url: "thestandnews.com/china/clubhouse-聊天平台爆紅"
---
![](http://web.archive.org/web/2021im_/https://assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png)
[相片](photo.png)
"""

#: (section, key, value as TOML, words the reason must hold): one bad value per key.
BAD = [
    ("corpus", "address_keys", '["original_url", ""]', "at least 1 character"),
    ("corpus", "id_pattern", '"thestandnews\\\\.com/(\\\\d+"', "not a valid regular expression"),
    ("corpus", "extensions", '["md"]', "a file ending such as '.md'"),
    ("corpus", "base_url", '"www.ruby-lang.org"', "not an http:// or https:// URL with a host"),
    ("scan", "frontmatter_keys", '"image"', "valid list"),
    ("scan", "max_file_bytes", "0", "greater than or equal to 1"),
    ("scan", "workers", "-1", "greater than or equal to 0"),
    ("archive", "url", '"web.archive.org"', "not an http:// or https:// URL with a host"),
    ("archive", "cdx_per_second", "-1", "greater than or equal to 0"),
    ("archive", "playback_per_second", "nan", "finite number"),
    ("archive", "pause_seconds", '"60"', "valid number"),
    ("archive", "connect_timeout", "0", "greater than 0"),
    ("archive", "read_timeout", "-5.0", "greater than 0"),
    ("archive", "body_timeout", "-1", "greater than or equal to 0"),
    ("archive", "retries", "-2", "greater than or equal to 0"),
    ("archive", "max_body_bytes", "1.5e8", "valid integer"),
    ("archive", "user_agent", '"linkrescue\\n(+mailto:x)"', "printable ASCII"),
    ("archive", "collection", '"web/2021"', "one path segment"),
    ("archive", "cdx_url", '"localhost:8080/web/cdx"', "not an http:// or https:// URL"),
    ("store", "dir", '""', "at least 1 character"),
    ("rescue", "only", '"image"', "'images', 'links' or 'all'"),
    ("rescue", "live_links", '"none"', "'dead', 'all' or 'off'"),
    ("rescue", "concurrency", "0", "greater than or equal to 1"),
    ("rescue", "dry_run", '"yes"', "valid boolean"),
    ("rescue", "rewrite", "1", "valid boolean"),
    ("rescue", "report", "false", "valid string"),
    ("rescue", "recheck_days", "-30", "greater than or equal to 0"),
    ("rescue", "listings", '"off"', "valid boolean"),
    ("rewrite", "style", '"relative-path"', "'relative' or 'absolute'"),
    ("rewrite", "prefix", '["/rescued/"]', "valid string"),
    ("corpus", "content_root", "1", "valid string"),
    ("scan", "image_keys", '"image"', "valid list"),
    ("archive", "headers", '{ "Authorization" = "Bearer\\u00e9" }', "printable ASCII"),
    ("live", "timeout", "0", "greater than 0"),
    ("live", "concurrency", "0", "greater than or equal to 1"),
    ("live", "per_host_concurrency", "100", "less than or equal to 64"),
    ("live", "per_host_spacing", "-0.5", "greater than or equal to 0"),
    ("live", "dead_statuses", "[200]", "greater than or equal to 400"),
    ("live", "headers", '{ "Bad Name" = "x" }', "an HTTP header name"),
    ("check", "fragments", '"yes"', "valid boolean"),
    ("check", "heading_ids", '"gitlab"', "'github' or 'hugo'"),
    ("check", "exclude", '["(g"]', "not a valid regular expression"),
    ("check", "max_age_hours", "-1", "greater than or equal to 0"),
    ("check", "confirm", "1", "valid boolean"),
    ("nightly", "max_requests", "-5", "greater than or equal to 0"),
    ("nightly", "time_budget", '"two hours"', "must be a duration such as '2h'"),
    ("nightly", "retry_after_hours", '"6"', "valid number"),
    ("nightly", "retry_max_hours", "-1", "greater than or equal to 0"),
    ("nightly", "dead_after_failures", "0", "greater than or equal to 1"),
    ("nightly", "dead_after_hours", "-2", "greater than or equal to 0"),
    ("log", "file", "3", "valid string"),
    ("log", "max_bytes", "0", "greater than or equal to 1"),
    ("log", "backups", "-1", "greater than or equal to 0"),
    ("crawl", "requisites", '"yes"', "valid boolean"),
    ("crawl", "depth", "2", "less than or equal to 1"),
    ("crawl", "max_resources_per_page", "0", "greater than or equal to 1"),
    ("crawl", "scripts", "1", "valid boolean"),
    ("crawl", "sanitize", '"off"', "valid boolean"),
    ("crawl", "allow_hosts", '["news example.com"]', "a host name"),
    ("crawl", "exclude_hosts", '"ads.example.com"', "valid list"),
    ("network", "allow_private", '"yes"', "valid boolean"),
]


def corpus(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "china-clubhouse.md").write_text(ARTICLE, encoding="utf-8")
    return tmp_path / "content"


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_every_key_has_a_rule_and_a_bad_case() -> None:
    keys = {(name, f.name) for name, cls in SECTIONS.items() for f in fields(cls)}
    assert {(s, k) for s, k, _, _ in BAD} == keys
    assert {(s, k) for s, table in RULES.items() for k in table} == keys


@pytest.mark.parametrize(
    ("section", "key", "value", "reason"), BAD, ids=[f"{s}.{k}" for s, k, _, _ in BAD]
)
def test_bad_setting_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, section: str, key: str, value: str, reason: str
) -> None:
    content = corpus(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(f"[{section}]\n{key} = {value}\n", encoding="utf-8")
    before = tree(tmp_path)
    proc = linkrescue("rescue", content, "--config", config, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"linkrescue: {config}: [{section}] {key} = ")
    assert reason in lines[0]
    assert "Traceback" not in proc.stderr
    assert tree(tmp_path) == before  # no store, no report, no document touched


@pytest.mark.parametrize(
    ("option", "reason"),
    [
        (["--archive-url", "web.archive.org"], '--archive-url: [archive] url = "web.archive.org"'),
        (["--archive-url", "ftp://web.archive.org"], "not an http:// or https:// URL"),
        (
            ["--concurrency", "0"],
            "--concurrency: [rescue] concurrency = 0: input should be greater",
        ),
    ],
)
def test_bad_option_is_checked_as_its_key(tmp_path: Path, option: list[str], reason: str) -> None:
    content = corpus(tmp_path)
    before = tree(tmp_path)
    proc = linkrescue("rescue", content, *option, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    assert reason in proc.stderr
    assert tree(tmp_path) == before


def test_unknown_key_and_section_are_one_line_errors(tmp_path: Path) -> None:
    content = corpus(tmp_path)
    for text, words in [
        ("[rescue]\nconcurency = 8\n", "[rescue]: unknown key 'concurency'"),
        ("[archives]\nurl = 'https://web.archive.org'\n", "unknown section [archives]"),
    ]:
        (tmp_path / "config.toml").write_text(text, encoding="utf-8")
        proc = linkrescue("rescue", content, cwd=tmp_path)  # ./config.toml is read by default
        assert proc.returncode == 2
        assert proc.stderr.splitlines() == [f"linkrescue: {tmp_path / 'config.toml'}: {words}"]
        assert not (tmp_path / "rescued").exists()


def test_relative_report_is_written_beside_the_config_with_the_umask(tmp_path: Path) -> None:
    content = corpus(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.toml").write_text(
        '[rescue]\nreport = "rep.json"\ndry_run = true\n[store]\ndir = "saved"\n', encoding="utf-8"
    )
    elsewhere = tmp_path / "cron-cwd"
    elsewhere.mkdir()
    for mask, mode in [(0o022, 0o644), (0o027, 0o640)]:
        proc = linkrescue(
            "rescue", content, "--config", project / "config.toml", cwd=elsewhere, umask=mask
        )
        assert proc.returncode == 0, proc.stderr
        assert stat.S_IMODE((project / "rep.json").stat().st_mode) == mode
    assert list(elsewhere.iterdir()) == []
