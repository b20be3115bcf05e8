"""Which formatter writes which value in which :class:`Format`: one entry per pair.

A format that cannot write a value has no entry (a scan has no summary-only form, a
report no JSON Lines); asking for one is a bug of the caller (``KeyError``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from linkrescue.crawler.output.formats import Destination, Format, Formatter
from linkrescue.crawler.output.jsonfile import JsonReport, JsonResults
from linkrescue.crawler.output.jsonlines import JsonLinesResults
from linkrescue.crawler.output.table import SummaryTable, TableResults
from linkrescue.crawler.report import RescueReport
from linkrescue.crawler.stages.scan import FileResult

ResultsFormatter = Formatter[Iterable[FileResult]]
ReportFormatter = Formatter[RescueReport]

RESULTS: dict[Format, Callable[[Destination], ResultsFormatter]] = {
    Format.TABLE: TableResults,
    Format.JSON: JsonResults,
    Format.JSONL: JsonLinesResults,
}
REPORTS: dict[Format, Callable[[Destination], ReportFormatter]] = {
    Format.TABLE: SummaryTable,
    Format.JSON: JsonReport,
}


def results_formatter(fmt: Format, to: Destination) -> ResultsFormatter:
    """The formatter of scan results in ``fmt``."""
    return RESULTS[fmt](to)


def report_formatter(fmt: Format, to: Destination) -> ReportFormatter:
    """The formatter of a rescue report in ``fmt``."""
    return REPORTS[fmt](to)
