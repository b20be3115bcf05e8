"""``check --format text`` (the default): the findings for a person, grouped by file.

Each file with something to say is named once, then one row per finding in reading
order, ``line:col  severity  kind  url  reason``, its columns aligned within the file;
a closing line counts the run. On a terminal the rows are coloured by severity; off a
terminal (a pipe, a CI log, ``--output FILE``) they are plain text, without colours or
box characters, one finding per line, so ``grep`` and a log viewer read them as they are.

A URL, a path or a reason is data, never Rich markup (``[/x]`` in a URL made Rich raise
``MarkupError``, see :mod:`linkrescue.crawler.output.table`); a newline inside a reason
(an archive's multi-line error) is shown as ``\\n`` so that a finding stays one line.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from linkrescue.crawler.console import plural
from linkrescue.crawler.findings import CheckedFile, CheckRun, CheckSummary, Finding, Severity
from linkrescue.crawler.output.checked import in_reading_order
from linkrescue.crawler.output.formats import Destination
from linkrescue.crawler.output.sink import text_sink

#: How each severity reads on a terminal.
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


class CheckText:
    """The findings grouped by file, then the summary line, on the destination's console
    (or, with ``--output FILE``, as plain text in that file)."""

    def __init__(self, to: Destination) -> None:
        self.to = to

    def write(self, value: CheckRun) -> None:
        with text_sink(self.to) as out:
            if self.to.path is None:
                console = self.to.console
            else:
                console = Console(
                    file=out, color_system=None, force_terminal=False, highlight=False
                )
            for checked in value.files:
                for line in file_lines(checked):
                    console.print(line, soft_wrap=True)
            console.print(summary_line(value.summary()), soft_wrap=True)


def file_lines(checked: CheckedFile) -> list[Text]:
    """The file's name and its rows; nothing for a file with nothing to report."""
    if not checked.findings and checked.problem is None:
        return []
    lines = [Text(checked.file, style="bold")]
    if checked.problem is not None:
        lines.append(Text(f"  not checked: {one_line(checked.problem)}", style="bold red"))
    findings = in_reading_order(checked.findings)
    cells = [_cells(f) for f in findings]
    widths = [max((len(row[i]) for row in cells), default=0) for i in range(3)]
    for finding, row in zip(findings, cells, strict=True):
        line = Text("  ")
        line.append(row[0].ljust(widths[0]), style="dim")
        line.append("  ")
        line.append(row[1].ljust(widths[1]), style=_STYLE[finding.severity])
        line.append("  ")
        line.append(row[2].ljust(widths[2]), style="magenta")
        line.append("  ")
        line.append(row[3])
        line.append("  ")
        line.append(row[4], style="dim")
        lines.append(line)
    return lines


def _cells(finding: Finding) -> tuple[str, str, str, str, str]:
    return (
        f"{finding.line}:{finding.column}",
        finding.severity.value,
        finding.kind.value,
        one_line(finding.url) if finding.url else "-",
        one_line(finding.reason),
    )


def one_line(text: str) -> str:
    """``text`` with its line breaks written out, so a row stays one line."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def summary_line(summary: CheckSummary) -> Text:
    """``12 files checked, 340 references: 2 dead, 1 unknown, 5 unrescued (offline), 0.4 s``."""
    asked = summary.cdx + summary.playback + summary.live + summary.reused
    mode = " (offline)" if summary.offline else ""
    if not summary.offline and asked:
        mode = (
            f" ({summary.cdx} CDX, {summary.playback} playback, {summary.live} live requests;"
            f" {summary.reused} answers kept from earlier runs)"
        )
    text = (
        f"{plural(summary.files, 'file')} checked, {plural(summary.references, 'reference')}: "
        f"{summary.dead} dead, {summary.unknown} unknown, {summary.unrescued} unrescued"
        f"{mode}, {summary.seconds:.1f} s"
    )
    return Text(text, style="bold red" if summary.dead else "bold")
