"""The run screen's "end this session?" question, asked along the bottom of the screen.

The timer runs on while the runner decides (a rep can go by), so the question must not hide
what it is about: the phase and the clock stay in view, in their colours, above a short box
that takes the lines of the next step, the progress and the footer. The answers are the
confirmation's own (`y` or the red button ends; anything else keeps going). Its looks are in
dialogs.tcss, beside the confirmation's (whose rules would win over a DEFAULT_CSS here).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from speedtimer.tui.modals.confirm import ConfirmScreen

QUESTION = "End this session now? What you have done so far is kept."


class EndSessionScreen(ConfirmScreen):
    def __init__(self) -> None:
        super().__init__(QUESTION, yes="End session (y)", no="Keep going (n)")

    def compose(self) -> ComposeResult:
        with Vertical(id="end-box"):
            yield Static(self.question, markup=False, id="end-question")
            with Horizontal(id="end-buttons"):
                yield Button(self.no_label, id="no", variant="primary", compact=True)
                yield Button(self.yes_label, id="yes", variant="error", compact=True)
