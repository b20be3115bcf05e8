"""``check --format sarif``: SARIF 2.1.0, which GitHub code scanning (``upload-sarif``)
and other SARIF viewers show as alerts at the finding's line and column.

One run; ``tool.driver`` is linkrescue with one rule per :class:`Kind` (its id the
kind's value, ``missing-file``, its ``shortDescription`` from :data:`DESCRIPTIONS`), so
an alert says what kind of breakage it is and users can filter on stable ids. Each
result has its ``ruleId``, a ``level`` from the finding's severity, the message
``url: reason``, and one physical location: the file's path from the repository's root
as a relative URI (percent-encoded: a Chinese file name or a ``%`` in a name is a valid
URI reference that decodes back to the path) under ``uriBaseId`` ``%SRCROOT%``, and the
region's start and end line and column. Columns count Unicode code points, as the
findings do (``columnKind``; SARIF's default is UTF-16 code units).

``partialFingerprints`` keep an alert the same alert across runs while lines move
above it (an edit earlier in the article): the fingerprint is the file, the kind, the
URL and which occurrence of that URL of that kind in the file it is, never the line.
Without it, ``upload-sarif`` fingerprints a result by the text of its line, and any
fix of that line closes one alert and opens another.

Written as the files are checked: the document's head, then one result per line as
findings come, then the run's invocation (the files that could not be read, as
notifications, and the run's totals as its properties).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from linkrescue.crawler.findings import DESCRIPTIONS, CheckRun, Finding, Kind, Severity
from linkrescue.crawler.output.checked import RepositoryPaths, in_reading_order, message
from linkrescue.crawler.output.formats import Destination
from linkrescue.crawler.output.sink import text_sink

#: The schema the document names (the OASIS standard's, errata 01).
SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
#: The base that every artifact URI is relative to: the repository's root.
SRCROOT = "%SRCROOT%"
#: The key of linkrescue's fingerprint (versioned: a change of recipe is a new key).
FINGERPRINT = "linkrescueFinding/v1"
#: SARIF's ``level`` of each severity (the same words).
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
#: Where a rule's help sends a reader: every kind is documented with ``check``.
_HELP = (
    "The finding's message says why; the linkrescue README ('linkrescue check') lists every kind."
)
#: Rules in a fixed order (the enum's): a result's ``ruleIndex`` points into it.
RULES = list(Kind)


def tool() -> dict[str, Any]:
    """``tool.driver``: linkrescue, its version and one rule per kind."""
    from linkrescue import __version__

    driver: dict[str, Any] = {"name": "linkrescue", "version": __version__}
    homepage = _homepage()
    if homepage:
        driver["informationUri"] = homepage
    driver["rules"] = [
        {
            "id": kind.value,
            "name": "".join(part.capitalize() for part in kind.value.split("-")),
            "shortDescription": {"text": DESCRIPTIONS[kind]},
            "fullDescription": {"text": DESCRIPTIONS[kind]},
            # What GitHub shows under "Rule help" (else: "No rule help").
            "help": {"text": f"{DESCRIPTIONS[kind]} {_HELP}"},
            "properties": {"tags": ["links", "markdown"]},
        }
        for kind in RULES
    ]
    return {"driver": driver}


def _homepage() -> str | None:
    """The project's address from the installed distribution's metadata, if it has one."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("linkrescue")
    except PackageNotFoundError:  # pragma: no cover - a tree that was never installed
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in {"homepage", "home", "repository", "source"}:
            return url.strip()
    return None


def artifact_location(file: str, paths: RepositoryPaths) -> dict[str, str]:
    """The file as a URI relative to ``%SRCROOT%`` (or a ``file:`` URI outside it)."""
    inside = paths.relative(file)
    if inside is None:
        return {"uri": paths.absolute(file).as_uri()}
    return {"uri": quote(inside, safe="/"), "uriBaseId": SRCROOT}


def fingerprint(location: str, finding: Finding, occurrence: int) -> str:
    """A line-free identity of a finding: where, what kind, which URL, which occurrence."""
    parts = (location, finding.kind.value, finding.url or "", str(occurrence))
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def result(finding: Finding, location: dict[str, str], occurrence: int) -> dict[str, Any]:
    """One SARIF result of a finding."""
    return {
        "ruleId": finding.kind.value,
        "ruleIndex": RULES.index(finding.kind),
        "level": LEVELS[finding.severity],
        "message": {"text": message(finding)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": location,
                    "region": {
                        "startLine": finding.line,
                        "startColumn": finding.column,
                        "endLine": finding.end_line,
                        "endColumn": finding.end,
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT: fingerprint(location["uri"], finding, occurrence)},
        "properties": {"status": finding.status.value, "url": finding.url},
    }


class SarifLog:
    """The run as one SARIF log, written as it streams."""

    def __init__(self, to: Destination, *, root: Path | None = None) -> None:
        self.to = to
        self.root = root

    def write(self, value: CheckRun) -> None:
        paths = RepositoryPaths.here(self.root)
        head = {
            "tool": tool(),
            "originalUriBaseIds": {SRCROOT: {"uri": paths.root.as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
        }
        notifications: list[dict[str, Any]] = []
        with text_sink(self.to) as out:
            out.write(f'{{\n  "$schema": {_dumps(SCHEMA)},\n  "version": "2.1.0",\n')
            out.write(f'  "runs": [\n    {{\n{_members(head)},\n      "results": [')
            first = True
            for checked in value.files:
                location = artifact_location(checked.file, paths)
                if checked.problem is not None:
                    notifications.append(_not_checked(location, checked.problem))
                seen: Counter[tuple[Kind, str | None]] = Counter()
                for finding in in_reading_order(checked.findings):
                    seen[finding.kind, finding.url] += 1
                    occurrence = seen[finding.kind, finding.url]
                    out.write("\n        " if first else ",\n        ")
                    out.write(_dumps(result(finding, location, occurrence)))
                    first = False
            summary = value.summary()
            invocation = {
                "executionSuccessful": True,
                "toolExecutionNotifications": notifications,
                "properties": {
                    "files": summary.files,
                    "references": summary.references,
                    "dead": summary.dead,
                    "unknown": summary.unknown,
                    "unrescued": summary.unrescued,
                    "offline": summary.offline,
                    "seconds": round(summary.seconds, 3),
                },
            }
            out.write("\n      ],\n" if not first else "],\n")
            out.write(f'      "invocations": [{_dumps(invocation)}]\n    }}\n  ]\n}}\n')


def _not_checked(location: dict[str, str], problem: str) -> dict[str, Any]:
    """A file that could not be read: the tool says so, at that file."""
    return {
        "level": "error",
        "message": {"text": f"not checked: {problem}"},
        "locations": [{"physicalLocation": {"artifactLocation": location}}],
    }


def _members(values: dict[str, Any]) -> str:
    """``values`` as members of an object being written (each on its own line)."""
    return ",\n".join(f"      {_dumps(key)}: {_dumps(v)}" for key, v in values.items())


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
