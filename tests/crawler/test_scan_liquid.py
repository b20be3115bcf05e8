"""Jekyll posts with Liquid template code, through ``linkrescue scan`` and ``rescue --dry-run``.

The post is shaped like the Ruby site's news posts (``en/news/_posts/…``): a
reference definition ``[1]: {{ site.url }}/…``, a ``{% link %}`` to another post, a
``{% highlight ruby %}`` sample holding link syntax, and an image under
``{{ site.baseurl }}``. Template code is never a URL to fetch: without
``[corpus] base_url`` it is ``skipped``, "template code"; with it, the ``site.url`` /
``site.baseurl`` forms resolve against it like any absolute URL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.cli import linkrescue

POST = """---
layout: news_post
title: "Ruby 2.7.0 Released"
url: "https://www.ruby-lang.org/en/news/2019/12/25/ruby-2-7-0-released/"
---

We are pleased to announce the release of Ruby 2.7.0 [1].
See also [the previous release]({% link en/news/_posts/2019-10-01-ruby-2-7-0-preview2-released.md %}).

![Ruby logo]({{ site.baseurl }}/images/header-ruby-logo.png)

{% highlight ruby %}
# pattern matching: [a](http://x) and http://example.org
case [0, [1, 2, 3]]
in [a, [b, *c]]
end
{% endhighlight %}

Report bugs at <https://bugs.ruby-lang.org/>.

[1]: {{ site.url }}/en/downloads/
"""


def scan(tmp_path: Path, config: str = "") -> list[dict[str, Any]]:
    post = tmp_path / "en" / "news" / "_posts" / "2019-12-25-ruby-2-7-0-released.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(POST, encoding="utf-8")
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    proc = linkrescue("scan", "en", "--format", "jsonl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    for r in records:
        assert post.read_text(encoding="utf-8")[r["start"] : r["end"]] == r["raw"]
    return records


def summary(records: list[dict[str, Any]]) -> list[tuple[int, str, str, str | None, str | None]]:
    return [(r["line"], r["kind"], r["status"], r["reason"], r["url"]) for r in records]


def test_template_code_is_skipped_without_a_base_url(tmp_path: Path) -> None:
    records = scan(tmp_path)
    assert summary(records) == [
        (7, "md-refuse", "skipped", "template code", None),  # [1]: as its definition
        (8, "md-link", "skipped", "template code", None),
        (10, "md-image", "skipped", "template code", None),
        (19, "autolink", "remote", None, "https://bugs.ruby-lang.org/"),
        (21, "md-refdef", "skipped", "template code", None),
    ]
    assert records[4]["raw"] == "{{ site.url }}/en/downloads/"
    assert records[0]["definition"]["raw"] == records[4]["raw"]
    assert all("%7B" not in json.dumps(r) for r in records)


def test_site_url_and_baseurl_resolve_against_the_base_url(tmp_path: Path) -> None:
    records = scan(tmp_path, '[corpus]\nbase_url = "https://www.ruby-lang.org"\n')
    assert summary(records) == [
        (7, "md-refuse", "remote", None, "https://www.ruby-lang.org/en/downloads/"),
        (8, "md-link", "skipped", "template code", None),
        (10, "md-image", "remote", None, "https://www.ruby-lang.org/images/header-ruby-logo.png"),
        (19, "autolink", "remote", None, "https://bugs.ruby-lang.org/"),
        (21, "md-refdef", "remote", None, "https://www.ruby-lang.org/en/downloads/"),
    ]


def test_dry_run_never_looks_up_template_code(tmp_path: Path) -> None:
    post = tmp_path / "content" / "2019-12-25-ruby-2-7-0-released.md"
    post.parent.mkdir(parents=True)
    post.write_text(POST, encoding="utf-8")
    proc = linkrescue(
        "rescue", "content", "--dry-run", "--report", "report.json", "-q", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert "%7B" not in json.dumps(report)  # no {% link %} turned into a URL
    looked_up = [(r["url"], r["reason"]) for r in report["items"]]
    assert looked_up == [
        ("https://bugs.ruby-lang.org/", "would be looked up in the archive (dry run)")
    ]
    # skipped: the link, the image, the definition [1] and its use (each a place a reader sees)
    assert (report["resources"], report["skipped"]) == (1, 4)
    assert post.read_text(encoding="utf-8") == POST
