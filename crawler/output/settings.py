"""``linkrescue config``: the effective settings, each with the file it came from.

A user whose site generator owns ``config.toml`` needs to see which file linkrescue
read (issue 11); a cron job's author, that an override took. Header values are shown
as ``***``: ``[archive] headers`` may hold a private archive's token.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any, TextIO

from linkrescue.crawler.config import SECTIONS, Config
from linkrescue.crawler.configfile import ConfigFile

SECRET = "***"


def settings_of(config: Config, found: ConfigFile) -> dict[str, Any]:
    """Every section and key as the commands use them, with the source of each."""
    source = str(found.path) if found.path is not None else "default"
    sections: dict[str, Any] = {}
    for name in SECTIONS:
        table = getattr(config, name)
        written = found.data.get(name, {}) if found.path is not None else {}
        keys: dict[str, Any] = {}
        for f in fields(table):
            value = getattr(table, f.name)
            if f.name == "headers":
                value = {k: SECRET for k, _ in value}
            elif isinstance(value, tuple):
                value = list(value)
            keys[f.name] = {
                "value": value,
                "from": source if isinstance(written, dict) and f.name in written else "default",
            }
        sections[name] = keys
    return {
        "file": None if found.path is None else str(found.path),
        "found_by": found.how,
        "sections": sections,
    }


def print_settings(config: Config, found: ConfigFile, *, as_json: bool, out: TextIO) -> None:
    """Write :func:`settings_of` as JSON, or as TOML a user can copy, sources in comments."""
    data = settings_of(config, found)
    if as_json:
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    where = data["file"] or "no config file: every value is the default"
    out.write(f"# {where} (found by {data['found_by']})\n")
    for name, keys in data["sections"].items():
        out.write(f"\n[{name}]\n")
        for key, entry in keys.items():
            value = json.dumps(entry["value"], ensure_ascii=False)
            if isinstance(entry["value"], dict):
                inner = ", ".join(
                    f"{json.dumps(k)} = {json.dumps(v)}" for k, v in entry["value"].items()
                )
                value = "{" + (f" {inner} " if inner else "") + "}"
            out.write(f"{key} = {value}  # {entry['from']}\n")
