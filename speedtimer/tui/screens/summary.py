"""After the last step (or an early end): what was done, and the runner's RPE and note."""

from __future__ import annotations

import contextlib
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from speedtimer.core.preset import format_clock, format_pace
from speedtimer.core.splits import Group, Splits, Stats, session_splits
from speedtimer.core.statuses import status_word
from speedtimer.session import Session, Summary
from speedtimer.tui.screens.history_detail import signed
from speedtimer.tui.widgets.footer import QuietFooter

COMPACT_WIDTH = 60  # below these the summary drops its margins and borders
COMPACT_HEIGHT = 24
STACK_WIDTH = 50  # splits narrower than this put each group's title on a line of its own
ENTRY_GAP = 3
MAX_TITLE = 16

NOT_SAVED = "not saved, it ended before the first step"


def totals_parts(s: Summary, planned: str) -> list[str]:
    """The plan as planned (`planned`: the schedule's totals label); time added or taken off
    with +/- is its own figure."""
    parts = [f"Planned {planned}"]
    if abs(s.adjusted_s) >= 0.05:
        parts.append(f"Adjusted {signed(s.adjusted_s)}")
    return [
        *parts,
        f"Active {format_clock(s.active_s)}",
        f"Paused {format_clock(s.paused_s)}",
        f"Reps {s.reps_done}/{s.reps_planned}",
    ]


def short_signed(seconds: float) -> str:
    """+2.8, -0.4, ±0.0; a minute or more as +1:02.3."""
    if abs(seconds) < 0.05:
        return "±0.0"
    sign = "+" if seconds > 0 else "-"
    if abs(seconds) < 60:
        return f"{sign}{abs(seconds):.1f}"
    return sign + format_clock(abs(seconds), tenths=True)


def stats_text(stats: Stats) -> str:
    """avg 1:29.7  best 1:28.4  worst 1:31.2  fade +2.8 s (+3.2%)"""
    if stats.by_pace:
        show = format_pace
        fade = f"{'+' if stats.fade >= 0 else '-'}{abs(stats.fade):.0f} s/km"
    else:

        def show(x: float) -> str:
            return format_clock(x, tenths=True)

        fade = f"{short_signed(stats.fade)} s"
    return (
        f"avg {show(stats.average)}  best {show(stats.best)}  worst {show(stats.worst)}"
        f"  fade {fade} ({stats.fade_pct:+.1f}%)"
    )


def entry_text(rep: str, seconds: float, delta: float | None) -> str:
    text = f"{rep:>2} {format_clock(seconds, tenths=True)}"
    return text if delta is None else f"{text} {short_signed(delta)}"


def _wrap_words(text: str, width: int, sep: str = "  ") -> list[str]:
    """Lines of at most `width` made of whole `sep`-separated parts: never inside a figure."""
    lines: list[str] = []
    for part in text.split(sep):
        if lines and len(lines[-1]) + len(sep) + len(part) <= width:
            lines[-1] += sep + part
        else:
            lines.append(part)
    return lines


def group_lines(group: Group, width: int, indent: int) -> list[tuple[str, str]]:
    """(text, style) lines of one group's entries and stats, `indent` cells in, `width` wide."""
    entries = [entry_text(s.rep, s.seconds, s.delta) for s in group.splits]
    cell = max(len(e) for e in entries)
    room = max(1, width - indent)
    per_line = max(1, (room + ENTRY_GAP) // (cell + ENTRY_GAP))
    lines: list[tuple[str, str]] = []
    for start in range(0, len(entries), per_line):
        row = entries[start : start + per_line]
        lines.append(((" " * ENTRY_GAP).join(e.ljust(cell) for e in row).rstrip(), ""))
    if group.stats is not None:
        lines += [(line, "dim") for line in _wrap_words(stats_text(group.stats), room)]
    return lines


def splits_content(splits: Splits, width: int) -> Content:
    """Each group: its title, then its splits in columns and its stats. Wide: the titles in a
    column of their own; narrow: each title on a line above its group."""
    titles = [g.title[:MAX_TITLE] for g in splits.groups]
    if splits.overall is not None:
        titles.append("All")
    stacked = width < STACK_WIDTH
    indent = 2 if stacked else max(len(t) for t in titles) + 2
    parts: list[tuple[str, str] | str] = []

    def block(title: str, lines: list[tuple[str, str]], style: str) -> None:
        if stacked:
            parts.append((title + "\n", style))
        for n, (text, line_style) in enumerate(lines):
            lead = title.ljust(indent) if n == 0 and not stacked else " " * indent
            if n == 0 and not stacked:
                parts.append((lead, style))
            else:
                parts.append(lead)
            parts.append((text + "\n", line_style))

    for group, title in zip(splits.groups, titles, strict=False):
        block(title, group_lines(group, width, indent), "bold" if group.work else "bold dim")
    if splits.overall is not None:
        words = stats_text(splits.overall)
        block("All", [(line, "") for line in _wrap_words(words, width - indent)], "bold")
    content = Content.assemble(*parts)
    return content[:-1] if str(content).endswith("\n") else content


class SummaryScreen(Screen):
    CSS_PATH = Path(__file__).with_name("summary.tcss")  # read when one first opens, not at start
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("escape", "close", "Done", id="close"),
    ]

    AUTO_FOCUS = "#rpe"

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.summary = session.summary()
        self.splits = session_splits(session.schedule, session.timer.records)
        self._splits_width = 0
        self.saved = False

    def compose(self) -> ComposeResult:
        s = self.summary
        compact, width = self._compact(), self._width()
        self._splits_width = width
        self.set_class(compact, "compact")
        with Vertical(id="summary"):
            title = f"Session {status_word(s.status)} · {s.preset_name}"
            if self.session.unsaved:
                title += f" · {NOT_SAVED}"
            yield Static(title, markup=False, id="summary-title")
            yield Static(self._totals_text(width), markup=False, id="summary-totals")
            with VerticalScroll(id="summary-splits-box"):  # a short terminal scrolls them
                yield Static(self._splits_text(width), id="summary-splits")
            with Horizontal(id="feedback"):
                yield Label("RPE 1-10", classes="field-label")
                yield Input(
                    placeholder="how hard? 1-10",
                    id="rpe",
                    type="integer",
                    max_length=2,
                    restrict=r"[0-9]*",
                    compact=compact,
                )
                yield Label("Note", classes="field-label")
                yield Input(
                    placeholder="how did it feel?", id="note", max_length=500, compact=compact
                )
            yield Static("", markup=False, id="rpe-error")  # shown with a message
            with Horizontal(id="summary-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="success", compact=compact)
                yield Button("Done (esc)", id="close", compact=compact)
        yield QuietFooter()  # rebuilt only when its keys change; lets old keys go

    def on_resize(self) -> None:
        # a resize can come before the children of the containers are there
        with contextlib.suppress(NoMatches):
            self._apply_size()

    def _compact(self) -> bool:
        size = self.app.size
        return size.width < COMPACT_WIDTH or size.height < COMPACT_HEIGHT

    def _width(self) -> int:
        """The splits' width: the screen less its margins and room for a scroll bar."""
        return max(10, self.app.size.width - (2 if self._compact() else 4) - 2)

    def _totals_text(self, width: int) -> str:
        totals = totals_parts(self.summary, self.session.schedule.totals.label)
        # a narrow screen wraps between them, never inside one
        lines = _wrap_words("   ".join(totals), width + 2, sep="   ")
        targets = self._targets_text()
        if targets:
            lines += _wrap_words(targets, width + 2, sep=" · ")
        return "\n".join(lines)

    def _targets_text(self) -> str:
        """How the reps went against their targets, and the race the targets came from."""
        steps = self.session.schedule.steps
        deltas = [  # 0 inside a target range, as in the splits
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
        return " · ".join(parts)

    def _apply_size(self) -> None:
        compact = self._compact()
        self.set_class(compact, "compact")
        for widget in self.query("#feedback Input, #summary-buttons Button"):
            widget.compact = compact  # type: ignore[attr-defined]
        width = self._width()
        if width != self._splits_width:
            self._splits_width = width
            self.query_one("#summary-totals", Static).update(self._totals_text(width))
            self.query_one("#summary-splits", Static).update(self._splits_text(width))

    def _splits_text(self, width: int) -> Content:
        if self.splits:
            return splits_content(self.splits, width)
        if self.summary.reps_done:
            return Content.styled("No splits: press lap (enter) during a rep to time it.", "dim")
        return Content("")

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
            error = self.query_one("#rpe-error", Static)
            error.update(rpe)
            error.display = True
            self.query_one("#rpe", Input).focus()
            return
        if self.session.unsaved:
            self.notify(f"Nothing saved: {NOT_SAVED}", timeout=5)
            self.app.pop_screen()
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
