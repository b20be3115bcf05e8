"""Which formatter writes which value in which :class:`Format`: one entry per pair.

A format that cannot write a value has no entry (a scan has no summary-only form, a
report no JSON Lines, a check no table); asking for one is a bug of the caller
(``KeyError``): a command's ``--format`` accepts only the keys of its value's table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeAlias

from linkrescue.crawler.output.formats import Destination, Format, Formatter
from linkrescue.crawler.output.jsonfile import JsonFindings, JsonReport, JsonResults
from linkrescue.crawler.output.jsonlines import JsonLinesResults
from linkrescue.crawler.output.table import SummaryTable, TableResults
from linkrescue.crawler.report import RescueReport
from linkrescue.crawler.stages.scan import FileResult

if TYPE_CHECKING:  # the findings model is loaded by check, not by every command
    from linkrescue.crawler.findings import CheckRun

ResultsFormatter = Formatter[Iterable[FileResult]]
ReportFormatter = Formatter[RescueReport]
CheckFormatter: TypeAlias = "Formatter[CheckRun]"

RESULTS: dict[Format, Callable[[Destination], ResultsFormatter]] = {
    Format.TABLE: TableResults,
    Format.JSON: JsonResults,
    Format.JSONL: JsonLinesResults,
}
REPORTS: dict[Format, Callable[[Destination], ReportFormatter]] = {
    Format.TABLE: SummaryTable,
    Format.JSON: JsonReport,
}


# check's own formats are imported when a check writes one: the CLI imports this
# registry, and scan, whose start-up a pre-commit run pays on every commit, must not
# pay for XML writers and hashes it never uses (about 10 ms, ``python -X importtime``).
def _text(to: Destination) -> CheckFormatter:
    from linkrescue.crawler.output.text import CheckText

    return CheckText(to)


def _github(to: Destination) -> CheckFormatter:
    from linkrescue.crawler.output.github import GithubAnnotations

    return GithubAnnotations(to)


def _junit(to: Destination) -> CheckFormatter:
    from linkrescue.crawler.output.junit import JunitReport

    return JunitReport(to)


def _sarif(to: Destination) -> CheckFormatter:
    from linkrescue.crawler.output.sarif import SarifLog

    return SarifLog(to)


#: ``check``'s formats, the first the default (``--format text``).
CHECKS: dict[Format, Callable[[Destination], CheckFormatter]] = {
    Format.TEXT: _text,
    Format.JSON: JsonFindings,
    Format.GITHUB: _github,
    Format.JUNIT: _junit,
    Format.SARIF: _sarif,
}


def results_formatter(fmt: Format, to: Destination) -> ResultsFormatter:
    """The formatter of scan results in ``fmt``."""
    return RESULTS[fmt](to)


def report_formatter(fmt: Format, to: Destination) -> ReportFormatter:
    """The formatter of a rescue report in ``fmt``."""
    return REPORTS[fmt](to)


def check_formatter(fmt: Format, to: Destination) -> CheckFormatter:
    """The formatter of a check's findings in ``fmt``."""
    return CHECKS[fmt](to)
