"""`linkrescue verify` on a real store: intact, a changed byte, a deleted file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from typer.testing import CliRunner

from linkrescue.archive.model import Capture
from linkrescue.archive.store.store import Store
from linkrescue.crawler.cli import app


def _rescue(store: Store, url: str, body: bytes) -> Path:
    with store.staging() as sink:
        sink.write(body)
        capture = Capture(
            requested=url,
            original=url,
            timestamp="20211229095346",
            archive_url=f"https://web.archive.org/web/20211229095346id_/{url}",
            mimetype="image/png",
            size=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            sha1_base32=sink.sha1_base32,
            cdx_digest=None,
            verified=False,
        )
        stored = store.put(sink, capture, key=url)
    return stored.absolute


def test_verify_reports_changed_and_missing_files(tmp_path: Path) -> None:
    root = tmp_path / "rescued"
    with Store(root) as store:
        a = _rescue(store, "https://img.example.org/a.png", b"\x89PNG a")
        b = _rescue(store, "https://img.example.org/新聞/b.png", b"\x89PNG b")
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", "--store", str(root)])
    assert ok.exit_code == 0, ok.output
    assert "2 rescued resources, 0 problems" in ok.output

    a.unlink()
    a.write_bytes(b"\x89PNG A")  # one byte changed, a new inode
    b.unlink()
    bad = runner.invoke(app, ["verify", "--store", str(root)])
    assert bad.exit_code == 1
    assert f"changed: {a}" in bad.output
    assert f"missing: {b}" in bad.output


def test_verify_without_a_store_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["verify", "--store", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "no store here" in result.output
    assert not (tmp_path / "none").exists()
