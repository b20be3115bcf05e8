"""Offline verdicts: what ``check`` can say about a reference without the network.

The scan already resolved every reference (:mod:`linkrescue.crawler.stages.resolve`):
this stage reads those resolutions, the file system, the store's index and the
corpus's headings, and turns what is broken into :class:`~linkrescue.crawler.findings.Finding`
values. Nothing here is a guess about the web: a file is there or it is not, a
heading exists or it does not. Remote references are left to the online checks,
except the reminder that a rescue could make them local (``unrescued``).

Why a relative link is checked against the disk only when the document has no
address: a news article's ``../../section/slug/`` is a link of the dead site, resolved
against the article's address (never the file system: the layout of a scraped corpus
has nothing to do with the site's, ``docs/corpus-patterns.md``); a GitHub-style
design document's ``../other.md`` has no address to resolve against and means the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from linkrescue.archive import ProblemKind, VerifyProblem, stored_file_problems
from linkrescue.archive.urls import SCHEME, names_an_image
from linkrescue.crawler.findings import CheckedFile, Finding, Kind, Severity, Status
from linkrescue.crawler.stages.corpus import Problem
from linkrescue.crawler.stages.docsite import NO_DOCUMENT
from linkrescue.crawler.stages.online import Remote
from linkrescue.crawler.stages.resolve import NO_ADDRESS, SAME_PAGE, Resolution
from linkrescue.crawler.stages.resolve import Status as Res
from linkrescue.crawler.stages.scan import FileResult, Record
from linkrescue.rewriters import NotTextError, decode_document
from linkrescue.rewriters.anchors import RULES, Anchors, Rule, anchors, decode_fragment
from linkrescue.rewriters.model import RefKind

#: File types a relative link names a file by (not a page of the site: ``.html`` pages
#: are left to the site's address).
FILE_TYPES = frozenset(
    [
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".svg",
        ".avif",
        ".bmp",
        ".ico",
        ".tif",
        ".tiff",
        ".pdf",
        ".txt",
        ".csv",
        ".json",
        ".xml",
        ".zip",
        ".gz",
        ".mp3",
        ".mp4",
        ".m4a",
        ".webm",
        ".mov",
        ".ogg",
        ".wav",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".ppt",
        ".pptx",
    ]
)


@dataclass(frozen=True, slots=True)
class CheckStageSettings:
    """What the offline checks read: ``[check]`` and how remote references are rescued.

    ``heading_ids``: the rule ids are made by (:data:`linkrescue.rewriters.anchors.Rule`).

    ``live_links``: ``[rescue] live_links``; only ``all`` makes a live link something
    a rescue would make local (``dead`` rescues a live link only once it is gone,
    which an offline check cannot know). ``strict``: ``unrescued`` is an error;
    ``fail_on_unknown``: ``unknown`` is (``--fail-on unknown``). A finding's severity is
    exactly whether it fails the run, so a JUnit failure or a SARIF error is one.
    """

    fragments: bool
    heading_ids: Rule
    exclude: tuple[str, ...]
    live_links: str
    strict: bool
    store_dir: Path
    fail_on_unknown: bool = False
    #: Hand back the remote references too, for the online checks.
    online: bool = False
    extensions: tuple[str, ...] = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What is wrong with one reference, before it is placed (a :class:`Finding`)."""

    kind: Kind
    status: Status
    reason: str


#: A document's anchors by path: read when a fragment first names it (a pull request
#: that touches ten files reads ten documents, plus those its fragments point at).
AnchorsOf = Callable[[str], Anchors | None]


class OfflineChecks:
    """The offline verdicts on one run's records.

    ``anchors_of(path)`` gives the ids a document defines (None when it cannot be
    read). Store files are checked in batches (:meth:`store_problems`): a rescued
    article points at a dozen stored files, and a query per file would cost more
    than the check.
    """

    def __init__(self, settings: CheckStageSettings, anchors_of: AnchorsOf) -> None:
        self.settings = settings
        self._anchors_of = anchors_of
        self._exclude = [re.compile(p) for p in settings.exclude]
        self._store_root: Path | None = None

    def excluded(self, record: Record) -> bool:
        """Whether ``[check] exclude`` silences this reference (matched on the URL as written)."""
        raw = record.ref.raw.strip()
        return any(p.search(raw) for p in self._exclude)

    def store_problems(self, records: Iterable[Record]) -> dict[str, VerifyProblem]:
        """The damaged stored files that ``records`` point at, by path inside the store."""
        stored = {r.res.stored for r in records if r.res.stored is not None}
        if not stored:
            return {}
        try:
            return stored_file_problems(self.settings.store_dir, stored)
        except OSError:
            return {}

    def verdict(
        self, record: Record, damaged: dict[str, VerifyProblem], own_path: str
    ) -> Verdict | None:
        """What is broken about ``record`` (of the document at ``own_path``), or None."""
        res = record.res
        missing = self._missing_document(record, own_path)
        if missing is not None:
            return missing
        if res.status is Res.LOCAL:
            if res.stored is not None:
                return _stored(res, damaged, self.settings.store_dir)
            return self._fragment(record, _local_target(own_path, res.url))
        if res.status is Res.INTERNAL:
            return self._fragment(record, record.document)
        if res.status is Res.INVALID:
            return self._invalid(record, own_path)
        if res.status is Res.SKIPPED:
            if res.reason == SAME_PAGE:
                return self._fragment(record, own_path)
            return None
        return self._remote(record)

    def _missing_document(self, record: Record, own_path: str) -> Verdict | None:
        """A relative link to a file (a Markdown document, an image, a PDF) that is not there.

        It means the file whatever the document's address: a rescue rewrites an internal
        link to the target article's path (``../china/文章.md``), a GitHub-style design
        document links ``../other.md``, a user puts ``chart.png`` beside an article.
        A scraped news site's own relative links are folder slugs
        (``../../<section>/<slug>/``, docs/corpus-patterns.md), never a name with a
        file type: resolved against the article's address, a missing file would pass
        for a link of the dead site, and an article deleted or renamed go unnoticed.
        """
        if record.res.status is Res.LOCAL:
            return None
        raw = _written(record)
        if not raw or raw.startswith(("/", "#")) or SCHEME.match(raw):
            return None
        target = path_part(raw)
        suffix = os.path.splitext(target)[1].lower()
        document = target.lower().endswith(self.settings.extensions)
        if not document and suffix not in FILE_TYPES:
            return None
        full = os.path.normpath(os.path.join(os.path.dirname(own_path), target))
        if os.path.exists(full):
            return None
        if document:
            return Verdict(Kind.MISSING_DOCUMENT, Status.DEAD, f"no such document: {target}")
        return Verdict(Kind.MISSING_FILE, Status.DEAD, f"no such file: {target}")

    def _invalid(self, record: Record, own_path: str) -> Verdict:
        res = record.res
        reason = res.reason or "not a URL"
        if record.ref.kind is RefKind.MD_REFUSE and record.ref.definition is None:
            return Verdict(
                Kind.UNDEFINED_LABEL,
                Status.DEAD,
                f"{reason}: the reader sees the brackets, not a link",
            )
        if reason == NO_ADDRESS:
            target = path_part(record.ref.raw.strip())
            folder = os.path.dirname(own_path)
            if target and not target.startswith("/"):
                full = os.path.normpath(os.path.join(folder, target))
                if os.path.exists(full):
                    return Verdict(
                        Kind.INVALID,
                        Status.UNKNOWN,
                        "a folder, not a document: set [corpus] content_root to resolve it",
                    )
                return Verdict(Kind.MISSING_FILE, Status.DEAD, f"no such file: {target}")
            return Verdict(
                Kind.INVALID,
                Status.UNKNOWN,
                "root-relative link, and the document has no address:"
                " set [corpus] content_root (and base_url) to check it",
            )
        if reason.startswith(NO_DOCUMENT):
            return Verdict(Kind.MISSING_DOCUMENT, Status.DEAD, reason)
        return Verdict(Kind.INVALID, Status.DEAD, reason)

    def _remote(self, record: Record) -> Verdict | None:
        res = record.res
        if res.archive is not None or self.settings.live_links == "all":
            where = "an archive copy" if res.archive is not None else "a live link"
            return Verdict(
                Kind.UNRESCUED,
                Status.UNRESCUED,
                f"{where} that `linkrescue rescue` can make local",
            )
        return None

    def _fragment(self, record: Record, target: str | None) -> Verdict | None:
        """A ``#fragment`` that names no heading or anchor of ``target`` (a corpus document)."""
        if not self.settings.fragments or target is None:
            return None
        fragment = _fragment_of(record)
        if not fragment or not target.lower().endswith((".md", ".markdown")):
            return None
        found = self._anchors_of(target)
        if found is None or found.has(fragment):
            return None
        wanted = decode_fragment(fragment)
        name = os.path.basename(target)
        return Verdict(
            Kind.MISSING_FRAGMENT,
            Status.DEAD,
            f"no heading or anchor #{wanted} in {name}",
        )


def _stored(res: Resolution, damaged: dict[str, VerifyProblem], root: Path) -> Verdict | None:
    stored = res.stored or ""
    problem = damaged.get(stored)
    if problem is None:
        if os.path.exists(os.path.join(root, stored)):
            return None
        return Verdict(Kind.MISSING_FILE, Status.DEAD, f"no such file in the store: {stored}")
    if problem.kind is ProblemKind.MISSING:
        return Verdict(
            Kind.STORE_MISSING,
            Status.DEAD,
            f"stored file {problem.path} is gone (`linkrescue verify --repair` puts it back)",
        )
    return Verdict(
        Kind.STORE_CHANGED,
        Status.DEAD,
        f"stored file {problem.path} no longer holds what was rescued"
        " (`linkrescue verify --repair` puts it back)",
    )


def _fragment_of(record: Record) -> str:
    """The fragment as written (``#foo``), from the reference or its definition."""
    raw = _written(record)
    return raw.split("#", 1)[1] if "#" in raw else ""


def path_part(target: str) -> str:
    """A relative destination's file path: no fragment or query, percent-decoded."""
    path = target.split("#", 1)[0].split("?", 1)[0]
    try:
        return unquote(path) if "%" in path else path
    except ValueError:
        return path


def _local_target(own_path: str, url: str | None) -> str | None:
    """The file a local reference names, relative to the document's folder."""
    if not url:
        return None
    path = path_part(url)
    if not path:
        return None
    return os.path.normpath(os.path.join(os.path.dirname(own_path), path))


def place(
    record: Record, verdict: Verdict, *, strict: bool, fail_on_unknown: bool = False
) -> Finding:
    """A :class:`Finding` at the reference's place as a reader's editor shows it."""
    line, column, end_line, end = _span(record)
    severity = severity_of(verdict.status, strict=strict, fail_on_unknown=fail_on_unknown)
    if verdict.kind is Kind.UNDEFINED_LABEL:
        url = None  # no URL: the label is named in the reason
    elif verdict.kind in _AS_WRITTEN or record.res.url is None:
        url = _written(record) or None  # a path a reader finds in the file, not a made-up URL
    else:
        url = record.res.url
    return Finding(
        record.file,
        line,
        column,
        end_line,
        end,
        verdict.kind,
        url,
        verdict.status,
        verdict.reason,
        severity,
    )


#: Kinds about a file or a fragment: their URL is shown as written.
_AS_WRITTEN = frozenset(
    {
        Kind.MISSING_FILE,
        Kind.MISSING_DOCUMENT,
        Kind.MISSING_FRAGMENT,
        Kind.STORE_MISSING,
        Kind.STORE_CHANGED,
        Kind.INVALID,
    }
)


def _written(record: Record) -> str:
    """The destination as written: a reference-style use's is its definition's."""
    ref = record.ref.definition if record.ref.kind is RefKind.MD_REFUSE else record.ref
    return ref.raw.strip() if ref is not None else ""


def severity_of(status: Status, *, strict: bool, fail_on_unknown: bool) -> Severity:
    """A finding's severity: exactly whether it fails the run."""
    if status is Status.DEAD:
        return Severity.ERROR
    if status is Status.UNRESCUED:
        return Severity.ERROR if strict else Severity.WARNING
    return Severity.ERROR if fail_on_unknown else Severity.NOTE


def heading_rule(name: str) -> Rule:
    """``[check] heading_ids`` as the anchors' rule (the config checked it is one)."""
    for rule in RULES:
        if rule == name:
            return rule
    raise ValueError(f"unknown heading-id rule {name!r}")


class AnchorCache:
    """The ids each document defines, read once per process when a fragment first names it."""

    def __init__(self, rule: Rule) -> None:
        self._rule = rule
        self._known: dict[str, Anchors | None] = {}

    def __call__(self, path: str) -> Anchors | None:
        real = os.path.realpath(path)
        if real not in self._known:
            self._known[real] = self._read(real)
        return self._known[real]

    def _read(self, path: str) -> Anchors | None:
        try:
            with open(path, "rb") as fh:
                text = decode_document(fh.read())
        except (OSError, NotTextError):
            return None
        return anchors(text, self._rule)


#: Each worker's checks, by settings: its anchor cache lives as long as the process.
_CHECKS: dict[CheckStageSettings, OfflineChecks] = {}


def check_result(
    settings: CheckStageSettings, result: FileResult
) -> tuple[CheckedFile, list[Problem], list[Remote]]:
    """The offline findings of one scanned document, in reading order, and its problems.

    Runs in the scan's worker that read the document (``scan_items_then``): only the
    findings cross to the main process.
    """
    checks = _CHECKS.get(settings)
    if checks is None:
        checks = _CHECKS[settings] = OfflineChecks(settings, AnchorCache(settings.heading_ids))
    if not result.readable:
        reason = result.problems[0].reason if result.problems else "cannot read"
        return CheckedFile(result.path, 0, (), problem=reason), result.problems, []
    records = [r for r in result.records if not checks.excluded(r)]
    remotes: list[Remote] = []
    damaged = checks.store_problems(records)
    findings: list[Finding] = []
    for record in records:
        verdict = checks.verdict(record, damaged, result.path)
        # Asked online unless already broken offline (a missing chart.png beside a news
        # article resolves to the dead site: its answer would be "unknown").
        offline_fine = verdict is None or verdict.status is Status.UNRESCUED
        if settings.online and offline_fine and _is_remote(record):
            remotes.append(_remote(record))
        if verdict is not None:
            findings.append(
                place(
                    record,
                    verdict,
                    strict=settings.strict,
                    fail_on_unknown=settings.fail_on_unknown,
                )
            )
    findings.sort(key=lambda f: (f.line, f.column))
    checked = CheckedFile(result.path, len(result.records), tuple(findings))
    return checked, result.problems, remotes


def _is_remote(record: Record) -> bool:
    return record.res.status is Res.REMOTE and record.res.key is not None


def _remote(record: Record) -> Remote:
    """What the online checks need of a remote reference, and where it is."""
    ref, res = record.ref, record.res
    assert res.key is not None and res.url is not None
    start_line, start_column, end_line, end = _span(record)
    image = (
        ref.kind is RefKind.MD_IMAGE
        or (ref.element or "") in ("img", "source", "picture")
        or names_an_image(res.url)  # a link to …/photo.jpg wants the photo
    )
    timestamp = res.archive.timestamp if res.archive is not None else None
    return Remote(
        res.key,
        res.url,
        res.archive is not None,
        timestamp,
        image,
        start_line,
        start_column,
        end_line,
        end,
    )


def _span(record: Record) -> tuple[int, int, int, int]:
    ref = record.ref
    newlines = ref.raw.count("\n")
    end = ref.column + len(ref.raw) if not newlines else len(ref.raw) - ref.raw.rfind("\n")
    return ref.line, ref.column, ref.line + newlines, end
