"""Liquid template code (Jekyll sites) in the Markdown scanner, on Ruby-site-shaped posts."""

from __future__ import annotations

import pytest

from linkrescue.rewriters.liquid import has_template, template_regions
from linkrescue.rewriters.markdown import scan_markdown
from linkrescue.rewriters.model import RefKind
from tests.support.timing import best_cpu

LINK, IMAGE, REFDEF, AUTO, HTML, SHORTCODE = (
    RefKind.MD_LINK,
    RefKind.MD_IMAGE,
    RefKind.MD_REFDEF,
    RefKind.AUTOLINK,
    RefKind.HTML,
    RefKind.SHORTCODE,
)


def found(text: str) -> list[tuple[RefKind, str, int]]:
    refs = scan_markdown(text)
    for r in refs:
        assert text[r.start : r.end] == r.raw
    return [(r.kind, r.raw, r.line) for r in refs]


def test_a_definition_whose_destination_is_a_template_is_kept_whole() -> None:
    text = (
        "Ruby 2.7.0 has been released [1] and the [downloads][2] are up.\n\n"
        "[1]: {{ site.url }}/en/news/2019/12/25/ruby-2-7-0-released/\n"
        '[2]: {{site.url}}{{ site.baseurl }}/en/downloads/ "Downloads"\n'
    )
    assert found(text) == [
        (RefKind.MD_REFUSE, "1", 1),  # the uses, each with its definition's destination
        (RefKind.MD_REFUSE, "downloads", 1),
        (REFDEF, "{{ site.url }}/en/news/2019/12/25/ruby-2-7-0-released/", 3),
        (REFDEF, "{{site.url}}{{ site.baseurl }}/en/downloads/", 4),
    ]


def test_an_inline_link_tag_is_one_destination_with_its_spaces_and_title() -> None:
    text = (
        "See [the release]({% link en/news/_posts/2019-12-25-ruby-2-7-0-released.md %}) and\n"
        '[the docs]({{ site.baseurl }}/documentation/ "Docs") and\n'
        "![logo]({{ '/images/header-ruby-logo.png' | relative_url }}).\n"
    )
    assert found(text) == [
        (LINK, "{% link en/news/_posts/2019-12-25-ruby-2-7-0-released.md %}", 1),
        (LINK, "{{ site.baseurl }}/documentation/", 2),
        (IMAGE, "{{ '/images/header-ruby-logo.png' | relative_url }}", 3),
    ]


def test_highlight_raw_and_comment_blocks_are_code() -> None:
    text = (
        "Install it:\n\n"
        "{% highlight ruby %}\n"
        "# see [a](http://x) and http://example.org\n"
        "```\n"  # a fence inside the sample opens nothing
        "{% endhighlight %}\n\n"
        "{% raw %}[b]({{ page.url }}){% endraw %} then [c](https://www.ruby-lang.org/en/)\n"
        "{%- comment -%}\n[d](http://old.example.org/)\n{%- endcomment -%}\n"
        "<https://bugs.ruby-lang.org/>\n"
    )
    assert found(text) == [
        (LINK, "https://www.ruby-lang.org/en/", 8),
        (AUTO, "https://bugs.ruby-lang.org/", 12),
    ]


def test_a_highlight_inside_a_fence_and_a_fence_inside_a_region_stay_apart() -> None:
    text = (
        "```liquid\n{% raw %}{% highlight ruby %}{% endraw %}\n```\n"
        "[after](https://www.ruby-lang.org/en/about/)\n"
    )
    assert found(text) == [(LINK, "https://www.ruby-lang.org/en/about/", 4)]


def test_an_unclosed_highlight_hides_nothing() -> None:
    text = "{% highlight ruby %}\nputs 1\n\n[news](https://www.ruby-lang.org/en/news/)\n"
    assert found(text) == [(LINK, "https://www.ruby-lang.org/en/news/", 4)]


def test_hugo_shortcodes_are_not_liquid() -> None:
    text = (
        "{{% highlight go %}}\n[a](https://gohugo.io/a/)\n{{% /highlight %}}\n"
        '[b]({{< relref "docs/x.md" >}})\n'
        '{{< figure src="https://gohugo.io/img.png" >}}\n'
    )
    assert found(text) == [
        (LINK, "https://gohugo.io/a/", 2),
        (LINK, '{{< relref "docs/x.md" >}}', 4),
        (SHORTCODE, "https://gohugo.io/img.png", 5),
    ]
    assert not has_template('{{<relref"docs/x.md">}}')
    assert not has_template("{{%relref%}}")
    assert has_template("{%linken/news/x.md%}")
    assert has_template("{{site.url}}/news/")


@pytest.mark.parametrize(
    "unit",
    ["{% raw %} [x](y)\n", "{% raw ", "{% highlight ruby {{ x "],
    ids=["lines", "tag", "output"],
)
def test_template_regions_are_linear_on_unclosed_openers(unit: str) -> None:
    def seconds(n: int) -> float:
        text = unit * n
        assert template_regions(text, 0, len(text)) == []
        return best_cpu(lambda: (template_regions(text, 0, len(text)), scan_markdown(text)))

    small, large = seconds(2_000), seconds(20_000)
    assert large < max(small, 0.01) * 30  # ten times the input: far below a hundred times
