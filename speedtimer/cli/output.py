"""What the command line prints for a person is made safe for the terminal in one place.

Preset names, file names, labels, notes and settings values come from files anyone may have
written: a right-to-left override (U+202E) or an escape character in one would reorder or
rewrite the terminal's line. Every subcommand runs with sys.stdout and sys.stderr wrapped so
that whatever it prints goes through `terminal_safe` (the same spelling as the app's own
`printable`, plus bidi controls): a new print in any command is covered without thinking of it.

Data asked for on stdout (an export piped to a file) is the exception: `for_data` gives the
real stream when stdout is not a terminal, so the bytes written are the data, unchanged.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

from speedtimer.core.text import terminal_safe


class TerminalSafe:
    """A text stream that writes through `terminal_safe`; everything else is the real one's."""

    def __init__(self, stream: TextIO) -> None:
        self.raw = stream

    def write(self, text: str) -> int:
        self.raw.write(terminal_safe(text))
        return len(text)

    def for_data(self) -> TextIO:
        """Where to write data the user asked for on stdout: unchanged into a pipe or a file,
        made safe on a terminal (where it is read, not kept)."""
        return self if self.raw.isatty() else self.raw

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self.raw, name)


@contextlib.contextmanager
def terminal_safe_output() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalSafe(sys.stdout), TerminalSafe(sys.stderr)
    try:
        yield
    finally:
        for wrapper in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                wrapper.flush()
        sys.stdout, sys.stderr = saved
