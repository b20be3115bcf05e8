"""A stored page or stylesheet written anew: its references pointed at the local copies
(or the archive), what an archive injected removed, and, sanitized, safe to serve on
the user's own site (issue 13).

The edits are made on the spans :mod:`linkrescue.rewriters.page` found, and applied
with :func:`~linkrescue.rewriters.edits.apply_edits`, which refuses an edit that does not
fit: a page is never half-rewritten. Every byte outside an edit is the capture's own.

Sanitized (``[crawl] sanitize = true``, the default), a page loses what runs code or
reaches another origin (``<script>``, ``on*=`` handlers, ``javascript:`` URLs,
``<meta http-equiv=refresh>``, ``<iframe>``/``<object>``/``<embed>``, forms, link
preloads) and gains a Content-Security-Policy ``<meta>`` that lets it load nothing but
files of its own origin and ``data:`` URLs, and run no script at all: rescued pages
are published on the user's own site, where a script of the dead site would run with
that site's cookies. ``<noscript>`` is unwrapped (the fallback images of lazy-loading
pages show), and an ``<img>`` whose image a script would have set from ``data-src``
gets it as its ``src``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from typing import Final

from linkrescue.rewriters.destinations import destination_text
from linkrescue.rewriters.edits import apply_edits
from linkrescue.rewriters.model import Edit
from linkrescue.rewriters.page import Page

#: The policy of a sanitized page: its own files and ``data:`` URLs, inline styles
#: (news pages are full of ``style=``), no script, no frame, no form, no connection.
POLICY: Final = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; media-src 'self'; base-uri 'none'; form-action 'none'"
)


def render(page: Page, targets: Sequence[str | None], *, sanitize: bool) -> bytes:
    """``page`` with ``targets[i]`` (an already encoded URL, None: unchanged; written
    :func:`as_ascii`) in place of ``page.references[i]``; archive injections and ``<base>`` removed, and
    when ``sanitize``, everything unsafe removed and the policy added."""
    if len(targets) != len(page.references):
        raise ValueError(f"{len(targets)} targets for {len(page.references)} references")
    text = page.text
    removed = [*page.injected, *page.base_spans, *(page.unsafe if sanitize else ())]
    removals = _outermost(removed)
    edits: list[Edit] = [Edit(s, e, text[s:e], "") for s, e in removals]
    replaced: dict[tuple[int, int], str] = {}
    if sanitize:
        for src_start, src_end, lazy in page.lazy_images:
            target = targets[page.references.index(lazy)]
            if target is None or _inside(removals, lazy.ref.start):
                continue
            value = destination_text(lazy.ref, as_ascii(target))
            if src_start < 0:  # no src: one is added before the tag's ">"
                edits.append(Edit(src_end - 1, src_end - 1, "", f' src="{value}"'))
            else:
                replaced[(src_start, src_end)] = value
    for item, target in zip(page.references, targets, strict=True):
        ref = item.ref
        if _inside(removals, ref.start):
            continue
        span = (ref.start, ref.end)
        if span in replaced:
            edits.append(Edit(ref.start, ref.end, ref.raw, replaced.pop(span)))
        elif target is not None:
            written = destination_text(ref, as_ascii(target))
            edits.append(Edit(ref.start, ref.end, ref.raw, written))
    if sanitize and not page.is_stylesheet:
        meta = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        edits.append(Edit(page.policy_at, page.policy_at, "", meta))
    return apply_edits(text, edits).encode("latin-1")


#: Past any offset: ``(offset, _END)`` sorts after every span starting at ``offset``.
_END: Final = 1 << 62
_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]+")


def as_ascii(target: str) -> str:
    """``target`` with every non-ASCII character percent-encoded as UTF-8.

    A page is written back in its own encoding (Big5, GB18030…), where a stored file's
    Chinese name cannot be written as it is; percent-encoded UTF-8 is what browsers
    and web servers read as the same file name, whatever the page's encoding.
    """
    if target.isascii():
        return target
    return _NON_ASCII.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), target)


def _outermost(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` merged: one removed span inside or across another is one removal."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _inside(removals: Sequence[tuple[int, int]], offset: int) -> bool:
    """Whether ``offset`` falls in one of the (sorted, disjoint) ``removals``."""
    at = bisect_right(removals, (offset, _END)) - 1
    return at >= 0 and removals[at][0] <= offset < removals[at][1]
