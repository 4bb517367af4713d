"""A question with several answers, for when yes/no is not enough (save / discard / keep).

Each answer has its own letter, written on its button. Escape, and enter on the button that
has focus at first, give the answer that loses nothing, so a stray key never throws work away.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    key: str
    variant: str = "default"


class ChoiceScreen(ModalScreen[str | None]):
    """Returns the chosen answer's value; escape gives `safe` (the value that changes nothing)."""

    CSS_PATH = Path(__file__).with_name("dialogs.tcss")  # read when one first opens, not at start

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice_cancel")]

    def __init__(self, question: str, choices: list[Choice], *, safe: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.choices = choices
        self.safe = safe

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-box"):
            yield Static(self.question, markup=False, id="choice-question")
            with Horizontal(id="choice-buttons"):
                for c in self.choices:
                    yield Button(f"{c.label} ({c.key})", id=f"choice-{c.value}", variant=c.variant)

    def on_mount(self) -> None:
        first = self.safe if self.safe is not None else self.choices[0].value
        self.query_one(f"#choice-{first}", Button).focus()

    def on_key(self, event: events.Key) -> None:
        for c in self.choices:
            if event.key == c.key:
                event.stop()
                self.dismiss(c.value)
                return

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_cancel(self) -> None:
        self.dismiss(self.safe)
