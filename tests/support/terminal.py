"""Running ``linkrescue`` on a real pseudo-terminal, as a person at a shell sees it.

Rich decides from ``isatty()`` whether to draw tables, live displays and short
lines; a test that pipes the output sees the cron behaviour instead. This runs
the real entry point with stdin, stdout and stderr on one pty of a fixed size.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

#: Terminal control sequences (colours, cursor) and carriage returns.
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


@dataclass(frozen=True, slots=True)
class TerminalRun:
    """What the terminal showed (stdout and stderr interleaved, as on screen) and the exit code."""

    screen: str
    returncode: int

    @property
    def lines(self) -> list[str]:
        """The lines left on screen: each as it reads after carriage returns and line
        erases (a live display redraws its line in place), without colour codes."""
        shown = []
        for line in self.screen.split("\n"):
            last = max(line.rfind("\r"), line.rfind("\x1b[2K"))
            if last >= 0:
                line = line[last:]
            shown.append(_CONTROL.sub("", line))
        return shown


def on_terminal(
    *args: str | Path, cwd: Path, columns: int = 160, timeout: float = 60
) -> TerminalRun:
    """``python -m linkrescue ARGS`` on a pty ``columns`` wide; its whole output once it exits."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLUMNS": str(columns),
        "NO_COLOR": "1",
    }
    env.pop("FORCE_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkrescue", *map(str, args)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError as exc:  # EIO: the child closed the terminal
                if exc.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=timeout)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return TerminalRun(b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n"), code)
