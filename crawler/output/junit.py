"""``check --format junit``: JUnit XML, the report every CI server shows in its test tab.

One ``<testsuite>`` (inside ``<testsuites>``), one ``<testcase>`` per checked file
(``classname`` and ``name`` the file, so a server lists every file checked, passed or
not), and in it one ``<failure>`` per finding of severity error (what fails the run:
a dead reference, and with ``--strict`` an unrescued one), its ``type`` the finding's
kind and its ``message`` ``line:col kind: url: reason``. Warnings and notes (unknown,
unrescued) leave the case passed and are listed in its ``<system-out>``; a file that
could not be read is an ``<error>``. The counts are those a reader recomputes from
the cases (``junitparser``'s: ``failures`` counts ``<failure>`` elements); the run's
totals are the suite's ``<properties>``.

Written with :class:`xml.sax.saxutils.XMLGenerator`, which escapes every value, never
by joining strings. The counts stand at the top of the document but are known only
at the end of the run, so the test cases are spooled (a temporary file past a few
megabytes: a 50,000-file corpus is never held) and copied under the counts. A
character XML 1.0 cannot hold at all (a control character scraped into a URL, a
file name's undecodable byte) is written as ``\\xNN``, or the whole report would be
unreadable.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

from linkrescue.crawler.findings import CheckedFile, CheckRun, CheckSummary, Finding, Severity
from linkrescue.crawler.output.checked import in_reading_order, message
from linkrescue.crawler.output.formats import Destination
from linkrescue.crawler.output.sink import text_sink

#: The suite's name, and the report's.
SUITE = "linkrescue check"
#: Bytes of test cases held in memory before they spill to a temporary file.
_SPOOL_IN_MEMORY = 4 << 20
#: What XML 1.0 cannot hold (its ``Char`` production), lone surrogates included.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML cannot hold written as ``\\xNN`` / ``\\uNNNN``."""
    return _NOT_XML.sub(lambda m: ascii(m.group())[1:-1], text)


class JunitReport:
    """The checked files as test cases, under one suite whose counts are the run's."""

    def __init__(self, to: Destination) -> None:
        self.to = to

    def write(self, value: CheckRun) -> None:
        counts = _Counts()
        with tempfile.SpooledTemporaryFile(
            max_size=_SPOOL_IN_MEMORY, mode="w+", encoding="utf-8"
        ) as cases:
            for checked in value.files:
                cases.write(test_case(checked, counts))
            summary = value.summary()
            # The generator writes to a buffer whose text goes out in two pieces, around
            # the spooled cases: it needs a text stream of its own (any ``TextIO`` here).
            buffer = io.StringIO()
            xml = XMLGenerator(buffer, encoding="utf-8", short_empty_elements=True)
            xml.startDocument()
            attributes = _suite_attributes(counts, summary)
            xml.startElement("testsuites", _attrs({"name": SUITE, **attributes}))
            xml.ignorableWhitespace("\n  ")
            xml.startElement("testsuite", _attrs({"name": SUITE, **attributes}))
            xml.ignorableWhitespace("\n    ")
            _properties(xml, summary)
            xml.ignorableWhitespace("\n")
            with text_sink(self.to) as out:
                out.write(_take(buffer))
                cases.seek(0)
                shutil.copyfileobj(cases, out)
                xml.ignorableWhitespace("  ")
                xml.endElement("testsuite")
                xml.ignorableWhitespace("\n")
                xml.endElement("testsuites")
                xml.ignorableWhitespace("\n")
                xml.endDocument()
                out.write(_take(buffer))


def _take(buffer: io.StringIO) -> str:
    """What ``buffer`` holds, emptying it."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate(0)
    return text


class _Counts:
    """What the suite's attributes say, counted as the cases are written."""

    def __init__(self) -> None:
        self.tests = 0
        self.failures = 0
        self.errors = 0


def test_case(checked: CheckedFile, counts: _Counts) -> str:
    """One ``<testcase>`` element (indented, with its newline), counted in ``counts``."""
    buffer = io.StringIO()
    xml = XMLGenerator(buffer, encoding="utf-8", short_empty_elements=True)
    name = xml_safe(checked.file)
    xml.ignorableWhitespace("    ")
    xml.startElement("testcase", _attrs({"classname": name, "name": name}))
    counts.tests += 1
    findings = in_reading_order(checked.findings)
    if checked.problem is not None:
        counts.errors += 1
        _element(xml, "error", {"message": checked.problem, "type": "not-checked"}, "")
    notes: list[str] = []
    for finding in findings:
        if finding.severity is Severity.ERROR:
            counts.failures += 1
            attributes = {"message": _summary_of(finding), "type": finding.kind.value}
            _element(xml, "failure", attributes, _detail(checked.file, finding))
        else:
            notes.append(_detail(checked.file, finding))
    if notes:
        _element(xml, "system-out", {}, "".join(notes))
    if checked.problem is not None or findings:
        xml.ignorableWhitespace("\n    ")
    xml.endElement("testcase")
    xml.ignorableWhitespace("\n")
    return buffer.getvalue()


def _summary_of(finding: Finding) -> str:
    return f"{finding.line}:{finding.column} {finding.kind.value}: {message(finding)}"


def _detail(file: str, finding: Finding) -> str:
    """``file:line:col: severity kind (status): url: reason``, one line per finding."""
    where = f"{file}:{finding.line}:{finding.column}"
    what = f"{finding.severity.value} {finding.kind.value} ({finding.status.value})"
    return f"{where}: {what}: {message(finding)}\n"


def _element(xml: XMLGenerator, tag: str, attributes: dict[str, str], text: str) -> None:
    xml.ignorableWhitespace("\n      ")
    xml.startElement(tag, _attrs(attributes))
    if text:
        xml.characters(xml_safe(text))
    xml.endElement(tag)


def _suite_attributes(counts: _Counts, summary: CheckSummary) -> dict[str, str]:
    return {
        "tests": str(counts.tests),
        "failures": str(counts.failures),
        "errors": str(counts.errors),
        "skipped": "0",
        "time": f"{summary.seconds:.3f}",
    }


def _properties(xml: XMLGenerator, summary: CheckSummary) -> None:
    """The run's totals: what the summary line of ``--format text`` says."""
    xml.startElement("properties", _attrs({}))
    for name, value in (
        ("files", summary.files),
        ("references", summary.references),
        ("dead", summary.dead),
        ("unknown", summary.unknown),
        ("unrescued", summary.unrescued),
        ("offline", str(summary.offline).lower()),
    ):
        xml.ignorableWhitespace("\n      ")
        xml.startElement("property", _attrs({"name": name, "value": str(value)}))
        xml.endElement("property")
    xml.ignorableWhitespace("\n    ")
    xml.endElement("properties")


def _attrs(values: dict[str, str]) -> AttributesImpl:
    return AttributesImpl({key: xml_safe(value) for key, value in values.items()})
