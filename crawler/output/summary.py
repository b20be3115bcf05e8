"""The one line every ``rescue`` ends with: what a cron mail shows at a glance.

``linkrescue rescue: 10,000 documents, 24,879 resources: 8,100 rescued, 2,487 not
archived, 0 blocked, 3 failed; 6,020 documents rewritten; 2,700 requests in 6m12s;
budget reached: 14,289 resources left for the next run``

Its shape is stable (scripts may grep it; README "Nightly runs"): the counts always in
this order, always present, with thousands separators; the last part is ``complete``,
``budget reached: N resources left for the next run`` or ``interrupted (SIGTERM): N
resources left for the next run``. The same counts are the JSON report's.
"""

from __future__ import annotations

from linkrescue.crawler.report import RescueReport


def count(n: int, word: str) -> str:
    """``1 document``, ``10,000 documents``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def duration(seconds: float) -> str:
    """``42s``, ``6m12s``, ``2h05m``: short and exact enough for a nightly run."""
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def ending(report: RescueReport, signal: str | None = None) -> str:
    """How the run ended, and what it left for the next one."""
    left = count(report.left, "resource")
    if report.stopped == "budget":
        return f"budget reached: {left} left for the next run"
    if report.stopped == "interrupted":
        why = f"interrupted ({signal})" if signal else "interrupted"
        return f"{why}: {left} left for the next run"
    return "complete"


def summary_line(report: RescueReport, signal: str | None = None) -> str:
    """The closing line of a ``rescue`` run (see the module's docstring)."""
    requests = report.requests.cdx + report.requests.playback + report.requests.live
    return (
        f"linkrescue rescue: {count(report.documents, 'document')}, "
        f"{count(report.resources, 'resource')}: {report.rescued:,} rescued, "
        f"{report.not_archived:,} not archived, {report.blocked:,} blocked, "
        f"{report.failed:,} failed; {count(report.rewritten, 'document')} rewritten; "
        f"{count(requests, 'request')} in {duration(report.seconds)}; "
        f"{ending(report, signal)}"
    )
