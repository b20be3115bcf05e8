"""The store's disk fills in the middle of a rescue (issue 14, item 3): the run stops
with one clear line, nothing in the store is corrupt or half-written, the documents are
untouched, and with space freed the next run ends exactly as a run that never ran out.

The store is a real tmpfs of 1 MiB (``mount -t tmpfs``, as root: `.ci/run` runs as
root on this project's machines), grown with ``remount`` to free space: no mock of
``ENOSPC``, the kernel says it.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.archive_content import Cap
from tests.support.cli import linkrescue, write_config
from tests.support.files import store_files
from tests.support.pywb_server import Pywb, start_pywb

TS = "20211229095346"
SITE = "https://photos.example.com/2021"
IMAGES = 40
DOCS = 4


def _jpeg(n: int) -> bytes:
    """A JPEG-looking image of 40 KB that does not compress (so it fills the disk)."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(n).randbytes(40_000)


def _captures() -> list[Cap]:
    return [Cap(f"{SITE}/{n}.jpg", TS, _jpeg(n), "image/jpeg") for n in range(IMAGES)]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-full"), captures=_captures(), probe_url=f"{SITE}/0.jpg"
    )
    yield server
    server.stop()


def _corpus(root: Path, archive: Pywb) -> dict[Path, bytes]:
    content = root / "content"
    content.mkdir(parents=True)
    per = IMAGES // DOCS
    for d in range(DOCS):
        images = "\n".join(
            f"![{n}](https://web.archive.org/web/{TS}im_/{SITE}/{n}.jpg)"
            for n in range(d * per, (d + 1) * per)
        )
        (content / f"album-{d}.md").write_text(f"# Album {d}\n\n{images}\n", encoding="utf-8")
    write_config(root, archive.url)
    return {p: p.read_bytes() for p in sorted(content.glob("*.md"))}


def _mount(store: Path, size: str, *, remount: bool = False) -> None:
    options = f"remount,size={size}" if remount else f"size={size}"
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(store)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"mounting a tmpfs needs root: {done.stderr}"


def test_a_full_disk_stops_the_run_cleanly_and_the_next_run_ends_as_if_it_had_not(
    archive: Pywb, tmp_path: Path
) -> None:
    reference = tmp_path / "reference"
    _corpus(reference, archive)
    clean = linkrescue("rescue", "content", cwd=reference)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    root = tmp_path / "full"
    documents = _corpus(root, archive)
    store = root / "rescued"
    store.mkdir()
    _mount(store, "1m")
    try:
        full = linkrescue("rescue", "content", cwd=root)
        # one clear line, no traceback, exit 74
        assert full.returncode == 74, full.stdout + full.stderr
        assert "Traceback" not in full.stderr
        lines = [line for line in full.stderr.splitlines() if "disk is full" in line]
        assert len(lines) == 1, full.stderr
        assert lines[0].startswith(f"linkrescue: {store}: the disk is full (")
        assert "free some space and run again" in lines[0]
        # the documents are untouched, the store is whole, nothing is half-written
        assert {p: p.read_bytes() for p in documents} == documents
        kept = store_files(store)
        assert 0 < len(kept) < IMAGES  # it did fill part-way
        assert not any(p.is_file() for p in (store / ".staging").rglob("*.part"))

        _mount(store, "16m", remount=True)  # space freed
        verify = linkrescue("verify", cwd=root)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        again = linkrescue("rescue", "content", cwd=root)
        assert again.returncode == 0, again.stdout + again.stderr
        for path in documents:
            assert path.read_bytes() == (reference / "content" / path.name).read_bytes()
        assert store_files(store) == store_files(reference / "rescued")
        print(
            f"\ndisk full: a 1 MiB tmpfs stopped the run (exit 74) with {len(kept)} of "
            f"{IMAGES} images stored, on one line: {lines[0].split(': ', 2)[-1]!r}; verify "
            f"clean; grown to 16 MiB, the next run's store and documents: 0 differences"
        )
    finally:
        subprocess.run(["umount", "-l", str(store)], check=False)
