"""The built wheel installs one top-level package, ``linkrescue`` (issue 9).

PyPI has distributions that install top-level ``archive`` and ``crawler``; a wheel that
installed ours under those names would break ``linkrescue`` silently in any environment
holding one of them. This builds the wheel from a copy of the sources (nothing is
written into the checkout), installs it into a fresh venv with no dependencies and
runs the command from there, far from the repository, so the editable install cannot
answer for it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIP = (sys.executable, "-m", "pip", "--disable-pip-version-check")
SOURCES = (
    "linkrescue",
    "crawler",
    "rewriters",
    "archive",
    "pyproject.toml",
    "README.md",
    "LICENSE",
)


def _build_wheel(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, src / name)
    out = tmp_path / "dist"
    subprocess.run(
        [*PIP, "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("linkrescue-*.whl")
    return wheel


def test_the_wheel_installs_only_linkrescue_and_runs(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"linkrescue"}
    # Every module of every room is in it, sub-packages included (each must be listed
    # in pyproject.toml: a forgotten one would be missing from the wheel, silently).
    for room in ("crawler", "rewriters", "archive"):
        for module in (ROOT / room).rglob("*.py"):
            assert f"linkrescue/{module.relative_to(ROOT).as_posix()}" in names, module
    assert "linkrescue/py.typed" in names

    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [*PIP, "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    installed = {p.name for p in Path(purelib).iterdir()}
    assert {n for n in installed if not n.endswith(".dist-info")} == {"linkrescue"}

    # The dependencies come from the test venv's site-packages, put on the path by
    # PYTHONPATH: its .pth files (the editable finder among them) are not read there.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.md").write_text("[x](https://example.org/a)\n", encoding="utf-8")
    env = {"PYTHONPATH": sysconfig.get_paths()["purelib"], "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [str(python), "-m", "linkrescue", "scan", "a.md", "--format", "json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "https://example.org/a" in done.stdout
    where = subprocess.run(
        [str(python), "-c", "import linkrescue.crawler.cli as m; print(m.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(purelib), where
