"""What ``linkrescue check`` found: one frozen value per broken or doubtful reference.

Every output format of ``check`` (text, json, github, junit, sarif) writes these and
nothing else, so the formats can never disagree about where a finding is or how bad
it is. The JSON field names are a contract for CI scripts (issue 11):
``file, line, column, end_line, end, kind, url, status, reason, severity``.

Positions are those a reader's editor shows: ``line`` and ``column`` 1-based, of the
first character of the reference as written (a destination, or the text of a
reference-style use, which is what a reader sees); ``end_line``/``end`` where it stops
(``end`` is the column just after its last character, SARIF's ``endColumn``).

Why three statuses: CI must fail on what is definitively broken and never on a bad
network minute (linkinator and markdown-link-check call an unreachable archive "dead",
so CI goes red for no reason; lychee #1873 for rate-limited runners). ``dead`` is a definitive
answer (a missing file, a 404/410, a name that does not resolve, the archive saying
"not archived"); ``unknown`` is anything that may pass (5xx, timeouts, 429, resets,
bot protection) and never fails a run by itself; ``unrescued`` is a remote reference a
rescue could make local: a warning, an error with ``--strict``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """How sure the finding is: the exit code follows it (0, or 1 for ``dead``)."""

    DEAD = "dead"
    UNKNOWN = "unknown"
    UNRESCUED = "unrescued"


class Severity(StrEnum):
    """How a CI shows a finding: SARIF ``level``, GitHub's ``::error``/``::warning``/``::notice``."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class Kind(StrEnum):
    """What is wrong: one SARIF rule per member, stable ids users may filter on.

    Offline kinds need no network; ``dead-link``, ``not-archived`` and the ``unknown``
    answers come from online checks.
    """

    MISSING_FILE = "missing-file"
    MISSING_DOCUMENT = "missing-document"
    MISSING_FRAGMENT = "missing-fragment"
    STORE_MISSING = "store-missing"
    STORE_CHANGED = "store-changed"
    UNDEFINED_LABEL = "undefined-label"
    INVALID = "invalid"
    UNRESCUED = "unrescued"
    DEAD_LINK = "dead-link"
    NOT_ARCHIVED = "not-archived"
    UNREACHABLE = "unreachable"


#: What each kind means, for SARIF rules (``shortDescription``) and the text format's legend.
DESCRIPTIONS: dict[Kind, str] = {
    Kind.MISSING_FILE: "A local reference (relative path) whose file is not there.",
    Kind.MISSING_DOCUMENT: "An internal link (an address of the corpus's own site) to a document not in it.",
    Kind.MISSING_FRAGMENT: "A #fragment naming no heading or anchor of the target document.",
    Kind.STORE_MISSING: "A reference into the store whose stored file is gone.",
    Kind.STORE_CHANGED: "A reference into the store whose bytes no longer match the index (changed, truncated).",
    Kind.UNDEFINED_LABEL: "A reference-style use whose label has no definition: the reader sees brackets.",
    Kind.INVALID: "A destination that is not a URL of anything (scan's invalid status).",
    Kind.UNRESCUED: "A remote reference a rescue could make local.",
    Kind.DEAD_LINK: "A live link the web answered definitively: 404/410, a name that does not resolve.",
    Kind.NOT_ARCHIVED: "An archive reference with no playable capture: not archived, or only as an error.",
    Kind.UNREACHABLE: "No definitive answer (5xx, timeout, 429, reset, bot protection): unknown.",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One reference ``check`` reports, where a reader's editor shows it."""

    file: str
    line: int
    column: int
    end_line: int
    end: int
    kind: Kind
    url: str | None
    status: Status
    reason: str
    severity: Severity

    def as_dict(self) -> dict[str, Any]:
        """The contract's field names and values (``--format json``)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end": self.end,
            "kind": self.kind.value,
            "url": self.url,
            "status": self.status.value,
            "reason": self.reason,
            "severity": self.severity.value,
        }


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """One file ``check`` was asked about, with its findings in reading order.

    Files without findings are values too: JUnit shows one test case per checked file,
    passed or failed, so a CI server counts what was checked, not only what broke.
    ``problem`` is set when the file could not be read at all (one line: why).
    """

    file: str
    references: int
    findings: tuple[Finding, ...]
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class CheckSummary:
    """The run's counts and how it ends: the exit code is decided here, once."""

    files: int
    references: int
    dead: int
    unknown: int
    unrescued: int
    offline: bool
    seconds: float
    #: Requests sent online: to the archive's CDX API, its playback, the live web.
    cdx: int = 0
    playback: int = 0
    live: int = 0
    #: Online answers taken from the store's index (``[check] max_age_hours``).
    reused: int = 0

    def failed(self, *, strict: bool, fail_on_unknown: bool) -> bool:
        """Whether the run exits 1: anything dead; unrescued with ``--strict``;
        unknown only with ``--fail-on unknown``."""
        return (
            self.dead > 0
            or (strict and self.unrescued > 0)
            or (fail_on_unknown and self.unknown > 0)
        )


@dataclass(frozen=True, slots=True)
class CheckRun:
    """A ``check`` as it comes: the checked files in the order given (streamed: a
    50,000-file corpus is never held), then the summary, complete once ``files`` has
    been read to its end (a formatter writes its totals after the last file)."""

    files: Iterator[CheckedFile]
    summary: Callable[[], CheckSummary]
