"""What became of one resource in a run: the one enum of the report, the progress lines
and ``Task.outcome``.

The archive answers four of them (:class:`linkrescue.archive.model.Outcome`: rescued,
not archived, blocked, failed); the fifth is the crawler's own: ``skipped``, a resource
left alone on purpose (a live link that is not dead, ``[rescue] live_links = "dead"``).
References that never become a resource to fetch (local files, links between the
corpus's own articles) are statuses of the reference
(:class:`linkrescue.crawler.stages.resolve.Status`), counted by the report, not
outcomes. The values are the strings the JSON report, the log lines and the index
have always held.
"""

from __future__ import annotations

from enum import StrEnum

from linkrescue.archive.model import Outcome as Answer


class Outcome(StrEnum):
    """The report's ``outcome`` of one resource (``None`` in a dry run: not looked up)."""

    RESCUED = "rescued"
    NOT_ARCHIVED = "not-archived"
    BLOCKED = "blocked"
    FAILED = "failed"
    SKIPPED = "skipped"

    @classmethod
    def of(cls, answer: Answer) -> Outcome:
        """The archive's answer as a run's outcome (same value)."""
        return cls(answer.value)
