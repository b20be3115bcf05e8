"""What every command shares on the terminal: verbosity, error lines, plurals, safe text.

``-q/--quiet`` keeps only the summary and errors; ``-v/--verbose`` adds the debug
log. On a terminal, output is short and untimestamped (a live display shows the
rest); off a terminal (cron, CI, a pipe) every event is one plain timestamped
line, which a log file keeps readable.

Text that comes from the documents (URLs, file names, reasons) is never read as
Rich markup: a real URL holding ``[/x]`` made Rich raise ``MarkupError``, and
``[src]`` or ``c[red].md`` silently lost their brackets.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import IntEnum
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperArgument, TyperCommand

from linkrescue.crawler import exits

QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only the summary and errors.")
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Also print the debug log (every request, retry).")
]


class Verbosity(IntEnum):
    """How much a command says: ``-q``, default, ``-v``."""

    QUIET = 0
    NORMAL = 1
    VERBOSE = 2

    @classmethod
    def of(cls, *, quiet: bool, verbose: bool) -> Verbosity:
        if quiet and verbose:
            fail("--quiet and --verbose contradict each other: give one")
        return cls.QUIET if quiet else cls.VERBOSE if verbose else cls.NORMAL


@dataclass(frozen=True, slots=True)
class Terminal:
    """The consoles of one command (stderr for messages, stdout for data) and how much to say."""

    err: Console
    out: Console
    verbosity: Verbosity

    @classmethod
    def open(cls, *, quiet: bool, verbose: bool) -> Terminal:
        verbosity = Verbosity.of(quiet=quiet, verbose=verbose)
        return cls(Console(stderr=True), Console(), verbosity)

    @property
    def interactive(self) -> bool:
        """A person watching (stderr is a terminal): live display, short lines."""
        return self.err.is_terminal

    def note(self, message: str) -> None:
        """An informational line (not shown with ``-q``); never read as markup."""
        if self.verbosity > Verbosity.QUIET:
            self.err.print(message, markup=False, highlight=False, soft_wrap=True)

    def summary(self, message: str) -> None:
        """The closing line of a command: shown even with ``-q``."""
        self.err.print(message, markup=False, highlight=False, soft_wrap=True)


def fail(message: str, code: int = exits.USAGE) -> NoReturn:
    """One line on stderr, then exit (2 by default: usage or configuration)."""
    print(f"linkrescue: {message}", file=sys.stderr, flush=True)
    raise typer.Exit(code)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 document``, ``2 documents``; ``many`` for irregular plurals."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def safe(text: str) -> str:
    """``text`` escaped for a place that reads Rich markup (a table cell, a help line)."""
    return escape(text)


class HelpCommand(TyperCommand):
    """A command whose ``--help`` names arguments by their metavar alone.

    Typer prints each argument's Python type beside it (``PATH <list[Path]>``),
    which tells a user nothing the metavar does not.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument) and param.metavar is not None:
                param.display_type_rich = _no_type  # type: ignore[method-assign]


def _no_type(ctx: Any) -> None:
    return None
