"""``linkrescue status``'s two forms: plain text for a person (a terminal, a cron mail)
and JSON for a script (:meth:`StoreStatus.as_json`, the contract in the README)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TextIO

from linkrescue.crawler.commands.status import StoreStatus

#: Pending resources listed by name in the text form (all of them are in the JSON).
PENDING_SHOWN = 10


def write_status_json(status: StoreStatus, out: TextIO) -> None:
    out.write(json.dumps(status.as_json(), ensure_ascii=False, indent=2) + "\n")
    out.flush()


def write_status_text(status: StoreStatus, out: TextIO) -> None:
    """The status as aligned lines; nothing but plain text (a cron mail shows it as is)."""
    r = status.resources
    lines = [
        f"store {status.store}: {r.total} resources, {status.size.files} files, "
        f"{_size(status.size.bytes)}",
        "",
        "resources",
        f"  rescued        {r.rescued:>8}",
        f"  not archived   {r.not_archived:>8}",
        f"  blocked        {r.blocked:>8}",
        f"  failed         {r.failed:>8}",
        f"  pending        {r.pending:>8}  ({r.due_now} due now)",
        f"  dead           {r.dead:>8}  (live links declared dead)",
        f"  suspect        {r.suspect:>8}  (live links answered dead, not yet often enough)",
        "",
        "pages (made readable offline)",
        f"  views          {status.pages.views:>8}  ({status.pages.open} with requisites left "
        "for a later run)",
        f"  requisites     {status.pages.requisites:>8}  (images, stylesheets, fonts they need)",
    ]
    if status.pending:
        lines += ["", "pending (next try)"]
        for p in status.pending[:PENDING_SHOWN]:
            due = "now" if p.due_at <= status.at else _when(p.due_at)
            lines.append(f"  {due:<17} {p.failures}× failed  {p.url}")
        if len(status.pending) > PENDING_SHOWN:
            lines.append(f"  … and {len(status.pending) - PENDING_SHOWN} more (--format json)")
    lines += ["", "last runs"]
    if not status.runs:
        lines.append("  none recorded")
    for run in status.runs:
        took = "-" if run.seconds is None else _duration(run.seconds)
        lines.append(
            f"  {_when(run.started_at):<17} {run.command:<8} {took:>8} "
            f"{run.requests.total:>7} requests  {run.outcome}"
            + (f" ({run.resources_left} left)" if run.resources_left else "")
        )
    if status.failing_hosts:
        lines += ["", "top failing hosts"]
        width = max(len(h.host) for h in status.failing_hosts)
        for host in status.failing_hosts:
            lines.append(
                f"  {host.host:<{width}}  {host.total:>6}  "
                f"({host.failed} failed, {host.blocked} blocked)"
            )
    out.write("\n".join(lines) + "\n")
    out.flush()


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def _size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{n} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"
