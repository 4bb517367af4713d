"""A one-line question with its answer checked as it is typed: the runner's race, or what to
start a session with. Enter takes a valid answer, Escape leaves everything as it was.

The check is a function from the text to (value, problem), so the caller's own parser (the pace
model's) gives the message, and a bad answer is never taken.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

Check = Callable[[str], tuple[Any, str]]  # text -> (value, problem or "")


class TextPrompt(ModalScreen[Any]):
    """Dismisses with the checked value, or with None on Escape."""

    DEFAULT_CSS = """
    TextPrompt { align: center middle; background: $background 60%; }
    #prompt-box {
        width: 64; max-width: 100%; height: auto; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    #prompt-question { height: auto; text-style: bold; }
    #prompt-hint { height: auto; color: $text-muted; }
    #prompt-problem { height: auto; color: $error; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        question: str,
        check: Check,
        *,
        value: str = "",
        placeholder: str = "",
        hint: str = "",
        allow_empty: bool = False,
    ) -> None:
        super().__init__()
        self.question = question
        self.check = check
        self.value = value
        self.placeholder = placeholder
        self.hint = hint
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Static(self.question, markup=False, id="prompt-question")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("", markup=False, id="prompt-problem")
            yield Static(self.hint, markup=False, id="prompt-hint")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    @on(Input.Changed, "#prompt-input")
    def _typed(self) -> None:
        self.query_one("#prompt-problem", Static).update("")

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text and self.allow_empty:
            self.dismiss("")
            return
        value, problem = self.check(text)
        if problem:
            self.query_one("#prompt-problem", Static).update(problem)
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
