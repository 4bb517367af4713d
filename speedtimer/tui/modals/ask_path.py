"""Ask for a file's path: a watch's FIT file to attach to a session, typed or pasted.

A terminal has no file picker; a path typed or pasted (a drag and drop into most terminals
pastes the path) is what a runner can give. `~` is the home folder. The answer is checked by
whoever asked, who says what is wrong with it.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

PATH_MAX = 4096


class AskPathScreen(ModalScreen[Path | None]):
    """Returns the path typed (expanded), or None when cancelled."""

    CSS_PATH = Path(__file__).with_name("dialogs.tcss")  # read when one first opens, not at start

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask_path_cancel")]

    def __init__(self, question: str, *, placeholder: str = "~/Downloads/watch.fit") -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-path-box"):
            yield Static(self.question, markup=False, id="ask-path-question")
            yield Input(placeholder=self.placeholder, id="ask-path-input", max_length=PATH_MAX)
            yield Static("", markup=False, id="ask-path-error")
            with Horizontal(id="ask-path-buttons"):
                yield Button("Attach (enter)", id="ask-path-ok", variant="success")
                yield Button("Cancel (esc)", id="ask-path-cancel")

    def on_mount(self) -> None:
        self.query_one("#ask-path-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._answer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ask-path-ok":
            self._answer()
        else:
            self.action_cancel()

    def _answer(self) -> None:
        text = self.query_one("#ask-path-input", Input).value.strip().strip("'\"")
        if not text or "\x00" in text:
            self.query_one("#ask-path-error", Static).update("Type or paste the file's path")
            return
        try:
            path = Path(text).expanduser()
        except RuntimeError:  # ~nobody
            self.query_one("#ask-path-error", Static).update(f"No such home folder: {text}")
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
