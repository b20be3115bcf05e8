"""One atomic write for every writer: temporary file, fsync, rename, fsync of the folder.

What a user checks after a crash or a refused write: the file is the old one or
the new one, whole, with the permission bits it should have, and no temporary is
left behind. The order of the durable steps cannot be seen on a running system
without a power cut, so it is recorded from the real calls (they still run).
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from linkrescue.archive import RequestCounts
from linkrescue.atomic import write_atomically
from linkrescue.crawler.output.jsonfile import write_json_file
from linkrescue.crawler.report import build_report
from linkrescue.crawler.stages.rescue import RescueRun
from linkrescue.rewriters.files import replace_document

ARTICLE = '---\ntitle: "記 Clubhouse 房間"\n---\n![](http://web.archive.org/web/2021im_/x.png)\n'
REWRITTEN = '---\ntitle: "記 Clubhouse 房間"\n---\n![](../rescued/x.png)\n'


def test_the_new_bytes_replace_the_file_with_the_mode_asked(tmp_path: Path) -> None:
    doc = tmp_path / "clubhouse-room.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    write_atomically(doc, REWRITTEN.encode(), mode=0o640, prefix=".clubhouse-room.md.")
    assert doc.read_text(encoding="utf-8") == REWRITTEN
    assert stat.S_IMODE(doc.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["clubhouse-room.md"]


def test_a_refusing_check_leaves_the_file_and_no_temporary(tmp_path: Path) -> None:
    doc = tmp_path / "clubhouse-room.md"
    doc.write_text(ARTICLE, encoding="utf-8")

    def edited_meanwhile() -> None:
        raise RuntimeError("edited meanwhile")

    with pytest.raises(RuntimeError, match="edited meanwhile"):
        write_atomically(doc, REWRITTEN.encode(), mode=0o644, check=edited_meanwhile)
    assert doc.read_text(encoding="utf-8") == ARTICLE
    assert [p.name for p in tmp_path.iterdir()] == ["clubhouse-room.md"]


def test_a_process_killed_before_the_rename_leaves_the_old_file_whole(tmp_path: Path) -> None:
    doc = tmp_path / "clubhouse-room.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys; from pathlib import Path; "
            "from linkrescue.atomic import write_atomically; "
            "write_atomically(Path(sys.argv[1]), sys.argv[2].encode(), mode=0o644, "
            "prefix='.clubhouse-room.md.', "
            "check=lambda: os.kill(os.getpid(), signal.SIGKILL))",
            str(doc),
            REWRITTEN,
        ],
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert doc.read_text(encoding="utf-8") == ARTICLE
    (left,) = (p for p in tmp_path.iterdir() if p != doc)  # the new bytes, complete
    assert left.name.startswith(".clubhouse-room.md.")
    assert left.read_text(encoding="utf-8") == REWRITTEN


def _record_durable_steps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record fsync (of what) and rename (to what) as the real calls run."""
    steps: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        real_fsync(fd)
        steps.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))

    def replace(src: str | Path, dst: str | Path) -> None:
        real_replace(src, dst)
        steps.append(("rename", os.fspath(dst)))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return steps


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name an fd")
def test_the_report_and_a_document_are_fsynced_then_renamed_then_their_folder_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "reports" / "rescue.json"
    doc = tmp_path / "clubhouse-room.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    steps = _record_durable_steps(monkeypatch)

    write_json_file(report, build_report(RescueRun(), RequestCounts(cdx=3), 0))
    replace_document(doc, REWRITTEN, was=ARTICLE.encode())

    assert [kind for kind, _ in steps] == ["fsync", "rename", "fsync"] * 2
    for (_, synced), (_, renamed), (_, folder), target in zip(
        steps[0::3], steps[1::3], steps[2::3], (report, doc), strict=True
    ):
        assert Path(synced).parent == target.parent and synced != str(target)  # the temporary
        assert renamed == str(target)
        assert folder == str(target.parent)
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["requests"] == {"cdx": 3, "playback": 0, "live": 0}
    assert written["items"] == []
    assert doc.read_text(encoding="utf-8") == REWRITTEN
