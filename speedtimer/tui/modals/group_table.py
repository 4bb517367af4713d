"""A group run from the history as a coach reads it: athletes x reps, each rep's time and delta
to that athlete's target, then average, best, worst and fade, and the group's median per rep.

The cells come from `history.group_table` (the same table `history export --group` writes as
CSV); this only draws them.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from speedtimer.core.preset import format_clock


def _clock(value: Any) -> str:
    return format_clock(value, tenths=True) if isinstance(value, int | float) else str(value)


def _delta(value: Any) -> Text:
    if not isinstance(value, int | float):
        return Text("")
    sign = "+" if value >= 0.05 else "-" if value <= -0.05 else "±"
    return Text(f"{sign}{abs(value):.1f}", style="red" if value >= 0.05 else "green")


class GroupTableScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,g", "close", "Close", id="group_table_close")]

    DEFAULT_CSS = """
    GroupTableScreen { align: center middle; }
    GroupTableScreen #group-box {
        width: 96%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    GroupTableScreen Static { width: 100%; height: auto; }
    """

    def __init__(self, title: str, cells: list[list[Any]]) -> None:
        super().__init__()
        self.title_text = title
        self.cells = cells

    def compose(self) -> ComposeResult:
        with Vertical(id="group-box"):
            yield Static(self.title_text, markup=False, id="group-history-title")
            yield Static(self._table(), id="group-history-table")

    def _table(self) -> Table:
        header, *rows = self.cells
        reps = (len(header) - 5) // 2
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", show_edge=False)
        table.add_column("athlete", no_wrap=True, max_width=16)
        for n in range(1, reps + 1):
            table.add_column(f"#{n}", justify="right", no_wrap=True)
        for name in ("avg", "best", "worst", "fade"):
            table.add_column(name, justify="right", no_wrap=True)
        for row in rows:
            cells: list[Text | str] = [Text(str(row[0]))]  # the user's name, never markup
            for n in range(reps):
                time, delta = row[1 + 2 * n], row[2 + 2 * n]
                cell = Text(_clock(time))
                cell.append_text(Text(" ") + _delta(delta) if delta != "" else Text(""))
                cells.append(cell)
            avg, best, worst, fade = row[1 + 2 * reps :]
            cells += [_clock(avg), _clock(best), _clock(worst), _delta(fade) if fade != "" else ""]
            table.add_row(*cells)
        return table

    def action_close(self) -> None:
        self.dismiss(None)
