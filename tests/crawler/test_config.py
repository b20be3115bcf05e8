"""config.toml documents every setting with the code's default, and bad config fails loudly."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from linkrescue.crawler.config import SECTIONS, Config, ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]


def test_config_toml_states_every_default() -> None:
    documented = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))
    assert set(documented) == set(SECTIONS)
    for name, cls in SECTIONS.items():
        defaults = cls()
        assert set(documented[name]) == {f.name for f in fields(cls)}, name
        for f in fields(cls):
            value = documented[name][f.name]
            expected = getattr(defaults, f.name)
            if isinstance(expected, tuple):
                value = tuple(value)
            assert value == expected, (
                f"[{name}] {f.name}: config.toml says {value!r}, code {expected!r}"
            )


def test_loading_the_documented_file_gives_the_defaults() -> None:
    loaded = load_config(REPO / "config.toml")
    default = Config(base_dir=REPO)
    assert loaded == default
    assert loaded.store_dir == REPO / "rescued"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[scan]\nworkerz = 2\n", "[scan]: unknown key 'workerz'"),
        ("[scna]\n", "unknown section [scna]"),
        (
            "[archive]\ncdx_per_second = 'fast'\n",
            'cdx_per_second = "fast": input should be a valid number',
        ),
        ("[corpus]\naddress_keys = 'url'\n", 'address_keys = "url": input should be a valid list'),
        ("[scan]\nworkers = true\n", "workers = true: input should be a valid integer"),
        ("[scan\n", "not valid TOML"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_relative_store_dir_is_taken_from_the_config_folder(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    path.parent.mkdir()
    path.write_text('[store]\ndir = "saved"\n[archive]\ncdx_per_second = 0\n', encoding="utf-8")
    cfg = load_config(path)
    assert cfg.store_dir == tmp_path / "sub" / "saved"
    assert cfg.archive.cdx_per_second == 0.0


def test_each_stage_gets_the_keys_it_reads_from_the_file(tmp_path: Path) -> None:
    """Stages see their own settings, built from the config in one place: a key set in
    config.toml reaches the stage that reads it (a Hugo site serving the store at
    /rescued/, a Citizen News corpus identified by article id)."""
    (tmp_path / "site").mkdir()
    path = tmp_path / "site" / "config.toml"
    path.write_text(
        '[corpus]\naddress_keys = ["original_url"]\nid_pattern = "/article/(\\\\d+)/"\n'
        "[scan]\nmax_file_bytes = 2000000\nworkers = 2\n"
        '[store]\ndir = "static/rescued"\n'
        '[rescue]\nonly = "images"\nlive_links = "off"\nconcurrency = 8\nlistings = false\n'
        '[rewrite]\nstyle = "absolute"\nprefix = "/rescued/"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    store = tmp_path / "site" / "static" / "rescued"

    scan = config.for_scan()
    assert scan.corpus.address_keys == ("original_url",)
    assert scan.corpus.id_pattern == "/article/(\\d+)/"
    assert (scan.scan.max_file_bytes, scan.scan.workers) == (2_000_000, 2)
    assert (scan.store_dir, scan.absolute_prefix) == (store, "/rescued/")

    rescue = config.for_rescue()
    assert (rescue.only, rescue.live_links, rescue.concurrency, rescue.listings) == (
        "images",
        "off",
        8,
        False,
    )

    rewrite = config.for_rewrite()
    assert (rewrite.store_dir, rewrite.style, rewrite.prefix) == (store, "absolute", "/rescued/")

    # Relative links (the default): nothing written as /rescued/… is the store's.
    assert Config(base_dir=tmp_path).for_scan().absolute_prefix is None
