"""``config.toml``: one frozen dataclass per section, filled from TOML.

Every key users may write is a field here with its default; ``config.toml`` at the
repository root documents each one with the same default (a test compares them).
An unknown section or key, or a value of the wrong type or out of its range, is a
:class:`ConfigError` of one line naming the file, the key and the reason: a typo in
a cron job's config must fail loudly (exit 2) before anything is written, not
silently fall back to a default or crash mid-run. Command-line options go through
the same checks (:func:`with_overrides`). The checks are declared in :data:`RULES`
and run by pydantic, which already knows URLs, ranges, finite floats and strict
types (a hand-written type checker lived here before and missed every range).
"""

from __future__ import annotations

import json
import re
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AnyHttpUrl, Field, TypeAdapter, ValidationError

from linkrescue.archive import HistoryPolicy
from linkrescue.archive.settings import ArchiveSettings, StoreSettings
from linkrescue.crawler.configfile import ConfigFile, ConfigFileError, find_config

#: Frontmatter keys whose values are images (rescued as images: an HTML error page won't do).
IMAGE_FRONTMATTER_KEYS: tuple[str, ...] = (
    "image",
    "images",
    "cover",
    "cover_image",
    "featured_image",
    "thumbnail",
    "banner",
    "hero",
    "og_image",
    "header",
    "photo",
    "photos",
    "picture",
    "gallery",
)
#: Frontmatter keys whose values are links to pages or files.
LINK_FRONTMATTER_KEYS: tuple[str, ...] = ("link", "links", "source", "source_url")
DEFAULT_FRONTMATTER_KEYS: tuple[str, ...] = IMAGE_FRONTMATTER_KEYS + LINK_FRONTMATTER_KEYS


@dataclass(frozen=True, slots=True)
class CorpusSettings:
    """How documents of a corpus are found and identified.

    ``address_keys`` name the frontmatter keys holding a document's own address,
    first match wins (Stand News: ``original_url``; Citizen News: ``original_url``
    then the Wayback ``url``). ``id_pattern`` is a regular expression over the
    normalized address whose first group (or whole match) identifies a document,
    for corpora whose addresses are messy (truncated or mis-encoded slugs) but
    carry a stable article id; empty means the whole normalized address.
    ``base_url`` is the site's own address (Jekyll's ``site.url`` joined with
    ``site.baseurl``): a destination ``{{ site.url }}/x`` or ``{{ site.baseurl }}/x``
    resolves against it; empty means such template code is skipped, never fetched.
    ``content_root`` is the folder that maps to the site's ``/`` on a documentation
    site whose files carry no address (Hugo's ``content/``, MkDocs' ``docs/``): a file's
    address is ``base_url`` + its path there (pretty URLs, ``index.md``/``_index.md``/
    ``README.md`` for the folder; without ``base_url``, the never-fetched stand-in
    ``https://content-root.invalid``), so root-relative and relative links resolve to
    documents of the corpus (:mod:`linkrescue.crawler.stages.docsite`). Empty: only
    frontmatter gives addresses.
    """

    address_keys: tuple[str, ...] = ("original_url", "url")
    id_pattern: str = ""
    base_url: str = ""
    content_root: str = ""
    extensions: tuple[str, ...] = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """How documents are read.

    ``frontmatter_keys`` name the keys whose values are resources (top-level key
    names; nested values under them, such as ``cover.src`` or ``images[0]``, are
    found too). ``image_keys``: which of them hold images (rescued as images; the
    others are links). ``max_file_bytes`` skips a file larger than this (reported).
    ``workers`` is the number of processes reading documents; 0 means one per core.
    """

    frontmatter_keys: tuple[str, ...] = DEFAULT_FRONTMATTER_KEYS
    image_keys: tuple[str, ...] = IMAGE_FRONTMATTER_KEYS
    max_file_bytes: int = 10_000_000
    workers: int = 0


ONLY_CHOICES = ("images", "links", "all")
LIVE_LINKS_CHOICES = ("dead", "all", "off")
STYLE_CHOICES = ("relative", "absolute")


@dataclass(frozen=True, slots=True)
class RescueSettings:
    """What ``linkrescue rescue`` does (each is also a command-line option).

    ``only``: ``images``, ``links`` or ``all`` references. ``live_links``: what to
    do with references to the live web (not archive URLs): ``dead`` checks each
    and rescues only the dead ones (404/410/DNS failure; 5xx, timeouts and 429
    are not dead), ``all`` rescues them all, ``off`` leaves them alone.
    ``concurrency``: resources fetched at once (the archive's rate limits still
    apply). ``dry_run``: fetch and write nothing, print the diff. ``rewrite``:
    false rescues into the store and leaves documents as they are. ``report``: a
    JSON report file ("" for none). ``recheck_days``: a resource found not
    archived (or blocked) is asked about again only after this many days, so a
    nightly run does not spend the archive's budget on known answers.
    ``listings``: list directories shared by many resources with the CDX API (one
    request answers for all of them); false looks each resource up by playback
    alone, for archives whose CDX API is missing, slow or tightly limited.
    """

    only: str = "all"
    live_links: str = "dead"
    concurrency: int = 4
    dry_run: bool = False
    rewrite: bool = True
    report: str = ""
    recheck_days: float = 30.0
    listings: bool = True


@dataclass(frozen=True, slots=True)
class RewriteSettings:
    """How rewritten references point at the local copies.

    ``relative`` (default): a path relative to the document, which works when the
    Markdown is opened from disk or published with the store beside it.
    ``absolute``: ``prefix`` + the path inside the store, for static-site
    generators that serve the store at a fixed URL (``/rescued/``).
    """

    style: str = "relative"
    prefix: str = "/rescued/"


#: What a browser sends: some servers answer a bare client 403 or 406 (issue 11).
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/*;q=0.8,*/*;q=0.7"


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """How live links (not archive URLs) are checked, by ``check`` and ``rescue``.

    Not the archive's settings: a live site that does not answer in ``timeout``
    seconds is ``unknown`` for now, where the archive is worth a 60 s wait.
    ``per_host_concurrency`` requests at once to one host, ``per_host_spacing``
    seconds between two requests to it (a documentation site links one host
    hundreds of times; hammering it earns 429s, lychee #1873). ``dead_statuses``: the
    answers that mean gone (a definitive answer; any other error is ``unknown``).
    ``headers``: sent with every live request (name = value), e.g. a cookie some
    site needs; ``Accept`` defaults to a browser's.
    """

    timeout: float = 20.0
    concurrency: int = 16
    per_host_concurrency: int = 2
    per_host_spacing: float = 0.5
    dead_statuses: tuple[int, ...] = (404, 410)
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """What ``linkrescue check`` reports.

    ``fragments``: check that a ``#fragment`` of a corpus document (or the same page)
    names a heading or anchor there, heading ids made by ``heading_ids`` rules
    (``github``: GitHub's, matched in any case as its page does; ``hugo``: Goldmark's
    default auto ids on trimmed text, ``{#id}`` attributes, matched exactly; see
    :mod:`linkrescue.rewriters.anchors`). ``exclude``: regular expressions over the URL as written;
    a match is never reported (a site's render-hook convention such as
    ``[term](g)``). ``max_age_hours``: how long an online answer is trusted from
    the store's index before it is asked again (0: never reused). ``confirm``: play
    back the capture the index picked when its row alone cannot tell (an image URL
    listed only as HTML, a capture that is a redirect to an unknown target), so that
    ``check`` says what ``rescue`` would do.
    """

    fragments: bool = True
    heading_ids: str = "github"
    exclude: tuple[str, ...] = ()
    max_age_hours: float = 24.0
    confirm: bool = True


@dataclass(frozen=True, slots=True)
class NightlySettings:
    """What an unattended (cron, systemd timer) run may spend, and how the state across
    runs judges what failed (issue 12).

    ``max_requests``: requests to the archive (CDX and playback) and to live sites one
    run may start; 0 is no limit (``--max-requests``). ``time_budget``: how long one run
    may start new work, as ``2h``, ``90m``, ``1h30m``, ``45s`` or seconds; empty is no
    limit (``--time-budget``). When either is reached no new resource is started, the
    ones in flight finish, the state is saved and settled documents are rewritten: the
    next run goes on where this one stopped.
    ``retry_after_hours``: a transient failure (5xx, timeout, reset, 429) is tried again
    by a later run only after this many hours, doubling with each failure in a row up to
    ``retry_max_hours``. ``dead_after_failures``/``dead_after_hours``: a live link is
    declared dead only after this many dead answers at least this far apart (the
    Internet Archive's own link-rescue bot waits for three failures three days apart,
    0.1% false positives); an "alive" answer starts the count again.
    """

    max_requests: int = 0
    time_budget: str = ""
    retry_after_hours: float = 6.0
    retry_max_hours: float = 168.0
    dead_after_failures: int = 3
    dead_after_hours: float = 24.0

    @property
    def time_budget_seconds(self) -> float | None:
        """``time_budget`` in seconds, None for no limit."""
        return parse_duration(self.time_budget) if self.time_budget else None

    def policy(self) -> HistoryPolicy:
        """The retry and dead keys, as the state's history functions take them
        (:mod:`linkrescue.archive.state.history`)."""
        return HistoryPolicy(
            self.retry_after_hours,
            self.retry_max_hours,
            self.dead_after_failures,
            self.dead_after_hours,
        )


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    """Where linkrescue's own requests may go (issue 14).

    ``allow_private``: live links (``check``, ``rescue``'s ``live_links``) to loopback,
    private, link-local (the cloud metadata address 169.254.169.254) or otherwise
    non-public addresses, or to host names that resolve to one, are refused and reported
    rather than requested: a corpus scraped from the web must not make a server of yours
    ask its own network. The configured archive is exempt (a pywb on localhost).
    """

    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class CrawlSettings:
    """What comes along with a rescued page so that it reads offline (issue 13).

    ``requisites``: a rescued HTML page's images, stylesheets (and what they import),
    fonts and icons are rescued too, from the capture nearest the page's, and the
    stored page points at them. ``depth``: 0 is the linked page and its requisites; 1
    also the pages it links to on its own host (and theirs). ``max_resources_per_page``:
    at most this many requisites of one page are looked up (a gallery page of 2,000
    thumbnails must not take a night's budget). ``scripts``: rescue scripts too (only
    useful with ``sanitize = false``). ``sanitize``: stored pages lose scripts, event
    handlers, ``javascript:`` URLs, refreshes, frames and forms and get a
    Content-Security-Policy; ``false`` keeps them as captured, unsafe to serve on a site
    of your own. ``allow_hosts``: when not empty, only requisites on these hosts (or
    their subdomains) are rescued; ``exclude_hosts``: never these (trackers, ad servers).
    """

    requisites: bool = True
    depth: int = 0
    max_resources_per_page: int = 200
    scripts: bool = False
    sanitize: bool = True
    allow_hosts: tuple[str, ...] = ()
    exclude_hosts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LogSettings:
    """Where a run's plain, timestamped log lines go for cron and systemd.

    ``file``: a log file ("" for none); relative to the config file's folder
    (``--log-file``). It rotates when it passes ``max_bytes``, keeping ``backups``
    older files (``run.log.1`` …), so a nightly job never fills the disk.
    """

    file: str = ""
    max_bytes: int = 10_000_000
    backups: int = 5


_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?")


def parse_duration(text: str) -> float:
    """Seconds in ``2h``, ``90m``, ``1h30m``, ``45s`` or ``3600``; ValueError if none."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError("must be a duration such as '2h', '90m', '1h30m', '45s' or seconds")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise ValueError("must be a duration above zero")
    return total


@dataclass(frozen=True, slots=True)
class ScanStageSettings:
    """What the scan stage reads (:mod:`linkrescue.crawler.stages.scan`): how documents are
    found and identified (``[corpus]``), how they are read (``[scan]``), and where the
    store is, so a reference into it (``../rescued/x.png``, or ``[rewrite] prefix`` +
    path when ``style = "absolute"``) is ``local``, not a URL of the article's site.
    Sent to every scan worker: a few small values, not the whole configuration."""

    corpus: CorpusSettings
    scan: ScanSettings
    store_dir: Path
    absolute_prefix: str | None


@dataclass(frozen=True, slots=True)
class RescueStageSettings:
    """What the rescue stage reads (:mod:`linkrescue.crawler.stages.rescue`): which
    references to rescue, how many fetches at once, and whether to list directories.
    The fields mean what their ``[rescue]`` keys do; ``image_keys`` is ``[scan] image_keys``."""

    only: str
    live_links: str
    concurrency: int
    listings: bool
    image_keys: tuple[str, ...] = IMAGE_FRONTMATTER_KEYS


@dataclass(frozen=True, slots=True)
class RewriteStageSettings:
    """What the rewrite stage reads (:mod:`linkrescue.crawler.stages.rewrite`): how a
    reference points at its local copy (``[rewrite]``), and where the store is."""

    store_dir: Path
    style: str
    prefix: str


@dataclass(frozen=True, slots=True)
class CrawlStageSettings:
    """What the page crawl needs: ``[crawl]``, and where the archive shows a capture
    (``view_root``: ``<archive url>/<collection>``, for references not rescued)."""

    crawl: CrawlSettings
    view_root: str

    def digest(self) -> str:
        """What a stored view depends on besides its page: a new value makes every view again."""
        c = self.crawl
        parts = (
            c.requisites,
            c.depth,
            c.max_resources_per_page,
            c.scripts,
            c.sanitize,
            c.allow_hosts,
            c.exclude_hosts,
            self.view_root,
        )
        return json.dumps(parts, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration, and the folder relative paths in it are taken from.

    Commands read it; each stage gets only its own settings, built here
    (:meth:`for_scan`, :meth:`for_rescue`, :meth:`for_rewrite`).
    """

    corpus: CorpusSettings = field(default_factory=CorpusSettings)
    scan: ScanSettings = field(default_factory=ScanSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    rescue: RescueSettings = field(default_factory=RescueSettings)
    rewrite: RewriteSettings = field(default_factory=RewriteSettings)
    live: LiveSettings = field(default_factory=LiveSettings)
    check: CheckSettings = field(default_factory=CheckSettings)
    nightly: NightlySettings = field(default_factory=NightlySettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    log: LogSettings = field(default_factory=LogSettings)
    base_dir: Path = field(default_factory=Path.cwd)

    @property
    def store_dir(self) -> Path:
        """The store folder, absolute: relative paths are taken from the config file's folder."""
        return self.resolve(self.store.dir)

    @property
    def report_path(self) -> Path | None:
        """Where ``[rescue] report`` goes: None for no report, ``-`` for standard output."""
        report = self.rescue.report
        if report in ("", "-"):
            return Path(report) if report else None
        return self.resolve(report)

    def for_scan(self) -> ScanStageSettings:
        """The scan stage's settings (``content_root`` made absolute: relative paths are
        taken from the config file's folder, and workers may not share the CLI's)."""
        absolute = self.rewrite.prefix if self.rewrite.style == "absolute" else None
        corpus = self.corpus
        if corpus.content_root:
            corpus = replace(corpus, content_root=str(self.resolve(corpus.content_root)))
        return ScanStageSettings(corpus, self.scan, self.store_dir, absolute)

    def for_rescue(self) -> RescueStageSettings:
        """The rescue stage's settings."""
        rescue = self.rescue
        return RescueStageSettings(
            rescue.only,
            rescue.live_links,
            rescue.concurrency,
            rescue.listings,
            self.scan.image_keys,
        )

    def for_crawl(self) -> CrawlStageSettings:
        """The page crawl's settings."""
        root = f"{self.archive.url.rstrip('/')}/{self.archive.collection.strip('/')}"
        return CrawlStageSettings(self.crawl, root)

    def for_rewrite(self) -> RewriteStageSettings:
        """The rewrite stage's settings."""
        return RewriteStageSettings(self.store_dir, self.rewrite.style, self.rewrite.prefix)

    def resolve(self, value: str) -> Path:
        """A path from the config, absolute: relative paths are taken from the config file's
        folder (a cron job's working folder is rarely the project's)."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base_dir / path


class ConfigError(Exception):
    """The configuration file is unreadable or says something we do not accept."""


SECTIONS: dict[str, type[Any]] = {
    "corpus": CorpusSettings,
    "scan": ScanSettings,
    "archive": ArchiveSettings,
    "store": StoreSettings,
    "rescue": RescueSettings,
    "rewrite": RewriteSettings,
    "live": LiveSettings,
    "check": CheckSettings,
    "nightly": NightlySettings,
    "crawl": CrawlSettings,
    "network": NetworkSettings,
    "log": LogSettings,
}


def load_config(path: Path | None = None) -> Config:
    """The configuration in ``path``, or the one found as :mod:`~linkrescue.crawler.configfile`
    says (``LINKRESCUE_CONFIG``, ``linkrescue.toml``, ``[tool.linkrescue]``, a
    ``config.toml`` of linkrescue's own), else the defaults."""
    return find_and_load(path)[0]


def find_and_load(path: Path | None = None) -> tuple[Config, ConfigFile]:
    """:func:`load_config`, and which file it came from (with a note for the user)."""
    try:
        found = find_config(path)
    except ConfigFileError as exc:
        raise ConfigError(str(exc)) from None
    if found.path is None:
        return Config(), found
    base_dir = found.path.resolve().parent
    return config_from_mapping(dict(found.data), source=str(found.path), base_dir=base_dir), found


def config_from_mapping(data: dict[str, Any], *, source: str, base_dir: Path) -> Config:
    """Build a :class:`Config` from parsed TOML, checking every section, key, type and range."""
    sections: dict[str, Any] = {}
    for name, table in data.items():
        cls = SECTIONS.get(name)
        if cls is None:
            raise ConfigError(f"{source}: unknown section [{name}]")
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [{name}] must be a table")
        names = {f.name for f in fields(cls)}
        for key in table:
            if key not in names:
                raise ConfigError(f"{source}: [{name}]: unknown key {key!r}")
        checked = {
            key: check_value(name, key, value, source=source) for key, value in table.items()
        }
        sections[name] = cls(**checked)
    return Config(base_dir=base_dir, **sections)


def with_overrides(
    config: Config, section: str, *, source: str = "command line", **values: Any
) -> Config:
    """``config`` with some keys of one section replaced (CLI options), checked as the file is.

    ``source`` names where the values came from (an option such as ``--concurrency``)
    in the one-line error.
    """
    current = getattr(config, section)
    checked = {k: check_value(section, k, v, source=source) for k, v in values.items()}
    return replace(config, **{section: replace(current, **checked)})


# --- validation -----------------------------------------------------------------------------
#
# Every key's type and range is declared once, below, and checked by pydantic (strict: a
# string is never read as a number, nor a number as a bool). The errors this prevents are
# real: `cdx_per_second = -1` crashed the rate limiter with a traceback after the store
# was created, `retries = -2` was accepted, `id_pattern = "(unclosed"` raised re.error in
# the middle of a scan, and `url = "web.archive.org"` (no scheme) spent half a minute in
# retries of a request httpx could never send.


def _http_url(value: str) -> str:
    """An absolute http(s) URL with a host (kept as written: pydantic's URL would add a ``/``)."""
    try:
        _HTTP_URL.validate_python(value)
    except ValidationError as exc:
        detail = exc.errors(include_url=False)[0].get("ctx", {}).get("error")
        why = f" ({detail})" if detail else ""
        raise ValueError(f"not an http:// or https:// URL with a host{why}") from None
    return value


def _http_url_or_empty(value: str) -> str:
    return _http_url(value) if value else value


def _duration_or_empty(value: str) -> str:
    if value:
        parse_duration(value)
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


def _matching(pattern: str, meaning: str) -> AfterValidator:
    """A string that must match ``pattern``, explained as ``meaning`` in the error."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {meaning}")
        return value

    return AfterValidator(check)


_HTTP_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)
_NonEmpty = Annotated[str, Field(min_length=1)]
_Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_Timeout = Annotated[float, Field(gt=0, allow_inf_nan=False)]
_Rate = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_Bytes = Annotated[int, Field(ge=1)]
#: HTTP headers as a TOML table (``{ Authorization = "Bearer …" }``): a token name and a
#: printable ASCII value, or httpx rejects them mid-run.
_Headers = dict[
    Annotated[str, _matching(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", "an HTTP header name")],
    Annotated[str, _matching(r"[\x20-\x7e]*", "printable ASCII (an HTTP header value)")],
]

#: The accepted values of every key, by section. A key missing here is checked against its
#: dataclass type only (a test requires an entry for each).
RULES: dict[str, dict[str, Any]] = {
    "corpus": {
        "address_keys": list[_NonEmpty],
        "id_pattern": Annotated[str, AfterValidator(_regex)],
        "base_url": Annotated[str, AfterValidator(_http_url_or_empty)],
        "content_root": str,
        "extensions": Annotated[
            list[Annotated[str, _matching(r"\.[^/\\\s]+", "a file ending such as '.md'")]],
            Field(min_length=1),
        ],
    },
    "scan": {
        "frontmatter_keys": list[_NonEmpty],
        "image_keys": list[_NonEmpty],
        "max_file_bytes": _Bytes,
        "workers": Annotated[int, Field(ge=0, le=256)],
    },
    "archive": {
        "url": Annotated[str, AfterValidator(_http_url)],
        "cdx_per_second": _Rate,
        "playback_per_second": _Rate,
        "pause_seconds": _Seconds,
        "connect_timeout": _Timeout,
        "read_timeout": _Timeout,
        "body_timeout": _Seconds,
        "retries": Annotated[int, Field(ge=0, le=20)],
        "max_body_bytes": _Bytes,
        # Sent as an HTTP header: printable ASCII only (httpx rejects anything else mid-run).
        "user_agent": Annotated[
            str, _matching(r"[\x20-\x7e]+", "printable ASCII, not empty (an HTTP header)")
        ],
        "collection": Annotated[
            str, _matching(r"/?[^/?#\s]+/?", "one path segment such as 'web' (no '/', '?', spaces)")
        ],
        "cdx_url": Annotated[str, AfterValidator(_http_url_or_empty)],
        "headers": _Headers,
    },
    "store": {"dir": _NonEmpty},
    "rescue": {
        "only": Literal["images", "links", "all"],
        "live_links": Literal["dead", "all", "off"],
        "concurrency": Annotated[int, Field(ge=1, le=100)],
        "dry_run": bool,
        "rewrite": bool,
        "report": str,
        "recheck_days": _Seconds,
        "listings": bool,
    },
    "rewrite": {
        "style": Literal["relative", "absolute"],
        "prefix": str,
    },
    "live": {
        "timeout": _Timeout,
        "concurrency": Annotated[int, Field(ge=1, le=256)],
        "per_host_concurrency": Annotated[int, Field(ge=1, le=64)],
        "per_host_spacing": _Seconds,
        "dead_statuses": list[Annotated[int, Field(ge=400, le=599)]],
        "headers": _Headers,
    },
    "check": {
        "fragments": bool,
        "heading_ids": Literal["github", "hugo"],
        "exclude": list[Annotated[str, AfterValidator(_regex)]],
        "max_age_hours": _Seconds,
        "confirm": bool,
    },
    "nightly": {
        "max_requests": Annotated[int, Field(ge=0)],
        "time_budget": Annotated[str, AfterValidator(_duration_or_empty)],
        "retry_after_hours": _Seconds,
        "retry_max_hours": _Seconds,
        "dead_after_failures": Annotated[int, Field(ge=1, le=100)],
        "dead_after_hours": _Seconds,
    },
    "crawl": {
        "requisites": bool,
        "depth": Annotated[int, Field(ge=0, le=1)],
        "max_resources_per_page": Annotated[int, Field(ge=1, le=100_000)],
        "scripts": bool,
        "sanitize": bool,
        "allow_hosts": list[Annotated[str, _matching(r"[A-Za-z0-9.\-]+", "a host name")]],
        "exclude_hosts": list[Annotated[str, _matching(r"[A-Za-z0-9.\-]+", "a host name")]],
    },
    "network": {"allow_private": bool},
    "log": {
        "file": str,
        "max_bytes": _Bytes,
        "backups": Annotated[int, Field(ge=0, le=100)],
    },
}

_ADAPTERS: dict[tuple[str, str], TypeAdapter[Any]] = {}


def _adapter(section: str, key: str) -> TypeAdapter[Any]:
    found = _ADAPTERS.get((section, key))
    if found is None:
        rule: Any = RULES.get(section, {}).get(key)
        if rule is None:  # a key added without a rule: at least its type
            rule = typing.get_type_hints(SECTIONS[section])[key]
            if typing.get_origin(rule) is tuple:
                rule = list[typing.get_args(rule)[0]]  # type: ignore[misc]
        found = _ADAPTERS[(section, key)] = TypeAdapter(rule)
    return found


def check_value(section: str, key: str, value: Any, *, source: str) -> Any:
    """``value`` for ``[section] key`` if acceptable (lists become tuples), else a
    :class:`ConfigError` of one line naming ``source``, the key, the value and the reason."""
    try:
        checked = _adapter(section, key).validate_python(value, strict=True)
    except ValidationError as exc:
        raise ConfigError(
            f"{source}: [{section}] {key} = {_shown(value)}: {_reason(exc)}"
        ) from None
    if isinstance(checked, dict):  # headers: kept as sorted pairs, so settings stay hashable
        return tuple(sorted(checked.items()))
    return tuple(checked) if isinstance(checked, list) else checked


def _reason(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    message = str(error["msg"]).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    where = "".join(f"[{part}]" for part in error["loc"] if isinstance(part, int))
    return f"item {where}: {message}" if where else message


def _shown(value: Any) -> str:
    """The value as TOML would write it, short enough for one line."""
    text = (
        json.dumps(value, ensure_ascii=False)
        if not isinstance(value, tuple)
        else json.dumps(list(value), ensure_ascii=False)
    )
    return text if len(text) <= 80 else text[:77] + "..."
