"""After the last step (or an early end): what was done, and the runner's RPE and note."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Label, Static

from speedtimer.core.preset import format_clock, format_pace
from speedtimer.session import Session
from speedtimer.tui.widgets.footer import QuietFooter

STATUS_WORDS = {
    "completed": "Session complete",
    "aborted": "Session ended early",
    "interrupted": "Session interrupted",
}


class SummaryScreen(Screen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("escape", "close", "Done", id="close"),
    ]

    AUTO_FOCUS = "#rpe"

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.summary = session.summary()
        self.saved = False

    def compose(self) -> ComposeResult:
        s = self.summary
        with Vertical(id="summary"):
            yield Static(
                f"{STATUS_WORDS.get(s.status, s.status)} · {s.preset_name}",
                markup=False,
                id="summary-title",
            )
            yield Static(
                f"Planned {self.session.schedule.totals.label}   Active {format_clock(s.active_s)}"
                f"   Paused {format_clock(s.paused_s)}   Reps {s.reps_done}/{s.reps_planned}"
                + self._targets_text(),
                markup=False,
                id="summary-totals",
            )
            yield self._splits_table()
            with Horizontal(id="feedback"):
                yield Label("RPE 1-10", classes="field-label")
                yield Input(
                    placeholder="how hard? 1-10",
                    id="rpe",
                    type="integer",
                    max_length=2,
                    restrict=r"[0-9]*",
                )
                yield Label("Note", classes="field-label")
                yield Input(placeholder="how did it feel?", id="note", max_length=500)
            yield Static("", markup=False, id="rpe-error")
            with Horizontal(id="summary-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="success")
                yield Button("Done (esc)", id="close")
        yield QuietFooter()  # rebuilt only when its keys change; lets old keys go

    def _targets_text(self) -> str:
        """How the reps went against their targets, and the race the targets came from."""
        steps = self.session.schedule.steps
        deltas = [  # 0 inside a target range, as in the table below
            d
            for index, split, _, target in self.summary.laps
            if target and (d := steps[index].delta_s(split)) is not None
        ]
        parts = []
        if deltas:
            avg = sum(deltas) / len(deltas)
            sign = "+" if avg >= 0 else "-"
            parts.append(f"vs target {sign}{format_clock(abs(avg), tenths=True)} a rep")
        race = self.session.race
        if race is not None:
            parts.append(f"targets from {race.text} (VDOT {race.vdot:.1f})")
        return ("\n" + " · ".join(parts)) if parts else ""

    def _splits_table(self) -> DataTable:
        """Filled before it is mounted: a Screen's Mount can arrive before the children of
        its containers are mounted, so querying for them there is a race."""
        table: DataTable = DataTable(id="splits-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Lap", "Split", "Pace", "Target", "Delta")
        steps = self.session.schedule.steps
        for n, (index, split, distance, target) in enumerate(self.summary.laps, start=1):
            pace = format_pace(split / distance * 1000) if distance else ""
            delta = ""
            d = steps[index].delta_s(split) if target else None  # 0 inside a target range
            if d is not None:
                delta = ("+" if d >= 0 else "-") + format_clock(abs(d), tenths=True)
            table.add_row(
                f"{n} {steps[index].title}",
                format_clock(split, tenths=True),
                pace,
                steps[index].target_time_text if target else "",
                delta,
            )
        table.display = bool(self.summary.laps)
        return table

    def _rpe(self) -> int | None | str:
        text = self.query_one("#rpe", Input).value.strip()
        if not text:
            return None
        if not text.isdigit() or not 1 <= int(text) <= 10:
            return "RPE is a whole number from 1 (very easy) to 10 (maximal)"
        return int(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "rpe":
            self.query_one("#note", Input).focus()
        else:
            self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_close()

    def action_save(self) -> None:
        rpe = self._rpe()
        if isinstance(rpe, str):
            self.query_one("#rpe-error", Static).update(rpe)
            self.query_one("#rpe", Input).focus()
            return
        note = self.query_one("#note", Input).value.strip()
        self.session.save_feedback(rpe, note)
        self.saved = True
        self.notify("Saved to your history", timeout=3)
        self.app.pop_screen()

    def action_close(self) -> None:
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self.session.close()
