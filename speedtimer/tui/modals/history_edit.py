"""Change a past session's RPE and note: two fields, checked before anything is saved."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

RPE_PROBLEM = "RPE is a whole number from 1 (very easy) to 10 (maximal), or empty"
NOTE_MAX = 500


def parse_rpe(text: str) -> int | None | str:
    """The RPE typed in: None when empty, the number, or the problem in words."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 10:
        return RPE_PROBLEM
    return int(text)


class EditFeedbackScreen(ModalScreen[tuple[int | None, str] | None]):
    """Returns (rpe, note) when saved, None when cancelled."""

    CSS_PATH = Path(__file__).with_name("dialogs.tcss")  # read when one first opens, not at start

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="history_edit_save", priority=True),
        Binding("escape", "cancel", "Cancel", id="history_edit_cancel"),
    ]

    def __init__(self, title: str, rpe: int | None, note: str) -> None:
        super().__init__()
        self.title_text = title
        self.rpe = rpe
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-box"):
            yield Static(self.title_text, markup=False, id="edit-title")
            with Horizontal(classes="edit-line"):
                yield Label("RPE 1-10", classes="edit-label")
                yield Input(
                    "" if self.rpe is None else str(self.rpe),
                    placeholder="1-10",
                    id="edit-rpe",
                    max_length=2,
                    restrict=r"[0-9]*",
                )
            with Horizontal(classes="edit-line"):
                yield Label("Note", classes="edit-label")
                yield Input(
                    self.note, placeholder="how did it feel?", id="edit-note", max_length=NOTE_MAX
                )
            yield Static("", markup=False, id="edit-error")
            with Horizontal(id="edit-buttons"):
                yield Button("Save (ctrl+s)", id="edit-save", variant="success")
                yield Button("Cancel (esc)", id="edit-cancel")

    def on_mount(self) -> None:
        self.query_one("#edit-rpe", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "edit-rpe":
            self.query_one("#edit-note", Input).focus()
        else:
            self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "edit-save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        rpe = parse_rpe(self.query_one("#edit-rpe", Input).value)
        if isinstance(rpe, str):
            self.query_one("#edit-error", Static).update(rpe)
            self.query_one("#edit-rpe", Input).focus()
            return
        note = self.query_one("#edit-note", Input).value.strip()
        self.dismiss((rpe, note))

    def action_cancel(self) -> None:
        self.dismiss(None)
