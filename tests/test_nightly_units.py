"""The nightly set-up (``contrib/``, ``docs/nightly.md``, the README) is what systemd and
cron will run: the units pass ``systemd-analyze verify`` (where systemd is installed;
else they are read as INI, as systemd's parser reads them), and the crontab line and
``ExecStart`` are one command whose every option ``linkrescue rescue`` accepts."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.cli import linkrescue

REPO = Path(__file__).resolve().parent.parent
SERVICE = REPO / "contrib" / "linkrescue-nightly.service"
TIMER = REPO / "contrib" / "linkrescue-nightly.timer"


def unit(path: Path) -> configparser.ConfigParser:
    """A unit file read as systemd reads it: sections, ``Key=value``, ``#`` comments,
    keys case-sensitive, no interpolation (``%`` is systemd's own specifier)."""
    parser = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return parser


def crontab_lines(text: str) -> list[str]:
    blocks = re.findall(r"```crontab\n(.*?)```", text, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def exec_start() -> list[str]:
    return shlex.split(unit(SERVICE)["Service"]["ExecStart"])


def test_systemd_reads_the_units_without_a_complaint(tmp_path: Path) -> None:
    service, timer = unit(SERVICE), unit(TIMER)
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["SuccessExitStatus"].split() == ["3"]  # another run holds it
    assert timer["Timer"]["Unit"] == SERVICE.name
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:00:00"
    assert timer["Install"]["WantedBy"] == "timers.target"
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return  # read as INI above: what can be checked without systemd
    # verify also checks that ExecStart's program exists: point it at this one.
    here = Path(sys.executable).parent / "linkrescue"
    assert here.is_file()
    (tmp_path / SERVICE.name).write_text(
        SERVICE.read_text(encoding="utf-8").replace(
            "/opt/linkrescue/.venv/bin/linkrescue", str(here)
        ),
        encoding="utf-8",
    )
    shutil.copyfile(TIMER, tmp_path / TIMER.name)
    done = subprocess.run(
        [analyze, "verify", "--man=no", SERVICE.name, TIMER.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    complaints = [
        line for line in done.stderr.splitlines() if "linkrescue-nightly" in line or "/tmp" in line
    ]
    assert done.returncode == 0 and complaints == [], done.stderr
    calendar = subprocess.run(
        [analyze, "calendar", timer["Timer"]["OnCalendar"]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert calendar.returncode == 0 and "02:00:00" in calendar.stdout, calendar.stderr


def test_cron_and_systemd_run_the_same_rescue_with_the_nightly_options() -> None:
    command = exec_start()
    assert command[0] == "/opt/linkrescue/.venv/bin/linkrescue"
    assert command[1:3] == ["rescue", "content"]
    options = {arg for arg in command if arg.startswith("--")}
    assert {"--time-budget", "--max-requests", "--log-file", "--quiet", "--report-html"} <= options
    for text in (
        (REPO / "docs" / "nightly.md").read_text(encoding="utf-8"),
        (REPO / "README.md").read_text(encoding="utf-8"),
    ):
        (line,) = crontab_lines(text)
        fields = line.split(None, 5)
        assert fields[:5] == ["0", "2", "*", "*", "*"]
        cd, run = fields[5].split(" && ")
        assert cd == f"cd {unit(SERVICE)['Service']['WorkingDirectory']}"
        assert shlex.split(run) == command


def test_every_option_of_the_nightly_command_is_one_rescue_takes(tmp_path: Path) -> None:
    shown = linkrescue("rescue", "--help", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    known = set(re.findall(r"--[a-z][a-z-]+", shown.stdout))
    options = {arg for arg in exec_start() if arg.startswith("--")}
    assert options >= {"--time-budget", "--max-requests", "--log-file", "--quiet"}
    missing = options - known
    assert not missing, f"not options of linkrescue rescue: {sorted(missing)}"
