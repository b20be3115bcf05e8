"""The HTML report (``rescue --report-html``, ``status --html``): one self-contained page.

A person opens it from a cron mail or a folder days later, maybe offline, so it
depends on nothing: inline CSS, no script, the chart as inline SVG, images as
``data:`` URIs of their stored bytes (or a relative path to a stored file that
exists), links only to local files by relative paths. No request leaves it; the
tests open it in headless Chromium with the network off and compare what it renders
with the JSON report.

Every string from a document or an archive is hostile until escaped: corpora hold
URLs with quotes, angle brackets and ``javascript:`` (the scan reports what is
written). Original URLs are shown as text, never as links.
"""

from __future__ import annotations

import base64
import os
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from urllib.parse import quote, unquote

from linkrescue.atomic import write_atomically
from linkrescue.crawler.commands.page import Bar, Broken, Change, ReportPage, Thumbnail, Total

#: Broken references listed per section at most (the JSON report has them all).
ROWS = 1000

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:72rem;
padding:1.5rem;color:#1d232a;background:#fbfbfa}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.15rem;margin:2rem 0 .6rem;
border-bottom:1px solid #dde;padding-bottom:.2rem}
.meta{color:#5b6470;margin:0}code{font-size:.9em;word-break:break-all;
font-family:ui-monospace,Menlo,Consolas,"Noto Sans Mono CJK SC","Noto Sans CJK SC",monospace}
table{border-collapse:collapse}th,td{padding:.2rem .8rem .2rem 0;text-align:left;
vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}td{white-space:nowrap}
.totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:0 1.5rem}
.hint{color:#5b6470}
.thumbs{display:flex;flex-wrap:wrap;gap:.8rem}.thumbs figure{margin:0;width:9rem}
.thumbs img{width:9rem;height:7rem;object-fit:contain;display:block;border:1px solid #dde;
background:#fff;image-rendering:pixelated}
.thumbs figcaption{font-size:.75rem;color:#5b6470;word-break:break-all}
details{margin:.3rem 0}summary{cursor:pointer;font-weight:600}
ul.refs{margin:.2rem 0 .6rem;padding-left:1.2rem}ul.refs li{word-break:break-all}
.o{display:inline-block;min-width:6.5rem;font-size:.8rem;font-weight:600}
.o-failed{color:#b42318}.o-blocked{color:#9a6700}.o-not-archived{color:#57606a}.o-dead{color:#6e40c9}
svg text{font:11px system-ui,sans-serif;fill:#444}
"""


def render(page: ReportPage, at: Path) -> str:
    """The page as HTML, its file links relative to ``at``'s folder."""
    base = at.parent
    parts = [
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        # No request leaves the page: a browser that honours CSP refuses any that would.
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "img-src data: file:; style-src 'unsafe-inline'\">",
        f"<title>{escape(page.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(page.title)}</h1>",
        f"<p class='meta'>Written {_when(page.generated_at)} · store "
        f"<code>{escape(page.store)}</code></p>",
        _totals(page.totals),
        _changes(page),
        _thumbnails(page.thumbnails, base),
        _chart(page.chart),
        _broken(page.broken, base),
        "".join(f"<p class='hint'>{escape(note)}</p>" for note in page.notes),
        "</body></html>\n",
    ]
    return "\n".join(part for part in parts if part)


def write_html(path: Path, page: ReportPage) -> None:
    """Write the page at ``path`` atomically (a reader never sees half of it), readable
    by others as any new file under the user's umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mask = os.umask(0o022)
    os.umask(mask)
    text = render(page, path.resolve())
    write_atomically(path, text.encode("utf-8"), mode=0o666 & ~mask, prefix=f".{path.name}.")


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _totals(totals: tuple[Total, ...]) -> str:
    rows = []
    for total in totals:
        hint = (
            f" <span class='hint'>({_size(int(total.value))})</span>"
            if "bytes" in total.path
            else ""
        )
        rows.append(
            f"<tr data-total='{escape(total.path)}'><th>{escape(total.path)}</th>"
            f"<td class='n'>{total.value}</td><td>{hint}</td></tr>"
        )
    half = (len(rows) + 1) // 2
    tables = f"<table>{''.join(rows[:half])}</table><table>{''.join(rows[half:])}</table>"
    return f"<section id='totals'><h2>Totals</h2><div class='totals'>{tables}</div></section>"


def _changes(page: ReportPage) -> str:
    if page.since is None or not page.changes:
        body = "<p>No earlier run recorded in the store: nothing to compare with.</p>"
    else:
        rows = "".join(_change_row(c) for c in page.changes)
        body = (
            f"<p>Compared with the {escape(page.then_label)}, started {_when(page.since)}.</p>"
            f"<table><tr><th></th><th>{escape(page.then_label)}</th><th>{escape(page.now_label)}</th>"
            f"<th></th></tr>{rows}</table>"
        )
    fresh = f"<p>{page.newly_rescued} resource(s) newly rescued into the store.</p>"
    return f"<section id='changes'><h2>Since the last run</h2>{body}{fresh}</section>"


def _change_row(change: Change) -> str:
    before = "–" if change.before is None else str(change.before)
    delta = "" if change.before is None else f"{change.now - change.before:+d}"
    return (
        f"<tr data-change='{escape(change.name)}'><th>{escape(change.name)}</th>"
        f"<td class='n'>{before}</td><td class='n'>{change.now}</td>"
        f"<td class='n hint'>{delta}</td></tr>"
    )


def _thumbnails(thumbs: tuple[Thumbnail, ...], base: Path) -> str:
    if not thumbs:
        return ""
    figures = []
    for thumb in thumbs:
        if thumb.data is not None:
            src = f"data:{thumb.mimetype};base64,{base64.b64encode(thumb.data).decode('ascii')}"
        else:
            src = _href(thumb.file, base)
        figures.append(
            f"<figure><a href='{escape(_href(thumb.file, base))}'>"
            f"<img src='{escape(src)}' alt='' loading='lazy'></a>"
            f"<figcaption>{escape(thumb.url)}</figcaption></figure>"
        )
    return (
        "<section id='images'><h2>Newly rescued images</h2>"
        f"<div class='thumbs'>{''.join(figures)}</div></section>"
    )


def _chart(bars: tuple[Bar, ...]) -> str:
    """Rescued and failed per run, oldest first, as inline SVG bars."""
    if not bars:
        return ""
    top = max([1, *(max(b.rescued, b.failed) for b in bars)])
    step, height, plot = 64, 200, 140
    width = 40 + step * len(bars)
    shapes = [
        f"<line x1='30' y1='{plot + 10}' x2='{width}' y2='{plot + 10}' stroke='#999'/>",
        f"<text x='26' y='16' text-anchor='end'>{top}</text>",
        f"<text x='26' y='{plot + 10}' text-anchor='end'>0</text>",
    ]
    for i, bar in enumerate(bars):
        x = 36 + i * step
        for dx, value, colour, name in (
            (0, bar.rescued, "#2da44e", "rescued"),
            (22, bar.failed, "#cf222e", "failed"),
        ):
            h = round(plot * value / top)
            shapes.append(
                f"<rect x='{x + dx}' y='{plot + 10 - h}' width='20' height='{h}' fill='{colour}'>"
                f"<title>{escape(bar.label)}: {value} {name}</title></rect>"
            )
        weight = " font-weight='bold'" if bar.current else ""
        lines = "".join(
            f"<tspan x='{x + 21}' dy='{13 if n else 0}'>{escape(part)}</tspan>"
            for n, part in enumerate(bar.label.split(" "))
        )
        shapes.append(f"<text y='{plot + 26}' text-anchor='middle'{weight}>{lines}</text>")
    legend = (
        "<p class='hint'><span style='color:#2da44e'>■</span> rescued "
        "<span style='color:#cf222e'>■</span> failed, per run (oldest first)</p>"
    )
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='rescued and failed per run'>"
        f"{''.join(shapes)}</svg>"
    )
    return f"<section id='runs'><h2>Runs</h2>{svg}{legend}</section>"


def _broken(broken: tuple[Broken, ...], base: Path) -> str:
    if not broken:
        return (
            "<section id='broken'><h2>Not rescued</h2>"
            "<p>Every reference was rescued or needed no rescue.</p></section>"
        )
    by_host: dict[str, list[Broken]] = defaultdict(list)
    by_document: dict[Path, list[Broken]] = defaultdict(list)
    for ref in broken:
        by_host[ref.host].append(ref)
        if ref.document is not None:
            by_document[ref.document].append(ref)
    hosts = sorted(by_host.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    parts = [
        "<section id='by-host'><h2>Not rescued, by host</h2>",
        _groups(((escape(host), refs) for host, refs in hosts), base, show_document=True),
        "</section>",
    ]
    if by_document:
        documents = sorted(by_document.items(), key=lambda kv: str(kv[0]))
        parts += [
            "<section id='by-document'><h2>Not rescued, by document</h2>",
            _groups(
                (
                    (
                        f"<a href='{escape(_href(doc, base))}'>{escape(_shown(doc, base))}</a>",
                        sorted(refs, key=lambda r: (r.line or 0, r.url)),
                    )
                    for doc, refs in documents
                ),
                base,
                show_document=False,
            ),
            "</section>",
        ]
    return "".join(parts)


def _groups(groups: Iterable[tuple[str, list[Broken]]], base: Path, *, show_document: bool) -> str:
    out: list[str] = []
    shown = 0
    left = 0
    for title, refs in groups:
        if shown >= ROWS:
            left += len(refs)
            continue
        items = []
        for ref in refs[: ROWS - shown]:
            where = ""
            if ref.document is not None:
                label = _shown(ref.document, base) if show_document else ""
                label += f":{ref.line}" if ref.line is not None else ""
                where = f" <a href='{escape(_href(ref.document, base))}'>{escape(label)}</a>"
            reason = f" <span class='hint'>— {escape(ref.reason)}</span>" if ref.reason else ""
            items.append(
                f"<li><span class='o o-{escape(ref.outcome)}'>{escape(ref.outcome)}</span> "
                f"<code title='{escape(ref.url)}'>{escape(_readable(ref.url))}</code>"
                f"{where}{reason}</li>"
            )
        shown += len(items)
        left += len(refs) - len(items)
        out.append(
            f"<details open><summary>{title} ({len(refs)})</summary>"
            f"<ul class='refs'>{''.join(items)}</ul></details>"
        )
    if left:
        out.append(f"<p class='hint'>… and {left} more (the JSON report lists them all).</p>")
    return "".join(out)


def _readable(url: str) -> str:
    """A URL as a person reads it: percent-escapes of UTF-8 decoded (the Stand News'
    Chinese slugs), anything else left encoded; the exact URL is the ``title``."""
    try:
        return unquote(url, errors="strict")
    except UnicodeDecodeError:
        return url


def _href(target: Path, base: Path) -> str:
    """A relative link from the page's folder to a local file, percent-encoded."""
    return quote(os.path.relpath(target, base).replace(os.sep, "/"))


def _shown(target: Path, base: Path) -> str:
    return os.path.relpath(target, base).replace(os.sep, "/")


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
