"""``check --format github``: GitHub Actions workflow commands, which the runner turns
into annotations on the pull request's diff, at the finding's line and column.

``::error file=china/clubhouse-聊天平台爆紅.md,line=12,col=5,endLine=12,endColumn=40,title=linkrescue%3A dead-link::https://…: 404``

``::error`` for a finding of severity error, ``::warning`` and ``::notice`` for the
others (a file that could not be read is a warning: the exit code does not count it).
Values are escaped exactly as the Actions toolkit escapes them
(``@actions/core``'s ``escapeData`` and ``escapeProperty``): ``%``, ``\\r`` and ``\\n``
everywhere, and ``:`` and ``,`` in properties, for the runner reads the properties up
to the first ``::`` and splits them on ``,``. An unescaped ``%E8`` in a URL would be
read back as something else, a ``,`` in a path would cut it, a newline would end the
command. Paths are from the repository's root, where the runner looks for the file.
The closing summary is a plain line: the log shows it, the runner does not act on it.
"""

from __future__ import annotations

from pathlib import Path

from linkrescue.crawler.findings import CheckRun, Finding, Severity
from linkrescue.crawler.output.checked import RepositoryPaths, in_reading_order, message
from linkrescue.crawler.output.formats import Destination
from linkrescue.crawler.output.sink import text_sink
from linkrescue.crawler.output.text import summary_line

#: The workflow command of each severity.
COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    """The toolkit's ``escapeData``: a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """The toolkit's ``escapeProperty``: a property's value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, object], text: str) -> str:
    """``::name key=value,…::text``; an empty value is left out, as the toolkit does."""
    props = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in properties.items() if value != ""
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(text)}"


def annotation(finding: Finding, file: str) -> str:
    """One finding as a workflow command, at ``file`` (its path from the repository's root)."""
    return command(
        COMMANDS[finding.severity],
        {
            "file": file,
            "line": finding.line,
            "col": finding.column,
            "endLine": finding.end_line,
            "endColumn": finding.end,
            "title": f"linkrescue: {finding.kind.value}",
        },
        message(finding),
    )


class GithubAnnotations:
    """One workflow command per finding (and per file that could not be read), then the
    summary as a plain line."""

    def __init__(self, to: Destination, *, root: Path | None = None) -> None:
        self.to = to
        self.root = root

    def write(self, value: CheckRun) -> None:
        paths = RepositoryPaths.here(self.root)
        with text_sink(self.to) as out:
            for checked in value.files:
                file = paths.shown(checked.file)
                if checked.problem is not None:
                    title = "linkrescue: not checked"
                    out.write(command("warning", {"file": file, "title": title}, checked.problem))
                    out.write("\n")
                for finding in in_reading_order(checked.findings):
                    out.write(annotation(finding, file))
                    out.write("\n")
            out.write(summary_line(value.summary()).plain + "\n")
