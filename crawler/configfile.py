"""Which file configures linkrescue, found as users of ruff, mypy or pytest expect.

Run inside a Hugo site, ``config.toml`` is the site generator's (``baseURL``,
``[params]``, ``[markup]``): reading it as ours made ``linkrescue scan content`` exit 2
with ``unknown section [baseURL]`` (issue 11). So a file is chosen in this order:

1. ``--config FILE``;
2. the environment variable ``LINKRESCUE_CONFIG`` (a cron job's or CI's);
3. ``linkrescue.toml``, then ``.linkrescue.toml``;
4. ``[tool.linkrescue]`` in ``pyproject.toml`` (its sub-tables are the sections:
   ``[tool.linkrescue.archive]``), as ruff and mypy read theirs;
5. ``config.toml``, unless it is another tool's: one with top-level keys that are
   not tables (Hugo's always has ``baseURL``, ``title``…; linkrescue's holds only
   sections) is passed over with a one-line note, never an error. A file of tables
   only is ours, so a misspelt section (``[archives]``) stays an error (exit 2), as a
   typo in a cron job's config must.

Steps 3-5 look in the current folder, then each parent up to the repository's root
(the folder holding ``.git``) — a pre-commit hook or a ``check`` of ``content/x.md``
runs from the root, a user often from a sub-folder; the nearest folder holding any
of them wins, as ruff's ``pyproject.toml`` discovery does. A file named explicitly (1,
2) is always ours: an unknown section there is an error (exit 2), as before.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The environment variable naming the config file.
ENV_VAR = "LINKRESCUE_CONFIG"
OWN_NAMES = ("linkrescue.toml", ".linkrescue.toml")
PYPROJECT = "pyproject.toml"
SHARED_NAME = "config.toml"


class ConfigFileError(Exception):
    """A config file that cannot be read or is not TOML (one line: the file and why)."""


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """The settings found: their file (None: the defaults), the tables read from it,
    how it was found, and a note for the user (a file passed over), if any."""

    path: Path | None
    data: Mapping[str, Any]
    how: str
    note: str | None = None


def find_config(
    explicit: Path | None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ConfigFile:
    """The config to use."""
    environ = os.environ if env is None else env
    if explicit is not None:
        return ConfigFile(explicit, _read(explicit), "--config")
    named = environ.get(ENV_VAR, "")
    if named:
        path = Path(named)
        return ConfigFile(path, _read(path), f"${ENV_VAR}")
    note = None
    for folder in _folders(cwd or Path.cwd()):
        for name in OWN_NAMES:
            path = folder / name
            if path.is_file():
                return ConfigFile(path, _read(path), name, note)
        path = folder / PYPROJECT
        if path.is_file():
            tool = _read(path).get("tool", {})
            table = tool.get("linkrescue") if isinstance(tool, dict) else None
            if isinstance(table, dict):
                return ConfigFile(path, table, "[tool.linkrescue]", note)
        path = folder / SHARED_NAME
        if path.is_file():
            data = _read(path)
            foreign = sorted(k for k, v in data.items() if not isinstance(v, dict))
            if not foreign:
                return ConfigFile(path, data, SHARED_NAME, note)
            if note is None:
                note = (
                    f"{path}: not linkrescue's ({_named(foreign)}: another tool's, such as a"
                    f" Hugo site's): ignored; put linkrescue's settings in linkrescue.toml"
                    f" or name a file with --config or ${ENV_VAR}"
                )
    return ConfigFile(None, {}, "defaults", note)


def _named(keys: list[str]) -> str:
    shown = ", ".join(keys[:3])
    return shown + (", …" if len(keys) > 3 else "")


def _folders(start: Path) -> list[Path]:
    """``start`` and its parents up to the repository's root (or the file system's)."""
    folders = []
    for folder in [start.resolve(), *start.resolve().parents]:
        folders.append(folder)
        if (folder / ".git").exists():
            break
    return folders


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigFileError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"{path}: not valid TOML: {exc}") from None
