"""``linkrescue check``: every broken reference of the files asked about, at its exact place.

Only the files given are reported; the whole corpus is read for identities (the
first pass of the scan, frontmatter only), so an internal link and a fragment in
another document resolve. A pull request checks what it changed
(``--changed-since origin/main``) and still knows the whole corpus.

Offline verdicts come from :mod:`linkrescue.crawler.stages.checks`; the result is a
:class:`~linkrescue.crawler.findings.CheckRun`, streamed file by file in the order
given, which any output format writes.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from linkrescue.archive import Index, open_state, store_at
from linkrescue.crawler.config import Config
from linkrescue.crawler.findings import CheckedFile, CheckRun, CheckSummary, Finding, Status
from linkrescue.crawler.stages.checks import (
    CheckStageSettings,
    check_result,
    heading_rule,
    path_part,
    severity_of,
)
from linkrescue.crawler.stages.corpus import InputError, Problem
from linkrescue.crawler.stages.online import Answer, OnlineChecks, Remote
from linkrescue.crawler.stages.scan import Corpus, index_corpus, scan_items_then


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What the command line chose: the mode, and which files."""

    offline: bool
    strict: bool
    fail_on_unknown: bool = False
    corpus: tuple[Path, ...] = ()
    changed_since: str | None = None


@dataclass(slots=True)
class _Counts:
    files: int = 0
    references: int = 0
    by_status: dict[Status, int] = field(default_factory=dict)

    def add(self, checked: CheckedFile) -> None:
        self.files += 1
        self.references += checked.references
        for finding in checked.findings:
            self.by_status[finding.status] = self.by_status.get(finding.status, 0) + 1


def check(
    paths: Sequence[Path],
    config: Config,
    options: CheckOptions,
    *,
    on_problem: Callable[[Problem], None],
) -> CheckRun:
    """Check the documents under ``paths`` (or git's changed files among them).

    Raises :class:`InputError` for a path that does not exist or a ``--changed-since``
    git cannot answer (a usage error, exit 2).
    """
    started = time.monotonic()
    reported, only_at = _reported(paths, options, config)
    roots = _corpus_roots(paths, options, config, reported)
    scan_settings = config.for_scan()
    stage = CheckStageSettings(
        fragments=config.check.fragments,
        heading_ids=heading_rule(config.check.heading_ids),
        exclude=config.check.exclude,
        live_links=config.rescue.live_links,
        strict=options.strict,
        fail_on_unknown=options.fail_on_unknown,
        online=not options.offline,
        store_dir=config.store_dir,
        extensions=tuple(e.lower() for e in config.corpus.extensions),
    )
    corpus = index_corpus(roots, scan_settings, on_problem=on_problem)
    wanted = None if reported is None else {os.path.realpath(p) for p in reported}
    items = [item for item in corpus.items if wanted is None or os.path.realpath(item[0]) in wanted]
    counts = _Counts()

    requests: dict[str, int] = {}

    def checked_files() -> Iterator[tuple[CheckedFile, list[Remote]]]:
        checking = partial(check_result, stage)
        for checked, problems, remotes in scan_items_then(items, corpus, scan_settings, checking):
            places = only_at.get(os.path.realpath(checked.file)) if only_at else None
            if places is not None:  # not changed itself: only what points at the change
                kept = tuple(f for f in checked.findings if (f.line, f.column) in places)
                checked = CheckedFile(checked.file, checked.references, kept, checked.problem)
                remotes = [r for r in remotes if (r.line, r.column) in places]
            for problem in problems:
                on_problem(problem)
            yield checked, remotes

    def files() -> Iterator[CheckedFile]:
        if options.offline:
            for checked, _ in checked_files():
                counts.add(checked)
                yield checked
            return
        # Online: every remote resource of the run is asked once, after the scan (one
        # archive listing answers many of them); the files are then given in order.
        held = list(checked_files())
        remotes = [r for _, remote in held for r in remote]
        with _kept_answers(config.store_dir) as kept:
            online = OnlineChecks(
                config.archive,
                config.live,
                network=config.network,
                kept=kept,
                max_age_hours=config.check.max_age_hours,
                policy=config.nightly.policy(),
                confirm=config.check.confirm,
            )
            answers = online.answer(remotes)
        requests.update(online.requests, reused=online.reused)
        for checked, remotes in held:
            merged = _merged(checked, remotes, answers, options)
            counts.add(merged)
            yield merged

    def summary() -> CheckSummary:
        return CheckSummary(
            files=counts.files,
            references=counts.references,
            dead=counts.by_status.get(Status.DEAD, 0),
            unknown=counts.by_status.get(Status.UNKNOWN, 0),
            unrescued=counts.by_status.get(Status.UNRESCUED, 0),
            offline=options.offline,
            seconds=time.monotonic() - started,
            cdx=requests.get("cdx", 0),
            playback=requests.get("playback", 0),
            live=requests.get("live", 0),
            reused=requests.get("reused", 0),
        )

    return CheckRun(files(), summary)


@contextmanager
def _kept_answers(store_dir: Path) -> Iterator[Index | None]:
    """The store's index, where online answers are kept, when a store is there
    (``check`` creates no store: without one, every run asks again)."""
    if store_at(store_dir) is None:
        yield None
        return
    with open_state(store_dir) as index:
        yield index


def _merged(
    checked: CheckedFile, remotes: list[Remote], answers: dict[str, Answer], options: CheckOptions
) -> CheckedFile:
    """``checked`` with the online answers on its remote references: a dead or unknown
    answer takes the place of the offline ``unrescued`` reminder at that reference (an
    archive copy that is not archived cannot be rescued)."""
    found: dict[tuple[int, int], Finding] = {}
    for remote in remotes:
        answer = answers.get(remote.key)
        if answer is None or answer.kind is None or answer.status is None:
            continue
        severity = severity_of(
            answer.status, strict=options.strict, fail_on_unknown=options.fail_on_unknown
        )
        found[(remote.line, remote.column)] = Finding(
            checked.file,
            remote.line,
            remote.column,
            remote.end_line,
            remote.end,
            answer.kind,
            remote.url,
            answer.status,
            answer.reason,
            severity,
        )
    if not found:
        return checked
    kept = [f for f in checked.findings if (f.line, f.column) not in found]
    findings = sorted([*kept, *found.values()], key=lambda f: (f.line, f.column))
    return CheckedFile(checked.file, checked.references, tuple(findings), checked.problem)


#: For documents reported only because they point at a changed file: the places
#: (line, column) of those references, by the document's real path.
Places = dict[str, set[tuple[int, int]]]


def _reported(
    paths: Sequence[Path], options: CheckOptions, config: Config
) -> tuple[list[Path] | None, Places]:
    """The files to report (None: every document under ``paths``), and for documents
    that did not change themselves, the only places to report.

    With ``--changed-since``: the documents git reports as added or modified, and the
    documents whose rewritten references point at a file the change deleted or
    modified (a stored photo removed, an article renamed or its headings edited):
    those did not change, but the pull request broke their links — and only those
    links, not what was broken before, are this pull request's findings.
    """
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
    if options.changed_since is None:
        return None, {}
    present, touched = changed_files(options.changed_since)
    affected = affected_documents(touched, config.store_dir)
    exts = tuple(e.lower() for e in config.corpus.extensions)
    under = [p.resolve() for p in paths]
    chosen = sorted(
        f
        for f in {*present, *map(Path, affected)}
        if f.name.lower().endswith(exts)
        and f.is_file()
        and any(f == root or f.is_relative_to(root) for root in under)
    )
    changed = {os.path.realpath(p) for p in present}
    only_at = {doc: places for doc, places in affected.items() if doc not in changed}
    return chosen, only_at


def affected_documents(touched: set[Path], store_dir: Path) -> Places:
    """Documents whose rewritten references (the store's ledger) point at ``touched``
    files, by real path, with the places of those references."""
    base = store_at(store_dir)
    if not touched or base is None:
        return {}
    gone = {os.path.realpath(p) for p in touched}
    names = {os.path.basename(p) for p in gone}
    found: Places = {}
    with open_state(store_dir) as index:
        ledger = index.all_references()
    folders: dict[str, tuple[str, str]] = {}  # the ledger's name -> (real path, its folder)
    for ref in ledger:
        known = folders.get(ref.document)
        if known is None:  # a document holds many references: its real path is read once
            real = os.path.realpath(os.path.join(base, ref.document))
            known = folders[ref.document] = (real, os.path.dirname(real))
        document, folder = known
        target = os.path.normpath(os.path.join(folder, path_part(ref.replacement)))
        if target in gone or (
            os.path.basename(target) in names and os.path.realpath(target) in gone
        ):
            found.setdefault(document, set()).add((ref.line, ref.column))
    return found


def _corpus_roots(
    paths: Sequence[Path], options: CheckOptions, config: Config, reported: list[Path] | None
) -> list[Path]:
    """Where identities come from: ``--corpus``, else ``[corpus] content_root``, else the
    paths given; a reported file outside them is added (its own links still resolve)."""
    if options.corpus:
        roots = list(options.corpus)
    elif config.corpus.content_root:
        roots = [config.resolve(config.corpus.content_root)]
    else:
        roots = list(paths)
    for root in roots:
        if not root.exists():
            raise InputError(f"{root}: no such corpus folder")
    real = [r.resolve() for r in roots]
    extra = [
        p
        for p in (reported if reported is not None else paths)
        if not any(p.resolve() == r or p.resolve().is_relative_to(r) for r in real)
    ]
    return roots + extra


def changed_files(ref: str) -> tuple[list[Path], set[Path]]:
    """What git says changed since ``ref`` (the merge base of ``ref`` and the working
    tree, as a pull request's diff): the files added or modified that are there now,
    and every path the change deleted or modified (renames count as both), absolute.

    :class:`InputError` when git cannot answer (not a repository, unknown ref).
    """
    try:
        top = _git("rev-parse", "--show-toplevel").strip()
        listed = _git("diff", "--name-status", "-z", "--no-renames", "--merge-base", ref)
    except FileNotFoundError:
        raise InputError("--changed-since needs git, and git is not installed") from None
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "").strip().splitlines()
        why = detail[0] if detail else f"git exited {exc.returncode}"
        raise InputError(f"--changed-since {ref}: {why}") from None
    fields = listed.split("\0")
    present: list[Path] = []
    touched: set[Path] = set()
    for status, name in zip(fields[0::2], fields[1::2], strict=False):
        if not name:
            continue
        path = Path(top, name)
        if status[:1] in ("A", "M", "T"):
            present.append(path)
        if status[:1] in ("D", "M", "T"):
            touched.add(path)
    return present, touched


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], check=True, capture_output=True, text=True, encoding="utf-8"
    )
    return done.stdout


__all__ = ["CheckOptions", "Corpus", "affected_documents", "changed_files", "check"]
