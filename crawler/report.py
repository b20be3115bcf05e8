"""The rescue report: the JSON file (``--report``) and the closing summary table.

The JSON field names are a contract for scripts and cron jobs:
``documents, references, resources, rescued, internal, already_local,
not_archived, failed, skipped, requests{cdx, playback, live}, bytes, seconds,
items[{url, outcome, local_path, timestamp, sha256, reason, references[{file, line}]}]``.
``resources`` and the outcome counts (``rescued``, ``not_archived``, ``failed``)
count unique resources; ``internal``, ``already_local`` and ``skipped`` count
references (``skipped`` also counts resources left alone on purpose, such as a
live link that is not dead). ``blocked`` counts resources the archive excludes.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from linkrescue.archive.model import Outcome
from linkrescue.archive.remote.transport import RequestCounts
from linkrescue.atomic import write_atomically
from linkrescue.crawler.stages.rescue import RescueRun, Verdict


def report_dict(run: RescueRun, counts: RequestCounts, live_requests: int) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    items = [
        {
            "url": task.url,
            "outcome": task.outcome,
            "local_path": task.local_path,
            "timestamp": task.capture_timestamp,
            "sha256": task.sha256,
            "reason": task.reason,
            "references": [{"file": f, "line": line} for f, line in task.places],
        }
        for task in sorted(run.tasks.values(), key=lambda t: t.url)
    ]
    return {
        "documents": run.documents,
        "references": run.references,
        "resources": len(run.tasks),
        "rescued": run.count(Outcome.RESCUED),
        "internal": run.internal,
        "already_local": run.already_local,
        "not_archived": run.count(Outcome.NOT_ARCHIVED),
        "blocked": run.count(Outcome.BLOCKED),
        "failed": run.count(Outcome.FAILED),
        "skipped": run.skipped_refs + run.count(Verdict.SKIPPED),
        "rewritten": len(run.rewritten),
        "requests": {"cdx": counts.cdx, "playback": counts.playback, "live": live_requests},
        "bytes": run.bytes,
        "seconds": round(time.monotonic() - run.started, 3),
        "problems": [{"file": p.path, "reason": p.reason} for p in run.problems + run.conflicts],
        "items": items,
    }


def write_report(path: Path | None, report: dict[str, Any]) -> None:
    """Write the report atomically (a cron job reading it never sees half a file), with the
    mode any new file gets under the user's umask; ``None``: to standard output (``--report -``).
    """
    if path is None:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        sys.stdout.flush()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    # A report is meant to be read by others: the mode a new file gets under the umask.
    write_atomically(path, text.encode("utf-8"), mode=0o666 & ~_umask(), prefix=f".{path.name}.")


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; put it back at once
    os.umask(mask)
    return mask


def print_summary(console: Console, report: dict[str, Any]) -> None:
    """The closing table: what happened to the references and resources, and what it cost."""
    table = Table(title="rescue summary", show_header=False, pad_edge=False)
    table.add_column("what")
    table.add_column("n", justify="right")
    rows = [
        ("documents", report["documents"]),
        ("references", report["references"]),
        ("resources", report["resources"]),
        ("  rescued", report["rescued"]),
        ("  not archived", report["not_archived"]),
        ("  blocked", report["blocked"]),
        ("  failed (retried next run)", report["failed"]),
        ("internal links", report["internal"]),
        ("already local", report["already_local"]),
        ("skipped", report["skipped"]),
        ("documents rewritten", report["rewritten"]),
        # Each one was named on its own line above (a file not read, frontmatter that
        # is not YAML, a document not rewritten): a summary without it read as "all well".
        ("problems (named above)", len(report["problems"])),
        (
            "requests cdx / playback / live",
            "{cdx} / {playback} / {live}".format(**report["requests"]),
        ),
        ("bytes stored", report["bytes"]),
        ("seconds", report["seconds"]),
    ]
    for what, n in rows:
        table.add_row(what, str(n))
    console.print(table)
