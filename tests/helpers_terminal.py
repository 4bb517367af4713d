"""What the app really sends to the terminal, for tests that feed it hostile text.

`terminal_bytes` renders the active screen through Textual's own compositor, the same code the
driver uses to write to the terminal, so a test can check that no escape sequence from a file
reaches it, and `visible_text` strips Textual's own sequences to leave what a person reads.
"""

from __future__ import annotations

import re

# Textual's own output: CSI sequences (colours, cursor moves) and nothing else.
_CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# Sequences a hostile file would try to get to the terminal.
HOSTILE_SEQUENCES = ("\x1b]0;", "\x1b[2J", "\x1bc", "\x9b", "\x07", "\x00", "\x1b[6n")


def terminal_bytes(app) -> str:
    update = app.screen._compositor.render_update(full=True)
    return "".join(update.render_segments(app.console))


def visible_text(app) -> str:
    return _CSI.sub("", terminal_bytes(app))


def raw_controls(app) -> list[str]:
    """Control characters in the output besides Textual's own: the ESC of its CSI sequences
    and the newline it ends each row with."""
    rest = _CSI.sub("", terminal_bytes(app))
    return sorted({c for c in rest if (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) and c != "\n"})
