"""Liquid template code in Markdown (Jekyll sites): what is code and what is a template.

Why: Jekyll renders Liquid *before* Markdown, and Jekyll documentation sites write
links as templates: ``[1]: {{ site.url }}/news/``, ``[x]({% link en/news/… %})``,
``<img src="{{ '/img/x.png' | relative_url }}">``. Read as Markdown, a definition
whose destination holds spaces was dropped, and ``{% link en/news/x.md %}`` lost its
spaces to the scraping-junk repair and became a bogus remote URL
(``…/%7B%linken/news/…%%7D``) that ``rescue`` would look up in the archive. The
scanner keeps such a destination whole (:data:`TEMPLATE_DESTINATION`, exact span);
the resolver says ``skipped``, "template code" (:func:`has_template`), unless it can
replace ``{{ site.url }}`` or ``{{ site.baseurl }}`` by a configured base URL.

Block tags whose body is not Markdown a reader sees as links — ``{% highlight lang
%}…{% endhighlight %}`` (a code sample), ``{% raw %}…{% endraw %}`` (literal text,
used to show Liquid in examples) and ``{% comment %}…{% endcomment %}`` (removed
from the page) — are code regions (:func:`template_regions`): nothing inside is a
reference, as in a fenced code block. Liquid decides them before Markdown does, so
they are found over the whole body, fences or not. An opening tag without its end
tag hides nothing (Jekyll stops with a syntax error there; a stray one must not
hide the rest of a document's links).

Hugo's shortcodes ``{{< … >}}`` and ``{{% … %}}`` are not Liquid
(:mod:`linkrescue.rewriters.shortcode` reads them): every pattern here skips them.
"""

from __future__ import annotations

import re
from typing import Final

#: An output tag ``{{ … }}`` (not Hugo's ``{{<``/``{{%``) or a tag ``{% … %}`` (not
#: inside Hugo's ``{{%``), on one line and at most 200 characters long: every match
#: attempt is bounded, so a broken line of ``{% {% {%…`` stays linear to scan.
_OUTPUT = r"\{\{(?![<%])[^\n}]{0,200}+\}\}"
_TAG = r"(?<!\{)\{%(?:[^\n%]|%(?!\})){0,200}+%\}"
_ANY_TAG: Final = re.compile(r"\{\{(?![<%])|(?<!\{)\{%")

_HAS_TAG = r"(?=[^\s{]{0,200}+\{(?:\{(?![<%])|%))"  # the first "{" opens a tag
#: A destination holding template code: Liquid tags and non-space characters, its
#: first ``{`` (within 200 characters) opening a tag. In an inline link, without
#: parentheses (the ``)`` ends it)...
TEMPLATE_DESTINATION: Final = re.compile(rf"{_HAS_TAG}(?:{_OUTPUT}|{_TAG}|[^\s{{()]++|\{{)++")
#: ... and as the pattern text of a reference definition's destination (any non-space).
TEMPLATE_DEFINITION: Final = rf"{_HAS_TAG}(?:{_OUTPUT}|{_TAG}|[^\s{{]++|\{{)++"

_REGION_OPEN: Final = re.compile(
    r"(?<!\{)\{%-?[ \t]*+(?P<name>highlight|raw|comment)\b(?:[^\n%]|%(?!\})){0,200}+%\}"
)
_REGION_CLOSE: Final = {
    name: re.compile(rf"\{{%-?[ \t]*+end{name}[ \t]*+-?%\}}")
    for name in ("highlight", "raw", "comment")
}


def has_template(value: str) -> bool:
    """Whether ``value`` holds Liquid template code (``{{`` or ``{%``, not Hugo's)."""
    return "{" in value and _ANY_TAG.search(value) is not None


def opens_region(text: str, pos: int, end: int) -> bool:
    """Whether a ``{% highlight %}``, ``{% raw %}`` or ``{% comment %}`` tag starts at ``pos``."""
    return _REGION_OPEN.match(text, pos, end) is not None


def template_regions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of ``{% highlight %}``, ``{% raw %}`` and ``{% comment %}`` blocks, in order.

    Each span runs from its opening tag to the end of its closing tag. Linear in
    the length: once a closing tag is missing, later openers of that name are not
    searched again.
    """
    regions: list[tuple[int, int]] = []
    if text.find("{", start, end) == -1:  # one character: found twice as fast as "{%"
        return regions
    missing: set[str] = set()
    pos = start
    while (m := _REGION_OPEN.search(text, pos, end)) is not None:
        name = m["name"]
        close = None if name in missing else _REGION_CLOSE[name].search(text, m.end(), end)
        if close is None:
            missing.add(name)
            pos = m.end()
            continue
        regions.append((m.start(), close.end()))
        pos = close.end()
    return regions
