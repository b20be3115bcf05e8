"""``config.toml``: one frozen dataclass per section, filled from TOML.

Every key users may write is a field here with its default; ``config.toml`` at the
repository root documents each one with the same default (a test compares them).
An unknown section or key, or a value of the wrong type, is a :class:`ConfigError`
naming the file and the key: a typo in a cron job's config must fail loudly
(exit 2), not silently fall back to a default.
"""

from __future__ import annotations

import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from archive.settings import ArchiveSettings, StoreSettings

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
    """

    address_keys: tuple[str, ...] = ("original_url", "url")
    id_pattern: str = ""
    extensions: tuple[str, ...] = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """How documents are read.

    ``frontmatter_keys`` name the keys whose values are resources (top-level key
    names; nested values under them, such as ``cover.src`` or ``images[0]``, are
    found too). ``max_file_bytes`` skips a file larger than this (reported).
    ``workers`` is the number of processes reading documents; 0 means one per core.
    """

    frontmatter_keys: tuple[str, ...] = DEFAULT_FRONTMATTER_KEYS
    max_file_bytes: int = 10_000_000
    workers: int = 0


ONLY_CHOICES = ("images", "links", "all")
LIVE_LINKS_CHOICES = ("dead", "all", "off")
STYLE_CHOICES = ("relative", "absolute")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")


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

    def __post_init__(self) -> None:
        _check_choice("only", self.only, ONLY_CHOICES)
        _check_choice("live_links", self.live_links, LIVE_LINKS_CHOICES)
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")


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

    def __post_init__(self) -> None:
        _check_choice("style", self.style, STYLE_CHOICES)


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration, and the folder relative paths in it are taken from."""

    corpus: CorpusSettings = field(default_factory=CorpusSettings)
    scan: ScanSettings = field(default_factory=ScanSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    rescue: RescueSettings = field(default_factory=RescueSettings)
    rewrite: RewriteSettings = field(default_factory=RewriteSettings)
    base_dir: Path = field(default_factory=Path.cwd)

    @property
    def store_dir(self) -> Path:
        """The store folder, absolute: relative paths are taken from the config file's folder."""
        path = Path(self.store.dir).expanduser()
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
}

DEFAULT_CONFIG_NAME = "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read ``path``; without one, ``./config.toml`` if it exists, else the defaults."""
    if path is None:
        candidate = Path.cwd() / DEFAULT_CONFIG_NAME
        if not candidate.is_file():
            return Config()
        path = candidate
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return config_from_mapping(data, source=str(path), base_dir=path.resolve().parent)


def config_from_mapping(data: dict[str, Any], *, source: str, base_dir: Path) -> Config:
    """Build a :class:`Config` from parsed TOML, checking every section, key and type."""
    sections: dict[str, Any] = {}
    for name, table in data.items():
        cls = SECTIONS.get(name)
        if cls is None:
            raise ConfigError(f"{source}: unknown section [{name}]")
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [{name}] must be a table")
        sections[name] = _build(cls, table, f"{source}: [{name}]")
    return Config(base_dir=base_dir, **sections)


def with_overrides(config: Config, section: str, **values: Any) -> Config:
    """Return ``config`` with some keys of one section replaced (CLI options), type-checked."""
    current = getattr(config, section)
    checked = {k: _coerce(current, k, v, f"option for [{section}] {k}") for k, v in values.items()}
    try:
        return replace(config, **{section: replace(current, **checked)})
    except ValueError as exc:
        raise ConfigError(f"[{section}]: {exc}") from None


def _build(cls: type[Any], table: dict[str, Any], where: str) -> Any:
    default = cls()
    names = {f.name for f in fields(cls)}
    values = {}
    for key, value in table.items():
        if key not in names:
            raise ConfigError(f"{where}: unknown key {key!r}")
        values[key] = _coerce(default, key, value, f"{where} {key}")
    try:
        return cls(**values)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _coerce(default: Any, key: str, value: Any, where: str) -> Any:
    hints = typing.get_type_hints(type(default))
    expected = hints[key]
    origin = typing.get_origin(expected)
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(expected)
        if not isinstance(value, list | tuple) or not all(isinstance(v, item_type) for v in value):
            raise ConfigError(f"{where} must be a list of {item_type.__name__}")
        return tuple(value)
    if origin in (types.UnionType, typing.Union):
        allowed = tuple(a for a in typing.get_args(expected) if a is not type(None))
        if value is None or isinstance(value, allowed):
            return value
        raise ConfigError(f"{where} must be {' or '.join(a.__name__ for a in allowed)}")
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is int and isinstance(value, bool):
        raise ConfigError(f"{where} must be an integer")
    if not isinstance(value, expected):
        raise ConfigError(f"{where} must be {expected.__name__}, not {type(value).__name__}")
    return value
